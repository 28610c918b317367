"""benchmarks.photos: the cached benchmark inputs."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from benchmarks import photos


def test_phone_jpeg_caches_each_seed_under_its_own_name(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(photos, "CACHE", tmp_path)
    first, second = photos.phone_jpeg(480, 640, seed=0), photos.phone_jpeg(480, 640, seed=1)
    assert first != second  # another noise pattern, not the cached seed-0 file
    assert sorted(p.name for p in tmp_path.iterdir()) == ["phone_480x640_q92.jpg",
                                                          "phone_480x640_q92_s1.jpg"]
    assert photos.phone_jpeg(480, 640, seed=1) == second  # read back from the cache
    image = cv2.imdecode(np.frombuffer(second, np.uint8), cv2.IMREAD_COLOR)
    assert image.shape == (640, 480, 3)
