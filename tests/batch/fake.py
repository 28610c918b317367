"""A stand-in processor for the batch tests: deterministic, fast, no models.

It decodes the scan, "trims" the central 35:45 region to 70×90 px and grades it by mean
brightness, so verdicts vary with the input and are known in advance:
mean ≥ 160 → accept, 90–160 → review (``quality.noise`` warns), < 90 → reject
(``lighting.too_dark`` fails); undecodable bytes → ``file.corrupt``.
"""

from __future__ import annotations

import io
import os
import time

import cv2
import numpy as np

from photocheck.checks.base import finding, limit
from photocheck.report import Report, Status

CALLS_FILE_ENV = "BATCH_FAKE_CALLS"  # when set, every call appends the input name to this file


def grade(mean: float) -> str:
    """The verdict the fake processor gives an image of this mean brightness."""
    return "accept" if mean >= 160 else ("review" if mean >= 90 else "reject")


def fake_processor(
    data: bytes,
    *,
    name: str,
    profile: str = "mail",
    exceptions: tuple[str, ...] = (),
    applied_on: str | None = None,
    dpi: float | None = None,
    out_dpi: int = 600,
) -> tuple[Report, bytes | None]:
    """Decode, crop, grade (see the module docstring)."""
    calls = os.environ.get(CALLS_FILE_ENV)
    if calls:
        with open(calls, "a", encoding="utf-8") as fh:
            fh.write(name + "\n")
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        found = [finding("file.corrupt", Status.FAIL)]
        return _report(name, profile, exceptions, found), None
    h, w = image.shape[:2]
    crop_w = min(w, h * 35 // 45)
    crop_h = crop_w * 45 // 35
    x0, y0 = (w - crop_w) // 2, (h - crop_h) // 2
    crop = cv2.resize(image[y0:y0 + crop_h, x0:x0 + crop_w], (70, 90),
                      interpolation=cv2.INTER_AREA)
    mean = float(crop.mean())
    found = [
        finding("file.corrupt", Status.PASS),
        limit("lighting.too_dark", mean, min=90.0, unit="level"),
        limit("quality.noise", mean, min=160.0, unit="level", fail_status=Status.WARN),
    ]
    ok, jpeg = cv2.imencode(".jpg", crop, [cv2.IMWRITE_JPEG_QUALITY, 92])
    report = _report(name, profile, exceptions, found)
    report.crop = {"box": [x0, y0, x0 + crop_w, y0 + crop_h], "trimmable": True}
    report.extra = {"dpi": dpi, "applied_on": applied_on}
    return report, jpeg.tobytes() if ok else None


def slow_processor(data: bytes, **kwargs: object) -> tuple[Report, bytes | None]:
    """The fake processor, 0.25 s slower per scan (for the kill-and-resume test)."""
    time.sleep(0.25)
    return fake_processor(data, **kwargs)  # type: ignore[arg-type]


def dying_processor(data: bytes, **kwargs: object) -> tuple[Report, bytes | None]:
    """Kills its worker process on scans whose JPEG comment says ``DIE``; else the fake."""
    if b"DIE" in data[:4096]:
        os._exit(1)
    return fake_processor(data, **kwargs)  # type: ignore[arg-type]


def batched_processor(data: bytes, **kwargs: object) -> tuple[Report, bytes | None]:
    """The fake processor, with a ``many`` that takes a whole chunk (as issue 9 will)."""
    return fake_processor(data, **kwargs)  # type: ignore[arg-type]


def _many(tasks: list) -> list:
    from photocheck.batch.worker import process_one

    calls = os.environ.get(CALLS_FILE_ENV)
    if calls:
        with open(calls, "a", encoding="utf-8") as fh:
            fh.write(f"chunk:{len(tasks)}\n")
    return [process_one(t, fake_processor) for t in tasks]


batched_processor.many = _many  # type: ignore[attr-defined]


def _report(name: str, profile: str, exceptions: tuple[str, ...], findings: list) -> Report:
    return Report(source=name, profile=profile, profile_digest="fake", exceptions=list(exceptions),
                  findings=findings, timings_ms={"fake": 1.0},
                  versions={"photocheck": "test", "models": {}})


def jpeg_of(mean: int, *, size: tuple[int, int] = (240, 300), seed: int = 0,
            comment: bytes = b"") -> bytes:
    """A JPEG with this mean grey level (± a little texture) and a unique pattern per seed."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    w, h = size
    pixels = np.clip(mean + rng.normal(0, 6, (h, w, 3)), 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    kwargs = {"comment": comment} if comment else {}
    Image.fromarray(pixels, "RGB").save(buf, "JPEG", quality=90, **kwargs)
    return buf.getvalue()
