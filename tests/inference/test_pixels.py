"""photocheck.inference.pixels: the look-up tables are the models' formulas, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from photocheck.inference.pixels import CENTRED, HALF, SIGNED, UNIT, rgb_float


@pytest.mark.parametrize(("table", "formula"), [
    (UNIT, lambda x: x / 255.0),
    (SIGNED, lambda x: x / 127.5 - 1.0),
    (CENTRED, lambda x: (x - 127.5) / 127.5),
    (HALF, lambda x: (x / 255.0 - 0.5) / 0.5),
])
def test_every_level_is_the_formulas_float32(table: np.ndarray, formula) -> None:
    image = np.random.default_rng(0).integers(0, 256, (37, 23, 3), np.uint8)
    expected = formula(image[:, :, ::-1].astype(np.float32))
    out = rgb_float(image, table)
    assert out.dtype == np.float32 and expected.dtype == np.float32
    assert np.array_equal(out, expected)


def test_known_values_and_channel_order() -> None:
    bgr = np.array([[[0, 64, 255]]], np.uint8)  # blue 0, green 64, red 255
    # float32 arithmetic, as the models' own formula on a float32 image
    green = float(np.float32(64) / np.float32(127.5) - np.float32(1.0))
    assert rgb_float(bgr, SIGNED)[0, 0].tolist() == [1.0, green, -1.0]
    assert green == pytest.approx(-0.498039, abs=1e-6)
    assert rgb_float(bgr, UNIT)[0, 0, 0] == 1.0 and rgb_float(bgr, UNIT)[0, 0, 2] == 0.0
    assert HALF[0] == -1.0 and HALF[255] == 1.0 and CENTRED[0] == -1.0 and CENTRED[255] == 1.0
