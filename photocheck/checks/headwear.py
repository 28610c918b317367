"""Headwear (J-LIS: 無帽 — no hat; no wide headband hiding the head; nothing hiding the face
outline. ICAO 9303-3: no head covering except for religious/medical reasons, and then the face
from the chin to the forehead and both face edges clearly visible).

- ``headwear.hat``: the probability that the head wears a hat, cap, hood or head scarf, from
  the ``headwear`` classifier (:mod:`photocheck.classifiers`, a logistic regression on the
  EfficientNet-Lite0 features of the face-aligned head crop, :mod:`photocheck.semantic`):
  fail at the profile's ``fail_hat_probability``, warn (review) at ``warn_hat_probability``.
  A head scarf is headwear: only a declared ``head_covering`` waives it.
- ``headwear.headband``: a band of another colour across the top of the head with hair above
  and below it: warns at the ``warn_`` contrast and height, fails when it is both more
  contrasted and higher (the ``fail_`` limits).
- ``headwear.covering_hides_face``: the smallest fraction of face (skin or beard) along the
  face-oval segments (forehead above the brows, either cheek outline, chin): warn below
  ``warn_min_oval_visibility``, fail below ``fail_min_oval_visibility``.

With the ``head_covering`` exception the validator waives ``hat`` and ``headband`` (still
measured and reported); ``covering_hides_face`` is never waived.

When the face is detected but FaceMesh cannot read it (a camera or a hand in front of it,
``face.not_found`` from the landmarks), the head crop is placed from the detector's keypoints
and ``headwear.hat`` is still judged; the two codes that need the face outline are then
``not_assessed`` with cause ``face.not_found``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import cv2
import numpy as np

from photocheck import classifiers, decode, face, person, semantic
from photocheck.checks.base import Check, finding, grade, graded
from photocheck.context import PhotoContext, intermediate
from photocheck.measures import headwear as mh
from photocheck.report import Finding, Status

CODES = ("headwear.hat", "headwear.headband", "headwear.covering_hides_face")

PARAMS = {
    "warn_hat_probability": float,
    "fail_hat_probability": float,
    "warn_min_band_contrast": float,
    "fail_min_band_contrast": float,
    "warn_min_band_height_iod": float,
    "fail_min_band_height_iod": float,
    "warn_min_oval_visibility": float,
    "fail_min_oval_visibility": float,
}


@intermediate
def head_canvas(ctx: PhotoContext) -> mh.HeadCanvas:
    """The analysis image and the MODNet head matte warped into the face-aligned head canvas."""
    return canvas_on(ctx, person.head_matte(ctx))


def canvas_on(ctx: PhotoContext, matte: person.HeadMatte) -> mh.HeadCanvas:
    """The analysis image and ``matte`` warped into the face-aligned head canvas."""
    points = np.asarray(face.landmarks(ctx), dtype=np.float64)[:, :2]
    image = decode.analysis_image(ctx)
    to_canvas = mh.canvas_affine(points)
    from_analysis = np.array([[1.0 / image.scale, 0.0, 0.0], [0.0, 1.0 / image.scale, 0.0]])
    image_to_canvas = mh.compose(to_canvas, from_analysis)
    alpha_to_canvas = mh.compose(to_canvas, cv2.invertAffineTransform(matte.affine))
    pts = points @ to_canvas[:, :2].T + to_canvas[:, 2]
    return mh.head_canvas(image.bgr, image_to_canvas, matte.alpha, alpha_to_canvas, pts)


@intermediate
def headwear_measures(ctx: PhotoContext) -> mh.HeadwearMeasures:
    """Every headwear measure of the applicant's head.

    When the crown was found without MODNet (:func:`photocheck.person.gated_crown`) the
    headband is read on the selfie mask, unless its contrast comes within the profile's
    ``[crown] band_contrast_margin`` of the warn level: then on the MODNet matte. The face
    outline's visibility reads no matte at all.
    """
    if person.gated_crown(ctx) is not None:
        measured = mh.measure_headwear(canvas_on(ctx, person.selfie_matte(ctx)))
        limit = (ctx.params("headwear")["warn_min_band_contrast"]
                 - ctx.params("crown")["band_contrast_margin"])
        if measured.band_contrast < limit:
            return measured
    return mh.measure_headwear(head_canvas(ctx))


def hat_finding(ctx: PhotoContext, params: Mapping[str, Any]) -> Finding:
    """``headwear.hat`` from the headwear classifier's probability (see the module docstring)."""
    probability = classifiers.for_context(ctx, "headwear").score(semantic.semantic_cues(ctx))
    return graded("headwear.hat", round(probability, 3), warn=params["warn_hat_probability"],
                  fail=params["fail_hat_probability"], unit="probability")


def run(ctx: PhotoContext, params: Mapping[str, Any]) -> Iterator[Finding]:
    """Emit the hat / headband / covering findings of the applicant's head.

    When the face cannot be read (``face.not_found``) only the hat is judged (from a head
    crop placed by the detector); the other codes are then not assessed.
    """
    yield hat_finding(ctx, params)
    m = headwear_measures(ctx)
    yield headband_finding(m.band_contrast, m.band_height_iod, params)
    worst = min(m.oval_visibility, key=lambda k: m.oval_visibility[k])
    visible = round(m.oval_visibility[worst], 3)
    warn, fail = params["warn_min_oval_visibility"], params["fail_min_oval_visibility"]
    # name the hidden part of the outline in the measured value
    yield finding("headwear.covering_hides_face",
                  grade(visible, fail=fail, warn=warn, upper=False),
                  {"visible": visible, "segment": worst,
                   "segments": {k: round(v, 3) for k, v in m.oval_visibility.items()}},
                  {"min": warn, "fail_min": fail}, "ratio")


def headband_finding(contrast: float, height_iod: float, params: Mapping[str, Any]) -> Finding:
    """``headwear.headband``: a band at least as contrasted and as high as the ``fail_``
    limits fails, at least the ``warn_`` limits warns."""
    def band(level: str) -> bool:
        return (contrast >= params[f"{level}_min_band_contrast"]
                and height_iod >= params[f"{level}_min_band_height_iod"])

    status = Status.FAIL if band("fail") else Status.WARN if band("warn") else Status.PASS
    return finding("headwear.headband", status,
                   {"contrast": round(contrast, 1), "height_iod": round(height_iod, 3)},
                   {k: params[k] for k in ("warn_min_band_contrast", "warn_min_band_height_iod",
                                           "fail_min_band_contrast",
                                           "fail_min_band_height_iod")}, "delta_e")


CHECK = Check(name="headwear", codes=CODES, params=PARAMS, run=run)
