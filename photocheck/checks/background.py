"""Background check: plain, no shadow, contrasting with the person, not a strong colour.

J-LIS (顔写真のチェックポイント): "無背景" — no objects or patterns in the background, no shadow
on the background, a background distinct from hair, skin and clothes; ICAO 9303-3: a plain,
uniform, light-coloured background. Any plain light colour (white, grey, light blue, lavender)
is acceptable.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from photocheck import scene
from photocheck.checks.base import Check, finding, grade, graded, graded_parts, worst
from photocheck.context import PhotoContext
from photocheck.report import Finding, Status

CODES = ("background.not_plain", "background.shadow", "background.low_contrast",
         "background.strong_colour")


def run(ctx: PhotoContext, params: Mapping[str, Any]) -> Iterator[Finding]:
    """Emit the four background findings."""
    m = scene.background_measures(ctx)
    busy = scene.busyness(m, params)
    yield graded("background.not_plain", round(busy, 3), fail=params["fail_not_plain_ratio"],
                 warn=params["warn_not_plain_ratio"], unit="ratio")
    # the whole side's band, or its worst face-height stretch (a shadow beside the head of a
    # half-body framing, where the band runs far down the body)
    sh = m.shadow
    yield graded_parts("background.shadow", {
        "side": (sh.worst, params["warn_max_shadow_fraction"],
                 params["fail_max_shadow_fraction"]),
        "slab": (sh.worst_slab, params["warn_max_shadow_slab_fraction"],
                 params["fail_max_shadow_slab_fraction"])}, digits=3, unit="ratio")
    low = max(m.low_contrast_head / params["max_low_contrast_head"],
              m.low_contrast_all / params["max_low_contrast_all"])
    yield graded("background.low_contrast", round(low, 3),
                 fail=params["fail_low_contrast_ratio"],
                 warn=params["warn_low_contrast_ratio"], unit="ratio")
    c = m.colour
    if not np.isfinite(c.chroma):
        yield finding("background.strong_colour", Status.PASS, None, unit="C*ab")
        return
    status = worst(grade(c.chroma, fail=params["fail_max_chroma"],
                         warn=params["warn_max_chroma"]),
                   grade(c.lightness, fail=params["fail_min_lightness"],
                         warn=params["warn_min_lightness"], upper=False))
    yield finding("background.strong_colour", status,
                  {"chroma": round(c.chroma, 1), "lightness": round(c.lightness, 1)},
                  {"max": params["warn_max_chroma"], "fail_max": params["fail_max_chroma"],
                   "min_lightness": params["warn_min_lightness"],
                   "fail_min_lightness": params["fail_min_lightness"]}, "C*ab / L*")


CHECK = Check(
    name="background",
    codes=CODES,
    params={
        "working_long_side_px": int,
        "edge_margin": float,
        "edge_level": float,
        "min_area_fraction": float,
        "max_edge_density": float,
        "max_residual_std": float,
        "max_colour_std": float,
        "shadow_near_from": float,
        "shadow_near_to": float,
        "shadow_near_to_iod": float,
        "shadow_light_sigma": float,
        "shadow_light_sigma_y": float,
        "shadow_dark_ratio": float,
        "warn_max_shadow_fraction": float,
        "fail_max_shadow_fraction": float,
        "warn_max_shadow_slab_fraction": float,
        "fail_max_shadow_slab_fraction": float,
        "contrast_band": float,
        "contrast_window": float,
        "min_delta_e": float,
        "max_low_contrast_head": float,
        "max_low_contrast_all": float,
        "warn_not_plain_ratio": float,
        "fail_not_plain_ratio": float,
        "warn_low_contrast_ratio": float,
        "fail_low_contrast_ratio": float,
        "warn_max_chroma": float,
        "fail_max_chroma": float,
        "warn_min_lightness": float,
        "fail_min_lightness": float,
    },
    run=run,
)
