"""Eyewear (J-LIS: no sunglasses or tinted lenses, no frame over the eyes, no very thick frames,
no light reflected on the glasses; ICAO 9303-3 §3.7) and ``eyes.hidden`` (hair or a frame
hiding the eyes).

- ``eyewear.sunglasses``: the lenses darken the skin below the lower lid (``under_eye_ratio``
  below its minimum) or the whole lens area (``lens_luminance_ratio`` below its minimum) while
  the eye itself cannot be seen through them (``eye_contrast`` at most
  ``max_dark_lens_eye_contrast``: a shadow under the brows darkens the skin but leaves the
  eye visible), or they tint/mirror it (``lens_colour_shift`` above its maximum); clear
  lenses do none of these.
- ``eyewear.frame_over_eyes``: one horizontal edge crosses most of an eye opening.
- ``eyewear.thick_frame``: the dark band below an eye (lower rim) is thicker than allowed.
- ``eyewear.glare``: clipped/bright blobs in the lens area outside the eye opening and iris.

These three speak only with positive evidence of a frame (``frame_evidence``: a horizontal
edge right across the nose bridge, at least ``min_frame_evidence``): without glasses, brows,
lashes, shadows and shiny skin make the same dark lines and bright spots. Each has a warn and
a fail limit.
- ``eyes.hidden``: the luminance spread inside an eye opening is too low to show the eye.

The ``eyes.hidden`` code carries the ``eyes`` prefix (DESIGN.md §3) but is measured here, with
its threshold in the ``[eyewear]`` profile section, because it shares the eye canvas and the
lens measures (the ``eyes`` check documents this). ``medical_eyewear`` waives all of these
centrally; ``infant`` does not.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from photocheck import face
from photocheck.checks.base import Check, finding, grade, limit
from photocheck.context import PhotoContext, intermediate
from photocheck.measures import eyewear as me
from photocheck.report import Finding, Status

CODES = ("eyewear.sunglasses", "eyewear.frame_over_eyes", "eyewear.thick_frame",
         "eyewear.glare", "eyes.hidden")

PARAMS = {
    "min_under_eye_ratio": float,
    "min_lens_luminance_ratio": float,
    "max_lens_colour_shift": float,
    "max_dark_lens_eye_contrast": float,
    "min_frame_evidence": float,
    "warn_max_frame_crossing": float,
    "fail_max_frame_crossing": float,
    "warn_max_rim_thickness_iod": float,
    "fail_max_rim_thickness_iod": float,
    "warn_max_glare_fraction": float,
    "fail_max_glare_fraction": float,
    "min_eye_contrast": float,
}


@intermediate
def eye_canvas(ctx: PhotoContext) -> me.EyeCanvas:
    """Both eyes warped into the eye canvas from the image the eye measures use."""
    points = np.asarray(face.landmarks(ctx), dtype=np.float64)[:, :2]
    eyes = face.eye_landmarks(ctx)
    bgr, scale = face.eye_image(ctx)
    to_canvas = me.canvas_affine(points)
    image_to_canvas = to_canvas @ np.diag([1.0 / scale, 1.0 / scale, 1.0])
    pts = points @ to_canvas[:, :2].T + to_canvas[:, 2]
    irises = np.stack([eyes.image_left.iris[:, :2], eyes.image_right.iris[:, :2]])
    irises = irises @ to_canvas[:, :2].T + to_canvas[:, 2]
    return me.eye_canvas(bgr, image_to_canvas, pts, irises)


@intermediate
def eyewear_measures(ctx: PhotoContext) -> me.EyewearMeasures:
    """Every eyewear measure of the applicant's eyes."""
    return me.measure_eyewear(eye_canvas(ctx))


def run(ctx: PhotoContext, params: Mapping[str, Any]) -> Iterator[Finding]:
    """Emit the eyewear findings and ``eyes.hidden``."""
    m = eyewear_measures(ctx)
    hidden_eye = m.eye_contrast <= params["max_dark_lens_eye_contrast"]
    dark = hidden_eye and m.under_eye_ratio < params["min_under_eye_ratio"]
    very_dark = hidden_eye and m.lens_luminance_ratio < params["min_lens_luminance_ratio"]
    tinted = m.lens_colour_shift > params["max_lens_colour_shift"]
    yield finding(
        "eyewear.sunglasses", Status.FAIL if (dark or very_dark or tinted) else Status.PASS,
        {"under_eye_ratio": round(m.under_eye_ratio, 3),
         "lens_luminance_ratio": round(m.lens_luminance_ratio, 3),
         "lens_colour_shift": round(m.lens_colour_shift, 4),
         "eye_contrast": round(m.eye_contrast, 3)},
        {"min_under_eye_ratio": params["min_under_eye_ratio"],
         "min_lens_luminance_ratio": params["min_lens_luminance_ratio"],
         "max_lens_colour_shift": params["max_lens_colour_shift"],
         "max_dark_lens_eye_contrast": params["max_dark_lens_eye_contrast"]}, "ratio")
    framed = m.frame_evidence >= params["min_frame_evidence"]
    for code, value, key, unit in (
            ("eyewear.frame_over_eyes", round(m.frame_crossing, 3), "frame_crossing", "ratio"),
            ("eyewear.thick_frame", round(m.rim_thickness_iod, 3), "rim_thickness_iod", "iod"),
            ("eyewear.glare", round(m.glare_fraction, 4), "glare_fraction", "ratio")):
        fail, warn = params[f"fail_max_{key}"], params[f"warn_max_{key}"]
        status = grade(value, fail=fail, warn=warn) if framed else Status.PASS
        yield finding(code, status, {key: value, "frame_evidence": round(m.frame_evidence, 2)},
                      {"max": warn, "fail_max": fail,
                       "min_frame_evidence": params["min_frame_evidence"]}, unit)
    yield limit("eyes.hidden", round(m.eye_contrast, 3), min=params["min_eye_contrast"],
                unit="ratio")


CHECK = Check(name="eyewear", codes=CODES, params=PARAMS, run=run)
