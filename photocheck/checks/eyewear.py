"""Eyewear (J-LIS: no sunglasses or tinted lenses, no frame over the eyes, no very thick frames,
no light reflected on the glasses; ICAO 9303-3 §3.7) and ``eyes.hidden`` (hair or a frame
hiding the eyes).

- ``eyewear.sunglasses``: the probability of sunglasses or dark/tinted lenses from the
  ``sunglasses`` classifier (:mod:`photocheck.classifiers`, a logistic regression on the
  EfficientNet-Lite0 features of the eye crop and the ImageNet "sunglass(es)" probabilities
  of the eye and head crops, :mod:`photocheck.semantic`): fail at the profile's
  ``fail_sunglasses_probability``, warn (review) at ``warn_sunglasses_probability``.
- ``eyewear.frame_over_eyes``: one horizontal edge crosses most of an eye opening.
- ``eyewear.thick_frame``: the dark band below an eye (lower rim) is thicker than allowed.
- ``eyewear.glare``: clipped/bright blobs in the lens area outside the eye opening and iris.
  These three speak only when glasses are seen (the ``glasses`` classifier at or above
  ``min_glasses_probability``) AND there is positive evidence of a frame (``frame_evidence``: a
  horizontal edge right across the nose bridge, at least ``min_frame_evidence``): without
  glasses, brows, lashes, shadows and shiny skin make the same dark lines and bright spots.
  Each has a warn and a fail limit.
- ``eyes.hidden``: the luminance spread inside an eye opening is too low to show the eye
  (warn below ``warn_min_eye_contrast``, fail below ``fail_min_eye_contrast``).

The ``eyes.hidden`` code carries the ``eyes`` prefix (docs/report.md) but is measured here, with
its threshold in the ``[eyewear]`` profile section, because it shares the eye canvas and the
lens measures (the ``eyes`` check documents this). ``medical_eyewear`` waives all of these
centrally; ``infant`` does not.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from photocheck import classifiers, face, semantic
from photocheck.checks.base import Check, finding, grade, graded
from photocheck.context import PhotoContext, intermediate
from photocheck.measures import eyewear as me
from photocheck.report import Finding, Status

CODES = ("eyewear.sunglasses", "eyewear.frame_over_eyes", "eyewear.thick_frame",
         "eyewear.glare", "eyes.hidden")

PARAMS = {
    "warn_sunglasses_probability": float,
    "fail_sunglasses_probability": float,
    "min_glasses_probability": float,
    "min_frame_evidence": float,
    "warn_max_frame_crossing": float,
    "fail_max_frame_crossing": float,
    "warn_max_rim_thickness_iod": float,
    "fail_max_rim_thickness_iod": float,
    "warn_max_glare_fraction": float,
    "fail_max_glare_fraction": float,
    "warn_min_eye_contrast": float,
    "fail_min_eye_contrast": float,
}


@intermediate
def eye_canvas(ctx: PhotoContext) -> me.EyeCanvas:
    """Both eyes warped into the eye canvas from the image the eye measures use."""
    points = np.asarray(face.landmarks(ctx), dtype=np.float64)[:, :2]
    eyes = face.eye_landmarks(ctx)
    bgr, scale = face.eye_image(ctx)
    to_canvas = me.canvas_affine(points)
    inv = 1.0 / scale  # np.diag's matrix from one np.array call (no wrapper)
    image_to_canvas = to_canvas @ np.array([[inv, 0.0, 0.0], [0.0, inv, 0.0], [0.0, 0.0, 1.0]])
    pts = points @ to_canvas[:, :2].T + to_canvas[:, 2]
    # np.stack's (2, n, 2) array of two same-shaped, same-dtype arrays, from one np.array call
    irises = np.array([eyes.image_left.iris[:, :2], eyes.image_right.iris[:, :2]])
    irises = irises @ to_canvas[:, :2].T + to_canvas[:, 2]
    return me.eye_canvas(bgr, image_to_canvas, pts, irises)


@intermediate
def eyewear_measures(ctx: PhotoContext) -> me.EyewearMeasures:
    """Every eyewear measure of the applicant's eyes."""
    return me.measure_eyewear(eye_canvas(ctx))


def run(ctx: PhotoContext, params: Mapping[str, Any]) -> Iterator[Finding]:
    """Emit the eyewear findings and ``eyes.hidden``."""
    m = eyewear_measures(ctx)
    cues = semantic.semantic_cues(ctx)
    probability = classifiers.for_context(ctx, "sunglasses").score(cues)
    yield graded("eyewear.sunglasses", round(probability, 3),
                 warn=params["warn_sunglasses_probability"],
                 fail=params["fail_sunglasses_probability"], unit="probability")
    glasses = round(classifiers.for_context(ctx, "glasses").score(cues), 3)
    framed = (glasses >= params["min_glasses_probability"]
              and m.frame_evidence >= params["min_frame_evidence"])
    for code, value, key, unit in (
            ("eyewear.frame_over_eyes", round(m.frame_crossing, 3), "frame_crossing", "ratio"),
            ("eyewear.thick_frame", round(m.rim_thickness_iod, 3), "rim_thickness_iod", "iod"),
            ("eyewear.glare", round(m.glare_fraction, 4), "glare_fraction", "ratio")):
        fail, warn = params[f"fail_max_{key}"], params[f"warn_max_{key}"]
        status = grade(value, fail=fail, warn=warn) if framed else Status.PASS
        yield finding(code, status,
                      {key: value, "glasses_probability": glasses,
                       "frame_evidence": round(m.frame_evidence, 2)},
                      {"max": warn, "fail_max": fail,
                       "min_glasses_probability": params["min_glasses_probability"],
                       "min_frame_evidence": params["min_frame_evidence"]}, unit)
    yield graded("eyes.hidden", round(m.eye_contrast, 3), fail=params["fail_min_eye_contrast"],
                 warn=params["warn_min_eye_contrast"], upper=False, unit="ratio")


CHECK = Check(name="eyewear", codes=CODES, params=PARAMS, run=run)
