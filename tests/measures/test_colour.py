from __future__ import annotations

import numpy as np
import pytest

from photocheck.measures.colour import channel_norm


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_channel_norm_has_the_values_of_numpys_norm(dtype: type) -> None:
    rng = np.random.default_rng(3)
    lab = (rng.random((40, 37, 3)) * 255).astype(dtype)[3:31, 2:35]  # a strided block
    diff = lab - np.median(lab.reshape(-1, 3), axis=0)
    got = channel_norm(diff)
    assert got.dtype == dtype and got.shape == (28, 33)
    assert np.array_equal(got, np.linalg.norm(diff, axis=2))
    rows = diff.reshape(-1, 3)
    assert np.array_equal(channel_norm(rows), np.linalg.norm(rows, axis=1))


def test_channel_norm_exact_on_a_tiny_array() -> None:
    x = np.array([[[3.0, 4.0, 12.0], [0.0, 0.0, 0.0], [-1.0, 2.0, -2.0]]])
    np.testing.assert_array_equal(channel_norm(x), [[13.0, 0.0, 3.0]])
