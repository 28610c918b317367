"""Intermediates shared by the background, lighting and quality checks.

The face frame and face oval come from the FaceMesh landmarks (:mod:`photocheck.face`); the
background from the person mask (:mod:`photocheck.person`). Coordinates exchanged are original
full-resolution pixels; images here are the analysis image or a face crop decoded only as large
as the quality measures need.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from photocheck import decode, face
from photocheck.context import NotAssessable, PhotoContext, intermediate
from photocheck.landmarks import CHIN_IDX, EYE_LEFT_IDX, EYE_RIGHT_IDX, FACE_OVAL_IDX, MOUTH_IDX
from photocheck.measures.lighting import FaceFrame


def frame_from_landmarks(points: np.ndarray) -> FaceFrame:
    """The face frame (eye centres, mouth centre) from 468 FaceMesh points (full-res px)."""
    p = np.asarray(points, dtype=np.float64)[:, :2]
    return FaceFrame.from_points(p[list(EYE_LEFT_IDX)].mean(axis=0),
                                 p[list(EYE_RIGHT_IDX)].mean(axis=0),
                                 p[list(MOUTH_IDX)].mean(axis=0))


def oval_mask(points: np.ndarray, shape: tuple[int, int], scale: float,
              shrink: float = 0.9) -> np.ndarray:
    """Face-oval mask at an image of ``shape`` (``scale`` px per full-res px), shrunk towards
    its centre by ``shrink`` so hair and background at the outline stay out."""
    poly = np.asarray(points, dtype=np.float64)[list(FACE_OVAL_IDX), :2] * scale
    centre = poly.mean(axis=0)
    poly = centre + shrink * (poly - centre)
    mask = np.zeros(shape, np.uint8)
    cv2.fillPoly(mask, [np.round(poly).astype(np.int32)], 1)
    return mask.astype(bool)


@dataclass(frozen=True)
class FaceView:
    """The face in the analysis image.

    Attributes
    ----------
    bgr : numpy.ndarray
        The analysis image.
    scale : float
        Analysis px per full-res px.
    frame : FaceFrame
        Face frame in analysis px.
    oval : numpy.ndarray
        bool face-oval mask in analysis px.
    chin_y : float
        Chin (mesh 152) y in analysis px.
    """

    bgr: np.ndarray
    scale: float
    frame: FaceFrame
    oval: np.ndarray
    chin_y: float


@intermediate
def face_view(ctx: PhotoContext) -> FaceView:
    """The applicant's face frame and oval on the analysis image (raises ``face.not_found``)."""
    points = np.asarray(face.landmarks(ctx), dtype=np.float64)
    image = decode.analysis_image(ctx)
    frame = frame_from_landmarks(points).scaled(image.scale)
    oval = oval_mask(points, image.bgr.shape[:2], image.scale)
    return FaceView(bgr=image.bgr, scale=image.scale, frame=frame, oval=oval,
                    chin_y=float(points[CHIN_IDX, 1] * image.scale))


@dataclass(frozen=True)
class FaceCrop:
    """A grey crop around the face, decoded only as large as the quality measures need.

    Attributes
    ----------
    gray : numpy.ndarray
        uint8 ``(h, w)`` grey levels, as decoded (no resampling).
    iod_px : float
        Inter-ocular distance in crop pixels.
    reduction : int
        DCT reduction of the decode it was cut from (1 = full resolution).
    """

    gray: np.ndarray
    iod_px: float
    reduction: int


def crop_box(frame: FaceFrame, width: int, height: int,
             half_w_iod: float = 1.5, half_h_iod: float = 1.7) -> tuple[int, int, int, int]:
    """Integer crop box (x0, y0, x1, y1) around the face, inside the image."""
    centre = frame.to_image(0.0, 0.4)
    iod = frame.iod_px
    x0 = int(max(0, np.floor(centre[0] - half_w_iod * iod)))
    x1 = int(min(width, np.ceil(centre[0] + half_w_iod * iod)))
    y0 = int(max(0, np.floor(centre[1] - half_h_iod * iod)))
    y1 = int(min(height, np.ceil(centre[1] + half_h_iod * iod)))
    return x0, y0, x1, y1


def reduction_for_face(iod_full_px: float, min_iod_px: float) -> int:
    """Largest DCT reduction (1, 2, 4, 8) keeping the inter-ocular distance ≥ ``min_iod_px``."""
    for factor in (8, 4, 2):
        if iod_full_px / factor >= min_iod_px:
            return factor
    return 1


@intermediate
def face_crop(ctx: PhotoContext) -> FaceCrop:
    """Grey face crop for the quality measures (profile ``[quality] min_iod_px``).

    Reuses the analysis image when it already has the resolution; otherwise decodes at the
    smallest DCT reduction that keeps the face at ``min_iod_px`` (full resolution at most).
    """
    points = np.asarray(face.landmarks(ctx), dtype=np.float64)
    frame_full = frame_from_landmarks(points)
    min_iod = float(ctx.params("quality")["min_iod_px"])
    factor = reduction_for_face(frame_full.iod_px, min_iod)
    analysis = decode.analysis_image(ctx)
    if analysis.scale >= 1.0 / factor - 1e-6:
        image = analysis
    else:
        image = decode.reduced_image(ctx, factor)  # shared with analysis_image (decode.py)
    frame = frame_full.scaled(image.scale)
    h, w = image.bgr.shape[:2]
    x0, y0, x1, y1 = crop_box(frame, w, h)
    if min(x1 - x0, y1 - y0) < 16 or frame.iod_px < 4:
        raise NotAssessable("face.too_small", "the face crop is too small to judge quality")
    bgr = image.bgr[y0:y1, x0:x1]
    gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    return FaceCrop(gray=gray, iod_px=frame.iod_px,
                    reduction=max(1, int(round(1.0 / max(image.scale, 1e-6)))))
