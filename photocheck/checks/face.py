"""Face presence, uniqueness, size and completeness (J-LIS: only the applicant; face too small /
cut off are listed rejection reasons).

- ``face.not_found``: no face in any orientation searched (BlazeFace front-128 / back-256).
  Categorical, a single level: without a face no other rule can be judged.
- ``face.multiple``: any other face, however small (back-256 on the frame and tiles), after
  removing detections that lie inside the applicant's own head and those FaceMesh does not
  confirm. Graded on the most confident other face: at ``fail_other_min_score`` it fails, a
  weaker one (from ``other_min_score``) warns (clothing, hair or a poster read as a face).
- ``face.too_small``: the applicant's face box height (eyebrows to chin, roughly) as a fraction
  of the image height, and in full-resolution px; each with a warn and a fail minimum (the
  worse of the two decides).
- ``face.cut_off``: the face mesh runs past an image border (fraction of the forehead–chin
  height; a warn and a fail limit), or the crown found by the person matte is on the top
  border (hair cut off; fails when the profile says so).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from photocheck import decode, face, person
from photocheck.checks.base import Check, finding, grade, graded, worst
from photocheck.context import NotAssessable, PhotoContext
from photocheck.landmarks import CHIN_IDX, FOREHEAD_IDX
from photocheck.report import Finding, Status

CODES = ("face.not_found", "face.multiple", "face.too_small", "face.cut_off")

PARAMS = {
    "min_score": float,
    "other_min_score": float,
    "fail_other_min_score": float,
    "min_mesh_presence": float,
    "warn_min_face_height_ratio": float,
    "fail_min_face_height_ratio": float,
    "warn_min_face_height_px": float,
    "fail_min_face_height_px": float,
    "warn_max_outside_ratio": float,
    "fail_max_outside_ratio": float,
    "crown_at_edge_is_cut_off": bool,
}


def outside_ratio(points_xy: np.ndarray, width: float, height: float, face_h: float) -> float:
    """How far the points reach past the image borders, as a fraction of ``face_h`` (0 inside).
    """
    # one (2, N) copy whose rows reduce contiguously (min and max are exact in any order)
    rows = np.asarray(points_xy, np.float64)[:, :2].T.copy()
    (x_lo, y_lo), (x_hi, y_hi) = np.minimum.reduce(rows, axis=1), np.maximum.reduce(rows, axis=1)
    over = max(0.0, -float(x_lo), -float(y_lo), float(x_hi) - width, float(y_hi) - height)
    return over / face_h if face_h > 0 else 0.0


def _crown_at_edge(ctx: PhotoContext) -> bool:
    try:
        return bool(person.crown_info(ctx).at_edge)
    except NotAssessable:
        return False


def multiple_finding(other_scores: list[float], params: Mapping[str, Any]) -> Finding:
    """``face.multiple`` from the detector scores of the other (FaceMesh-confirmed) faces:
    the most confident one decides (fail from ``fail_other_min_score``, else warn)."""
    best = max(other_scores, default=0.0)
    # every other face kept scored at least other_min_score: it warns at least
    status = (Status.PASS if not other_scores
              else Status.FAIL if best >= params["fail_other_min_score"] else Status.WARN)
    return finding("face.multiple", status,
                   {"faces": 1 + len(other_scores), "other_score": round(best, 3)},
                   {"max_faces": 1, "min_other_score": params["other_min_score"],
                    "fail_min_other_score": params["fail_other_min_score"]}, "faces")


def too_small_finding(ratio: float, face_h_px: float, params: Mapping[str, Any]) -> Finding:
    """``face.too_small``: the worse verdict of the height ratio and the px height."""
    status = worst(
        grade(ratio, fail=params["fail_min_face_height_ratio"],
              warn=params["warn_min_face_height_ratio"], upper=False),
        grade(face_h_px, fail=params["fail_min_face_height_px"],
              warn=params["warn_min_face_height_px"], upper=False))
    return finding("face.too_small", status, round(ratio, 4),
                   {"min": params["warn_min_face_height_ratio"],
                    "fail_min": params["fail_min_face_height_ratio"],
                    "min_px": params["warn_min_face_height_px"],
                    "fail_min_px": params["fail_min_face_height_px"]}, "ratio")


def run(ctx: PhotoContext, params: Mapping[str, Any]) -> Iterator[Finding]:
    """Emit the four face findings (see the module docstring)."""
    found = face.detections(ctx)
    if not found:
        yield finding("face.not_found", Status.FAIL, 0, {"min": 1}, "faces")
        raise NotAssessable("face.not_found", "no face")
    yield finding("face.not_found", Status.PASS, len(found), {"min": 1}, "faces")
    yield multiple_finding([d.score for d in found[1:]], params)

    head = decode.header(ctx)
    width, height = head.oriented_size
    box = found[0].box
    face_h_px = float(box[3] - box[1])
    yield too_small_finding(face_h_px / float(height), face_h_px, params)

    try:
        pts = face.landmarks(ctx)[:, :2]
        face_h = float(np.hypot(*(pts[CHIN_IDX] - pts[FOREHEAD_IDX])))
    except NotAssessable:  # no mesh: judge from the detector box
        pts, face_h = box.reshape(2, 2), face_h_px
    over = round(outside_ratio(pts, width, height, face_h), 4)
    cut = graded("face.cut_off", over, fail=params["fail_max_outside_ratio"],
                 warn=params["warn_max_outside_ratio"], unit="ratio")
    if cut.status == Status.PASS and params["crown_at_edge_is_cut_off"] and _crown_at_edge(ctx):
        cut = finding("face.cut_off", Status.FAIL, "crown at the top edge", None, None)
    yield cut


CHECK = Check(name="face", codes=CODES, params=PARAMS, run=run)
