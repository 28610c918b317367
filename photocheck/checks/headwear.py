"""Headwear (J-LIS: 無帽 — no hat; no wide headband hiding the head; nothing hiding the face
outline. ICAO 9303-3: no head covering except for religious/medical reasons, and then the face
from the chin to the forehead and both face edges clearly visible).

- ``headwear.hat``: the hat score of :mod:`photocheck.measures.headwear` (brim/wide silhouette
  above the forehead, crown raised above the eyes, forehead covered low above the brows but
  not by a fringe, saturated colour on top of the head, a hard fabric-like silhouette edge)
  above the profile maximum.
- ``headwear.headband``: a band of another colour across the top of the head with hair above
  and below it, of at least the profile height.
- ``headwear.covering_hides_face``: the smallest fraction of face (skin or beard) along the
  face-oval segments (forehead above the brows, either cheek outline, chin) below the minimum.

With the ``head_covering`` exception the validator waives ``hat`` and ``headband`` (still
measured and reported); ``covering_hides_face`` is never waived.

When the face is detected but FaceMesh cannot read it (a camera or a hand in front of it,
``face.not_found`` from the landmarks), only ``headwear.hat`` can still be judged, from the
detector's box and a MODNet matte around it (:func:`faceless_hat`): it fails when a saturated,
non-skin colour covers the top of the head; otherwise, and for the two codes that need the
face outline, the findings are ``not_assessed`` with cause ``face.not_found``. This path runs
only on photos whose landmarks failed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import cv2
import numpy as np

from photocheck import decode, face, person
from photocheck.checks.base import Check, finding, limit
from photocheck.context import NotAssessable, PhotoContext, intermediate
from photocheck.inference.segmentation import modnet_alpha
from photocheck.measures import headwear as mh
from photocheck.report import Finding, Status

CODES = ("headwear.hat", "headwear.headband", "headwear.covering_hides_face")

PARAMS = {
    "max_hat_score": float,
    "min_band_contrast": float,
    "min_band_height_iod": float,
    "min_oval_visibility": float,
}


@intermediate
def head_canvas(ctx: PhotoContext) -> mh.HeadCanvas:
    """The analysis image and the MODNet head matte warped into the face-aligned head canvas."""
    points = np.asarray(face.landmarks(ctx), dtype=np.float64)[:, :2]
    image = decode.analysis_image(ctx)
    matte = person.head_matte(ctx)
    to_canvas = mh.canvas_affine(points)
    from_analysis = np.array([[1.0 / image.scale, 0.0, 0.0], [0.0, 1.0 / image.scale, 0.0]])
    image_to_canvas = mh.compose(to_canvas, from_analysis)
    alpha_to_canvas = mh.compose(to_canvas, cv2.invertAffineTransform(matte.affine))
    pts = points @ to_canvas[:, :2].T + to_canvas[:, 2]
    return mh.head_canvas(image.bgr, image_to_canvas, matte.alpha, alpha_to_canvas, pts)


@intermediate
def headwear_measures(ctx: PhotoContext) -> mh.HeadwearMeasures:
    """Every headwear measure of the applicant's head."""
    return mh.measure_headwear(head_canvas(ctx))


@intermediate
def faceless_hat(ctx: PhotoContext) -> mh.FacelessHatMeasures | None:
    """Hat measures of a head the detector found but FaceMesh could not read.

    A MODNet matte of a crop around the detector's box (1.1 box heights above it), warped with
    the analysis image into the box canvas (:func:`photocheck.measures.headwear.
    box_canvas_affine`). Raises ``face.not_found`` when there is no detection at all; None
    when the matte holds no head there.
    """
    det = face.applicant(ctx)
    image = decode.analysis_image(ctx)
    x0, y0, x1, y1 = (float(v) for v in det.box)
    cx, cy = (x0 + x1) / 2.0, (y0 + y1) / 2.0
    width = max(x1 - x0, 1.0)
    frame = person.HeadFrame(forehead_xy=np.array([cx, y0]), chin_xy=np.array([cx, y1]),
                             centre_xy=np.array([cx, cy]), face_width_px=width, angle_deg=0.0,
                             nose_xy=np.array([cx, cy]))
    h, w = image.bgr.shape[:2]
    to_crop, size = person.head_affine(frame, int(w / image.scale), int(h / image.scale),
                                       up_factor=1.1,
                                       max_side_px=max(64.0, 2.4 * width * image.scale))
    from_analysis = np.array([[1.0 / image.scale, 0.0, 0.0], [0.0, 1.0 / image.scale, 0.0]])
    crop_from_analysis = mh.compose(to_crop, from_analysis)
    crop = cv2.warpAffine(image.bgr, crop_from_analysis, size, flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE)
    valid = cv2.warpAffine(np.ones((h, w), np.uint8), crop_from_analysis, size,
                           borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    alpha = modnet_alpha(ctx.models, crop, person.MODNET_LONG_SIDE_PX) * valid
    to_canvas = mh.box_canvas_affine(det.box)
    canvas_size = (mh.CANVAS_W, mh.CANVAS_H)
    bgr = cv2.warpAffine(image.bgr, mh.compose(to_canvas, from_analysis), canvas_size,
                         flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE)
    alpha_canvas = cv2.warpAffine(
        alpha.astype(np.float32), mh.compose(to_canvas, cv2.invertAffineTransform(to_crop)),
        canvas_size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    return mh.faceless_hat(bgr, np.clip(alpha_canvas, 0.0, 1.0))


def _faceless_findings(ctx: PhotoContext, params: Mapping[str, Any]) -> Iterator[Finding]:
    """``headwear.hat`` FAIL for a face the detector found but FaceMesh could not read (a
    camera or hand in front of it) when a hat shows on top of the head; nothing otherwise:
    without landmarks a bare head cannot be told reliably, so that stays not assessed."""
    try:
        m = faceless_hat(ctx)
    except NotAssessable:
        return
    if m is not None and m.hat_score > params["max_hat_score"]:
        yield limit("headwear.hat", round(m.hat_score, 3), max=params["max_hat_score"],
                    unit="score")


def run(ctx: PhotoContext, params: Mapping[str, Any]) -> Iterator[Finding]:
    """Emit the hat / headband / covering findings of the applicant's head.

    When the face cannot be read (``face.not_found``) only a hat seen on the detector's head
    is reported (:func:`faceless_hat`); the other codes are then not assessed.
    """
    try:
        m = headwear_measures(ctx)
    except NotAssessable as exc:
        if exc.cause == "face.not_found":
            yield from _faceless_findings(ctx, params)
        raise
    yield limit("headwear.hat", round(m.hat_score, 3), max=params["max_hat_score"],
                unit="score")
    band = (m.band_contrast >= params["min_band_contrast"]
            and m.band_height_iod >= params["min_band_height_iod"])
    yield finding("headwear.headband", Status.FAIL if band else Status.PASS,
                  {"contrast": round(m.band_contrast, 1),
                   "height_iod": round(m.band_height_iod, 3)},
                  {"min_contrast": params["min_band_contrast"],
                   "min_height_iod": params["min_band_height_iod"]}, "delta_e")
    worst = min(m.oval_visibility, key=lambda k: m.oval_visibility[k])
    visible = m.oval_visibility[worst]
    found = limit("headwear.covering_hides_face", round(visible, 3),
                  min=params["min_oval_visibility"], unit="ratio")
    # name the hidden part of the outline in the measured value
    yield finding(found.code, found.status,
                  {"visible": round(visible, 3), "segment": worst,
                   "segments": {k: round(v, 3) for k, v in m.oval_visibility.items()}},
                  {"min": params["min_oval_visibility"]}, "ratio")


CHECK = Check(name="headwear", codes=CODES, params=PARAMS, run=run)
