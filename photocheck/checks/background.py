"""Background check: plain, no shadow, contrasting with the person, not a strong colour.

J-LIS (顔写真のチェックポイント): "無背景" — no objects or patterns in the background, no shadow
on the background, a background distinct from hair, skin and clothes; ICAO 9303-3: a plain,
uniform, light-coloured background. Any plain light colour (white, grey, light blue, lavender)
is acceptable.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from photocheck import decode, scene, segmentation
from photocheck.checks.base import Check, finding, grade, graded, graded_parts, worst
from photocheck.context import PhotoContext, intermediate
from photocheck.measures import background as bgm
from photocheck.measures.colour import to_lab
from photocheck.measures.lighting import linear_luminance
from photocheck.measures.resize import area_u8
from photocheck.report import Finding, Status

CODES = ("background.not_plain", "background.shadow", "background.low_contrast",
         "background.strong_colour")


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
    tex = bgm.texture(lab, bg, float(p["edge_level"]))
    # below the chin the frame usually cuts through the shoulders: shadows are judged beside
    # the head and shoulders only
    chin_y: float | None = None
    near_from = p["shadow_near_from"] * long_side
    near_to = p["shadow_near_to"] * long_side
    try:
        view = scene.face_view(ctx)
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
        return float((values < min_de).mean()) if values.size else 0.0

    return BackgroundMeasures(texture=tex, shadow=sh, low_contrast_head=low(head_de),
                              low_contrast_all=low(all_de), colour=bgm.colour(lab, bg))


def busyness(m: BackgroundMeasures, params: Mapping[str, Any]) -> float:
    """``background.not_plain``'s measure: the worst of edge density, lightness texture and
    colour blobs, each relative to its limit (1.0 = at the limit); 0 when there is too little
    background to judge."""
    t = m.texture
    scores = (t.edge_density / params["max_edge_density"],
              t.residual_std / params["max_residual_std"], t.colour_std / params["max_colour_std"])
    return max(scores) if t.area_fraction >= params["min_area_fraction"] else 0.0


def run(ctx: PhotoContext, params: Mapping[str, Any]) -> Iterator[Finding]:
    """Emit the four background findings."""
    m = background_measures(ctx)
    busy = busyness(m, params)
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
