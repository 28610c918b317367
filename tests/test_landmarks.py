"""The FaceMesh index sets agree with each other (one ring, corners where the contours say)."""

from __future__ import annotations

from photocheck import landmarks as lm


def test_face_oval_ring_runs_forehead_right_side_chin_left_side() -> None:
    oval = lm.FACE_OVAL_IDX
    assert len(oval) == len(set(oval)) == 36 and max(oval) < 468
    assert oval[0] == lm.FOREHEAD_IDX and oval[18] == lm.CHIN_IDX
    assert oval.index(lm.FACE_RIGHT_IDX) == 8 and oval.index(lm.FACE_LEFT_IDX) == 28


def test_eye_contours_start_at_the_outer_corner_and_pass_the_inner_one() -> None:
    (left_outer, left_inner), (right_inner, right_outer) = lm.EYE_LEFT_IDX, lm.EYE_RIGHT_IDX
    assert lm.EYE_CONTOUR_LEFT_IDX[0] == left_outer and lm.EYE_CONTOUR_LEFT_IDX[8] == left_inner
    assert lm.EYE_CONTOUR_RIGHT_IDX[0] == right_outer
    assert lm.EYE_CONTOUR_RIGHT_IDX[8] == right_inner
    assert len(lm.EYE_CONTOUR_LEFT_IDX) == len(lm.EYE_CONTOUR_RIGHT_IDX) == 16


def test_inner_lips_ring_joins_the_mouth_corners() -> None:
    lips = lm.INNER_LIPS_IDX
    assert len(lips) == len(set(lips)) == 20
    assert (lips[0], lips[10]) == lm.MOUTH_IDX
