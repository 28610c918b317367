"""Order statistics against numpy's own figures, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from photocheck.measures import order


def _random_samples(seed: int) -> list[np.ndarray]:
    """float32 and float64 samples of 1–300 values, with ties, 1-D and 2-D."""
    rng = np.random.default_rng(seed)
    out = []
    for trial in range(2000):
        n = int(rng.integers(1, 300))
        v = [rng.random(n).astype(np.float32),
             (rng.integers(0, 5, n).astype(np.float32) / np.float32(7)),
             (rng.random(n) * 1e-3).astype(np.float32), rng.random(n)][trial % 4]
        out.append(v.reshape(2, -1) if n % 2 == 0 and trial % 8 < 4 else v)
    return out


def test_median_and_percentiles_are_numpys_figures_bit_for_bit() -> None:
    weak_differs = 0
    for v in _random_samples(0):
        assert order.median(v) == float(np.median(v))
        assert order.percentiles(v, (10, 90)) == [float(x) for x in np.percentile(v, [10, 90])]
        weak = order.percentiles(v, (90,), weak=True)[0]
        assert weak == float(np.percentile(v, 90))
        weak_differs += weak != order.percentiles(v, (90,))[0]
    assert weak_differs > 0  # float32 vs float64 interpolation: the flag matters
    assert order.median(np.array([1.0, 2.0, 4.0, 8.0], np.float32)) == 3.0
    assert order.percentiles(np.arange(11.0), (10, 90, 100)) == [1.0, 9.0, 10.0]


def test_no_values_give_numpys_nan_median_and_percentile_error() -> None:
    empty = np.zeros(0, np.float32)
    with pytest.warns(RuntimeWarning):
        assert np.isnan(order.median(empty))
    with pytest.raises(IndexError):
        order.percentiles(empty, (10, 90))


def test_float32_ranks_are_the_sorted_values_at_those_ranks() -> None:
    # a value of each sign and magnitude, zeros of both signs, infinities: the ranks of a sort
    values = np.array([3.5, -0.0, 1e-30, -2.0, np.inf, 0.0, -1e-30, 2.0, -np.inf, 1e30, 7.25],
                      np.float32)
    ranks = list(range(values.size))
    assert [float(v) for v in order.float32_ranks(values, ranks)] == [
        -np.inf, -2.0, float(np.float32(-1e-30)), 0.0, 0.0, float(np.float32(1e-30)), 2.0, 3.5,
        7.25, float(np.float32(1e30)), np.inf]
    rng = np.random.default_rng(9)
    many = (rng.normal(size=9999) * 10.0 ** rng.uniform(-6, 6, 9999)).astype(np.float32)
    ordered = np.sort(many)
    ranks = [0, 1, 4998, 4999, 5000, 9998]
    assert order.float32_ranks(many, ranks) == [ordered[r] for r in ranks]


def test_sortable_bins_are_the_top_12_bits_of_the_sortable_float_bits() -> None:
    # every 16-bit high half, with its low half all zeros and all ones: the bin the five integer
    # operations on the whole float's bits give
    high = np.arange(1 << 16, dtype=np.uint32) << 16
    for bits in (high, high | 0xFFFF):
        signed = bits.view(np.int32)
        expected = ((signed ^ ((signed >> 31) & 0x7FFFFFFF)) >> 20) + 2048
        assert np.array_equal(order._SORTABLE_BIN.astype(np.int64), expected)
    values = np.array([-np.inf, -2.0, -0.0, 0.0, 1e-30, 3.5, np.inf], np.float32)
    bins = np.take(order._SORTABLE_BIN, values.view(np.uint16)[order._HIGH_HALF::2])
    # sign, exponent and three mantissa bits, in the floats' order (−0.0 just below 0.0)
    assert bins.tolist() == [7, 1023, 2047, 2048, 2266, 3078, 4088]


def test_float32_ranks_histogram_counts_match_a_partition() -> None:
    # bins filled unevenly (runs of equal values, both signs, a bin holding most values):
    # OpenCV's histogram counts must put each rank in the bin a partition does
    rng = np.random.default_rng(11)
    values = np.concatenate([np.full(3000, 0.25, np.float32),
                             rng.normal(0, 1e-3, 2000).astype(np.float32),
                             -rng.exponential(5.0, 1500).astype(np.float32)])
    rng.shuffle(values)
    ranks = [0, 1499, 1500, 3250, 4499, 4500, 6499]
    expected = np.partition(values, ranks)[ranks]
    assert [float(x) for x in order.float32_ranks(values, ranks)] == expected.tolist()
    assert order.median(values) == float(np.median(values))


def test_mean_is_numpys_mean_bit_for_bit_on_floats_and_counts_on_bools() -> None:
    rng = np.random.default_rng(3)
    for dtype in (np.float32, np.float64):
        values = rng.normal(100.0, 30.0, (468, 3)).astype(dtype)
        for axis in (None, 0, 1):
            ours, numpys = order.mean(values, axis=axis), values.mean(axis=axis)
            assert np.asarray(ours).dtype == np.asarray(numpys).dtype
            assert np.array_equal(ours, numpys)
    assert order.mean(np.array([1.0, 2.0, 4.0])) == pytest.approx(7.0 / 3.0, abs=0.0)
    flags = np.array([[True, False, True, True], [False, False, False, True]])
    assert order.mean(flags, axis=1).tolist() == [0.75, 0.25]
