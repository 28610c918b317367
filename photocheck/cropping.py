"""Crop a digital photo (phone, studio, booth file — not a scan) to the 35:45 standard.

:func:`photocheck.trimming.trim` is for scanned prints: it looks for the print on the scanner
bed and measures its size in mm (``trim.print_size``), findings a digital photo can only ever
warn about. A digital photo needs none of that: its report already solves the standard crop
(``report.crop``: :func:`photocheck.geometry.standard_crop` on the crown, chin and nose line —
34 mm crown to chin, crown 4 mm below the top, nose line centred, or the conforming crop nearest
to that inside the image). :func:`crop` cuts exactly that box, resampled once
(:func:`photocheck.trimming.warp_region`) at the photo's own resolution, encodes it with
:func:`photocheck.trimming.encode_jpeg`, carries the capture date over (the crop was taken when
the photo was), and checks the cropped photo with the same validator. Its verdict is that of the
cropped photo — its findings, except that the ``metadata.*`` rules (editing software, thumbnail,
capture date: where the photo comes from) keep the source's findings (:func:`provenance_from`).
"""

from __future__ import annotations

import datetime as dt
import os
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image

from photocheck import _validator, decode, geometry
from photocheck.context import NotAssessable
from photocheck.exceptions import normalise
from photocheck.metadata import metadata_facts
from photocheck.report import Finding, Report
from photocheck.trimming.output import encode_jpeg, warp_region
from photocheck.validator import SourceError

MAX_OUT_WIDTH_PX = 2000  # 35 mm at ~1450 dpi: more than any print needs, under the 6000-px rule
JPEG_QUALITY = 95
_EXIF_IFD = 0x8769
_DATETIME_ORIGINAL = 0x9003
_OFFSET_TIME_ORIGINAL = 0x9011


@dataclass
class CropResult:
    """The result of :func:`crop`.

    Attributes
    ----------
    report : Report
        The report of the cropped photo (``extra["cropped_from"]`` says where it was cut) when a
        crop was made; otherwise the source photo's report, which says why not
        (``geometry.not_trimmable`` and the face findings).
    jpeg : bytes or None
        The 35:45 JPEG; None when the photo has no conforming crop.
    box : tuple of float or None
        ``(x0, y0, x1, y1)`` of the cut in the source (full-res px, EXIF orientation applied).
    source_report : Report
        The source photo's report (the one ``photocheck check`` gives).
    """

    report: Report
    jpeg: bytes | None
    box: tuple[float, float, float, float] | None
    source_report: Report


def out_size(box_w_px: float, box_h_px: float, quarter_turns: int = 0,
             max_width_px: int = MAX_OUT_WIDTH_PX) -> tuple[int, int]:
    """``(width, height)`` of the upright output for a crop box (source px): 35:45 exactly
    (height = round(width · 45/35)), the box's own resolution, at most ``max_width_px`` wide.

    Examples
    --------
    >>> out_size(700.0, 900.0)
    (700, 900)
    >>> out_size(900.0, 700.0, quarter_turns=1)
    (700, 900)
    >>> out_size(3500.0, 4500.0, max_width_px=2000)
    (2000, 2571)
    """
    width = box_h_px if quarter_turns % 2 else box_w_px
    out_w = int(min(max(round(width), 1), max_width_px))
    return out_w, int(round(out_w * geometry.PHOTO_H_MM / geometry.PHOTO_W_MM))


def cut(image: np.ndarray, box: tuple[float, float, float, float], quarter_turns: int = 0,
        max_width_px: int = MAX_OUT_WIDTH_PX) -> np.ndarray:
    """Resample ``box`` of ``image`` once into the upright 35:45 output.

    ``quarter_turns``: the crop was solved on the image turned that many quarter turns
    clockwise (an infant photographed lying down); the output is turned the same way.
    """
    x0, y0, x1, y1 = box
    out_w, out_h = out_size(x1 - x0, y1 - y0, quarter_turns, max_width_px)
    k = quarter_turns % 4
    size = (out_h, out_w) if k % 2 else (out_w, out_h)  # before turning
    sx, sy = (x1 - x0) / size[0], (y1 - y0) / size[1]
    # output px centre (i + 0.5) maps to x0 + (i + 0.5)·sx in the source's px-centre frame
    dst_to_src = np.array([[sx, 0.0, x0 + 0.5 * sx - 0.5], [0.0, sy, y0 + 0.5 * sy - 0.5]])
    out = warp_region(image, dst_to_src, size)
    return np.ascontiguousarray(np.rot90(out, -k)) if k else out


def with_capture_date(jpeg: bytes, when: dt.datetime | None) -> bytes:
    """``jpeg`` with an EXIF block holding only ``DateTimeOriginal`` (and its offset)."""
    if when is None or jpeg[:2] != b"\xff\xd8":
        return jpeg
    exif = Image.Exif()
    ifd = exif.get_ifd(_EXIF_IFD)
    ifd[_DATETIME_ORIGINAL] = when.strftime("%Y:%m:%d %H:%M:%S")
    offset = when.utcoffset()
    if offset is not None:
        minutes = int(offset.total_seconds() // 60)
        sign = "+" if minutes >= 0 else "-"
        ifd[_OFFSET_TIME_ORIGINAL] = f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    payload = exif.tobytes()
    if not payload.startswith(b"Exif\x00\x00"):
        payload = b"Exif\x00\x00" + payload
    app1 = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    at = 2
    if jpeg[2:4] == b"\xff\xe0":  # after the JFIF APP0
        at = 4 + struct.unpack(">H", jpeg[4:6])[0]
    return jpeg[:at] + app1 + jpeg[at:]


def provenance_from(source_report: Report, cropped: Report) -> list[Finding]:
    """The cropped photo's findings with its ``metadata.*`` ones replaced by the source's.

    The metadata rules judge where a photo comes from (editing software, a stale thumbnail, the
    capture date): a crop inherits that, and must not wash it away — the crop's own file, which
    photocheck wrote, carries no editor tag.
    """
    source_meta = {f.code: f for f in source_report.findings if f.check == "metadata"}
    return [source_meta.get(f.code, f) if f.check == "metadata" else f
            for f in cropped.findings]


def crop(
    source: Any,
    *,
    profile: str = "online",
    exceptions: Iterable[str] = (),
    applied_on: dt.date | str | None = None,
    validator: Any | None = None,
    max_width_px: int = MAX_OUT_WIDTH_PX,
) -> CropResult:
    """Crop a digital photo to the standard 35:45 and check the cropped photo.

    Parameters
    ----------
    source : path, bytes or binary file object
        The photo.
    profile : str
        Profile of both checks (default ``online``).
    exceptions : iterable of str
        Declared exceptions (an infant's wider tolerances change the crop).
    applied_on : date or ISO string, optional
        Application date (6-month rule).
    validator : photocheck.Validator, optional
        Reuse one (its profile is used).
    max_width_px : int
        Widest output (default 2000 px); below that the photo's own resolution.

    Returns
    -------
    CropResult
        Never raises for bad input: an unreadable photo or one without a conforming crop gets
        its own report (``file.*``, ``face.*``, ``geometry.not_trimmable``) and no JPEG.
    """

    if validator is None:
        validator = _validator(profile)
    declared = normalise(exceptions)
    if isinstance(source, str | os.PathLike):
        source = str(source)  # a path is checked as a path (its name in the report)
    try:
        ctx = validator.context(source, exceptions=declared, applied_on=applied_on)
    except SourceError:  # unreadable: the report `check` gives it
        checked = validator.check(source, exceptions=declared, applied_on=applied_on)
        return CropResult(checked, None, None, checked)
    # on the check's own context: its full decode (a photo of up to ~2.5 MP is analysed at
    # full size) and its metadata are reused, not made again
    checked = validator.run(ctx)
    name = checked.source
    info = checked.crop or {}
    box = info.get("box")
    if not (info.get("trimmable") and isinstance(box, list | tuple) and len(box) == 4):
        return CropResult(checked, None, None, checked)
    try:
        image = decode.full_image(ctx).bgr
        taken = metadata_facts(ctx).datetime_original
    except (NotAssessable, OSError, ValueError):  # the check read it; a failure leaves the report
        return CropResult(checked, None, None, checked)
    box_t = (float(box[0]), float(box[1]), float(box[2]), float(box[3]))
    out = cut(image, box_t, int(info.get("quarter_turns") or 0), max_width_px)
    dpi = out.shape[1] / (geometry.PHOTO_W_MM / geometry.MM_PER_INCH)
    jpeg = encode_jpeg(out, dpi, JPEG_QUALITY)
    jpeg = with_capture_date(jpeg, taken)
    report = validator.check(jpeg, exceptions=declared, applied_on=applied_on)
    report.source = name
    report.findings = provenance_from(checked, report)
    report.extra["cropped_from"] = {"box": [round(v, 1) for v in box_t],
                                    "out_size_px": [int(out.shape[1]), int(out.shape[0])],
                                    "out_dpi": round(dpi, 1),
                                    "source_verdict": str(checked.verdict)}
    return CropResult(report, jpeg, box_t, checked)

