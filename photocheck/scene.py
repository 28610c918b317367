"""Intermediates shared by the background, lighting and quality checks (and the MODNet gate of
:mod:`photocheck.person`, which reads the background's busyness).

The face frame and face oval come from the FaceMesh landmarks (:mod:`photocheck.face`); the
background measures from the person mask (:mod:`photocheck.segmentation`). Coordinates
exchanged are original full-resolution pixels; images here are the analysis image or a face
crop decoded only as large as the quality measures need.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from photocheck import decode, face, segmentation
from photocheck.context import NotAssessable, PhotoContext, intermediate
from photocheck.landmarks import CHIN_IDX, EYE_LEFT_IDX, EYE_RIGHT_IDX, FACE_OVAL_IDX, MOUTH_IDX
from photocheck.measures import background as bgm
from photocheck.measures.colour import to_lab
from photocheck.measures.lighting import FaceFrame, linear_luminance
from photocheck.measures.order import mean
from photocheck.measures.resize import area_u8

# the two points averaged into each frame point: image-left eye, image-right eye, mouth
_FRAME_PAIRS = np.array([EYE_LEFT_IDX, EYE_RIGHT_IDX, MOUTH_IDX], np.intp)
_OVAL_IDX = np.array(FACE_OVAL_IDX, np.intp)


def frame_from_landmarks(points: np.ndarray) -> FaceFrame:
    """The face frame (eye centres, mouth centre) from 468 FaceMesh points (full-res px)."""
    # the three pairs gathered and averaged at once (each mean is (a + b) / 2, as per pair)
    centres = mean(np.asarray(points, dtype=np.float64)[_FRAME_PAIRS, :2], axis=1)
    return FaceFrame.from_points(centres[0], centres[1], centres[2])


def oval_mask(points: np.ndarray, shape: tuple[int, int], scale: float,
              shrink: float = 0.9) -> np.ndarray:
    """Face-oval mask at an image of ``shape`` (``scale`` px per full-res px), shrunk towards
    its centre by ``shrink`` so hair and background at the outline stay out."""
    poly = np.asarray(points, dtype=np.float64)[_OVAL_IDX, :2] * scale
    centre = mean(poly, axis=0)
    poly = centre + shrink * (poly - centre)
    mask = np.zeros(shape, np.uint8)
    cv2.fillPoly(mask, [np.round(poly).astype(np.int32)], 1)
    return mask.view(bool)  # 0/1 bytes are valid bools: no copy of the image-sized mask


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


@dataclass(frozen=True)
class BackgroundMeasures:
    """Every background figure of one photo (at the working resolution)."""

    texture: bgm.Texture
    shadow: bgm.Shadow
    low_contrast_head: float
    low_contrast_all: float
    colour: bgm.Colour


def _working(ctx: PhotoContext, long_side_px: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Analysis image and person probability resized to the working long side."""
    image = decode.analysis_image(ctx)
    prob = segmentation.person_mask(ctx).prob
    h, w = image.bgr.shape[:2]
    factor = min(1.0, long_side_px / max(h, w))
    size = (max(1, round(w * factor)), max(1, round(h * factor)))
    bgr = area_u8(image.bgr, size)
    prob_small = cv2.resize(np.asarray(prob, np.float32), size, interpolation=cv2.INTER_AREA)
    return bgr, prob_small, image.scale * factor


@intermediate
def background_measures(ctx: PhotoContext) -> BackgroundMeasures:
    """Background figures from the analysis image and the person mask (profile ``[background]``).

    The background is the complement of the person mask, eroded ``edge_margin`` away from the
    silhouette so hair wisps and the mask's soft edge do not count as texture.
    """
    p = ctx.params("background")
    bgr, prob, scale = _working(ctx, int(p["working_long_side_px"]))
    h, w = prob.shape
    long_side = max(h, w)
    lab = to_lab(bgr, scaling="cie")
    dist = bgm.distances(prob)
    outside = dist[0]
    bg = outside >= p["edge_margin"] * long_side
    lab_at = bgm.channels_at(lab, bg)  # the background's L*, a*, b*, read once
    tex = bgm.texture(lab, bg, float(p["edge_level"]), lab_at)
    # below the chin the frame usually cuts through the shoulders: shadows are judged beside
    # the head and shoulders only
    chin_y: float | None = None
    near_from = p["shadow_near_from"] * long_side
    near_to = p["shadow_near_to"] * long_side
    try:
        view = face_view(ctx)
        chin_y = view.chin_y * (scale / view.scale)
        iod_px = view.frame.iod_px * (scale / view.scale)
        face_h = 2.5 * iod_px
        near_to = max(near_from + 2.0, min(near_to, p["shadow_near_to_iod"] * iod_px))
    except Exception:  # no face: judge the whole silhouette
        face_h = 0.3 * h
    bottom = None if chin_y is None else min(float(h), chin_y + 1.5 * face_h)
    sh = bgm.shadow(linear_luminance(bgr), prob, (near_from, near_to),
                    (p["shadow_light_sigma"] * long_side, p["shadow_light_sigma_y"] * long_side),
                    bottom_y=bottom, dark_ratio=float(p["shadow_dark_ratio"]), outside=outside,
                    slab_px=face_h)
    band = (1.0, max(2.0, p["contrast_band"] * long_side))
    window = max(3, int(round(p["contrast_window"] * long_side)) | 1)
    head: np.ndarray | None = None
    if chin_y is not None and int(max(0, min(h, chin_y))) > 0:
        head = np.zeros((h, w), bool)
        head[: int(max(0, min(h, chin_y)))] = True
    # the whole outline and the head outline share one set of window means
    regions = [None] if head is None else [None, head]
    contrasts = bgm.silhouette_contrasts(lab, prob, band, window, regions, dist)
    all_de, head_de = contrasts[0], contrasts[-1]
    min_de = float(p["min_delta_e"])

    def low(values: np.ndarray) -> float:
        # ``(values < min_de).mean()``: an exact count over the size, as numpy's float64 sum
        return int(np.count_nonzero(values < min_de)) / values.size if values.size else 0.0

    return BackgroundMeasures(texture=tex, shadow=sh, low_contrast_head=low(head_de),
                              low_contrast_all=low(all_de), colour=bgm.colour(lab, bg, lab_at))


def busyness(m: BackgroundMeasures, params: Mapping[str, Any]) -> float:
    """``background.not_plain``'s measure: the worst of edge density, lightness texture and
    colour blobs, each relative to its limit (1.0 = at the limit); 0 when there is too little
    background to judge."""
    t = m.texture
    scores = (t.edge_density / params["max_edge_density"],
              t.residual_std / params["max_residual_std"], t.colour_std / params["max_colour_std"])
    return max(scores) if t.area_fraction >= params["min_area_fraction"] else 0.0
