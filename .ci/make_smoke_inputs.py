"""Write a photo and a scan for the wheel smoke test into a folder (run from the checkout).

The photo is a compliant sample from ../shared/photos when present, else a drawn portrait; the
scan is that portrait rendered as a 35x45 mm print on a 600-dpi scanner bed by
``benchmarks/scan_synth.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import cv2

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.scan_synth import PrintSpec, drawn_portrait, portrait_from_photo, render_scan  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared"
SAMPLE = SHARED / "photos/a_compliant_plain_bg/london_002_03.jpg"


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    portrait = portrait_from_photo(str(SAMPLE)) if SAMPLE.is_file() else None
    if portrait is None:
        portrait = drawn_portrait()
    ok, photo = cv2.imencode(".jpg", portrait.bgr, [cv2.IMWRITE_JPEG_QUALITY, 92])
    assert ok
    (out / "photo.jpg").write_bytes(photo.tobytes())
    scan = render_scan(portrait, PrintSpec(rotation_deg=2.0, seed=1))
    (out / "scan.jpg").write_bytes(scan.data)
    print(f"smoke inputs: {portrait.name} -> {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
