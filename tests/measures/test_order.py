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
