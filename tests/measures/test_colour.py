from __future__ import annotations

import cv2
import numpy as np
import pytest

from photocheck.measures.colour import channel_norm, distance_u8, lab_u8, to_lab
from tests.helpers import PHOTOS


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


# white, black, pure red, mid grey (BGR)
_PIXELS = np.array([[[255, 255, 255], [0, 0, 0], [0, 0, 255], [128, 128, 128]]], np.uint8)


def test_to_lab_cie_scaling() -> None:
    lab = to_lab(_PIXELS, scaling="cie")
    assert lab.dtype == np.float32
    # sRGB red is L* 53.24, a* 80.09, b* 67.20 (D65); greys have a* = b* = 0
    np.testing.assert_allclose(lab[0], [[100.0, 0.0, 0.0], [0.0, 0.0, 0.0],
                                        [53.24, 80.09, 67.20], [53.58, 0.0, 0.0]], atol=0.01)


def test_to_lab_cie_of_uint8_is_the_float_conversion_bit_for_bit() -> None:
    # every level in every channel, contiguous and as a strided block
    levels = np.arange(256, dtype=np.uint8)
    image = np.stack([levels, np.roll(levels, 85), np.roll(levels, 170)], axis=-1)
    image = np.ascontiguousarray(np.broadcast_to(image, (4, 256, 3)))
    for bgr in (image, image[1:4, ::3]):
        expected = cv2.cvtColor(np.asarray(bgr, dtype=np.float32) / 255.0, cv2.COLOR_BGR2LAB)
        got = to_lab(bgr, scaling="cie")
        assert got.dtype == np.float32
        assert np.array_equal(got.view(np.uint32), expected.view(np.uint32))
    # float input keeps the plain conversion
    unit = to_lab(np.full((1, 1, 3), 255.0), scaling="cie")
    np.testing.assert_allclose(unit[0, 0], [100.0, 0.0, 0.0], atol=0.01)


def test_to_lab_uint8_scaling_is_opencvs_rounded_8_bit_encoding() -> None:
    lab = to_lab(_PIXELS, scaling="uint8")
    assert lab.dtype == np.float32
    # L* · 255 / 100, a* + 128, b* + 128, rounded
    np.testing.assert_array_equal(lab[0], [[255, 128, 128], [0, 128, 128], [136, 208, 195],
                                           [137, 128, 128]])


def test_to_lab_names_its_scaling() -> None:
    with pytest.raises(ValueError, match="scaling"):
        to_lab(_PIXELS, scaling="lab")  # type: ignore[arg-type]


def test_distance_u8_is_the_float_norm_of_the_difference() -> None:
    lab = np.array([[[128, 128, 128], [131, 132, 128]], [[0, 255, 128], [128, 128, 140]]],
                   np.uint8)
    ref = np.array([128.0, 128.0, 128.0], np.float32)
    assert distance_u8(lab, ref).tolist() == [[0.0, 5.0], [float(np.float32(np.sqrt(
        np.float32(128.0**2 + 127.0**2)))), 12.0]]
    rng = np.random.default_rng(4)
    images = [rng.integers(0, 256, (33, 21, 3), dtype=np.uint8)]
    real = PHOTOS / "a_compliant_plain_bg" / "london_001_03.jpg"
    if real.is_file():
        bgr = cv2.imread(str(real))
        images.append(cv2.cvtColor(bgr[:300, 100:400], cv2.COLOR_BGR2LAB)[:, 7:290])  # a view
    for lab in images:
        refs = (np.float32([128.0, 128.0, 128.0]), rng.normal(128.0, 50.0, 3).astype(np.float32),
                np.median(lab[:20].reshape(-1, 3).astype(np.float32), axis=0))
        for ref in refs:
            assert np.array_equal(distance_u8(lab, ref),
                                  channel_norm(lab.astype(np.float32) - ref))


def test_lab_u8_of_an_empty_image_is_empty() -> None:
    for shape in ((0, 5, 3), (1, 0, 3)):
        out = lab_u8(np.zeros(shape, np.uint8))
        assert out.shape == shape and out.dtype == np.uint8
