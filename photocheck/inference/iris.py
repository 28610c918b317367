"""MediaPipe Iris landmarks: 71 eye-contour/brow points and 5 iris points for one eye.

The model expects one side (the image-left eye, MediaPipe's "left" ROI from corners 33/133):
the other eye's crop is mirrored before the run and the result mirrored back. The crop is
square, ``2.3 ×`` the eye-corner distance, centred between the corners and rotated so the
corners are level.

The shipped ONNX file has a fixed batch dimension of 1 (see :func:`run_batch`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from photocheck.inference.blazeface import run_batched
from photocheck.inference.facemesh import crop_affine, invert_points, prepare

NAME = "iris_landmark"
INPUT_PX = 64
EYE_SCALE = 2.3


@dataclass(frozen=True, slots=True)
class EyeResult:
    """Iris output for one eye, in source px.

    Attributes
    ----------
    contour : numpy.ndarray
        ``(71, 2)`` eye contour and brow points.
    iris : numpy.ndarray
        ``(5, 2)``: iris centre, then 4 boundary points.
    """

    contour: np.ndarray
    iris: np.ndarray


def eye_affine(corner_a: np.ndarray, corner_b: np.ndarray, mirror: bool) -> np.ndarray:
    """Source→crop affine for one eye given its two corners (any order, image-left first is
    natural). When ``mirror`` is true the crop is also flipped horizontally."""
    a = np.asarray(corner_a, np.float64)
    b = np.asarray(corner_b, np.float64)
    left, right = (a, b) if a[0] <= b[0] else (b, a)
    d = right - left
    side = EYE_SCALE * max(float(np.hypot(*d)), 1.0)
    affine = crop_affine((left + right) / 2.0, side, float(np.arctan2(d[1], d[0])), INPUT_PX)
    if mirror:
        affine = (_FLIP @ np.concatenate([affine, _LAST_ROW]))[:2]
    return affine


# the mirror flip and the homogeneous row, built once
_FLIP = np.array([[-1.0, 0.0, INPUT_PX], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
_LAST_ROW = np.array([[0.0, 0.0, 1.0]])


def run_batch(session: Any, bgrs: Sequence[np.ndarray], affines: Sequence[np.ndarray]
              ) -> list[EyeResult]:
    """Run the iris model on several eye crops (mirrored crops come from :func:`eye_affine`).

    Returns
    -------
    list of EyeResult
        Points mapped back into each source image's px (mirroring undone by the affine).
    """
    if not bgrs:
        return []
    batch = np.stack([prepare(b, a, INPUT_PX) for b, a in zip(bgrs, affines, strict=True)])
    outputs = run_batched(session, batch)
    contours, irises = sorted(outputs, key=lambda a: -a.shape[-1])
    out: list[EyeResult] = []
    for i, affine in enumerate(affines):
        contour = contours[i].reshape(71, 3)[:, :2].astype(np.float64)
        iris = irises[i].reshape(5, 3)[:, :2].astype(np.float64)
        out.append(EyeResult(invert_points(affine, contour), invert_points(affine, iris)))
    return out


def run_eyes(session: Any, bgr: np.ndarray, left_corners: tuple[np.ndarray, np.ndarray],
             right_corners: tuple[np.ndarray, np.ndarray]) -> tuple[EyeResult, EyeResult]:
    """Both eyes of one face: the image-right eye is run mirrored.

    Parameters
    ----------
    left_corners, right_corners : tuple of numpy.ndarray
        Corner points (2,) of the image-left and image-right eye, source px.
    """
    affines = [eye_affine(*left_corners, mirror=False), eye_affine(*right_corners, mirror=True)]
    left, right = run_batch(session, [bgr, bgr], affines)
    return left, right
