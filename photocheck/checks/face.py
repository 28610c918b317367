"""Face presence, uniqueness, size and completeness (J-LIS: only the applicant; face too small /
cut off are listed rejection reasons).

- ``face.not_found``: no face in any orientation searched (BlazeFace front-128 / back-256).
- ``face.multiple``: any other face, however small (back-256 on the frame and tiles), after
  removing detections that lie inside the applicant's own head.
- ``face.too_small``: the applicant's face box height (eyebrows to chin, roughly) as a fraction
  of the image height, and in full-resolution px.
- ``face.cut_off``: the face mesh runs past an image border (fraction of the forehead–chin
  height), or the crown found by the person matte is on the top border (hair cut off).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from photocheck import decode, face, person
from photocheck.checks.base import Check, finding, limit
from photocheck.context import NotAssessable, PhotoContext
from photocheck.landmarks import CHIN_IDX, FOREHEAD_IDX
from photocheck.report import Finding, Status

CODES = ("face.not_found", "face.multiple", "face.too_small", "face.cut_off")

PARAMS = {
    "min_score": float,
    "other_min_score": float,
    "min_mesh_presence": float,
    "min_face_height_ratio": float,
    "min_face_height_px": float,
    "max_outside_ratio": float,
    "crown_at_edge_is_cut_off": bool,
}


def outside_ratio(points_xy: np.ndarray, width: float, height: float, face_h: float) -> float:
    """How far the points reach past the image borders, as a fraction of ``face_h`` (0 inside).
    """
    p = np.asarray(points_xy, np.float64)
    over = max(0.0, -float(p[:, 0].min()), -float(p[:, 1].min()),
               float(p[:, 0].max()) - width, float(p[:, 1].max()) - height)
    return over / face_h if face_h > 0 else 0.0


def _crown_at_edge(ctx: PhotoContext) -> bool:
    try:
        return bool(person.crown_info(ctx).at_edge)
    except NotAssessable:
        return False


def run(ctx: PhotoContext, params: Mapping[str, Any]) -> Iterator[Finding]:
    """Emit the four face findings (see the module docstring)."""
    found = face.detections(ctx)
    if not found:
        yield finding("face.not_found", Status.FAIL, 0, {"min": 1}, "faces")
        raise NotAssessable("face.not_found", "no face")
    yield finding("face.not_found", Status.PASS, len(found), {"min": 1}, "faces")
    yield limit("face.multiple", len(found), max=1, unit="faces")

    head = decode.header(ctx)
    width, height = head.oriented_size
    box = found[0].box
    face_h_px = float(box[3] - box[1])
    ratio = face_h_px / float(height)
    too_small = ratio < params["min_face_height_ratio"] or face_h_px < params["min_face_height_px"]
    yield finding("face.too_small", Status.FAIL if too_small else Status.PASS, round(ratio, 4),
                  {"min": params["min_face_height_ratio"],
                   "min_px": params["min_face_height_px"]}, "ratio")

    try:
        pts = face.landmarks(ctx)[:, :2]
        face_h = float(np.hypot(*(pts[CHIN_IDX] - pts[FOREHEAD_IDX])))
    except NotAssessable:  # no mesh: judge from the detector box
        pts, face_h = box.reshape(2, 2), face_h_px
    over = outside_ratio(pts, width, height, face_h)
    if over > params["max_outside_ratio"]:
        yield finding("face.cut_off", Status.FAIL, round(over, 4),
                      {"max": params["max_outside_ratio"]}, "ratio")
    elif params["crown_at_edge_is_cut_off"] and _crown_at_edge(ctx):
        yield finding("face.cut_off", Status.FAIL, "crown at the top edge", None, None)
    else:
        yield finding("face.cut_off", Status.PASS, round(over, 4),
                      {"max": params["max_outside_ratio"]}, "ratio")


CHECK = Check(name="face", codes=CODES, params=PARAMS, run=run)
