"""What one trim is asked to do, kept on the scan's context, and what it reads from there."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from photocheck import decode
from photocheck.context import PhotoContext
from photocheck.face import DEFAULTS
from photocheck.inference import Models

# context keys: the face geometry a caller hands the trim, and the trim's own options
GEOMETRY_KEY = "trim_geometry_fn"
OPTIONS_KEY = "trim_options"


def option_scan_dpi(ctx: PhotoContext, options: Mapping[str, Any]) -> float | None:
    """The scan's resolution: the caller's ``dpi`` option, else the file's (None: unknown)."""
    if options.get("dpi"):
        return float(options["dpi"])
    head = decode.header(ctx)
    if head.dpi:
        return float(np.sqrt(head.dpi[0] * head.dpi[1]))
    return None


def edge_inset_px(ctx: PhotoContext, long_side_px: int) -> float:
    """How far (full px) the crop keeps inside the print's measured edge: 1.5 px of the
    analysis-size copy the print used to be found on (~0.25 mm), clear of the bed and the
    edge's shadow."""
    analysis_px = int(ctx.params("decode")["analysis_long_side_px"])
    return 1.5 * decode.reduction_for(long_side_px, analysis_px)


def trim_models(ctx: PhotoContext) -> Any:
    """The context's models, loaded (once, shared) when a trim runs without a validator's."""
    if ctx.models is None:
        ctx.models = Models.load()
    return ctx.models


def face_params(ctx: PhotoContext) -> tuple[float, float]:
    """The profile's face-detector and FaceMesh-presence minimums (the face defaults without
    a ``[face]`` section)."""
    try:
        section = dict(ctx.params("face"))
    except (KeyError, AttributeError):
        section = {}
    return (float(section.get("min_score", DEFAULTS["min_score"])),
            float(section.get("min_mesh_presence", DEFAULTS["min_mesh_presence"])))


def full_pixels(ctx: PhotoContext) -> np.ndarray:
    """The scan at full resolution (decoded once; the analysis decode already succeeded)."""
    return decode.full_image(ctx).bgr
