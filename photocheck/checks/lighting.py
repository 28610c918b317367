"""Lighting check: the face neither too dark nor too bright, not clipped, evenly lit.

J-LIS (顔写真のチェックポイント): refuse a photo that is too dark or too bright, or with a shadow
on the face; ICAO 9303-3: even illumination, no shadows, no over- or under-exposed areas.
Black-and-white photos are allowed (no colour rule here). Imbalance is a ratio between halves
of the same face, so it does not depend on skin tone.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from photocheck import scene
from photocheck.checks.base import Check, finding, graded, graded_parts
from photocheck.context import NotAssessable, PhotoContext, intermediate
from photocheck.measures.lighting import FaceLight, face_light
from photocheck.report import Finding, Status

CODES = ("lighting.too_dark", "lighting.too_bright", "lighting.clipped",
         "lighting.face_shadow")


@intermediate
def lighting_measures(ctx: PhotoContext) -> FaceLight:
    """Lighting figures of the applicant's face on the analysis image."""
    view = scene.face_view(ctx)
    return face_light(view.bgr, view.frame, view.oval)


def run(ctx: PhotoContext, params: Mapping[str, Any]) -> Iterator[Finding]:
    """Emit the four lighting findings."""
    m = lighting_measures(ctx)
    if not np.isfinite(m.lightness):  # the skin patches fall outside the image
        raise NotAssessable("face.cut_off", "no skin of the face inside the image")
    face_l, scene_hi = round(m.lightness, 1), round(m.scene_highlight, 1)
    # a dark-skinned face is darker than a pale one under the same light: below the soft limit
    # the face is only "too dark" when nothing in the scene is bright either
    # (below the hard limit the face is too dark whatever the skin: fail; below the soft one
    # in a scene with no highlights: the likelier reading, a review)
    hard = face_l < params["min_face_lightness"]
    soft = (face_l < params["soft_min_face_lightness"]
            and scene_hi < params["min_scene_highlight"])
    yield finding("lighting.too_dark",
                  Status.FAIL if hard else (Status.WARN if soft else Status.PASS),
                  {"face_lightness": face_l, "scene_highlight": scene_hi},
                  {"min": params["min_face_lightness"],
                   "soft_min": params["soft_min_face_lightness"],
                   "min_scene_highlight": params["min_scene_highlight"]}, "L*")
    yield graded("lighting.too_bright", face_l, fail=params["fail_max_face_lightness"],
                 warn=params["warn_max_face_lightness"], unit="L*")
    # blown highlights have their own, much lower limit: a dark-skinned face over-exposed by
    # two stops stays at L* 60–85 (a plausible lighter face) and shows it only by its
    # highlights (forehead, nose, eye whites) blowing out, while exposed skin on compliant
    # photos has practically none (≤ 0.03 % of the oval); crushed shadows (beard, nostrils)
    # keep the wider limit
    yield graded_parts("lighting.clipped", {
        "blown": (m.clipped_high, params["warn_max_blown_fraction"],
                  params["fail_max_blown_fraction"]),
        "crushed": (m.clipped_low, params["warn_max_clipped_fraction"],
                    params["fail_max_clipped_fraction"])}, digits=4, unit="ratio")
    yield graded_parts("lighting.face_shadow", {
        "left_right": (m.lr_stops, params["warn_max_lr_stops"], params["fail_max_lr_stops"]),
        "top_bottom": (m.tb_stops, params["warn_max_tb_stops"], params["fail_max_tb_stops"])},
        digits=2, unit="stops")


CHECK = Check(
    name="lighting",
    codes=CODES,
    params={
        "min_face_lightness": float,
        "soft_min_face_lightness": float,
        "min_scene_highlight": float,
        "warn_max_face_lightness": float,
        "fail_max_face_lightness": float,
        "warn_max_clipped_fraction": float,
        "fail_max_clipped_fraction": float,
        "warn_max_blown_fraction": float,
        "fail_max_blown_fraction": float,
        "warn_max_lr_stops": float,
        "fail_max_lr_stops": float,
        "warn_max_tb_stops": float,
        "fail_max_tb_stops": float,
    },
    run=run,
)
