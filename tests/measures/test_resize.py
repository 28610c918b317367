"""Area-averaging resize of uint8 images: OpenCV's INTER_AREA pixels, exactly."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from photocheck.measures.resize import area_u8


def test_area_u8_exact_on_a_tiny_array() -> None:
    # 3 → 2 columns (1.5 px each): (0 + 12·½) / 1.5 = 4 and (12·½ + 6) / 1.5 = 8
    image = np.repeat(np.array([[0, 12, 6]], np.uint8), 2, axis=0)
    out = area_u8(image, (2, 1))
    assert out.dtype == np.uint8
    assert out.tolist() == [[4, 8]]


def test_area_u8_rounds_halves_to_even_like_opencv() -> None:
    # 4 → 3 columns (4/3 px each): (0 + 2·⅓) / (4/3) = 0.5 → 0, (2·⅔ + 0) / (4/3) = 1;
    # (1 + 3·⅓) / (4/3) = 1.5 → 2, (3·⅔) / (4/3) = 1.5 → 2
    image = np.array([[0, 2, 0, 0], [1, 3, 0, 0]], np.uint8)
    out = area_u8(image, (3, 2))
    assert out.tolist() == [[0, 1, 0], [2, 2, 0]]
    assert np.array_equal(out, cv2.resize(image, (3, 2), interpolation=cv2.INTER_AREA))


@pytest.mark.parametrize("seed", range(6))
def test_area_u8_is_opencvs_inter_area(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for _ in range(25):
        h, w = (int(v) for v in rng.integers(8, 700, 2))
        size = (int(rng.integers(1, w + 1)), int(rng.integers(1, h + 1)))
        channels = (h, w, 3) if seed % 2 == 0 else (h, w)
        image = rng.integers(0, 256, channels, dtype=np.uint8)
        if seed % 3 == 0:  # smooth content as well as noise
            image = cv2.GaussianBlur(image, (0, 0), 2.0)
        expected = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        assert np.array_equal(area_u8(image, size), expected), (image.shape, size)


def test_area_u8_whole_scale_and_enlargement_are_opencvs_own() -> None:
    image = np.arange(48, dtype=np.uint8).reshape(6, 8)
    assert area_u8(image, (4, 3)).tolist() == cv2.resize(
        image, (4, 3), interpolation=cv2.INTER_AREA).tolist()
    assert np.array_equal(area_u8(image, (16, 12)),
                          cv2.resize(image, (16, 12), interpolation=cv2.INTER_AREA))
