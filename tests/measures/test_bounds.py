"""photocheck.measures.bounds: numpy's clipped floor and ceiling of one number, in Python."""

from __future__ import annotations

import numpy as np
import pytest

from photocheck.measures.bounds import ceil_within, floor_within


@pytest.mark.parametrize("v", [-3.5, -0.0, 0.2, 4.0, 4.5, 9.99, 10.0, 10.5, 1e12,
                               float("inf"), float("-inf")])
def test_floor_and_ceil_within_are_numpys_clipped_floor_and_ceil(v: float) -> None:
    assert floor_within(v, 0, 10) == int(np.clip(np.floor(v), 0, 10))
    assert ceil_within(v, 1, 10) == int(np.clip(np.ceil(v), 1, 10))


def test_floor_within_nan_raises_as_int_of_nan() -> None:
    with pytest.raises(ValueError):
        floor_within(float("nan"), 0, 10)


def test_floor_within_is_int_of_min_of_max_for_box_bounds_even_crossed() -> None:
    # the boxes of headwear and eyewear: bounds from 0 up, the upper one possibly below the
    # lower (min of max: the upper wins), values anywhere
    rng = np.random.default_rng(8)
    for v, lo, hi in [*rng.uniform(-10, 10, (300, 3)).tolist(), (3.0, 2, 2), (7.9, 5, 3)]:
        lo, hi = abs(int(lo)), abs(int(hi))
        assert floor_within(v, lo, hi) == int(min(max(float(v), lo), hi))
