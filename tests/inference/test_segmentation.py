"""Selfie segmentation and MODNet wrappers: exact pre/post-processing, real-photo answers."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from photocheck.inference import segmentation as seg
from tests.helpers import shared_photos


def test_modnet_size_is_multiple_of_32() -> None:
    assert seg.modnet_size(1000, 800, 320) == (320, 256)
    assert seg.modnet_size(450, 350, 256) == (256, 192)
    assert seg.modnet_size(10, 10, 320) == (320, 320)
    assert seg.modnet_size(3000, 100, 320) == (320, 32)  # never below one stride


def test_modnet_input_normalisation() -> None:
    bgr = np.zeros((64, 64, 3), np.uint8)
    bgr[..., 2] = 255  # pure red in BGR
    x = seg.modnet_input(bgr, 64)
    assert x.shape == (1, 3, 64, 64)
    assert x[0, 0].min() == 1.0 and x[0, 1].max() == -1.0 and x[0, 2].max() == -1.0


def test_selfie_io_maps_back_to_frame() -> None:
    bgr = np.full((100, 80, 3), 255, np.uint8)
    x = seg.selfie_input(bgr)
    assert x.shape == (1, 256, 256, 3) and x.max() == 1.0
    raw = np.zeros((1, 256, 256, 1), np.float32)
    raw[0, :, 128:] = 1.0  # right half is the person
    out = seg.selfie_output(raw, 100, 80)
    assert out.shape == (100, 80)
    assert out[:, :39].max() == 0.0 and out[:, 41:].min() == 1.0


@pytest.fixture(scope="module")
def portrait() -> np.ndarray:
    path = shared_photos() / "a_compliant_plain_bg" / "canada_003f.jpg"
    return cv2.imread(str(path), cv2.IMREAD_REDUCED_COLOR_4)


def test_selfie_mask_on_a_portrait(models, portrait: np.ndarray) -> None:
    prob = seg.selfie_mask(models, portrait)
    h, w = prob.shape
    assert (h, w) == portrait.shape[:2]
    assert prob[h // 2, w // 2] > 0.9  # the face
    assert prob[:10, :10].max() < 0.2 and prob[:10, -10:].max() < 0.2  # plain background


def test_modnet_alpha_on_a_portrait(models, portrait: np.ndarray) -> None:
    alpha = seg.modnet_alpha(models, portrait, 256)
    assert alpha.shape == portrait.shape[:2]
    h, w = alpha.shape
    assert alpha[h // 2, w // 2] > 0.95
    assert alpha[:10, :10].max() < 0.05
    # the top of the hair in the middle column is near row 35 of this 1/4 decode (by eye)
    top = int(np.argmax(alpha[:, w // 2] > 0.5))
    assert 20 <= top <= 45
