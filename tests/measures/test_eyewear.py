"""Eyewear measures on tiny synthetic eye canvases with exact answers."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from photocheck.landmarks import EYE_CONTOUR_LEFT_IDX, EYE_CONTOUR_RIGHT_IDX
from photocheck.measures import eyewear as me

D = me.IOD_PX
SKIN = (120, 150, 200)  # BGR


def fake_points() -> np.ndarray:
    """Mesh points of two almond eye openings 0.3 IOD wide, 0.1 IOD high, in the eye canvas."""
    pts = np.tile([me.CANVAS_W / 2.0, me.EYE_Y + 0.5 * D], (468, 1)).astype(np.float64)
    for cx, contour in ((me.EYE_LEFT_X, EYE_CONTOUR_LEFT_IDX),
                        (me.EYE_RIGHT_X, EYE_CONTOUR_RIGHT_IDX)):
        n = len(contour)
        for k, idx in enumerate(contour):
            t = 2 * np.pi * k / n
            pts[idx] = (cx - 0.15 * D * np.cos(t), me.EYE_Y - 0.05 * D * np.sin(t))
    return pts


def fake_irises() -> np.ndarray:
    irises = np.zeros((2, 5, 2))
    for i, cx in enumerate((me.EYE_LEFT_X, me.EYE_RIGHT_X)):
        r = 0.05 * D
        irises[i] = [(cx, me.EYE_Y), (cx + r, me.EYE_Y), (cx, me.EYE_Y - r),
                     (cx - r, me.EYE_Y), (cx, me.EYE_Y + r)]
    return irises


def face_canvas() -> np.ndarray:
    """Skin everywhere, white sclera and a dark iris in each opening."""
    bgr = np.zeros((me.CANVAS_H, me.CANVAS_W, 3), np.uint8)
    bgr[...] = SKIN
    pts = fake_points()
    for contour, cx in ((EYE_CONTOUR_LEFT_IDX, me.EYE_LEFT_X),
                        (EYE_CONTOUR_RIGHT_IDX, me.EYE_RIGHT_X)):
        cv2.fillPoly(bgr, [np.round(pts[list(contour)]).astype(np.int32)], (235, 235, 235))
        cv2.circle(bgr, (int(cx), int(me.EYE_Y)), int(0.05 * D), (40, 50, 60), -1)
    return bgr


def test_luminance_and_chromaticity_of_known_colours() -> None:
    lum = me.luminance(np.array([[[255, 255, 255], [0, 0, 0], [0, 0, 255]]], np.uint8))
    np.testing.assert_allclose(lum[0], [1.0, 0.0, 0.2126], atol=1e-6)
    chrom = me.chromaticity(np.array([[[0, 0, 99]]], np.uint8))  # pure red: r = 99 / 100
    np.testing.assert_allclose(chrom[0, 0], [0.99, 0.0], atol=1e-6)


def test_canvas_affine_places_the_eyes() -> None:
    pts = np.zeros((468, 2))
    pts[[33, 133]] = (100.0, 300.0)
    pts[[362, 263]] = (100.0, 400.0)  # eyes one above the other (a 90° roll)
    aff = me.canvas_affine(pts)
    out = pts[[33, 362]] @ aff[:, :2].T + aff[:, 2]
    np.testing.assert_allclose(out, [[me.EYE_LEFT_X, me.EYE_Y], [me.EYE_RIGHT_X, me.EYE_Y]],
                               atol=1e-9)


def test_box_clips_to_the_canvas() -> None:
    rows, cols = me.box(np.array([10.0, 10.0]), (-1.0, 0.5, -1.0, 0.5), (100, 100))
    assert (rows.start, rows.stop, cols.start, cols.stop) == (0, 74, 0, 74)


def test_clear_eyes_without_glasses() -> None:
    canvas = me.EyeCanvas(bgr=face_canvas(), points=fake_points(), irises=fake_irises())
    m = me.measure_eyewear(canvas)
    assert m.under_eye_ratio == pytest.approx(1.0)
    assert m.lens_colour_shift == pytest.approx(0.0, abs=1e-6)
    assert m.rim_thickness_iod == 0.0
    assert m.glare_fraction == 0.0
    assert m.frame_crossing < 0.5
    assert m.eye_contrast > 1.0  # white sclera vs dark iris, over the cheek's luminance


def test_dark_lenses_are_measured_as_sunglasses() -> None:
    bgr = face_canvas()
    for cx in (me.EYE_LEFT_X, me.EYE_RIGHT_X):
        cv2.ellipse(bgr, (int(cx), int(me.EYE_Y + 0.04 * D)), (int(0.3 * D), int(0.24 * D)), 0,
                    0, 360, (20, 20, 20), -1)
    m = me.measure_eyewear(me.EyeCanvas(bgr=bgr, points=fake_points(), irises=fake_irises()))
    skin_lum = float(me.luminance(np.array([[SKIN]], np.uint8))[0, 0])
    dark_lum = float(me.luminance(np.array([[[20, 20, 20]]], np.uint8))[0, 0])
    assert m.under_eye_ratio == pytest.approx(dark_lum / skin_lum, rel=1e-5)
    assert m.eye_contrast == pytest.approx(0.0)
    # a lens dark from the lid down is not a rim
    assert m.rim_thickness_iod == 0.0


def test_a_thick_lower_rim_is_measured() -> None:
    bgr = face_canvas()
    for cx in (me.EYE_LEFT_X, me.EYE_RIGHT_X):
        top = int(me.EYE_Y + 0.3 * D)
        bgr[top:top + 16, int(cx - 0.3 * D):int(cx + 0.3 * D)] = (15, 15, 15)  # 0.125 IOD
    m = me.measure_eyewear(me.EyeCanvas(bgr=bgr, points=fake_points(), irises=fake_irises()))
    assert m.rim_thickness_iod == pytest.approx(16 / D)
    assert m.under_eye_ratio > 0.3  # clear lens above the rim: not sunglasses


def test_tinted_lenses_shift_the_colour_below_the_lid() -> None:
    bgr = face_canvas()
    for cx in (me.EYE_LEFT_X, me.EYE_RIGHT_X):
        rows, cols = me.box(np.array([cx, me.EYE_Y]), me.UNDER_EYE_BOX, bgr.shape)
        bgr[rows, cols] = (200, 150, 120)  # skin seen through a blue lens
    m = me.measure_eyewear(me.EyeCanvas(bgr=bgr, points=fake_points(), irises=fake_irises()))
    skin = me.chromaticity(np.array([[SKIN]], np.uint8))[0, 0]
    tint = me.chromaticity(np.array([[[200, 150, 120]]], np.uint8))[0, 0]
    assert m.lens_colour_shift == pytest.approx(float(np.linalg.norm(tint - skin)), rel=1e-5)


def test_a_thin_dark_frame_line_crosses_the_opening() -> None:
    lum = np.full((60, 60), 0.8, np.float32)
    opening = np.zeros((60, 60), bool)
    opening[20:40, 10:50] = True
    assert me.frame_crossing(lum, opening) == 0.0
    dark_half = lum.copy()
    dark_half[30:, :] = 0.05  # a step (a shadow or the iris edge) is not a line
    assert me.frame_crossing(dark_half, opening) == 0.0
    lum[29:31, :] = 0.05  # a 2-px dark rim across the whole opening
    assert me.frame_crossing(lum, opening) == pytest.approx(1.0)


def test_glare_outside_the_iris_counts_and_the_catch_light_does_not() -> None:
    bgr = face_canvas()
    lum = me.luminance(bgr)
    centre = np.array([me.EYE_LEFT_X, me.EYE_Y])
    iris = fake_irises()[0]
    cheek = float(me.luminance(np.array([[SKIN]], np.uint8))[0, 0])
    opening = me.polygon_mask(bgr.shape, fake_points()[list(EYE_CONTOUR_LEFT_IDX)])
    # without the opening, the white of the eye would count as glare
    assert me.glare_fraction(lum, bgr, centre, iris, cheek) > 0.0
    catch = bgr.copy()
    cv2.circle(catch, (int(centre[0]), int(centre[1])), 2, (255, 255, 255), -1)
    assert me.glare_fraction(me.luminance(catch), catch, centre, iris, cheek, opening) == 0.0
    glare = bgr.copy()
    glare[int(me.EYE_Y + 10):int(me.EYE_Y + 20), int(centre[0] + 10):int(centre[0] + 30)] = 255
    rows, cols = me.box(centre, me.LENS_BOX, bgr.shape)
    area = (rows.stop - rows.start) * (cols.stop - cols.start)
    frac = me.glare_fraction(me.luminance(glare), glare, centre, iris, cheek, opening)
    assert frac == pytest.approx(200 / area)
    assert me.glare_fraction(lum, bgr, centre, iris, cheek, opening) == 0.0


def test_rim_runs_touching_the_eye_do_not_count() -> None:
    lum = np.full((me.CANVAS_H, me.CANVAS_W), 0.5, np.float32)
    centre = np.array([me.EYE_LEFT_X, me.EYE_Y])
    rows, cols = me.box(centre, (*me.RIM_COLUMNS, *me.RIM_ROWS), lum.shape)
    block = lum[rows, cols]
    block[5:15] = 0.05  # a 10-px rim detached from the eye in every column
    block[:2, :] = 0.05  # a shadow touching the eye: ignored
    block[20:26, : block.shape[1] // 2] = 0.05  # a second, shorter band in half the columns
    assert me.rim_thickness(lum, centre, 0.5) == pytest.approx(10 / me.IOD_PX)
    block[5:15] = 0.5
    # only half the columns have a detached band: the median column has 0 or 6
    assert me.rim_thickness(lum, centre, 0.5) * me.IOD_PX in (0.0, 3.0, 6.0)


def test_frame_crossing_is_the_best_row_share() -> None:
    lum = np.full((me.CANVAS_H, me.CANVAS_W), 0.6, np.float32)
    opening = np.zeros(lum.shape, bool)
    opening[80:100, 100:140] = True
    assert me.frame_crossing(lum, opening) == 0.0
    lum[90, 100:130] = 0.0  # a thin dark line across three quarters of the opening
    share = me.frame_crossing(lum, opening)
    assert 0.6 < share <= 0.8


def test_bridge_coherence_of_a_bar_across_the_nose_and_of_bare_skin() -> None:
    lum = np.full((me.CANVAS_H, me.CANVAS_W), 0.4, np.float32)
    assert me.bridge_coherence(lum) == 0.0
    rng = np.random.default_rng(0)
    skin = (lum + rng.normal(0, 0.004, lum.shape)).astype(np.float32)
    assert me.bridge_coherence(skin) == 0.0
    bar = skin.copy()
    y = int(me.EYE_Y - 0.1 * me.IOD_PX)
    half = int(0.2 * me.IOD_PX)
    bar[y : y + 4, me.CANVAS_W // 2 - half : me.CANVAS_W // 2 + half] = 0.05
    assert me.bridge_coherence(bar) == 1.0
    # a short dark mark (a mole, a crease) covers a fraction of the box's width
    mark = skin.copy()
    mark[y : y + 4, int(me.CANVAS_W / 2) - 3 : int(me.CANVAS_W / 2) + 3] = 0.05
    assert me.bridge_coherence(mark) < 0.5


def test_glare_counts_a_lens_clipped_in_one_channel_only() -> None:
    bgr = face_canvas()
    centre = np.array([me.EYE_LEFT_X, me.EYE_Y])
    iris = fake_irises()[0]
    opening = me.polygon_mask(bgr.shape, fake_points()[list(EYE_CONTOUR_LEFT_IDX)])
    rows, cols = me.box(centre, me.LENS_BOX, bgr.shape)
    area = (rows.stop - rows.start) * (cols.stop - cols.start)
    patch = (slice(int(me.EYE_Y + 10), int(me.EYE_Y + 20)),
             slice(int(centre[0] + 10), int(centre[0] + 30)))
    for channel in range(3):
        # a dark colour (green at 249: luminance 0.68, under 1.6 × the cheek): only clipping counts
        for level, counted in ((250, 200), (249, 0)):
            lens = bgr.copy()
            lens[patch] = 0
            lens[patch + (channel,)] = level
            frac = me.glare_fraction(me.luminance(lens), lens, centre, iris, 0.5, opening)
            assert frac == counted / area


def test_frame_crossing_on_random_openings_reads_their_first_and_last_rows() -> None:
    # the rows of an opening come from its any-per-row profile: the band it judges is the middle
    # 40 % of those rows, so a line there counts and the same line outside it does not
    rng = np.random.default_rng(8)
    for _ in range(50):
        lum = rng.uniform(0.45, 0.55, (me.CANVAS_H, me.CANVAS_W)).astype(np.float32)
        y0 = int(rng.integers(5, me.CANVAS_H // 2))
        y1 = int(rng.integers(y0 + 30, me.CANVAS_H - 5))
        x0, x1 = 10, me.CANVAS_W - 10
        opening = np.zeros(lum.shape, bool)
        opening[y0:y1, x0:x1] = True
        mid = (y0 + y1 - 1) // 2
        crossed = lum.copy()
        crossed[mid, x0:x1] = 0.05  # a frame line across the middle
        assert me.frame_crossing(crossed, opening) == pytest.approx(1.0)
        # the canvas blurred once for both eyes gives the same answer
        blurred = cv2.GaussianBlur(crossed, (0, 0), 1.0)
        assert me.frame_crossing(crossed, opening, smooth=blurred) == me.frame_crossing(
            crossed, opening)
        outside = lum.copy()
        outside[y0 + 1, x0:x1] = 0.05  # the same line by the top edge: not in the band
        assert me.frame_crossing(outside, opening) == 0.0


def test_median_chromaticity_equals_the_median_of_the_chromaticity() -> None:
    rng = np.random.default_rng(3)
    for shape in ((1, 1, 3), (7, 9, 3), (20, 30, 3), (4, 4, 3)):
        bgr = rng.integers(0, 256, shape, dtype=np.uint8)
        got = me.median_chromaticity(bgr)
        want = np.median(me.chromaticity(bgr).reshape(-1, 2), axis=0)
        assert got.dtype == np.float32 and np.array_equal(got, want)


def test_glare_fraction_equals_the_whole_grid_iris_test() -> None:
    rng = np.random.default_rng(11)
    seen = []
    for _ in range(40):
        bgr = rng.integers(150, 256, (me.CANVAS_H, me.CANVAS_W, 3), dtype=np.uint8)
        lum = me.luminance(bgr)
        centre = rng.uniform([60.0, 40.0], [260.0, 140.0])
        iris = centre + rng.normal(0.0, 6.0, (5, 2))
        opening = np.zeros(lum.shape, bool)
        cheek_lum = float(rng.uniform(0.2, 0.7))
        # the reference: the iris disc tested on the lens box's whole pixel grid
        rows, cols = me.box(centre, me.LENS_BOX, lum.shape)
        sub, lens = lum[rows, cols], bgr[rows, cols]
        bright = ((lens >= 250).any(axis=-1) & (cheek_lum < 0.6)) | (
            (sub > 1.6 * cheek_lum) & (sub > 0.6))
        yy, xx = np.ogrid[rows, cols]
        radius = max(float(np.hypot(*(iris[1:] - iris[0]).T).mean()), 0.05 * D)
        bright &= np.hypot(xx - iris[0, 0], yy - iris[0, 1]) > 1.2 * radius
        opened = cv2.morphologyEx(bright.astype(np.uint8), cv2.MORPH_OPEN, np.ones((2, 2)))
        got = me.glare_fraction(lum, bgr, centre, iris, cheek_lum, opening)
        assert got == float(opened.mean())
        seen.append(got)
    assert sum(v > 0.0 for v in seen) >= 10 and max(seen) < 1.0  # glare found, iris left out


def _old_rim_thickness(lum: np.ndarray, centre: tuple[float, float], cheek_lum: float,
                       dark_fraction: float = 0.45) -> float:
    """The former formulation (np.vstack, np.diff, np.nonzero)."""
    rows, cols = me.box(centre, (me.RIM_COLUMNS[0], me.RIM_COLUMNS[1], me.RIM_ROWS[0],
                                 me.RIM_ROWS[1]), lum.shape)
    dark = lum[rows, cols] < dark_fraction * cheek_lum
    padded = np.vstack([np.zeros((1, dark.shape[1]), bool), dark,
                        np.zeros((1, dark.shape[1]), bool)])
    diff = np.diff(padded.astype(np.int8), axis=0).T
    start_col, start_row = np.nonzero(diff == 1)
    _, end_row = np.nonzero(diff == -1)
    keep = start_row > 2
    longest = np.zeros(dark.shape[1])
    np.maximum.at(longest, start_col[keep], (end_row - start_row)[keep])
    return float(np.median(longest)) / me.IOD_PX


def test_rim_thickness_and_bridge_coherence_equal_their_numpy_definitions() -> None:
    rng = np.random.default_rng(5)
    for _ in range(40):
        lum = cv2.GaussianBlur(rng.random((me.CANVAS_H, me.CANVAS_W), np.float32), (0, 0), 2.0)
        centre = (float(rng.uniform(40, 280)), float(rng.uniform(30, 150)))
        cheek = float(rng.uniform(0.5, 1.2))
        assert me.rim_thickness(lum, centre, cheek) == _old_rim_thickness(lum, centre, cheek)
        # the old bridge figure: the float64 mean of each row's 0/1 edges, then its max
        x0, x1, y0, y1 = me.BRIDGE_BOX
        cx = me.CANVAS_W / 2.0
        c0, c1 = int(cx + x0 * me.IOD_PX), int(cx + x1 * me.IOD_PX)
        r0, r1 = max(1, int(me.EYE_Y + y0 * me.IOD_PX)), int(me.EYE_Y + y1 * me.IOD_PX)
        smooth = cv2.GaussianBlur(lum[r0 - 1 : r1 + 1, c0:c1], (0, 0), 1.0)
        edge = np.abs(smooth[2:] - smooth[:-2]) / 2.0 / (float(np.median(smooth)) + 1e-3) > 0.06
        near = edge.copy()
        near[1:] |= edge[:-1]
        near[:-1] |= edge[1:]
        assert me.bridge_coherence(lum) == float(near.mean(axis=1).max())


def test_box_clips_like_min_max_even_when_the_limits_cross() -> None:
    rng = np.random.default_rng(6)
    for _ in range(500):
        centre = (float(rng.uniform(-400, 700)), float(rng.uniform(-400, 600)))
        shape = (int(rng.integers(1, 300)), int(rng.integers(1, 400)))
        spec = tuple(sorted(rng.uniform(-2, 2, 2))) + tuple(sorted(rng.uniform(-2, 2, 2)))
        h, w = shape
        x0 = int(min(max(centre[0] + spec[0] * D, 0), w - 1))
        x1 = int(min(max(centre[0] + spec[1] * D, x0 + 1), w))
        y0 = int(min(max(centre[1] + spec[2] * D, 0), h - 1))
        y1 = int(min(max(centre[1] + spec[3] * D, y0 + 1), h))
        assert me.box(centre, spec, shape) == (slice(y0, y1), slice(x0, x1))
