"""Face measures: exact values on tiny synthetic arrays."""

from __future__ import annotations

import math

import numpy as np
import pytest

from photocheck.measures import face as mf


def _eye(gap_up: float = 2.0, gap_down: float = 1.0) -> np.ndarray:
    c = np.zeros((71, 2))
    c[0], c[8] = (0.0, 0.0), (10.0, 0.0)
    for i in range(1, 8):
        c[i] = (1.25 * i, gap_down)  # lower lid
        c[8 + i] = (1.25 * i, -gap_up)  # upper lid
    return c


def test_eye_openness_exact() -> None:
    assert mf.eye_openness(_eye()) == pytest.approx(0.3)
    assert mf.eye_openness(_eye(0.0, 0.0)) == 0.0


def test_eye_openness_mirrored_and_rotated() -> None:
    mirrored = _eye() * [-1.0, 1.0]  # the image-right eye: contour runs from the right corner
    assert mf.eye_openness(mirrored) == pytest.approx(0.3)
    a = math.radians(35.0)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    assert mf.eye_openness(_eye() @ rot.T + [40.0, 7.0]) == pytest.approx(0.3)


def test_mesh_eye_openness_and_mouth() -> None:
    p = np.zeros((468, 3))
    p[159, :2], p[145, :2], p[33, :2], p[133, :2] = (5, -1), (5, 2), (0, 0), (10, 0)
    assert mf.mesh_eye_openness(p, 159, 145, 33, 133) == pytest.approx(0.3)
    p[13, :2], p[14, :2], p[78, :2], p[308, :2] = (0, 0), (0, 2), (-5, 1), (5, 1)
    assert mf.mouth_opening(p) == pytest.approx(0.2)


def test_teeth_area_counts_bright_grey_pixels() -> None:
    img = np.zeros((40, 60, 3), np.uint8)
    img[:] = (60, 60, 170)  # lips/skin: saturated red
    img[15:25, 20:30] = (235, 235, 235)  # 100 px of "teeth"
    lips = np.array([[10, 10], [50, 10], [50, 30], [10, 30]], float)
    assert mf.teeth_area(img, lips, 20.0) == pytest.approx(100 / 400)
    img[15:25, 20:30] = (60, 60, 170)
    assert mf.teeth_area(img, lips, 20.0) == 0.0


def test_red_fraction() -> None:
    img = np.full((30, 30, 3), 20, np.uint8)
    yy, xx = np.mgrid[0:30, 0:30]
    img[(xx + 0.5 - 15) ** 2 + (yy + 0.5 - 15) ** 2 <= 25] = (40, 40, 220)  # red pupil r=5
    assert mf.red_fraction(img, np.array([15.0, 15.0]), 4.0) == 1.0
    frac = mf.red_fraction(img, np.array([15.0, 15.0]), 10.0)
    assert frac == pytest.approx(25 / 100, abs=0.04)
    img[:] = (40, 60, 110)  # brown iris: not red enough
    assert mf.red_fraction(img, np.array([15.0, 15.0]), 5.0) == 0.0


def test_gaze_offset() -> None:
    h, v = mf.gaze_offset(np.array([5.0, 0.0]), np.array([0.0, 0]), np.array([10.0, 0]),
                          np.array([5.0, -2]), np.array([5.0, 2]))
    assert (h, v) == pytest.approx((0.0, 0.0))
    h, v = mf.gaze_offset(np.array([7.0, 1.0]), np.array([10.0, 0]), np.array([0.0, 0]),
                          np.array([5.0, -2]), np.array([5.0, 2]))
    assert (h, v) == pytest.approx((0.2, 0.1))


def test_keypoint_yaw() -> None:
    k = np.array([[-1, 0], [1, 0], [0, 1], [0, 2], [-3, 0.5], [3, 0.5]], float)
    assert mf.keypoint_yaw_deg(k) == pytest.approx(0.0)
    k[2, 0] = 0.9  # nose towards the image right by half of 0.6 × half the ear distance
    assert mf.keypoint_yaw_deg(k) == pytest.approx(30.0)
