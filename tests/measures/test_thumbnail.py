"""Thumbnail comparison: a re-encoded copy matches, another picture with the same layout
does not."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from photocheck.measures import thumbnail as tm


def _portrait(seed: int, h: int = 480, w: int = 360) -> np.ndarray:
    """Same framing every time (light wall, dark 'hair' disc, mid-grey 'face' ellipse), with
    fine detail of its own per seed (the 'person')."""
    rng = np.random.default_rng(seed)
    img = np.full((h, w), 200, np.float32)
    cv2.circle(img, (w // 2, int(0.33 * h)), int(0.22 * w), 60, -1)
    cv2.ellipse(img, (w // 2, int(0.42 * h)), (int(0.16 * w), int(0.21 * h)), 0, 0, 360, 150, -1)
    detail = cv2.GaussianBlur(rng.normal(0, 40, (h // 4, w // 4)).astype(np.float32), (0, 0), 1)
    img += cv2.resize(detail, (w, h), interpolation=cv2.INTER_CUBIC)
    return np.clip(img, 0, 255).astype(np.uint8)


def _thumb(gray: np.ndarray, quality: int = 60, gain: float = 1.0) -> np.ndarray:
    small = cv2.resize(gray, (120, 160), interpolation=cv2.INTER_AREA).astype(np.float32)
    small = np.clip(small * gain, 0, 255).astype(np.uint8)
    ok, buf = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE)


def test_identical_images_match_exactly() -> None:
    img = _portrait(0)
    assert tm.structure_similarity(img, img) == pytest.approx(1.0, abs=1e-6)


def test_a_reencoded_brighter_thumbnail_matches_and_another_person_does_not() -> None:
    main = _portrait(1)
    same = tm.structure_similarity(_thumb(main, 60, 1.15), main)
    other = tm.structure_similarity(_thumb(_portrait(2)), main)
    assert same > 0.9
    assert other < 0.75  # the shared outline edges keep it from 0: the detail differs
    # the coarse 24-px correlation cannot tell them apart: the layout is the same
    assert tm.thumbnail_similarity(_thumb(_portrait(2)), main)[0] > 0.9


def test_a_thumbnail_of_another_aspect_is_compared_on_the_centre() -> None:
    main = _portrait(3)
    wide = cv2.copyMakeBorder(main, 0, 0, 60, 60, cv2.BORDER_REPLICATE)  # 4:3 main image
    assert tm.structure_similarity(_thumb(main), wide) > 0.9


def test_too_small_to_compare() -> None:
    assert np.isnan(tm.structure_similarity(np.zeros((4, 4), np.uint8), _portrait(0)))
