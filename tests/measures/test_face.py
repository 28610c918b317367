"""Face measures: exact values on tiny synthetic arrays."""

from __future__ import annotations

import math

import cv2
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


def test_mouth_opening() -> None:
    p = np.zeros((468, 3))
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


def test_teeth_area_on_a_greyscale_image_needs_pixels_brighter_than_the_skin() -> None:
    # a greyscale scan: skin 180, lips 165 (as colourless as teeth), 100 px of teeth at 220
    img = np.full((40, 60, 3), 165, np.uint8)
    skin = np.full((20, 3), 180, np.uint8)
    lips = np.array([[10, 10], [50, 10], [50, 30], [10, 30]], float)
    assert mf.teeth_area(img, lips, 20.0, skin) == 0.0  # not every lip pixel, as in colour
    img[15:25, 20:30] = 220
    assert mf.teeth_area(img, lips, 20.0, skin) == pytest.approx(100 / 400)
    # in colour the lips are told apart by their saturation, as before
    colour = np.zeros((40, 60, 3), np.uint8)
    colour[:] = (120, 120, 190)
    assert mf.teeth_area(colour, lips, 20.0, np.full((20, 3), (130, 150, 200), np.uint8)) == 0.0


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


def _eye_scene(opening: int, iris: int | None, skin: int = 180) -> tuple[np.ndarray, np.ndarray,
                                                                          np.ndarray]:
    """A 120-px-wide eye with a 12-px opening filled with ``opening`` grey, an optional iris
    disc (radius 18) of grey ``iris``, on ``skin``; returns image, contour, iris points."""
    img = np.full((120, 200, 3), skin, np.uint8)
    img[54:67, 40:161] = opening
    if iris is not None:
        yy, xx = np.mgrid[:120, :200]
        img[((xx - 100) ** 2 + (yy - 60) ** 2 <= 18**2) & (yy >= 54) & (yy <= 66)] = iris
    c = np.zeros((71, 2))
    c[0], c[8] = (40.0, 60.0), (160.0, 60.0)
    for i in range(1, 8):
        c[i] = (40.0 + 15.0 * i, 66.0)
        c[8 + i] = (160.0 - 15.0 * i, 54.0)
    ir = np.array([(100.0, 60.0), (118.0, 60.0), (100.0, 42.0), (82.0, 60.0), (100.0, 78.0)])
    return img, c, ir


def test_iris_contrast_open_vs_closed() -> None:
    img, c, ir = _eye_scene(opening=220, iris=40)  # sclera – dark iris – sclera
    assert mf.iris_contrast(img, c, ir) == pytest.approx((220 - 40) / 180, abs=0.02)
    img, c, ir = _eye_scene(opening=40, iris=None)  # closed: an even dark lash line
    assert mf.iris_contrast(img, c, ir) == pytest.approx(0.0, abs=0.01)
    img, c, ir = _eye_scene(opening=180, iris=None)  # closed: lid skin only
    assert mf.iris_contrast(img, c, ir) == pytest.approx(0.0, abs=0.01)


def test_iris_contrast_rotated_and_degenerate() -> None:
    img, c, ir = _eye_scene(opening=220, iris=40)
    rot = cv2.getRotationMatrix2D((100.0, 60.0), 30.0, 1.0)
    turned = cv2.warpAffine(img, rot, (200, 120), flags=cv2.INTER_NEAREST,
                            borderMode=cv2.BORDER_REPLICATE)
    move = np.hstack  # points follow the same affine
    c2 = move([c, np.ones((71, 1))]) @ rot.T
    ir2 = move([ir, np.ones((5, 1))]) @ rot.T
    assert mf.iris_contrast(turned, c2, ir2) == pytest.approx(1.0, abs=0.05)
    assert math.isnan(mf.iris_contrast(img, np.zeros((71, 2)), ir))  # zero-width eye


def test_teeth_area_reads_the_polygon_box_as_the_whole_image() -> None:
    # HSV of the polygon's bounding box only: the figure of the whole image's conversion
    rng = np.random.default_rng(5)
    img = rng.integers(0, 256, (120, 160, 3), dtype=np.uint8)
    img[40:80, 50:110] = rng.integers(150, 256, (40, 60, 1), dtype=np.uint8)  # grey, bright
    lips = np.array([[48.3, 60.0], [80.0, 37.6], [112.5, 60.2], [80.0, 83.1]])
    skin = rng.integers(90, 200, (30, 3), dtype=np.uint8)
    inside = mf.polygon_mask(img.shape[:2], lips)
    hsv = cv2.cvtColor(img, cv2.COLOR_BGR2HSV)
    sky = cv2.cvtColor(skin.reshape(-1, 1, 3), cv2.COLOR_BGR2HSV).reshape(-1, 3)
    max_sat = max(0.6 * float(np.median(sky[:, 1])), 0.12 * 255.0)
    min_val = 0.8 * float(np.median(sky[:, 2]))
    count = int(((hsv[..., 1][inside] <= max_sat) & (hsv[..., 2][inside] >= min_val)).sum())
    assert count > 100
    assert mf.teeth_area(img, lips, 30.0, skin) == count / 900.0


def _red_fraction_by_mgrid(bgr: np.ndarray, centre: np.ndarray, radius_px: float) -> float:
    """The measure as the formula reads: a full mgrid, the float means of numpy."""
    h, w = bgr.shape[:2]
    r = max(1.0, float(radius_px))
    x0, x1 = max(0, int(centre[0] - r)), min(w, int(math.ceil(centre[0] + r)) + 1)
    y0, y1 = max(0, int(centre[1] - r)), min(h, int(math.ceil(centre[1] + r)) + 1)
    if x1 <= x0 or y1 <= y0:
        return 0.0
    patch = bgr[y0:y1, x0:x1].astype(np.float64)
    yy, xx = np.mgrid[y0:y1, x0:x1]
    disc = (xx + 0.5 - centre[0]) ** 2 + (yy + 0.5 - centre[1]) ** 2 <= r * r
    if not disc.any():
        return 0.0
    b, g, red = patch[..., 0][disc], patch[..., 1][disc], patch[..., 2][disc]
    return float(((red > 2.0 * np.maximum(g, b)) & (red > 100.0)).mean())


def test_red_fraction_exact_against_the_mgrid_formula() -> None:
    rng = np.random.default_rng(5)
    img = rng.integers(0, 256, (40, 50, 3), dtype=np.uint8)
    img[..., 2] = np.maximum(img[..., 2], 120)  # about half the pixels count as red
    for _ in range(200):
        centre = rng.uniform(-3.0, 53.0, 2)
        radius = float(rng.uniform(0.5, 9.0))
        expected = _red_fraction_by_mgrid(img, centre, radius)
        assert mf.red_fraction(img, centre, radius) == expected
    # a 3-px disc at (6, 6) holds the 32 px whose centres lie within 3 px (8 a quadrant: the
    # offsets 0.5–2.5 with squares summing to ≤ 9); a 2×2 red block at its centre is 4 of them
    block = np.zeros((12, 12, 3), np.uint8)
    block[5:7, 5:7] = (0, 0, 200)
    assert mf.red_fraction(block, np.array([6.0, 6.0]), 3.0) == 4 / 32


def test_polygon_mask_is_a_bool_view_of_the_filled_polygon() -> None:
    mask = mf.polygon_mask((6, 8), np.array([[1.0, 1.0], [5.0, 1.0], [5.0, 4.0], [1.0, 4.0]]))
    assert mask.dtype == bool
    assert int(mask.sum()) == 20 and mask[1:5, 1:6].all()


def test_eye_centres_and_eye_level_affine_put_the_eyes_level_where_asked() -> None:
    from photocheck.landmarks import EYE_LEFT_IDX, EYE_RIGHT_IDX
    from photocheck.measures.face import eye_centres, eye_level_affine

    pts = np.zeros((468, 3))
    pts[list(EYE_LEFT_IDX), :2] = [[10.0, 20.0], [30.0, 20.0]]  # centre (20, 20)
    pts[list(EYE_RIGHT_IDX), :2] = [[50.0, 50.0], [70.0, 50.0]]  # centre (60, 50): 50 px apart
    left, right = eye_centres(pts)
    assert left.tolist() == [20.0, 20.0] and right.tolist() == [60.0, 50.0]
    aff = eye_level_affine(pts, 100.0, (160.0, 80.0))
    mapped = aff @ np.array([[20.0, 60.0], [20.0, 50.0], [1.0, 1.0]])
    np.testing.assert_allclose(mapped.T, [[110.0, 80.0], [210.0, 80.0]], atol=1e-9)
