"""Benchmark inputs: a 12-megapixel phone-size JPEG, a 2-megapixel JPEG and a 600-dpi scan.

Made from a compliant portrait of ../shared/photos when present (upscaled, with sensor-like noise
so the JPEG has realistic entropy), else from a synthetic drawing. Cached under
benchmarks/results/.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
PHOTOS = REPO.parent / "shared" / "photos"
CACHE = Path(__file__).resolve().parent / "results" / "inputs"
PORTRAIT = "a_compliant_plain_bg/london_001_03.jpg"


def portrait_bgr() -> np.ndarray:
    """A compliant portrait (real when ../shared is present)."""
    path = PHOTOS / PORTRAIT
    if not path.is_file():
        candidates = sorted((PHOTOS / "a_compliant_plain_bg").glob("london_*.jpg"))
        path = candidates[0] if candidates else path
    image = cv2.imread(str(path)) if path.is_file() else None
    if image is not None:
        return image
    canvas = np.full((1350, 1350, 3), 225, np.uint8)
    cv2.ellipse(canvas, (675, 640), (260, 340), 0, 0, 360, (120, 150, 200), -1)
    cv2.ellipse(canvas, (675, 420), (300, 200), 0, 180, 360, (40, 40, 60), -1)
    return canvas


def phone_jpeg(width: int, height: int, quality: int = 92, seed: int = 0) -> bytes:
    """The portrait framed at ``width``×``height`` with mild sensor noise, JPEG-encoded."""
    # the seed is part of the name (seed 0 keeps the name it always had)
    suffix = f"_s{seed}" if seed else ""
    name = CACHE / f"phone_{width}x{height}_q{quality}{suffix}.jpg"
    if name.is_file():
        return name.read_bytes()
    src = portrait_bgr()
    h, w = src.shape[:2]
    scale = max(width / w, height / h)
    big = cv2.resize(src, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_CUBIC)
    y0, x0 = (big.shape[0] - height) // 2, (big.shape[1] - width) // 2
    big = big[y0 : y0 + height, x0 : x0 + width]
    noise = np.random.default_rng(seed).normal(0.0, 3.0, big.shape)
    big = np.clip(big + noise, 0, 255).astype(np.uint8)
    ok, buf = cv2.imencode(".jpg", big, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    CACHE.mkdir(parents=True, exist_ok=True)
    name.write_bytes(buf.tobytes())
    return buf.tobytes()
