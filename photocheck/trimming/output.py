"""Resampling the scan once and writing the JPEG (two threads when a second core is ours)."""

from __future__ import annotations

import re
import struct
from concurrent.futures import ThreadPoolExecutor

import cv2
import numpy as np

from photocheck import decode
from photocheck.trimming.rect import PrintRect


def _source_region(shape: tuple[int, ...], dst_to_src: np.ndarray, size: tuple[int, int],
                   rows: int, pad: int = 8) -> tuple[int, int, int, int]:
    """``(x0, y0, x1, y1)``: the source px the top ``rows`` rows of a ``size`` output read
    through ``dst_to_src``, ``pad`` px wider, within ``shape``. Its origin is the whole
    output's, whichever rows are made (the same 2×2 grid for a halving, the same fixed-point
    rounding in a warp)."""
    out_w, out_h = size

    def corners(bottom: int) -> np.ndarray:
        box = np.array([[0, 0], [out_w, 0], [out_w, bottom], [0, bottom]], float)
        return box @ dst_to_src[:2, :2].T + dst_to_src[:2, 2]

    whole, part = corners(out_h), corners(rows)
    return (int(max(0, np.floor(whole[:, 0].min()) - pad)),
            int(max(0, np.floor(whole[:, 1].min()) - pad)),
            int(min(shape[1], np.ceil(part[:, 0].max()) + pad)),
            int(min(shape[0], np.ceil(part[:, 1].max()) + pad)))


def warp_region(src: np.ndarray, dst_to_src: np.ndarray, size: tuple[int, int], *,
                interpolation: int = cv2.INTER_CUBIC, rows: int | None = None) -> np.ndarray:
    """Resample ``src`` once through ``dst_to_src`` (output px → source px) into ``size``.

    Only the source region the output needs is touched; when the map minifies (source px per
    output px > 1.3) that region is low-pass filtered first so the result does not alias (a
    property of correct resampling, not a retouch). A 3-channel region is warped as BGRA:
    OpenCV's 4-channel warp is vectorised (~2.5× faster than 3 channels) and gives the very
    same values per channel. ``rows``: only the output's top ``rows`` rows, with the values
    they have in the whole output (the region keeps the whole output's origin: the warp's
    fixed-point rounding depends on it; a pre-blur reaches less than the region's 8-px margin
    below them while the minification stays under ~4).
    """
    out_w, out_h = size
    out_h = out_h if rows is None else int(np.clip(rows, 1, out_h))
    x0, y0, x1, y1 = _source_region(src.shape, dst_to_src, size, out_h)
    if x1 <= x0 or y1 <= y0:
        return np.zeros((out_h, out_w, 3), np.uint8)
    roi = src[y0:y1, x0:x1]
    m = dst_to_src.copy()
    m[:, 2] -= (x0, y0)
    minify = float(np.sqrt(abs(np.linalg.det(m[:, :2]))))
    if minify > 1.3:
        roi = cv2.GaussianBlur(roi, (0, 0), 0.5 * np.sqrt(minify**2 - 1.0))
    bgr = roi.ndim == 3 and roi.shape[2] == 3
    if bgr:
        roi = cv2.cvtColor(roi, cv2.COLOR_BGR2BGRA)
    out = cv2.warpAffine(roi, m, (out_w, out_h), flags=interpolation | cv2.WARP_INVERSE_MAP,
                         borderMode=cv2.BORDER_REPLICATE)
    return cv2.cvtColor(out, cv2.COLOR_BGRA2BGR) if bgr else out


def upright_size(rect: PrintRect, long_side_px: int) -> tuple[int, int]:
    """Width and height (px) of :func:`upright_print` of ``rect``."""
    f = min(1.0, long_side_px / max(rect.width_px, rect.height_px))
    return max(1, round(rect.width_px * f)), max(1, round(rect.height_px * f))


def upright_print(full: np.ndarray, rect: PrintRect, long_side_px: int, *,
                  rows: int | None = None) -> np.ndarray:
    """The print warped upright with its long side at most ``long_side_px`` (one bilinear warp).

    Only the print's neighbourhood of the full-resolution scan is read; it is first halved by
    2×2 area steps while the print stays at least 0.8× the wanted size (cheap, and no aliasing;
    a mild enlargement by the warp adds nothing but costs nothing either), and the rest is the
    warp's (low-passed when it minifies). ``rows``: only the top ``rows`` rows are made (the
    same values as in the whole image, from the same halving grid), the others left black —
    for a reader of the top part only (the crown by colour, above the forehead).
    """
    w, h = rect.width_px, rect.height_px
    f = min(1.0, long_side_px / max(w, h))
    out_w, out_h = upright_size(rect, long_side_px)
    made = out_h if rows is None else int(np.clip(rows, 1, out_h))
    img_to_scan = np.vstack([rect.print_to_scan(), [0, 0, 1]]) @ np.array(
        [[w / out_w, 0, 0], [0, h / out_h, 0], [0, 0, 1]])
    x0, y0, x1, y1 = _source_region(full.shape, img_to_scan, (out_w, out_h), made)
    if x1 - x0 < 2 or y1 - y0 < 2:
        return np.zeros((out_h, out_w, 3), np.uint8)
    # image px → roi px, then → each halving's px (centre of 2×2 block: (p + 0.5) / 2 - 0.5)
    to_level = np.array([[1.0, 0, -x0], [0, 1.0, -y0], [0, 0, 1]]) @ img_to_scan
    level = full[y0:y1, x0:x1]
    while 1.0 / f >= 1.6 and min(level.shape[:2]) >= 4:
        lh, lw = (level.shape[0] // 2) * 2, (level.shape[1] // 2) * 2
        level = cv2.resize(level[:lh, :lw], (lw // 2, lh // 2), interpolation=cv2.INTER_AREA)
        to_level = np.array([[0.5, 0, -0.25], [0, 0.5, -0.25], [0, 0, 1]]) @ to_level
        f *= 2.0
    top = warp_region(level, to_level[:2], (out_w, out_h), interpolation=cv2.INTER_LINEAR,
                      rows=made)
    if made == out_h:
        return top
    img = np.zeros((out_h, out_w, 3), np.uint8)
    img[:made] = top
    return img


_CHROMA_FACTOR = {"444": cv2.IMWRITE_JPEG_SAMPLING_FACTOR_444,
                  "422": cv2.IMWRITE_JPEG_SAMPLING_FACTOR_422,
                  "440": cv2.IMWRITE_JPEG_SAMPLING_FACTOR_440,
                  "420": cv2.IMWRITE_JPEG_SAMPLING_FACTOR_420}


def source_chroma(head: decode.ImageHeader) -> str:
    """The chroma subsampling of a colour JPEG scan (``"420"``, ``"422"``, ``"440"``), else
    ``"444"`` (PNG, TIFF, full-resolution chroma, greyscale, unusual factors)."""
    seg = head.jpeg
    if seg is None or seg.components != 3 or len(seg.sampling) != 3:
        return "444"
    (lh, lv), chroma = seg.sampling[0], seg.sampling[1:]
    if any(c != chroma[0] for c in chroma) or min(chroma[0]) < 1:
        return "444"
    ratio = (lh // chroma[0][0], lv // chroma[0][1])
    return {(2, 2): "420", (2, 1): "422", (1, 2): "440"}.get(ratio, "444")


def warp_encode_split(src: np.ndarray, dst_to_src: np.ndarray, size: tuple[int, int], *,
                      interpolation: int, pool: ThreadPoolExecutor, dpi: float, quality: int,
                      chroma: str) -> bytes:
    """:func:`warp_region` + :func:`encode_jpeg`, the output's top half on a second thread.

    Each thread resamples its half (reading only its own source region; the map is the same
    affine shifted by the half's first row, so the values are those of one warp, within one
    level where a coordinate's last bit rounds the other way) and encodes it with a restart
    marker after every MCU row; the two streams are then joined (:func:`join_jpeg_rows`) into
    the very bytes one encoder writes for the whole image with that restart interval, whose
    pixels decode exactly as those of a single encode without restart markers.
    """
    out_w, out_h = size
    mcu_w, mcu_h = _MCU_PX[chroma]
    half = (out_h // 2) // mcu_h * mcu_h
    restart = -(-out_w // mcu_w)  # MCUs in a row
    if half < mcu_h or restart > 65535:
        return encode_jpeg(warp_region(src, dst_to_src, size, interpolation=interpolation),
                           dpi, quality, chroma)
    bottom = dst_to_src.copy()
    bottom[:, 2] += dst_to_src[:, 1] * half

    def part(m: np.ndarray, rows: int) -> tuple[np.ndarray, bytes]:
        pixels = warp_region(src, m, (out_w, rows), interpolation=interpolation)
        return pixels, encode_jpeg(pixels, dpi, quality, chroma, restart_interval=restart)

    top = pool.submit(part, dst_to_src, half)
    lower = part(bottom, out_h - half)
    upper = top.result()
    joined = join_jpeg_rows(upper[1], lower[1], half // mcu_h)
    if joined is None:  # not the streams this expects: one encode of the two halves
        return encode_jpeg(np.concatenate([upper[0], lower[0]]), dpi, quality, chroma)
    return joined


# MCU width × height (px) of a colour JPEG per chroma subsampling
_MCU_PX = {"444": (8, 8), "422": (16, 8), "440": (8, 16), "420": (16, 16)}
_RESTART = re.compile(rb"\xff([\xd0-\xd7])")


def join_jpeg_rows(top: bytes, bottom: bytes, top_mcu_rows: int) -> bytes | None:
    """One JPEG of ``top`` above ``bottom``: two baseline encodes of the same width with the
    same tables and a restart marker after every MCU row, ``top`` ``top_mcu_rows`` MCU rows high.

    Restart markers make each MCU row's entropy-coded data independent (the DC prediction
    restarts), so the streams join at a row boundary: ``top``'s headers with the height of
    both, its data, the restart marker that ends its last row, then ``bottom``'s data with its
    restart markers renumbered to continue the count (RST0–RST7 cycle; in that data a 0xFF
    byte is followed by 0x00 unless it starts a marker, so each marker is found by its two
    bytes). None when the streams are not of that form.
    """
    try:
        segs = decode.parse_jpeg(top), decode.parse_jpeg(bottom)
    except ValueError:
        return None
    if top_mcu_rows < 1 or not all(
            seg.sof_marker == 0xC0 and seg.scans == 1 and data.endswith(b"\xff\xd9")
            for seg, data in zip(segs, (top, bottom), strict=True)):
        return None  # baseline, one scan, nothing after its end
    (top_data, sof_top), (bottom_data, sof_bottom) = (
        (seg.scan_data_offset, seg.sof_offset) for seg in segs)
    # everything but the SOF's height: the same tables, width and restart interval
    if (top[:sof_top + 5], top[sof_top + 7:top_data]) != (
            bottom[:sof_bottom + 5], bottom[sof_bottom + 7:bottom_data]):
        return None
    height = sum(struct.unpack(">H", data[sof + 5:sof + 7])[0]
                 for data, sof in ((top, sof_top), (bottom, sof_bottom)))
    if height > 65535:
        return None
    head = bytearray(top[:top_data])
    head[sof_top + 5:sof_top + 7] = struct.pack(">H", height)

    def renumber(m: re.Match[bytes]) -> bytes:
        return bytes((0xFF, 0xD0 + (m.group(1)[0] - 0xD0 + top_mcu_rows) % 8))

    rest = _RESTART.sub(renumber, bottom[bottom_data:-2])
    return b"".join((bytes(head), top[top_data:-2],
                     bytes((0xFF, 0xD0 + (top_mcu_rows - 1) % 8)), rest, b"\xff\xd9"))


def encode_jpeg(bgr: np.ndarray, dpi: float, quality: int = 95, chroma: str = "444",
                restart_interval: int = 0) -> bytes:
    """A baseline JPEG with ``dpi`` recorded as the JFIF density.

    ``chroma`` is the subsampling (``"444"``, ``"422"``, ``"440"``, ``"420"``); the trim passes
    the scan's own (:func:`source_chroma`) when the output does not minify the scan: its colour
    is then already that coarse, and full-resolution chroma would add bytes and time but no
    detail. ``restart_interval``: MCUs between restart markers (0: none).
    """
    ok, buf = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, int(quality),
                                         cv2.IMWRITE_JPEG_SAMPLING_FACTOR,
                                         _CHROMA_FACTOR[chroma],
                                         cv2.IMWRITE_JPEG_RST_INTERVAL, int(restart_interval)])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    data = bytearray(buf.tobytes())
    density = int(round(dpi))
    if data[2:4] == b"\xff\xe0" and data[6:11] == b"JFIF\x00":
        data[13] = 1  # dots per inch
        data[14:18] = struct.pack(">HH", density, density)
    else:  # no JFIF header written: insert one
        app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x01" + struct.pack(
            ">HH", density, density) + b"\x00\x00"
        data = data[:2] + bytearray(app0) + data[2:]
    return bytes(data)
