"""EfficientNet-Lite0: preprocessing exact on tiny inputs, sha256 refusal, ImageNet classes
on real photos (skipped without ../shared/photos)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from photocheck.inference import ModelError, create_session, models_dir
from photocheck.inference import semantic as sem
from tests.helpers import shared_photos


def test_preprocess_is_rgb_nchw_scaled_to_minus_one_one() -> None:
    bgr = np.zeros((224, 224, 3), np.uint8)
    bgr[0, 0] = (0, 128, 255)  # B, G, R
    x = sem.preprocess([bgr])
    assert x.shape == (1, 3, 224, 224) and x.dtype == np.float32
    # R, G, B channels in that order: (v/255 − 0.5)/0.5
    np.testing.assert_allclose(x[0, :, 0, 0], [1.0, 128 / 127.5 - 1.0, -1.0], atol=1e-6)
    assert x[0, 0, 1, 1] == -1.0


def test_softmax_rows_sum_to_one() -> None:
    p = sem.softmax(np.array([[0.0, np.log(3.0)], [1000.0, 1000.0]]))
    np.testing.assert_allclose(p, [[0.25, 0.75], [0.5, 0.5]])


def test_warp_crop_supersamples_a_large_crop() -> None:
    # a 896-px square mapped onto the 224 input: 4 source px per crop px, area-averaged, so
    # a 1-px checkerboard becomes its mean grey (plain warpAffine would alias it)
    board = ((np.indices((896, 896)).sum(axis=0) % 2) * 255).astype(np.uint8)
    bgr = np.repeat(board[:, :, None], 3, axis=2)
    affine = np.array([[0.25, 0.0, 0.0], [0.0, 0.25, 0.0]])
    crop = sem.warp_crop(bgr, affine)
    assert crop.shape == (224, 224, 3)
    assert abs(float(crop.mean()) - 127.5) < 1.0 and float(crop.std()) < 2.0


def test_the_session_refuses_a_file_with_another_sha256(tmp_path: Path) -> None:
    entry = json.loads((models_dir() / "manifest.json").read_text())[sem.NAME]
    shutil.copy(models_dir() / "manifest.json", tmp_path / "manifest.json")
    (tmp_path / entry["file"]).write_bytes(b"not the model")
    with pytest.raises(ModelError, match="sha256"):
        create_session(sem.NAME, tmp_path)


def test_imagenet_classes_of_real_crops(models) -> None:
    photos = shared_photos()
    hat = cv2.imread(str(photos / "b_hat/interfaces_099.jpg"))  # a cowboy hat, sunglasses
    out = sem.run(models.session(sem.NAME),
                  [cv2.resize(hat, (224, 224), interpolation=cv2.INTER_AREA)])
    top = int(np.argmax(out.probabilities[0]))
    assert top in sem.HEADWEAR_CLASSES + sem.SUNGLASS_CLASSES, top
    assert out.class_sum(sem.HEADWEAR_CLASSES)[0] > 0.3
    assert out.features.shape == (1, 1280) and float(out.features.min()) >= 0.0  # ReLU6 pool
    np.testing.assert_allclose(out.probabilities.sum(axis=1), 1.0, atol=1e-5)
