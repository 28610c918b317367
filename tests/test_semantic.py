"""Head and eye crops of the semantic cues: geometry exact on given points, and the model's
outputs computed once per photo on a real portrait (skipped without ../shared/photos)."""

from __future__ import annotations

import numpy as np

from photocheck import semantic
from photocheck.inference import semantic as sem
from tests.helpers import shared_photos


def _apply(affine: np.ndarray, pts: np.ndarray) -> np.ndarray:
    return pts @ affine[:, :2].T + affine[:, 2]


def test_head_crop_keeps_room_above_the_crown_and_levels_the_eyes() -> None:
    left, right, chin = np.array([100.0, 200.0]), np.array([160.0, 200.0]), np.array([130, 300.0])
    a = semantic.head_crop_affine(left, right, chin)
    side = semantic.HEAD_SIDE * 100.0  # crop side in source px (eye-to-chin 100)
    px = sem.INPUT_PX / side
    # eye line at 0.5 − (−0.2 × 100)/side … i.e. 20 px below the crop centre in source px
    np.testing.assert_allclose(_apply(a, np.array([left, right, chin])),
                               [[112 - 30 * px, 112 + 20 * px], [112 + 30 * px, 112 + 20 * px],
                                [112, 112 + 120 * px]], atol=1e-9)
    top = _apply(a, np.array([[130.0, 200.0 - 180.0]]))[0, 1]  # 1.8 eye-to-chin above the eyes
    assert abs(top) < 1e-9


def test_a_rolled_face_is_levelled() -> None:
    angle = np.deg2rad(20.0)
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    left, right, chin = (rot @ p for p in (np.array([-30.0, 0.0]), np.array([30.0, 0.0]),
                                          np.array([0.0, 100.0])))
    out = _apply(semantic.head_crop_affine(left, right, chin), np.array([left, right, chin]))
    assert abs(out[0, 1] - out[1, 1]) < 1e-9  # eyes level in the crop
    assert abs(out[2, 0] - 112.0) < 1e-9  # chin below their midpoint


def test_semantic_cues_of_a_portrait_are_computed_once(online) -> None:
    ctx = online.context(shared_photos() / "a_compliant_plain_bg/canada_019f.jpg")
    cues = semantic.semantic_cues(ctx)
    assert cues.from_landmarks
    assert cues.head_features.shape == (1280,) and cues.eye_features.shape == (1280,)
    assert semantic.semantic_cues(ctx) is cues
    # a bare head: ImageNet's headwear classes stay small
    assert float(cues.head_probabilities[list(sem.HEADWEAR_CLASSES)].sum()) < 0.2
