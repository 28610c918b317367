"""Quality measures: exact values on tiny arrays and monotonic properties."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from PIL import Image

from photocheck.decode import parse_jpeg
from photocheck.measures import quality as qm
from photocheck.measures.jpeg import IJG_LUMA, natural_order


def _texture(seed: int = 0, size: int = 128) -> np.ndarray:
    """Smooth random texture with detail at every scale (like a face crop)."""
    rng = np.random.default_rng(seed)
    out = np.zeros((size, size), np.float32)
    for sigma in (0.7, 1.5, 3.0, 6.0):
        out += cv2.GaussianBlur(rng.normal(0, 60, (size, size)).astype(np.float32), (0, 0), sigma)
    return np.clip(out + 128, 0, 255)


def test_directional_sharpness_of_a_step_edge_is_exact() -> None:
    w = 16
    gray = np.zeros((10, w), np.float32)
    gray[:, w // 2 :] = 100.0
    r = qm.directional_sharpness(gray)
    # horizontal: one jump of 100 per row in D1, three in D3
    assert r[0] == pytest.approx(np.sqrt(3.0) * np.sqrt((w - 3) / (w - 1)), rel=1e-6)
    assert np.isnan(r[1])  # no vertical contrast at all


def test_directional_sharpness_is_one_for_a_linear_ramp() -> None:
    ramp = np.tile(np.arange(32, dtype=np.float32) * 3.0, (12, 1))
    assert qm.directional_sharpness(ramp)[0] == pytest.approx(1.0)


def test_more_blur_gives_lower_sharpness() -> None:
    base = _texture()
    values = [np.nanmin(qm.directional_sharpness(cv2.GaussianBlur(base, (0, 0), s)))
              for s in (0.3, 1.0, 2.0, 4.0)]
    assert values == sorted(values, reverse=True)
    assert values[0] > 1.3 and values[-1] < 1.05


def test_motion_blur_lowers_the_blurred_direction_only() -> None:
    rng = np.random.default_rng(4)
    base = np.kron(rng.uniform(0, 255, (16, 16)), np.ones((8, 8))).astype(np.float32)
    kernel = np.zeros((1, 9), np.float32)
    kernel[:] = 1 / 9
    shaken = cv2.filter2D(base, -1, kernel)
    r = qm.directional_sharpness(shaken)
    assert r[0] < 1.1 < r[1]


def test_sharpness_is_independent_of_contrast() -> None:
    base = _texture()
    a = qm.directional_sharpness(base)
    b = qm.directional_sharpness(base * 0.3 + 20)
    np.testing.assert_allclose(a, b, rtol=1e-4)


def test_sharpness_at_scales_never_upscales() -> None:
    base = _texture()
    rows = qm.sharpness_at_scales(base, iod_px=40.0, target_iod_px=[40.0, 400.0, 20.0])
    assert rows.shape == (3, 4)
    np.testing.assert_allclose(rows[0], rows[1])
    assert not np.allclose(rows[0], rows[2])


def test_noise_sigma_recovers_added_noise_and_grows_with_it() -> None:
    rng = np.random.default_rng(1)
    flat = np.full((96, 96), 120.0, np.float32)
    estimates = [qm.noise_sigma(flat + rng.normal(0, s, flat.shape).astype(np.float32))
                 for s in (2.0, 5.0, 10.0, 20.0)]
    assert estimates == sorted(estimates)
    assert estimates[2] == pytest.approx(10.0, rel=0.15)
    assert qm.noise_sigma(flat) == 0.0


def test_noise_sigma_ignores_clipped_tiles() -> None:
    assert np.isnan(qm.noise_sigma(np.full((40, 40), 255.0, np.float32)))


def test_blockiness_of_constant_blocks_and_of_a_smooth_image() -> None:
    rng = np.random.default_rng(2)
    blocks = np.kron(rng.uniform(0, 255, (8, 8)), np.ones((8, 8))).astype(np.float32)
    assert qm.blockiness(blocks) > 10.0
    assert qm.blockiness(_texture()) == pytest.approx(1.0, abs=0.15)
    assert np.isnan(qm.blockiness(np.zeros((16, 16), np.float32)))


@pytest.mark.parametrize("quality", [10, 50, 90])
def test_jpeg_quality_from_ijg_tables(quality: int) -> None:
    buf = io.BytesIO()
    Image.fromarray(np.full((16, 16, 3), 128, np.uint8)).save(buf, "JPEG", quality=quality)
    tables = parse_jpeg(buf.getvalue()).quant_tables
    assert qm.jpeg_quality(tables) == pytest.approx(quality, abs=2.0)
    assert qm.jpeg_quality({}) is None


def test_halftone_peak_finds_a_dot_screen() -> None:
    base = cv2.resize(_texture(3, 64), (256, 256), interpolation=cv2.INTER_CUBIC)
    yy, xx = np.mgrid[0:256, 0:256].astype(np.float32)
    a = np.radians(45.0)
    u = (xx * np.cos(a) + yy * np.sin(a)) * 2 * np.pi / 4.2
    v = (-xx * np.sin(a) + yy * np.cos(a)) * 2 * np.pi / 4.2
    screen = (np.cos(u) + np.cos(v) + 2) / 4 * 255
    dots = np.where(base > screen, 255.0, 0.0).astype(np.float32)
    assert qm.halftone_peak(dots) > 1.5
    assert qm.halftone_peak(base) < 1.0
    assert np.isnan(qm.halftone_peak(np.zeros((20, 20), np.float32)))


def test_uint8_grey_levels_give_the_same_figures_as_float() -> None:
    """The quality check passes the crop as uint8 when it holds integer levels: same answers."""
    noisy = np.clip(_texture(5, 200) + np.random.default_rng(5).normal(0, 4, (200, 200)), 0, 255)
    g8 = np.round(noisy).astype(np.uint8)
    gf = g8.astype(np.float32)
    np.testing.assert_array_equal(qm.directional_sharpness(g8), qm.directional_sharpness(gf))
    assert qm.blockiness(g8, 8) == pytest.approx(qm.blockiness(gf, 8), rel=1e-6)
    # the check hands over the profiles it made for the replication figure: the same answer
    assert qm.blockiness(g8, 8, qm.diff_profiles(g8)) == qm.blockiness(g8, 8)
    assert qm.noise_sigma(g8) == qm.noise_sigma(gf)  # the same float32 filters, exactly
    assert qm.halftone_peak(g8) == qm.halftone_peak(gf)
    flat = np.round(128 + np.random.default_rng(7).normal(0, 4, (200, 200))).astype(np.uint8)
    assert qm.noise_sigma(flat) == pytest.approx(qm.noise_sigma(flat.astype(np.float32)))
    assert 3.5 < qm.noise_sigma(flat) < 4.5


def test_sharpness_at_the_crop_iod_is_the_crop_itself() -> None:
    img = _texture(6)
    rows = qm.sharpness_at_scales(img, 100.0, [100.0, 200.0, 50.0])
    np.testing.assert_array_equal(rows[0], qm.directional_sharpness(img))
    np.testing.assert_array_equal(rows[1], rows[0])
    np.testing.assert_array_equal(rows[2], qm.directional_sharpness(qm.resample(img, 0.5)))


def test_diff_profiles_are_exact_mean_absolute_differences() -> None:
    gray = np.array([[0, 2, 2], [4, 2, 8]], np.uint8)
    cols, rows = qm.diff_profiles(gray)
    np.testing.assert_allclose(cols, [(2 + 2) / 2, (0 + 6) / 2])
    np.testing.assert_allclose(rows, [(4 + 0 + 6) / 3])


def test_pure_replication_peaks_at_one_and_its_smooth_original_does_not() -> None:
    small = _texture(3, 40)
    blocky = np.kron(small, np.ones((5, 5), np.float32))  # 5× nearest neighbour: 200 × 200
    off, on = qm.replication_peaks(qm.diff_profiles(blocky), 8.0)
    # the profile is non-zero only every 5th column: its 1/5 coefficient is its whole sum
    # (up to the zero-padded FFT's frequency step)
    assert off == pytest.approx(1.0, abs=1e-3)
    smooth = cv2.resize(small, (200, 200), interpolation=cv2.INTER_CUBIC)
    s_off, s_on = qm.replication_peaks(qm.diff_profiles(smooth), 8.0)
    assert s_off < 0.1 and s_on < 0.1
    orig_off, _ = qm.replication_peaks(qm.diff_profiles(_texture(3, 200)), 8.0)
    assert orig_off < 0.1


def test_replication_on_the_jpeg_grid_is_scored_apart() -> None:
    blocky = np.kron(_texture(4, 25), np.ones((8, 8), np.float32))
    off, on = qm.replication_peaks(qm.diff_profiles(blocky), 8.0)
    assert on == pytest.approx(1.0, abs=1e-6)
    # off the grid only the leakage of the grid's peaks remains
    assert off < 0.35
    off_r2, _ = qm.replication_peaks(qm.diff_profiles(blocky), 4.0)  # a ½-reduced decode's grid
    assert off_r2 == pytest.approx(1.0, abs=1e-6)


def test_replication_is_the_weaker_axis() -> None:
    stripes = np.kron(_texture(5, 200)[:, :40], np.ones((1, 5), np.float32))  # 200 × 200
    off, _ = qm.replication_peaks(qm.diff_profiles(stripes), 8.0)
    assert off < 0.1  # replicated columns only: rows vary naturally


def test_noise_sigma_of_uint8_and_float_levels_is_the_known_value() -> None:
    rng = np.random.default_rng(11)
    img = np.clip(rng.normal(128, 6, (64, 80)), 0, 255).astype(np.uint8)
    img[:16, :24] = 255  # a clipped corner: its tiles are left out
    img[40:, 50:] = np.clip(img[40:, 50:].astype(int) + np.arange(30)[None, :] * 3, 0, 255)
    assert qm.noise_sigma(img) == qm.noise_sigma(img.astype(np.float32)) == 6.325319786764164


def test_peak_bins_are_the_band_off_and_on_the_grid_harmonics() -> None:
    size, n = 8192, 300
    freq = np.arange(size // 2 + 1) / size
    band = freq >= 1.0 / 16.0 - 1e-9
    grid = np.zeros(freq.size, bool)
    for m in range(1, 5):
        grid |= np.abs(freq - m / 8.0) < 1.5 / n
    off, on = qm._peak_bins(size, n, 8.0, 16.0)
    assert off.tolist() == np.flatnonzero(band & ~grid).tolist()
    assert on.tolist() == np.flatnonzero(band & grid).tolist()
    # no grid below a 2-px period: every band bin is off the grid
    off1, on1 = qm._peak_bins(size, n, 1.0, 16.0)
    assert off1.tolist() == np.flatnonzero(band).tolist() and on1.size == 0


def test_mean_of_two_floats_is_numpys() -> None:
    rng = np.random.default_rng(2)
    for a, b in rng.random((200, 2)) * 5.0:
        assert qm._mean([float(a), float(b)]) == float(np.mean([a, b]))
    assert qm._mean([1.0, 2.0, 4.0]) == float(np.mean([1.0, 2.0, 4.0]))


@pytest.mark.parametrize("period", [4, 5, 8])
def test_blockiness_equals_its_numpy_definition(period: int) -> None:
    # strongest folded phase over the median of the others (np.delete / np.median), averaged
    gray = _texture(11, 160)
    expected = []
    for profile in qm.diff_profiles(gray):
        n = profile.size // period * period
        folded = profile[:n].reshape(-1, period).mean(axis=0)
        peak = int(np.argmax(folded))
        others = np.delete(folded, peak)
        expected.append(float(folded[peak] / max(float(np.median(others)), 1e-3)))
    assert qm.blockiness(gray, period) == float(np.mean(expected))


def test_rms_shift_diff_equals_the_difference_array_rms() -> None:
    rng = np.random.default_rng(3)
    gray = rng.integers(0, 256, (23, 31)).astype(np.float32)
    for dy, dx in ((0, 1), (1, 0), (1, 1), (1, -1)):
        for step in (1, 3, 7):
            h, w = gray.shape
            sy, sx = dy * step, dx * step
            y0, y1 = max(0, -sy), h - max(0, sy)
            x0, x1 = max(0, -sx), w - max(0, sx)
            n = max(1, (y1 - y0) * (x1 - x0))
            d = (gray[y0 + sy : y1 + sy, x0 + sx : x1 + sx].astype(np.float64)
                 - gray[y0:y1, x0:x1])
            want = float(np.sqrt(np.sum(d * d) / n))
            assert qm._rms_shift_diff(gray, dy, dx, step) == pytest.approx(want, rel=1e-12)


def test_jpeg_quality_is_the_np_median_and_np_clip_figure() -> None:
    rng = np.random.default_rng(4)
    for _ in range(300):
        table = [int(v) for v in rng.integers(1, 256, 64)]
        natural = natural_order(table, np.float64)
        scale = float(np.median(natural / IJG_LUMA)) * 100.0
        quality_ = 5000.0 / scale if scale > 100.0 else (200.0 - scale) / 2.0
        assert qm.jpeg_quality({0: table}) == float(np.clip(quality_, 1.0, 100.0))
