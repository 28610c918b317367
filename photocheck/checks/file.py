"""File checks: format, byte size, pixel size, colour mode and integrity, judged from the bytes
and the header before any pixel is decoded (J-LIS online upload rules: JPEG only, RGB colour,
20 KB – 7 MB, 480 – 6000 px in width and in height).

The ``mail`` profile (``upload_rules = false``) scans prints on our own scanners in any common
format: there ``file.format`` passes for any decodable image, the size and colour rules are not
emitted, and ``file.corrupt`` still is.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterator, Mapping
from typing import Any

from photocheck import decode
from photocheck.checks.base import Check, finding, not_assessed
from photocheck.context import NotAssessable, PhotoContext
from photocheck.report import Finding, Status

CODES = (
    "file.format",
    "file.bytes_too_small",
    "file.bytes_too_large",
    "file.pixels_too_small",
    "file.pixels_too_large",
    "file.colour_mode",
    "file.corrupt",
)

PARAMS = {
    "accepted_formats": list,
    "min_bytes": int,
    "max_bytes": int,
    "min_side_px": int,
    "max_side_px": int,
}

# Colour modes of the header → status of file.colour_mode (J-LIS: RGB only, no CMYK; a
# black-and-white photo is fine, so single-channel grayscale is only a warning).
_COLOUR_STATUS = {
    "rgb": Status.PASS,
    "rgba": Status.PASS,
    "palette": Status.PASS,
    "grayscale": Status.WARN,
    "cmyk": Status.FAIL,
    "ycck": Status.FAIL,
}


def run(ctx: PhotoContext, params: Mapping[str, Any]) -> Iterator[Finding]:
    """Judge the file from its bytes and header (no full decode).

    Parameters
    ----------
    ctx : PhotoContext
        The photo.
    params : mapping
        ``accepted_formats`` (list of :func:`photocheck.decode.sniff` kinds), ``min_bytes``,
        ``max_bytes``, ``min_side_px``, ``max_side_px`` — the J-LIS upload limits.

    Yields
    ------
    Finding
        One per code (the size and colour codes only under the upload rules).
    """
    upload = ctx.profile.upload_rules
    kind = decode.sniff(ctx.data).kind
    head: decode.ImageHeader | None = None
    header_problem: NotAssessable | None = None
    try:
        head = decode.header(ctx)
    except NotAssessable as exc:
        header_problem = exc

    # Format: by magic bytes only. measured names what the file is.
    accepted = [str(a) for a in params["accepted_formats"]]
    if upload:
        ok = kind in accepted
        threshold: dict[str, Any] = {"accepted": accepted}
    else:  # scans: any image we can decode
        ok = decode.FormatInfo(kind).is_image
        threshold = {"accepted": "any decodable image"}
    yield finding("file.format", Status.PASS if ok else Status.FAIL, kind, threshold, "name")

    if upload:
        size = len(ctx.data)
        yield _count("file.bytes_too_small", size, "bytes", low=params["min_bytes"])
        yield _count("file.bytes_too_large", size, "bytes", high=params["max_bytes"])

    cause = header_problem.cause if header_problem else None
    if upload:
        size = (head.width, head.height) if head is not None else None
        if size is None and kind in ("heic", "heif", "avif"):
            size = heif_pixel_size(ctx.data)  # HEIF cannot be decoded here; its size can be read
        if size is not None and min(size) > 0:
            yield _count("file.pixels_too_small", min(size), "px", low=params["min_side_px"])
            yield _count("file.pixels_too_large", max(size), "px", high=params["max_side_px"])
        else:
            yield not_assessed("file.pixels_too_small", cause or "file.corrupt")
            yield not_assessed("file.pixels_too_large", cause or "file.corrupt")
        if head is not None and min(size or (0,)) > 0:
            yield finding("file.colour_mode", _COLOUR_STATUS.get(head.colour, Status.WARN),
                          head.colour, {"accepted": "rgb"}, "name")
        else:
            yield not_assessed("file.colour_mode", cause or "file.corrupt")

    yield _integrity(ctx, kind, head, header_problem)


def heif_pixel_size(data: bytes) -> tuple[int, int] | None:
    """Pixel size of a HEIF/AVIF file from its ``ispe`` (image spatial extent) properties.

    The primary image of a phone HEIC is a grid of 512×512 tiles; the grid's ``ispe`` is the
    largest one, so the largest area is the photo's size. Only the first MiB is searched.
    """
    head = data[: 1 << 20]
    best: tuple[int, int] | None = None
    pos = head.find(b"ispe")
    while pos >= 4 and pos + 16 <= len(head):
        width, height = struct.unpack(">II", head[pos + 8 : pos + 16])
        if 0 < width < 1 << 20 and 0 < height < 1 << 20 and (
                best is None or width * height > best[0] * best[1]):
            best = (width, height)
        pos = head.find(b"ispe", pos + 4)
    return best


def _count(code: str, value: int, unit: str, *, low: int | None = None,
           high: int | None = None) -> Finding:
    """Like :func:`~photocheck.checks.base.limit` but keeps integer counts (bytes, px) exact."""
    ok = (low is None or value >= low) and (high is None or value <= high)
    threshold = {"min": low} if low is not None else {"max": high}
    return finding(code, Status.PASS if ok else Status.FAIL, int(value), threshold, unit)


def _integrity(
    ctx: PhotoContext,
    kind: str,
    head: decode.ImageHeader | None,
    problem: NotAssessable | None,
) -> Finding:
    """``file.corrupt``: broken header, truncated or malformed JPEG data, or a failed decode."""
    if problem is not None:
        if problem.cause == "file.corrupt":
            detail = re.sub(r" ?<_io\.BytesIO object at 0x[0-9a-f]+>", "", problem.detail)
            return finding("file.corrupt", Status.FAIL, detail or "broken header", unit="name")
        return not_assessed("file.corrupt", problem.cause)  # not an image at all
    assert head is not None
    if head.width <= 0 or head.height <= 0:
        return finding("file.corrupt", Status.FAIL, "zero pixel size in the header", unit="name")
    seg = head.jpeg
    if seg is not None:
        if not seg.reached_scan:
            return finding("file.corrupt", Status.FAIL, "no image data", unit="name")
        if seg.bad_marker is not None:
            return finding("file.corrupt", Status.FAIL,
                           f"unexpected marker 0xFF{seg.bad_marker:02X} in the image data",
                           unit="name")
        if head.truncated:
            return finding("file.corrupt", Status.FAIL, "truncated: no end-of-image marker",
                           unit="name")
    # The reduced-size decode is shared with every other check, so trying it here is free; the
    # header's pixel count is checked against the decode limit first (no huge allocation).
    try:
        decode.analysis_image(ctx)
    except NotAssessable as exc:
        if exc.cause == "file.corrupt":
            return finding("file.corrupt", Status.FAIL, exc.detail or "undecodable", unit="name")
        return not_assessed("file.corrupt", exc.cause)
    return finding("file.corrupt", Status.PASS, kind, unit="name")


CHECK = Check(name="file", codes=CODES, params=PARAMS, run=run, modes=("check", "trim"))
