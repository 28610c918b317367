"""Draw a report on its photo (``photocheck check --annotate OUT.png``): people would rather look
than read. Face box (green, red when a face/pose/eye/expression/headwear/eyewear rule fails),
crown and chin lines, the standard 35:45 crop box (yellow; orange when not trimmable), regions
named by failing findings (red), and a legend of the failing codes.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from photocheck import decode
from photocheck.report import Report, Status

# BGR colours
GREEN = (60, 180, 60)
RED = (40, 40, 230)
YELLOW = (0, 220, 255)
ORANGE = (0, 140, 255)
CYAN = (230, 200, 0)
MAGENTA = (200, 60, 200)
WHITE = (255, 255, 255)
BLACK = (0, 0, 0)

FACE_CHECKS = ("face", "pose", "eyes", "expression", "headwear", "eyewear")
MAX_LONG_SIDE_PX = 1600  # annotate a reduced copy of very large photos


def _failing(report: Report) -> list[Any]:
    return [f for f in report.findings if f.status in (Status.FAIL, Status.WARN)]


def _regions(measured: Any) -> Iterator[list[float]]:
    """Boxes ``[x0, y0, x1, y1]`` (full-res px) a finding's ``measured`` names, if any."""
    if not isinstance(measured, dict):
        return
    for key in ("box", "region"):
        box = measured.get(key)
        if isinstance(box, list | tuple) and len(box) == 4:
            yield [float(v) for v in box]
    for key in ("regions", "boxes"):
        boxes = measured.get(key)
        if isinstance(boxes, list | tuple):
            for box in boxes:
                if isinstance(box, list | tuple) and len(box) == 4:
                    yield [float(v) for v in box]


def _pt(x: float, y: float, s: float) -> tuple[int, int]:
    return int(round(x * s)), int(round(y * s))


def draw(image: np.ndarray, report: Report, scale: float = 1.0) -> np.ndarray:
    """Draw the report on a copy of ``image`` (BGR, ``scale`` px per full-res px).

    Parameters
    ----------
    image : numpy.ndarray
        uint8 ``(H, W, 3)`` BGR, EXIF orientation applied.
    report : Report
        The photo's report (face geometry, crop and findings in full-res px).
    scale : float
        Pixels of ``image`` per original full-resolution pixel.

    Returns
    -------
    numpy.ndarray
        The annotated image.
    """
    out = image.copy()
    h, w = out.shape[:2]
    thick = max(2, int(round(max(h, w) / 400)))
    failing = _failing(report)
    fail_checks = {f.check for f in failing if f.status == Status.FAIL}
    face = report.face or {}
    crop = report.crop or {}
    box = crop.get("box")
    if isinstance(box, list | tuple) and len(box) == 4:
        colour = YELLOW if crop.get("trimmable") else ORANGE
        cv2.rectangle(out, _pt(box[0], box[1], scale), _pt(box[2], box[3], scale), colour,
                      thick, cv2.LINE_AA)
    fbox = face.get("box")
    if isinstance(fbox, list | tuple) and len(fbox) == 4:
        colour = RED if fail_checks & set(FACE_CHECKS) else GREEN
        cv2.rectangle(out, _pt(fbox[0], fbox[1], scale), _pt(fbox[2], fbox[3], scale), colour,
                      thick, cv2.LINE_AA)
        half = (fbox[2] - fbox[0]) * 0.9
        cx = (fbox[0] + fbox[2]) / 2
        for key, colour in (("crown", CYAN), ("chin", MAGENTA)):
            point = face.get(key)
            if isinstance(point, list | tuple) and len(point) == 2:
                cv2.line(out, _pt(cx - half, point[1], scale), _pt(cx + half, point[1], scale),
                         colour, thick, cv2.LINE_AA)
        estimate = face.get("crown_estimate")
        if isinstance(estimate, list | tuple) and len(estimate) == 2 and estimate[1] < 0:
            # the hair leaves the frame: an arrow up from the top edge says the crown the
            # geometry used lies above the photo
            tip_y = 0
            base = _pt(estimate[0], 0, scale)
            cv2.arrowedLine(out, (base[0], base[1] + 12 * thick), (base[0], tip_y), CYAN, thick,
                            cv2.LINE_AA, tipLength=0.4)
    for found in failing:
        for region in _regions(found.measured):
            cv2.rectangle(out, _pt(region[0], region[1], scale),
                          _pt(region[2], region[3], scale), RED, thick, cv2.LINE_AA)
    _legend(out, report, failing)
    return out


def _legend(out: np.ndarray, report: Report, failing: list[Any]) -> None:
    """A legend panel in the top-left corner: verdict, line colours, failing codes."""
    h, w = out.shape[:2]
    font_scale = max(0.4, min(h, w) / 1200)
    line_h = int(26 * font_scale) + 4
    rows: list[tuple[str, tuple[int, int, int]]] = [
        (f"verdict: {report.verdict.value}", WHITE),
        ("face box", GREEN), ("crown", CYAN), ("chin", MAGENTA), ("standard crop", YELLOW),
    ]
    estimate = (report.face or {}).get("crown_estimate")
    if isinstance(estimate, list | tuple) and len(estimate) == 2 and estimate[1] < 0:
        rows.insert(3, (f"crown estimated {-estimate[1]:.0f} px above the frame", CYAN))
    rows += [(f"{f.code} ({f.status.value})", RED) for f in failing[:12]]
    if len(failing) > 12:
        rows.append((f"... {len(failing) - 12} more", RED))
    width = int(max(len(text) for text, _ in rows) * 11 * font_scale) + 16
    height = line_h * len(rows) + 8
    panel = out[:height, :width]
    out[:height, :width] = (panel * 0.35).astype(np.uint8)
    for i, (text, colour) in enumerate(rows):
        y = 4 + line_h * (i + 1) - 6
        cv2.putText(out, text, (8, y), cv2.FONT_HERSHEY_SIMPLEX, font_scale, colour,
                    max(1, int(font_scale * 2)), cv2.LINE_AA)


def annotate_file(source: str | os.PathLike[str] | bytes, report: Report,
                  out_path: str | os.PathLike[str]) -> Path:
    """Decode ``source`` (EXIF orientation applied), draw ``report`` on it, write a PNG.

    Very large photos are drawn on a reduced decode (long side ≥ 1600 px). Returns the path
    written. Raises ``OSError``/``ValueError`` when the photo cannot be decoded or written.
    """
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    head = decode.read_header(data)
    factor = decode.reduction_for(max(head.width, head.height), MAX_LONG_SIDE_PX)
    decoded = decode.decode(data, head, factor)
    image = draw(decoded.bgr, report, decoded.scale)
    path = Path(out_path)
    if not cv2.imwrite(str(path), image):
        raise OSError(f"cannot write {path}")
    return path


def annotate_path(out: str | os.PathLike[str], photo: str | os.PathLike[str], count: int
                  ) -> Path:
    """Where to write the annotation of ``photo``: ``out`` itself for one photo, else
    ``out``'s stem + ``-<photo stem>`` + its suffix."""
    path = Path(out)
    if count <= 1:
        return path
    return path.with_name(f"{path.stem}-{Path(photo).stem}{path.suffix or '.png'}")
