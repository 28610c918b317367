"""EfficientNet-Lite0 (ImageNet-1k) on square crops: class probabilities and the 1280-d
pooled features that the headwear and eyewear classifiers read.

Preprocessing (``../shared/models/PROVENANCE.md``): RGB, 224 × 224, ``(x/255 − 0.5)/0.5``,
NCHW. The shipped ONNX file has a fixed batch dimension of 1, so a batch of crops runs one
call per crop (:func:`photocheck.inference.blazeface.run_batched`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from photocheck.inference.blazeface import run_batched
from photocheck.inference.pixels import HALF, rgb_float

NAME = "efficientnet_lite0"
INPUT_PX = 224
# A crop larger than this many input sides is first warped at an integer multiple of the
# input and then area-averaged down (warpAffine alone would alias a large head).
MAX_SUPERSAMPLE = 4

# ImageNet-1k class indices (PROVENANCE.md).
HEADWEAR_CLASSES = (433, 439, 452, 515, 518, 560, 667, 715, 793, 808)  # caps, hats, helmets
SUNGLASS_CLASSES = (836, 837)  # "sunglass", "sunglasses"


@dataclass(frozen=True)
class SemanticOutput:
    """The model's outputs for a batch of crops.

    Attributes
    ----------
    features : numpy.ndarray
        float32 ``(N, 1280)`` pooled embeddings.
    probabilities : numpy.ndarray
        float32 ``(N, 1000)`` softmax of the ImageNet logits.
    """

    features: np.ndarray
    probabilities: np.ndarray

    def class_sum(self, classes: Sequence[int]) -> np.ndarray:
        """Summed probability of some ImageNet classes, ``(N,)``."""
        return np.add.reduce(self.probabilities[:, list(classes)], axis=1)


def warp_crop(bgr: np.ndarray, affine: np.ndarray) -> np.ndarray:
    """The ``INPUT_PX`` square crop that ``affine`` (source px → crop px, 2 × 3) defines.

    Borders are replicated. When the crop covers several source px per crop px it is warped
    at up to :data:`MAX_SUPERSAMPLE` × the size and area-averaged down.
    """
    affine = np.asarray(affine, np.float64)
    # plain floats for the scalars (sqrt is correctly rounded in both); a NaN raises in floor
    src_per_px = 1.0 / max(math.sqrt(abs(float(np.linalg.det(affine[:, :2])))), 1e-9)
    factor = min(max(math.floor(src_per_px), 1), MAX_SUPERSAMPLE)
    big = affine * factor
    out = cv2.warpAffine(bgr, big, (INPUT_PX * factor,) * 2, flags=cv2.INTER_LINEAR,
                         borderMode=cv2.BORDER_REPLICATE)
    if factor > 1:
        out = cv2.resize(out, (INPUT_PX, INPUT_PX), interpolation=cv2.INTER_AREA)
    return out


def preprocess(bgrs: Sequence[np.ndarray]) -> np.ndarray:
    """``(N, 3, 224, 224)`` float32 model input from ``INPUT_PX`` square BGR uint8 crops."""
    batch = np.stack([rgb_float(b, HALF) for b in bgrs])  # (x / 255 − 0.5) / 0.5
    return np.ascontiguousarray(batch.transpose(0, 3, 1, 2))


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax."""
    # the ufunc reductions that ``.max`` / ``.sum`` call through Python wrappers
    z = logits - np.maximum.reduce(logits, axis=1, keepdims=True)
    e = np.exp(z)
    return e / np.add.reduce(e, axis=1, keepdims=True)


def run(session: Any, bgrs: Sequence[np.ndarray]) -> SemanticOutput:
    """Run the model on square BGR crops of ``INPUT_PX`` (from :func:`warp_crop`).

    Parameters
    ----------
    session : onnxruntime.InferenceSession
        The ``efficientnet_lite0`` session.
    bgrs : sequence of numpy.ndarray
        uint8 ``(224, 224, 3)`` BGR crops.
    """
    names = [o.name for o in session.get_outputs()]
    outputs = dict(zip(names, run_batched(session, preprocess(bgrs)), strict=True))
    logits = outputs["logits"].astype(np.float64)
    return SemanticOutput(features=outputs["features"].astype(np.float32),
                          probabilities=softmax(logits).astype(np.float32))
