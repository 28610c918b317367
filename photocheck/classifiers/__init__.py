"""Small linear classifiers on the semantic cues, stored as plain numbers (JSON, no pickles).

Each ``<name>.json`` holds a logistic regression fitted by ``benchmarks/fit_semantic.py``
through held-out folds: the names of its input blocks (:data:`BLOCKS`), the standardisation
(``mean``, ``scale``), ``weights`` on the standardised inputs, ``bias`` and its provenance
(positives, negatives, held-out AUC, the false-alarm rates behind the profile's limits).
The probability of the positive class is ``1 / (1 + exp(−(((x − mean) / scale) · w + b)))``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import numpy as np

from photocheck.inference.semantic import HEADWEAR_CLASSES, SUNGLASS_CLASSES
from photocheck.semantic import SemanticCues


class ClassifierError(ValueError):
    """A classifier file is missing or malformed."""


def _logit(p: float) -> float:
    # np.clip's ufunc steps without its Python wrappers: in ``p``'s own dtype (float32 sums
    # clip at float32 bounds) and NaN kept, as np.clip does
    p = float(np.minimum(np.maximum(p, 1e-6), 1.0 - 1e-6))
    return float(np.log(p / (1.0 - p)))


def _eye_or_nan(values: np.ndarray | None, size: int) -> np.ndarray:
    return np.full(size, np.nan, np.float32) if values is None else values


# the class picks as index arrays built once (a list turns into one on every call)
_HEADWEAR_IDX, _SUNGLASS_IDX = np.array(HEADWEAR_CLASSES), np.array(SUNGLASS_CLASSES)

# Input blocks: name → (size, function of the cues).
BLOCKS: dict[str, tuple[int, Callable[[SemanticCues], np.ndarray]]] = {
    "head.features": (1280, lambda c: c.head_features),
    "eye.features": (1280, lambda c: _eye_or_nan(c.eye_features, 1280)),
    # summed ImageNet headwear / sunglass class probabilities, as logits (a zero-shot cue)
    "head.headwear_logit": (1, lambda c: np.array(
        [_logit(c.head_probabilities[_HEADWEAR_IDX].sum())])),
    "head.sunglass_logit": (1, lambda c: np.array(
        [_logit(c.head_probabilities[_SUNGLASS_IDX].sum())])),
    "eye.sunglass_logit": (1, lambda c: np.array(
        [np.nan if c.eye_probabilities is None
         else _logit(c.eye_probabilities[_SUNGLASS_IDX].sum())])),
}


def input_vector(cues: SemanticCues, blocks: tuple[str, ...]) -> np.ndarray:
    """The concatenated input blocks of one photo (NaN where a block is missing)."""
    return np.concatenate([np.asarray(BLOCKS[b][1](cues), np.float64).ravel() for b in blocks])


@dataclass(frozen=True)
class LinearClassifier:
    """A standardised logistic regression (see the module docstring)."""

    name: str
    blocks: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float
    provenance: Mapping[str, Any] = field(default_factory=dict)

    def probability(self, x: np.ndarray) -> float:
        """Probability of the positive class for one input vector; NaN when any input is."""
        x = np.asarray(x, np.float64)
        if x.shape != self.mean.shape:
            raise ClassifierError(f"{self.name}: input of {x.shape}, expected {self.mean.shape}")
        if not np.logical_and.reduce(np.isfinite(x)):  # np.all's figure, sans its wrappers
            return float("nan")
        z = float(((x - self.mean) / self.scale) @ self.weights + self.bias)
        # np.clip of one float in plain floats (a NaN stays NaN in both)
        return float(1.0 / (1.0 + np.exp(-min(max(z, -60.0), 60.0))))

    def score(self, cues: SemanticCues) -> float:
        """Probability of the positive class for one photo's cues."""
        return self.probability(input_vector(cues, self.blocks))

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {"name": self.name, "blocks": list(self.blocks),
                "mean": [round(float(v), 7) for v in self.mean],
                "scale": [round(float(v), 7) for v in self.scale],
                "weights": [round(float(v), 8) for v in self.weights],
                "bias": float(self.bias), "provenance": dict(self.provenance)}


def from_dict(data: Mapping[str, Any]) -> LinearClassifier:
    """Build and validate a classifier from plain data."""
    try:
        blocks = tuple(str(b) for b in data["blocks"])
        unknown = [b for b in blocks if b not in BLOCKS]
        if unknown:
            raise ClassifierError(f"unknown input blocks {unknown}")
        size = sum(BLOCKS[b][0] for b in blocks)
        mean, scale, weights = (np.asarray(data[k], np.float64)
                                for k in ("mean", "scale", "weights"))
        if not mean.shape == scale.shape == weights.shape == (size,):
            raise ClassifierError(f"mean/scale/weights must have {size} values")
        if np.any(scale <= 0) or not np.all(np.isfinite(np.r_[mean, scale, weights])):
            raise ClassifierError("scale must be positive and every number finite")
        return LinearClassifier(str(data["name"]), blocks, mean, scale, weights,
                                float(data["bias"]), dict(data.get("provenance", {})))
    except (KeyError, TypeError) as exc:
        raise ClassifierError(f"malformed classifier: {exc}") from exc


@cache
def load(name: str) -> LinearClassifier:
    """The packaged classifier ``photocheck/classifiers/<name>.json`` (loaded once)."""
    try:
        text = resources.files(__package__).joinpath(f"{name}.json").read_text("utf-8")
    except OSError as exc:
        raise ClassifierError(f"no classifier {name!r}") from exc
    return from_dict(json.loads(text))


def for_context(ctx: Any, name: str) -> LinearClassifier:
    """The classifier a check uses: ``ctx.classifiers[name]`` when the caller put one there
    (the held-out evaluation scores each fold with a classifier fitted without it), else the
    packaged one."""
    override = getattr(ctx, "classifiers", None) or {}
    return override.get(name) or load(name)
