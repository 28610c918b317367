"""Lighting measures: exact values on tiny arrays."""

from __future__ import annotations

import numpy as np
import pytest

from photocheck.measures import lighting as lm


def test_srgb_to_linear_known_values() -> None:
    out = lm.srgb_to_linear(np.array([0, 10, 128, 255]))
    np.testing.assert_allclose(out, [0.0, 10 / 255 / 12.92, 0.2158605, 1.0], rtol=1e-5)


def test_linear_luminance_weights() -> None:
    bgr = np.array([[[0, 255, 0], [255, 0, 0], [0, 0, 255], [255, 255, 255]]], np.uint8)
    np.testing.assert_allclose(lm.linear_luminance(bgr)[0], [0.7152, 0.0722, 0.2126, 1.0],
                               rtol=1e-5)


def test_face_frame_maps_eyes_and_mouth() -> None:
    frame = lm.FaceFrame.from_points(np.array([40.0, 50.0]), np.array([80.0, 50.0]),
                                     np.array([60.0, 90.0]))
    assert frame.iod_px == 40.0
    np.testing.assert_allclose(frame.to_image(-0.5, 0.0), [40.0, 50.0])
    np.testing.assert_allclose(frame.to_image(0.0, 1.0), [60.0, 90.0])
    np.testing.assert_allclose(frame.scaled(0.5).to_image(0.5, 0.0), [40.0, 25.0])


def _box(r0: int, r1: int, c0: int, c1: int) -> lm.Disc:
    """A square patch filling its box ``[r0:r1, c0:c1]``."""
    return lm.Disc(slice(r0, r1), slice(c0, c1), np.ones((r1 - r0, c1 - c0), bool))


def test_imbalance_is_the_median_log2_ratio_of_the_pairs_and_of_the_brightest_patches() -> None:
    lum = np.zeros((10, 10), np.float32)
    lum[:, :5], lum[:, 5:] = 0.25, 0.5  # the image-right half twice as bright: 1 stop
    left, right = _box(6, 9, 1, 4), _box(6, 9, 6, 9)
    patches = {f"{n}_{s}": left if s == "l" else right for n in lm.SIDE_PAIRS for s in "lr"}
    # a mole on one pair only: the median of the four pairs (three at −1 stop) ignores it
    patches["nose_side_l"], patches["nose_side_r"] = _box(0, 2, 6, 8), _box(0, 2, 8, 10)
    # the brightest upper patch (0.6, straddling both halves) over the brightest lower one
    # (0.3, the chin); the jaw is darker (a beard) and does not count
    lum[1:3, 4:6] = 0.6
    lum[8:10, 4:6] = 0.3
    lum[4:6, 4:6] = 0.1
    patches |= {"up_forehead_c": _box(1, 3, 4, 6), "lo_chin": _box(8, 10, 4, 6),
                "lo_jaw_l": _box(4, 6, 4, 6)}
    lr, tb = lm.imbalance_stops(lum, patches)
    eps = 1e-4
    assert lr == pytest.approx(-np.log2((0.25 + eps) / (0.5 + eps)), rel=1e-12)  # 0.9997
    top, bottom = float(np.float32(0.6)), float(np.float32(0.3))  # lum's float32 values
    assert tb == pytest.approx(np.log2((top + eps) / (bottom + eps)), rel=1e-12)  # 0.9998
    # patches off the image (empty discs) or missing do not count: no balance to read
    off = lm.Disc(slice(0, 0), slice(0, 0), np.zeros((0, 0), bool))
    assert lm.imbalance_stops(lum, {"cheek_l": off, "cheek_r": right}) == (0.0, 0.0)


def test_top_light_reads_as_the_upper_over_the_lower_face() -> None:
    # eyes at y 90, mouth at y 130 (IOD 40 px): the upper patches (forehead, below the eyes,
    # bridge) end above y 106, the lower ones (lips, lower cheeks, jaw, chin) start below 116
    frame = lm.FaceFrame.from_points(np.array([80.0, 90.0]), np.array([120.0, 90.0]),
                                     np.array([100.0, 130.0]))
    oval = np.zeros((200, 200), bool)
    oval[60:160, 60:140] = True
    top_lit = np.full((200, 200, 3), 180, np.uint8)
    top_lit[110:] = 90  # the face below the cheekbones in the shade of an overhead light
    light = lm.face_light(top_lit, frame, oval)
    expected = np.log2(lm.srgb_to_linear(np.array(180.0)) / lm.srgb_to_linear(np.array(90.0)))
    assert light.tb_stops == pytest.approx(float(expected), abs=5e-3)  # 2.34 stops
    assert light.lr_stops == pytest.approx(0.0, abs=1e-6)
    # a dark beard on jaw and chin only: the lips' sides and the lower cheeks stay lit
    bearded = np.full((200, 200, 3), 180, np.uint8)
    bearded[132:] = 40
    assert lm.face_light(bearded, frame, oval).tb_stops == pytest.approx(0.0, abs=1e-6)


def test_clipped_fractions_count_grey_levels() -> None:
    bgr = np.zeros((2, 5, 3), np.uint8)
    bgr[0, :2] = 255          # blown
    bgr[0, 2] = (0, 0, 255)   # only red saturated: not blown
    bgr[1, :] = 100
    bgr[1, 4] = 2             # crushed
    mask = np.ones((2, 5), bool)
    hi, lo = lm.clipped_fractions(bgr, mask)
    assert hi == pytest.approx(0.2)
    assert lo == pytest.approx(0.3)  # bgr[0, 3:] are black too; pure red is grey 76
    assert np.isnan(lm.clipped_fractions(bgr, np.zeros((2, 5), bool))[0])


def test_face_light_on_an_evenly_and_a_half_lit_face() -> None:
    frame = lm.FaceFrame.from_points(np.array([80.0, 90.0]), np.array([120.0, 90.0]),
                                     np.array([100.0, 130.0]))
    even = np.full((200, 200, 3), 180, np.uint8)
    oval = np.zeros((200, 200), bool)
    oval[60:160, 60:140] = True
    light = lm.face_light(even, frame, oval)
    assert light.lr_stops == pytest.approx(0.0, abs=1e-6)
    assert light.tb_stops == pytest.approx(0.0, abs=1e-6)
    # L* of grey 180 is 72.94; OpenCV's float Lab conversion gives 73.24
    assert light.lightness == pytest.approx(73.24, abs=0.05)
    half = even.copy()
    half[:, 100:] = 90  # right half in shadow
    shaded = lm.face_light(half, frame, oval)
    expected = np.log2(lm.srgb_to_linear(np.array(180.0)) / lm.srgb_to_linear(np.array(90.0)))
    assert shaded.lr_stops == pytest.approx(float(expected), abs=5e-3)


def test_table_luminance_of_uint8_equals_the_formula() -> None:
    bgr = np.random.default_rng(2).integers(0, 256, (30, 40, 3)).astype(np.uint8)
    by_table = lm.linear_luminance(bgr)
    by_formula = lm.linear_luminance(bgr.astype(np.float32))
    assert by_table.shape == (30, 40)
    np.testing.assert_allclose(by_table, by_formula, rtol=0, atol=1e-6)
    assert lm.linear_luminance(np.zeros((0, 4, 3), np.uint8)).shape == (0, 4)


def test_robust_mean_exact_on_a_tiny_array() -> None:
    # 10 values: the 20th percentile 1.8 and the 80th 7.2 (ranks 1.8 and 7.2 of 0…9) keep
    # 2…7, mean 4.5; the outliers 0, 1, 8 and 900 do not count
    values = np.array([900.0, 3, 7, 0, 5, 2, 8, 6, 1, 4])
    assert lm.robust_mean(values) == 4.5
    assert lm.robust_mean(np.array([2.0])) == 2.0
    assert np.isnan(lm.robust_mean(np.array([])))


@pytest.mark.parametrize("seed", range(4))
def test_robust_mean_is_the_percentile_definition(seed: int) -> None:
    # numpy's percentiles (method linear) and the mean between them, to the last bit
    rng = np.random.default_rng(seed)
    for n in [1, 2, 3, 4, 5, 7, 10, 11, *rng.integers(12, 4000, 40).tolist()]:
        values = rng.random(n).astype(np.float32)
        if seed % 2:  # many ties, as a flat patch of a few grey levels has
            values = (rng.integers(0, 4, n) / 7).astype(np.float32)
        v = values.astype(np.float64)
        lo, hi = np.percentile(v, [20, 80])
        mid = v[(v >= lo) & (v <= hi)]  # none of two distinct values: their median
        expected = float(mid.mean()) if mid.size else float(np.median(v))
        assert lm.robust_mean(values) == expected, n


def test_patches_at_one_place_share_a_disc() -> None:
    frame = lm.FaceFrame.from_points(np.array([80.0, 90.0]), np.array([120.0, 90.0]),
                                     np.array([100.0, 130.0]))
    discs = lm.patch_discs((200, 200), frame, {**lm.PATCHES, **lm.side_patches(),
                                               **lm.UPPER_PATCHES})
    assert discs["cheek_left"] is discs["cheek_l"]
    assert discs["forehead_left"] is discs["forehead_l"] is discs["up_forehead_l"]
    assert discs["midcheek_r"] is discs["up_under_eye_r"]
    assert discs["nose"] is not discs["nose_side_l"]
    # a cheek: radius 0.18 IOD = 7 px around (100 − 0.55·40, 90 + 0.55·40) = (78, 112), its
    # box (columns 71–85, rows 105–119) reaching 7 px either side of it and no further
    cheek = discs["cheek_left"].mask
    assert cheek.dtype == bool and cheek.shape == (15, 15)
    assert cheek[7, 7] and cheek[7, 0] and cheek[7, 14] and cheek[0, 7] and not cheek[0, 0]
    assert int(cheek.sum()) == 149


def test_face_light_of_a_real_photo_is_the_known_figures(online) -> None:
    from photocheck import scene
    from tests.helpers import shared_photos

    ctx = online.context(shared_photos() / "a_compliant_plain_bg" / "london_001_03.jpg")
    view = scene.face_view(ctx)
    assert lm.face_light(view.bgr, view.frame, view.oval) == lm.FaceLight(
        lightness=74.267578125, scene_highlight=98.10791015625, lr_stops=0.02200805015443271,
        tb_stops=0.2082950006745589, clipped_high=4.841794368993149e-05, clipped_low=0.0)


def test_face_light_outside_the_image_has_no_skin_lightness() -> None:
    frame = lm.FaceFrame.from_points(np.array([480.0, 90.0]), np.array([520.0, 90.0]),
                                     np.array([500.0, 130.0]))
    light = lm.face_light(np.full((200, 200, 3), 180, np.uint8), frame, np.ones((200, 200), bool))
    assert np.isnan(light.lightness)


def test_patch_discs_hold_each_patch_within_its_own_box() -> None:
    frame = lm.FaceFrame.from_points(np.array([80.0, 90.0]), np.array([120.0, 90.0]),
                                     np.array([100.0, 130.0]))
    discs = lm.patch_discs((200, 200), frame)
    # the left cheek: radius 7 px around (78, 112), so rows 105–119 and columns 71–85
    cheek = discs["cheek_left"]
    assert (cheek.rows, cheek.cols) == (slice(105, 120), slice(71, 86))
    # exactly the pixels within 7 px of the centre: the 149 lattice points of a radius-7 disc
    yy, xx = np.mgrid[0:200, 0:200]
    inside = (xx - 78) ** 2 + (yy - 112) ** 2 <= 49
    assert np.array_equal(cheek.mask, inside[cheek.rows, cheek.cols])
    assert int(cheek.mask.sum()) == int(inside.sum()) == 149  # nothing outside the box
    image = np.arange(200 * 200, dtype=np.float32).reshape(200, 200)
    # the pixels in row-major order: here each pixel's flat index
    assert np.array_equal(cheek.values(image), np.flatnonzero(inside).astype(np.float32))
    # a face mostly off the image: patches beyond the border are empty
    far = lm.FaceFrame.from_points(np.array([280.0, 90.0]), np.array([320.0, 90.0]),
                                   np.array([300.0, 130.0]))
    assert lm.patch_discs((200, 200), far)["cheek_right"].values(image).size == 0


def test_lightness_of_pixels_in_one_row_equals_one_pixel_per_row() -> None:
    # face_light converts the skin pixels as one row: OpenCV's float Lab is per pixel, the same
    # whichever way the pixels are laid out (checked on all 2²⁴ colours; here a sample)
    rng = np.random.default_rng(12)
    pixels = rng.integers(0, 256, (65536, 3), dtype=np.uint8)
    assert np.array_equal(lm.lightness(pixels[None])[0], lm.lightness(pixels[:, None])[:, 0])


def test_disc_is_opencvs_circle_and_clipped_discs_are_its_slices() -> None:
    import cv2

    disc = lm._disc(3)
    canvas = np.zeros((7, 7), np.uint8)
    cv2.circle(canvas, (3, 3), 3, 1, -1)
    assert disc.dtype == bool and not disc.flags.writeable
    assert np.array_equal(disc, canvas.astype(bool))
    assert lm._disc(3) is disc
    # a disc cut by the image's corner: the same pixels as drawing it there
    frame = lm.FaceFrame.from_points(np.array([-1.0, 1.0]), np.array([9.0, 1.0]),
                                     np.array([4.0, 11.0]))
    got = lm.patch_discs((12, 12), frame, {"p": (-0.5, 0.0, 0.3)})["p"]
    drawn = np.zeros((12, 12), np.uint8)
    cv2.circle(drawn, (-1, 1), 3, 1, -1)
    assert (got.rows, got.cols) == (slice(0, 5), slice(0, 3))
    assert np.array_equal(got.mask, drawn[0:5, 0:3].astype(bool))


def test_every_nth_pixel_is_the_contiguous_strided_slice() -> None:
    rng = np.random.default_rng(5)
    image = rng.integers(0, 256, (41, 53, 3), np.uint8)
    for source in (image, image[3:30, 5:45]):  # whole, and a strided block
        for step in (1, 2, 3, 5):
            got = lm.every_nth_pixel(source, step)
            assert got.flags.c_contiguous and got.dtype == np.uint8
            assert np.array_equal(got, source[::step, ::step])
    tiny = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
    np.testing.assert_array_equal(lm.every_nth_pixel(tiny, 2), [[[0, 1, 2], [6, 7, 8]]])
    grey = np.arange(12, dtype=np.uint8).reshape(3, 4)  # not BGR: copied plainly
    np.testing.assert_array_equal(lm.every_nth_pixel(grey, 2), [[0, 2], [8, 10]])


def test_lightness_is_the_contiguous_l_plane_of_to_lab() -> None:
    from photocheck.measures.colour import to_lab

    rng = np.random.default_rng(6)
    for shape in ((1, 700, 3), (30, 40, 3)):
        bgr = rng.integers(0, 256, shape, np.uint8)
        got = lm.lightness(bgr)
        assert got.flags.c_contiguous and got.shape == shape[:2]
        assert np.array_equal(got, to_lab(bgr, scaling="cie")[..., 0])
    white_black = np.array([[[255, 255, 255], [0, 0, 0]]], np.uint8)
    np.testing.assert_allclose(lm.lightness(white_black), [[100.0, 0.0]], atol=1e-3)
