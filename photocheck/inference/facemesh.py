"""MediaPipe FaceMesh (468 landmarks with relative depth): affine crop, run, map back.

The model sees a 192×192 crop centred on the detector box, side ``1.5 × max(w, h)``, rotated so
that the detector's two eye keypoints are level. Landmarks come back in crop pixels and are
mapped to the source image by inverting that affine; z is scaled by the same factor.

The shipped ONNX file has a fixed batch dimension of 1 (see :func:`run_batch`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from photocheck.inference.blazeface import run_batched, sigmoid
from photocheck.inference.pixels import UNIT, rgb_float

NAME = "facemesh_468"
INPUT_PX = 192
BOX_SCALE = 1.5


@dataclass(frozen=True, slots=True)
class Mesh:
    """FaceMesh output in source pixels.

    Attributes
    ----------
    points : numpy.ndarray
        ``(468, 3)``: x, y in source px; z relative depth in the same px scale (smaller is
        nearer the camera).
    presence : float
        Face-presence probability 0–1.
    """

    points: np.ndarray
    presence: float


def crop_affine(
    centre_xy: np.ndarray, side_px: float, angle_rad: float, out_px: int
) -> np.ndarray:
    """2×3 affine mapping source px to a square crop of ``out_px``.

    The crop is centred at ``centre_xy``, ``side_px`` wide in the source, and rotated by
    ``angle_rad`` (the source direction at that angle becomes the crop's +x axis).
    """
    s = out_px / float(side_px)
    c, si = np.cos(angle_rad), np.sin(angle_rad)
    # crop = s * R(-angle) @ (p - centre) + out/2
    rot = np.array([[c, si], [-si, c]], dtype=np.float64) * s
    shift = np.array([out_px / 2.0, out_px / 2.0]) - rot @ np.asarray(centre_xy, np.float64)
    return np.concatenate([rot, shift[:, None]], axis=1)  # np.hstack's result, sans wrapper


def invert_points(affine: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Map ``(N, 2)`` crop points back to source px through the inverse of ``affine``."""
    inv = cv2.invertAffineTransform(affine)
    return points @ inv[:, :2].T + inv[:, 2]


def roi_for_face(box: np.ndarray, eye_left: np.ndarray, eye_right: np.ndarray,
                 scale: float = BOX_SCALE) -> tuple[np.ndarray, float, float]:
    """Centre, side and angle of the mesh crop for a detector box and its eye keypoints.

    Returns
    -------
    centre : numpy.ndarray (2,)
    side_px : float
    angle_rad : float
        Angle of the image-left → image-right eye line (0 when level).
    """
    centre = np.array([(box[0] + box[2]) / 2.0, (box[1] + box[3]) / 2.0])
    side = scale * float(max(box[2] - box[0], box[3] - box[1]))
    d = np.asarray(eye_right, np.float64) - np.asarray(eye_left, np.float64)
    return centre, side, float(np.arctan2(d[1], d[0]))


def prepare(bgr: np.ndarray, affine: np.ndarray, out_px: int = INPUT_PX) -> np.ndarray:
    """The warped crop as float32 RGB in [0, 1], ``(out_px, out_px, 3)``."""
    crop = cv2.warpAffine(bgr, affine, (out_px, out_px), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0))
    return rgb_float(crop, UNIT)


def run_batch(session: Any, bgrs: Sequence[np.ndarray], affines: Sequence[np.ndarray]
              ) -> list[Mesh]:
    """Run FaceMesh on several (image, crop affine) pairs.

    Parameters
    ----------
    session : onnxruntime.InferenceSession
        The ``facemesh_468`` session.
    bgrs : sequence of numpy.ndarray
        Source images (uint8 BGR); the same image may appear several times.
    affines : sequence of numpy.ndarray
        One 2×3 source→crop affine per item (see :func:`crop_affine`).

    Returns
    -------
    list of Mesh
        Landmarks in each source image's px.
    """
    if not bgrs:
        return []
    batch = np.stack([prepare(b, a) for b, a in zip(bgrs, affines, strict=True)])
    outputs = run_batched(session, batch)
    coords, presence = sorted(outputs, key=lambda a: -a.size)
    meshes: list[Mesh] = []
    for i, affine in enumerate(affines):
        pts = coords[i].reshape(468, 3).astype(np.float64)
        scale = float(np.hypot(affine[0, 0], affine[0, 1]))  # crop px per source px
        xy = invert_points(affine, pts[:, :2])
        z = pts[:, 2:3] / scale
        meshes.append(Mesh(np.concatenate([xy, z], axis=1),
                           float(sigmoid(presence[i].ravel()[0]))))
    return meshes


def run(session: Any, bgr: np.ndarray, affine: np.ndarray) -> Mesh:
    """Run FaceMesh on one crop; see :func:`run_batch`."""
    return run_batch(session, [bgr], [affine])[0]


def affine_for_face(box: np.ndarray, eye_left: np.ndarray, eye_right: np.ndarray
                    ) -> np.ndarray:
    """Source→crop affine for a detector box and its eye keypoints (1.5× box, eyes level)."""
    centre, side, angle = roi_for_face(box, eye_left, eye_right)
    return crop_affine(centre, side, angle, INPUT_PX)
