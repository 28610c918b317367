"""Test helpers: synthetic JPEGs made at test time and access to the optional ../shared photos."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
PHOTOS = SHARED / "photos"


def shared_photos() -> Path:
    """../shared/photos, or skip the test when it is absent."""
    if not (PHOTOS / "MANIFEST.csv").is_file():
        pytest.skip("../shared/photos is not available")
    return PHOTOS


def manifest_rows() -> list[dict[str, str]]:
    """Rows of ../shared/photos/MANIFEST.csv with an ``attrs`` set added (skips when absent)."""
    root = shared_photos()
    with (root / "MANIFEST.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        row["attrs"] = set(filter(None, row["attributes"].split(";")))  # type: ignore[assignment]
    return rows


def make_jpeg(
    width: int = 800,
    height: int = 1000,
    *,
    mode: str = "RGB",
    quality: int = 90,
    noise: bool = True,
    seed: int = 0,
    **save_kwargs: object,
) -> bytes:
    """A JPEG of the given size; random texture so the byte size scales with the pixels."""
    rng = np.random.default_rng(seed)
    if noise:
        pixels = rng.integers(0, 256, size=(height, width, 3), dtype=np.uint8)
    else:
        yy, xx = np.mgrid[0:height, 0:width]
        pixels = np.stack([xx * 255 // max(1, width - 1), yy * 255 // max(1, height - 1),
                           np.full_like(xx, 128)], axis=-1).astype(np.uint8)
    image = Image.fromarray(pixels, "RGB")
    if mode != "RGB":
        image = image.convert(mode)
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=quality, **save_kwargs)
    return buf.getvalue()


def encode_jpeg(bgr: np.ndarray, quality: int = 92) -> bytes:
    """``bgr`` encoded as a JPEG by OpenCV at ``quality``."""
    ok, buf = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return buf.tobytes()
