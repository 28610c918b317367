"""The explicit, ordered table of checks. Order is the order of findings in a report."""

from __future__ import annotations

from photocheck.checks import background as _background
from photocheck.checks import expression as _expression
from photocheck.checks import eyes as _eyes
from photocheck.checks import eyewear as _eyewear
from photocheck.checks import face as _face
from photocheck.checks import file as _file
from photocheck.checks import geometry as _geometry
from photocheck.checks import headwear as _headwear
from photocheck.checks import helper as _helper
from photocheck.checks import lighting as _lighting
from photocheck.checks import metadata as _metadata
from photocheck.checks import pose as _pose
from photocheck.checks import quality as _quality
from photocheck.checks import trim as _trim
from photocheck.checks.base import Check, ParamSchema

CHECKS: tuple[Check, ...] = (
    _file.CHECK,
    _metadata.CHECK,
    _face.CHECK,
    _pose.CHECK,
    _eyes.CHECK,
    _expression.CHECK,
    _geometry.CHECK,
    _helper.CHECK,
    _headwear.CHECK,
    _eyewear.CHECK,
    _background.CHECK,
    _lighting.CHECK,
    _quality.CHECK,
    _trim.CHECK,
)

# Stages that are not checks but are tuned per profile (parameter name → type).
STAGES: dict[str, ParamSchema] = {
    "decode": {
        "max_read_bytes": int,
        "max_decode_megapixels": (int, float),
        "analysis_long_side_px": int,
    },
    # the crown without MODNet when the colour and selfie crowns agree (photocheck.person)
    "crown": {
        "skip_matte": bool,
        "skip_matte_hair_at_top": bool,
        "max_colour_selfie_difference": float,
        "band_contrast_margin": float,
    },
}


def schema() -> dict[str, ParamSchema]:
    """Every profile section with its parameter types (checks get an extra ``enabled``)."""
    out: dict[str, ParamSchema] = dict(STAGES)
    for check in CHECKS:
        out[check.name] = {"enabled": bool, **check.params}
    return out
