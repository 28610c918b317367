"""Background measures: exact values on tiny synthetic scenes."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from photocheck.measures import background as bgm
from photocheck.measures.colour import to_lab


def lab_of(bgr: np.ndarray) -> np.ndarray:
    """CIE Lab, the scaling the background measures take."""
    return to_lab(bgr, scaling="cie")


def _scene(h: int = 120, w: int = 160) -> tuple[np.ndarray, np.ndarray]:
    """A grey wall and a person-shaped blob (head + shoulders) in the middle."""
    bgr = np.full((h, w, 3), 200, np.uint8)
    prob = np.zeros((h, w), np.float32)
    cv2.ellipse(prob, (w // 2, h // 2), (18, 24), 0, 0, 360, 1.0, -1)
    cv2.rectangle(prob, (w // 2 - 40, h // 2 + 20), (w // 2 + 40, h - 1), 1.0, -1)
    bgr[prob > 0.5] = (60, 90, 150)
    return bgr, prob


def test_quadratic_residual_removes_a_quadratic_surface() -> None:
    yy, xx = np.mgrid[0:40, 0:50].astype(np.float32)
    surface = 10 + 0.3 * xx + 0.01 * yy**2 - 0.002 * xx * yy
    mask = np.ones((40, 50), bool)
    mask[10:20, 10:20] = False
    res = bgm.quadratic_residual_at(surface, mask)
    assert res.shape == (int(mask.sum()), 1)
    assert np.abs(res).max() < 1e-3


def test_plain_wall_with_a_gradient_has_no_texture() -> None:
    bgr, prob = _scene()
    ramp = np.linspace(-25, 25, bgr.shape[1])[None, :, None]
    lit = np.clip(bgr + ramp * (prob[..., None] < 0.5), 0, 255).astype(np.uint8)
    outside, _ = bgm.distances(prob)
    tex = bgm.texture(lab_of(lit), outside >= 4)
    assert tex.edge_density == 0.0
    assert tex.residual_std < 0.5
    assert tex.colour_std < 0.5


def test_stripes_make_texture() -> None:
    bgr, prob = _scene()
    stripes = bgr.copy()
    stripes[:, ::6][prob[:, ::6] < 0.5] = (40, 40, 40)
    outside, _ = bgm.distances(prob)
    tex = bgm.texture(lab_of(stripes), outside >= 4)
    assert tex.edge_density > 0.3
    assert tex.residual_std > 3


def test_shadow_beside_the_right_shoulder() -> None:
    bgr, prob = _scene()
    lum = np.full(prob.shape, 0.5, np.float32)
    outside, _ = bgm.distances(prob)
    xx = np.arange(prob.shape[1])[None, :]
    band = (outside > 0) & (outside < 10) & (xx > prob.shape[1] // 2)
    lum[band] = 0.2
    sh = bgm.shadow(lum, prob, near_px=(1, 8), light_sigma_px=20)
    assert sh.left == 0.0
    assert sh.right > 0.9
    assert sh.depth_right == pytest.approx(0.6, abs=0.05)
    assert sh.worst == sh.right


def test_silhouette_contrast_is_the_lab_distance() -> None:
    bgr, prob = _scene()
    lab = lab_of(bgr)
    de = bgm.silhouette_contrast(lab, prob, band_px=(1, 4), window_px=7)
    expected = np.linalg.norm(lab[5, 5] - lab[prob.shape[0] // 2, prob.shape[1] // 2])
    assert de.size > 50
    assert np.median(de) == pytest.approx(expected, rel=0.02)
    same = np.full_like(bgr, 200)
    assert np.all(bgm.silhouette_contrast(lab_of(same), prob, (1, 4), 7) < 1e-3)


def test_colour_of_a_light_blue_wall() -> None:
    bgr = np.full((10, 10, 3), (230, 200, 170), np.uint8)  # BGR light blue
    lab = lab_of(bgr)
    col = bgm.colour(lab, np.ones((10, 10), bool))
    assert col.lightness == pytest.approx(float(lab[0, 0, 0]))
    assert col.chroma == pytest.approx(float(np.hypot(lab[0, 0, 1], lab[0, 0, 2])))
    assert 10 < col.chroma < 30
    assert np.isnan(bgm.colour(lab, np.zeros((10, 10), bool)).chroma)


@pytest.mark.parametrize("n", [1, 2, 7, 10, 1001])
def test_median_by_one_partition_equals_numpy(n: int) -> None:
    values = np.random.default_rng(n).normal(50, 20, n).astype(np.float32)
    assert bgm.median(values) == float(np.median(values))
    assert np.isnan(bgm.median(np.zeros(0, np.float32)))


@pytest.mark.parametrize(("n", "equal_share"), [(4096, 0.5), (4097, 0.9), (37000, 0.3),
                                                (37001, 0.14), (20000, 0.0), (9000, 0.6)])
def test_median_of_runs_of_equal_values_equals_numpy(n: int, equal_share: float) -> None:
    # a plain wall's a*: one value over much of it (counted, not partitioned), or a run of
    # equal values beside the middle rank rather than over it (partitioned)
    rng = np.random.default_rng(n)
    values = rng.normal(0.3, 1.0, n).astype(np.float32)
    values[rng.random(n) < equal_share] = np.float32(0.25)
    assert bgm.median(values) == float(np.median(values))
    shifted = values.copy()
    shifted[shifted == np.float32(0.25)] = np.float32(-3.0)  # the run below the middle
    assert bgm.median(shifted) == float(np.median(shifted))


def test_median_of_a_run_is_that_value_exactly() -> None:
    values = np.full(5000, 0.125, np.float32)
    values[:1000] = -1.0
    values[-1000:] = 7.0
    assert bgm.median(values) == 0.125
    values[:2500] = -1.0  # even count: the mean of ranks 2499 (-1.0) and 2500 (0.125)
    assert bgm.median(values) == float(np.median(values)) == -0.4375
    values[:2600] = -1.0  # the run no longer holds the middle ranks 2499 and 2500
    assert bgm.median(values) == -1.0


def test_residual_at_the_mask_pixels_removes_the_surface_per_channel() -> None:
    rng = np.random.default_rng(3)
    yy, xx = np.mgrid[0:40, 0:50].astype(np.float32)
    values = np.dstack([10 + 0.3 * xx + rng.normal(0, 1, (40, 50)),
                        0.01 * yy**2, rng.normal(0, 2, (40, 50))]).astype(np.float32)
    mask = rng.random((40, 50)) > 0.4
    at = bgm.quadratic_residual_at(values, mask)
    assert at.shape == (int(mask.sum()), 3)
    # each channel on its own gives the same residual (the fit is per channel)
    np.testing.assert_allclose(bgm.quadratic_residual_at(values[..., 0], mask)[:, 0], at[:, 0],
                               atol=1e-4)
    # the quadratic channel is removed exactly, the noise channels keep their spread
    assert np.abs(at[:, 1]).max() < 1e-3
    assert 1.7 < at[:, 2].std() < 2.3


def test_contrasts_of_several_regions_share_the_window_means() -> None:
    bgr, prob = _scene()
    bgr[: 60, :, :] = np.clip(bgr[:60].astype(int) + 25, 0, 255).astype(np.uint8)
    lab = lab_of(bgr)
    head = np.zeros(prob.shape, bool)
    head[:60] = True
    whole, top = bgm.silhouette_contrasts(lab, prob, (1, 4), 7, [None, head])
    np.testing.assert_array_equal(whole, bgm.silhouette_contrast(lab, prob, (1, 4), 7))
    np.testing.assert_array_equal(top, bgm.silhouette_contrast(lab, prob, (1, 4), 7, head))
    assert 0 < top.size < whole.size


def test_shadow_ignores_the_rows_below_the_bottom_line() -> None:
    bgr, prob = _scene()
    lum = np.full(prob.shape, 0.6, np.float32)
    outside, _ = bgm.distances(prob)
    lum[(outside > 0) & (outside < 8)] = 0.2  # a dark band all round the person
    lum[:90] = 0.6  # … only below row 90
    assert bgm.shadow(lum, prob, (1, 8), 20).worst > 0.2
    assert bgm.shadow(lum, prob, (1, 8), 20, bottom_y=89.5).worst == 0.0


def test_a_linear_light_falloff_across_the_wall_is_not_a_shadow() -> None:
    _, prob = _scene()
    h, w = prob.shape
    xx = np.arange(w, dtype=np.float32)[None, :]
    yy = np.arange(h, dtype=np.float32)[:, None]
    # the wall's light halves from the top-left to the bottom-right corner
    lum = np.broadcast_to(0.8 - 0.4 * (xx / w + yy / h) / 2, (h, w)).astype(np.float32)
    sh = bgm.shadow(lum, prob, near_px=(1, 8), light_sigma_px=20)
    assert sh.worst == 0.0
    # the blurred wall beside the person averages the wall further out: a few % bias at most
    assert abs(sh.depth_left) < 0.05 and abs(sh.depth_right) < 0.05


def test_a_wall_lit_brighter_behind_the_head_is_not_a_shadow() -> None:
    _, prob = _scene()
    h, w = prob.shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    d2 = ((xx - w / 2) ** 2 + (yy - h / 2) ** 2) / ((w / 2) ** 2 + (h / 2) ** 2)
    lum = (0.8 * (1 - 0.5 * d2)).astype(np.float32)  # a spot behind the head
    sh = bgm.shadow(lum, prob, near_px=(1, 8), light_sigma_px=20)
    assert sh.worst == 0.0
    assert sh.depth_left < 0 and sh.depth_right < 0  # brighter than the plane, not darker


def test_a_dark_blob_beside_the_head_is_a_shadow_even_on_a_gradient() -> None:
    _, prob = _scene()
    h, w = prob.shape
    xx = np.arange(w, dtype=np.float32)[None, :]
    lum = np.broadcast_to(0.5 + 0.3 * xx / w, (h, w)).astype(np.float32).copy()
    blob = np.zeros((h, w), np.uint8)
    cv2.ellipse(blob, (w // 2 + 24, h // 2 - 4), (10, 16), 0, 0, 360, 1, -1)
    dark = (blob > 0) & (prob < 0.5)
    lum[dark] *= 0.5  # half the light right of the head
    sh = bgm.shadow(lum, prob, near_px=(1, 8), light_sigma_px=20)
    assert sh.left == 0.0
    # the blob covers the upper part of the right near band; on a flat wall the same
    flat = np.full((h, w), 0.6, np.float32)
    flat[dark] *= 0.5
    on_flat = bgm.shadow(flat, prob, near_px=(1, 8), light_sigma_px=20)
    assert 0.2 < sh.right < 0.3
    assert sh.right == pytest.approx(on_flat.right, abs=0.01)


def test_worst_slab_fraction_is_the_darkest_run_of_rows() -> None:
    band = np.array([10, 10, 10, 10, 10, 0, 0], np.int64)
    dark = np.array([0, 0, 8, 10, 2, 0, 0], np.int64)
    # rows 2–3: 18 of 20; a run over empty rows needs min_pixels band pixels
    assert bgm.worst_slab_fraction(band, dark, 2, min_pixels=20) == pytest.approx(0.9)
    assert bgm.worst_slab_fraction(band, dark, 7, min_pixels=20) == pytest.approx(0.4)
    assert bgm.worst_slab_fraction(band, dark, 2, min_pixels=25) == 0.0


def test_a_shadow_beside_the_head_only_fills_its_slab() -> None:
    bgr, prob = _scene()
    lum = np.full(prob.shape, 0.5, np.float32)
    outside, _ = bgm.distances(prob)
    xx = np.arange(prob.shape[1])[None, :]
    yy = np.arange(prob.shape[0])[:, None]
    rows = np.nonzero(prob.max(axis=1) >= 0.5)[0]
    top = int(rows[0])
    # a cast shadow on the right, over the 20 rows from the top of the person only
    lum[(outside > 0) & (outside < 10) & (xx > prob.shape[1] // 2) & (yy < top + 20)] = 0.2
    sh = bgm.shadow(lum, prob, near_px=(1, 8), light_sigma_px=20, slab_px=20)
    assert sh.slab_left == 0.0
    assert sh.slab_right > 0.8  # the whole band beside the head
    assert sh.right < 0.5 * sh.slab_right  # thinned out over the whole side
    assert sh.worst_slab == sh.slab_right
    assert bgm.shadow(lum, prob, near_px=(1, 8), light_sigma_px=20).worst_slab == 0.0


def test_a_level_edge_of_the_backdrop_is_no_shadow_with_a_short_vertical_blur() -> None:
    # a backdrop that ends at row 150 (a paper roll above a darker wall), from the person out
    # to both frame edges, with the person's outline crossing it (head rows 76–124)
    _, prob = _scene(200, 160)
    lum = np.full(prob.shape, 0.6, np.float32)
    lum[150:] = 0.3
    iso = bgm.shadow(lum, prob, near_px=(1, 8), light_sigma_px=20, slab_px=30)
    aniso = bgm.shadow(lum, prob, near_px=(1, 8), light_sigma_px=(20, 3), slab_px=30)
    # the round blur carries the bright wall over the edge: the rows below it read dark
    assert iso.worst_slab >= 0.8 and iso.worst > 0.1
    # the short vertical blur follows the edge (to the model's quarter-resolution smear of a
    # few rows): the wall beside the person is as dark as at the frame
    assert aniso.worst_slab < 0.3 and aniso.worst < 0.05
    # a real cast shadow beside the head is still found with the short vertical blur
    outside, _ = bgm.distances(prob)
    xx = np.arange(prob.shape[1])[None, :]
    yy = np.arange(prob.shape[0])[:, None]
    cast = (outside > 0) & (outside < 10) & (xx > prob.shape[1] // 2) & (yy > 70) & (yy < 110)
    lum[cast] = 0.15
    shadowed = bgm.shadow(lum, prob, near_px=(1, 8), light_sigma_px=(20, 3), slab_px=30)
    assert shadowed.slab_right == 1.0 and shadowed.slab_left < 0.3


def test_smooth_light_takes_one_sigma_or_one_per_axis() -> None:
    lum = np.random.default_rng(0).uniform(0.2, 0.8, (64, 96)).astype(np.float32)
    wall = np.ones(lum.shape, bool)
    same = bgm.smooth_light(lum, wall, 12.0)
    np.testing.assert_array_equal(same, bgm.smooth_light(lum, wall, (12.0, 12.0)))
    assert not np.array_equal(same, bgm.smooth_light(lum, wall, (12.0, 4.0)))


def test_residual_rows_are_the_mask_pixels_in_row_major_order() -> None:
    # known answers of the fit on a 6×7 image: the spike at (2, 3) is the mask's 15th pixel
    # (row 0 keeps 4, row 1 all 7, then (2, 0)…(2, 3))
    yy, xx = np.mgrid[0:6, 0:7].astype(np.float32)
    values = np.dstack([yy * xx, (yy - 2) ** 2, xx]).astype(np.float32)
    values[2, 3] = (9.0, -4.0, 5.0)
    mask = np.ones((6, 7), bool)
    mask[0, :3] = False
    mask[4, 5] = False
    res = bgm.quadratic_residual_at(values, mask)
    assert res.shape == (38, 3) and res.dtype == np.float32
    want = np.array([[-0.14943695068359375, 0.19924990832805634, -0.0996248722076416],
                     [-0.2330455780029297, 0.3107278347015381, -0.1553640365600586],
                     [2.735172748565674, -3.6468963623046875, 1.8234484195709229],
                     [-0.2447824478149414, 0.3263770043849945, -0.16318845748901367],
                     [-0.1729116439819336, 0.23054829239845276, -0.11527442932128906],
                     [-0.04921245574951172, 0.06561736762523651, -0.03280830383300781]],
                    np.float32)
    assert np.array_equal(res[12:18], want)
    assert int(np.argmax(res[:, 0])) == 14


def test_contrasts_along_a_scene_outline_are_the_known_values() -> None:
    bgr, prob = _scene()
    bgr[:60] = np.clip(bgr[:60].astype(int) + 25, 0, 255).astype(np.uint8)
    head = np.zeros(prob.shape, bool)
    head[:60] = True
    every, top = bgm.silhouette_contrasts(lab_of(bgr), prob, (1.0, 4.0), 7, [None, head])
    assert (every.size, top.size) == (273, 83)
    assert float(every.sum(dtype=np.float64)) == 13620.612865447998
    assert float(top.sum(dtype=np.float64)) == 4038.0671577453613
    assert (float(every.min()), float(every.max())) == (48.610591888427734, 50.45111083984375)
    assert float(top.max()) == 49.3973388671875


def test_smooth_light_far_from_the_wall_is_the_wall_mean() -> None:
    # rows of 0.42 and 0.5 on an 8-column wall: none falls under 0.9 × the model, so far out
    # (beyond the blur) the light is the mean of the whole wall, 0.46 in float32 sums
    lum = np.full((40, 200), 0.5, np.float32)
    lum[::2] = 0.42
    wall = np.zeros((40, 200), bool)
    wall[:, :8] = True
    light = bgm.smooth_light(lum, wall, 4.0)
    assert np.all(light[:, -1] == np.float32(0.4599999487400055))
    assert (float(light[0, 0]), float(light[1, 0])) == (0.4599992334842682, 0.4600006937980652)
    assert float(light.sum(dtype=np.float64)) == 3679.9996280670166


def test_background_measures_of_a_real_photo_are_the_known_figures(online) -> None:
    from photocheck import scene
    from tests.helpers import shared_photos

    ctx = online.context(shared_photos() / "a_compliant_plain_bg" / "london_001_03.jpg")
    m = scene.background_measures(ctx)
    assert m.texture == bgm.Texture(edge_density=0.00037092517297952776,
                                    residual_std=0.4379524749755859,
                                    colour_std=0.015378720873396298, area_fraction=0.43809375)
    assert m.shadow == bgm.Shadow(left=0.011224583678351274, right=0.015418046357615895,
                                  depth_left=-0.009820103645324707,
                                  depth_right=-0.012854576110839844,
                                  slab_left=0.01919631430765293, slab_right=0.040657698056801195)
    assert (m.low_contrast_head, m.low_contrast_all) == (0.02837370242214533,
                                                         0.09451219512195122)
    assert m.colour == bgm.Colour(lightness=84.881591796875, chroma=1.4984530210494995)


@pytest.mark.parametrize("n", [4096, 4097, 37001])
def test_median_of_many_float32_values_by_the_radix_select_equals_numpy(n: int) -> None:
    rng = np.random.default_rng(n)
    values = rng.normal(0.0, 0.4, n).astype(np.float32)
    assert bgm.median(values) == float(np.median(values))
    assert bgm.median(np.abs(values)) == float(np.median(np.abs(values)))
    values[::3] = np.float32(-0.5)  # a run of a third, off the middle: still the radix select
    assert bgm.median(values) == float(np.median(values))


def test_row_counts_are_the_row_sums_of_a_mask() -> None:
    mask = np.random.default_rng(4).random((37, 53)) < 0.3
    counts = bgm._row_counts(mask)
    assert counts.tolist() == mask.sum(axis=1).tolist()
    assert bgm._row_counts(np.ones((2, 5), bool)).tolist() == [5, 5]


def test_grid_powers_are_numpys_powers_and_read_only() -> None:
    got = bgm._grid_powers(4, 2)
    g = np.arange(4, dtype=np.float32) / 4 - 0.5
    assert got.dtype == np.float32 and not got.flags.writeable
    assert got.tolist() == [[1.0, 1.0, 1.0, 1.0], [-0.5, -0.25, 0.0, 0.25],
                            [0.25, 0.0625, 0.0, 0.0625]]
    for p in range(3):
        assert np.array_equal(got[p], g ** p)
    assert bgm._grid_powers(4, 2) is got  # made once


def test_quadratic_residual_at_channels_match_one_channel_fits() -> None:
    # each channel of a 3-channel fit is the very same float32 as that channel alone
    rng = np.random.default_rng(5)
    values = rng.normal(50, 10, (23, 17, 3)).astype(np.float32)
    mask = rng.random((23, 17)) < 0.6
    together = bgm.quadratic_residual_at(values, mask)
    assert together.shape == (int(mask.sum()), 3) and together.dtype == np.float32
    for c in range(3):
        alone = bgm.quadratic_residual_at(values[..., c], mask)[:, 0]
        assert np.array_equal(together[:, c], alone)


def test_worst_slab_fraction_exact() -> None:
    band = np.array([0, 10, 10, 30, 5], np.int32)
    dark = np.array([0, 5, 1, 30, 5], np.int32)
    # runs of 2 rows: band 10, 20, 40, 35 → usable (≥ 20) 20, 40, 35; dark 6, 31, 35
    assert bgm.worst_slab_fraction(band, dark, 2, min_pixels=20) == 35 / 35
    assert bgm.worst_slab_fraction(band, dark, 2, min_pixels=36) == 31 / 40
    assert bgm.worst_slab_fraction(band, dark, 2, min_pixels=41) == 0.0


def test_channels_at_are_the_mask_pixels_per_channel_and_shared_reads_change_nothing() -> None:
    image = np.arange(2 * 3 * 3, dtype=np.float32).reshape(2, 3, 3)
    mask = np.array([[True, False, True], [False, True, False]])
    got = bgm.channels_at(image, mask)
    assert [g.tolist() for g in got] == [[0.0, 6.0, 12.0], [1.0, 7.0, 13.0], [2.0, 8.0, 14.0]]
    assert [g.tolist() for g in bgm.channels_at(image[..., 0], mask)] == [[0.0, 6.0, 12.0]]
    # texture and colour with the channels read once: the figures of reading them each
    rng = np.random.default_rng(4)
    lab = lab_of(rng.integers(90, 230, (60, 80, 3), np.uint8))
    background = rng.random((60, 80)) > 0.3
    shared = bgm.channels_at(lab, background)
    assert bgm.texture(lab, background, 3.0, shared) == bgm.texture(lab, background, 3.0)
    assert bgm.colour(lab, background, shared) == bgm.colour(lab, background)
    none = np.zeros((60, 80), bool)
    assert np.isnan(bgm.colour(lab, none, bgm.channels_at(lab, none)).chroma)
