"""Expression (J-LIS: expression very different from normal — open mouth, teeth showing;
ICAO: neutral expression, mouth closed).

- ``expression.mouth_open``: inner-lip gap over the inner mouth width (FaceMesh 13/14, 78/308).
- ``expression.teeth``: bright, low-saturation pixel area inside the inner-lip polygon over the
  mouth width squared (skin of the cheeks and beside the nostrils as the reference).

Mouths narrower than ``min_mouth_width_px`` (full-resolution px) are not assessed (cause
``face.too_small``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from photocheck import decode, face
from photocheck.checks.base import Check, graded
from photocheck.context import NotAssessable, PhotoContext
from photocheck.landmarks import INNER_LIPS_IDX
from photocheck.measures import face as mf
from photocheck.report import Finding

CODES = ("expression.mouth_open", "expression.teeth")

PARAMS = {"min_mouth_width_px": float,
          "warn_max_mouth_opening": float, "fail_max_mouth_opening": float,
          "warn_max_teeth_area": float, "fail_max_teeth_area": float}

# Skin reference of the teeth measure: FaceMesh points on both cheeks (50, 280) and beside the
# nostrils (203, 423). One area alone can be atypical (a smiling cheek lifted into the light,
# stubble): with the cheeks only, three bearded smiles read as no teeth. Chosen among seven
# patch sets through 5 person-and-source folds of ../shared/photos (benchmarks/
# teeth_reference.py: every fold chose it, tied with the nostril patches alone, the larger
# sample kept): held-out 28/29 smiles over 0.02, 2/109 neutral mouths (cheeks 26/29, 3/109).
_SKIN_POINTS = (50, 280, 203, 423)
_INNER_LIPS_ROWS = np.array(INNER_LIPS_IDX)  # built once, not per call


def teeth(ctx: PhotoContext, skin_points: tuple[int, ...] = _SKIN_POINTS) -> float:
    """Teeth area of the applicant (see :func:`photocheck.measures.face.teeth_area`), against
    the skin around the FaceMesh ``skin_points``."""
    image = decode.analysis_image(ctx)
    p = face.landmarks(ctx)[:, :2] * image.scale
    mouth_w = float(np.hypot(*(p[308] - p[78])))
    h, w = image.bgr.shape[:2]
    r = max(1, int(round(mouth_w * 0.06)))
    patches = []
    # Python floats (round half to even, as numpy's): no numpy scalar per coordinate
    for x_px, y_px in p[list(skin_points)].tolist():
        x, y = round(x_px), round(y_px)
        patch = image.bgr[max(0, y - r) : min(h, y + r + 1), max(0, x - r) : min(w, x + r + 1)]
        patches.append(patch.reshape(-1, 3))
    skin = np.concatenate(patches) if patches else None
    return mf.teeth_area(image.bgr, p[_INNER_LIPS_ROWS], mouth_w, skin)


def run(ctx: PhotoContext, params: Mapping[str, Any]) -> Iterator[Finding]:
    """Emit the mouth-open and teeth findings."""
    pts = face.landmarks(ctx)
    mouth_px = float(np.hypot(*(pts[291, :2] - pts[61, :2])))
    if mouth_px < params["min_mouth_width_px"]:
        # a mouth a few px wide cannot show lips apart or teeth reliably
        raise NotAssessable("face.too_small", f"mouth width {mouth_px:.1f} px")
    yield graded("expression.mouth_open", round(mf.mouth_opening(pts), 4),
                 fail=params["fail_max_mouth_opening"], warn=params["warn_max_mouth_opening"],
                 unit="ratio")
    yield graded("expression.teeth", round(teeth(ctx), 4), fail=params["fail_max_teeth_area"],
                 warn=params["warn_max_teeth_area"], unit="ratio")


CHECK = Check(name="expression", codes=CODES, params=PARAMS, run=run)
