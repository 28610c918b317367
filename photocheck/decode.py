"""Sniff magic bytes, read image headers without decoding, and decode (reduced size) with EXIF
orientation applied. Nothing here trusts a file name or extension."""

from __future__ import annotations

import io
import struct
import warnings
from dataclasses import dataclass, field

import cv2
import numpy as np
import simplejpeg
from PIL import Image, features

from photocheck.context import NotAssessable, PhotoContext, intermediate

_SOF_MARKERS = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
_PROGRESSIVE_SOF = {0xC2, 0xC6, 0xCA, 0xCE}
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs"}
_AVIF_BRANDS = {b"avif", b"avis"}
# Formats Pillow/OpenCV can decode here (AVIF only when this Pillow was built with it).
_DECODABLE = {"jpeg", "png", "gif", "webp", "tiff", "bmp", "jp2"} | (
    {"avif"} if features.check("avif") else set()
)


@dataclass(frozen=True, slots=True)
class FormatInfo:
    """What the bytes are, judged from their magic numbers.

    Attributes
    ----------
    kind : str
        ``jpeg``, ``png``, ``gif``, ``webp``, ``tiff``, ``bmp``, ``heic``, ``heif``, ``avif``,
        ``jp2``, ``pdf``, ``html``, ``xml``, ``text``, ``empty`` or ``unknown``.
    """

    kind: str

    @property
    def is_image(self) -> bool:
        """Whether photocheck can try to decode it."""
        return self.kind in _DECODABLE


def sniff(data: bytes) -> FormatInfo:
    """Identify a file from its first bytes (never from its name).

    Parameters
    ----------
    data : bytes
        The file's bytes (only the first few hundred are read).

    Returns
    -------
    FormatInfo
    """
    if not data:
        return FormatInfo("empty")
    head = data[:512]
    if head.startswith(b"\xff\xd8\xff"):
        return FormatInfo("jpeg")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return FormatInfo("png")
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return FormatInfo("gif")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return FormatInfo("webp")
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return FormatInfo("tiff")
    if head[:2] == b"BM" and len(head) >= 26:
        return FormatInfo("bmp")
    if head[:4] == b"%PDF":
        return FormatInfo("pdf")
    if head[:12] == b"\x00\x00\x00\x0cjP  \r\n\x87\n" or head[:4] == b"\xff\x4f\xff\x51":
        return FormatInfo("jp2")
    if head[4:8] == b"ftyp":
        box_len = max(16, min(struct.unpack(">I", head[:4])[0], len(head)))
        brands = {head[8:12]} | {head[i : i + 4] for i in range(16, box_len, 4)}
        if head[8:12] in _AVIF_BRANDS or (brands & _AVIF_BRANDS and not brands & _HEIF_BRANDS):
            return FormatInfo("avif")
        if brands & _HEIF_BRANDS:
            return FormatInfo("heic")
        if brands & {b"mif1", b"msf1"}:
            return FormatInfo("heif")
        return FormatInfo("unknown")
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html", b"<head", b"<body")) or b"<html" in text:
        return FormatInfo("html")
    if text.startswith((b"<?xml", b"<svg")):
        return FormatInfo("xml")
    try:
        head.decode("utf-8")
        printable = sum(32 <= b < 127 or b in (9, 10, 13) for b in head) / len(head)
        if printable > 0.95:
            return FormatInfo("text")
    except UnicodeDecodeError:
        pass
    return FormatInfo("unknown")


@dataclass(frozen=True, slots=True)
class JpegSegments:
    """Marker segments of a JPEG up to the first scan, as raw payloads."""

    sof_marker: int | None = None
    width: int = 0
    height: int = 0
    components: int = 0
    component_ids: tuple[int, ...] = ()
    sampling: tuple[tuple[int, int], ...] = ()  # (horizontal, vertical) factor per component
    adobe_transform: int | None = None
    app: dict[int, list[bytes]] = field(default_factory=dict)
    comments: tuple[bytes, ...] = ()
    quant_tables: dict[int, tuple[int, ...]] = field(default_factory=dict)
    has_eoi: bool = False
    reached_scan: bool = False
    scans: int = 0
    bad_marker: int | None = None
    sof_offset: int = -1  # byte offset of the frame header's marker
    scan_data_offset: int = -1  # where the first scan's entropy-coded data starts


def parse_jpeg(data: bytes) -> JpegSegments:
    """Walk the JPEG marker segments up to the first SOS without decoding any pixels.

    Raises
    ------
    ValueError
        When the marker structure is broken before the frame header.
    """
    pos, n = 2, len(data)
    sof: tuple[int, int, int, int, tuple[int, ...], tuple[tuple[int, int], ...]] | None = None
    app: dict[int, list[bytes]] = {}
    comments: list[bytes] = []
    quant: dict[int, tuple[int, ...]] = {}
    adobe: int | None = None
    reached_scan = False
    sos_pos = n
    sof_pos = scan_data = -1
    while pos + 4 <= n:
        if data[pos] != 0xFF:
            raise ValueError(f"expected a marker at byte {pos}")
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            pos += 2
            continue
        length = struct.unpack(">H", data[pos + 2 : pos + 4])[0]
        if length < 2:
            raise ValueError(f"bad segment length at byte {pos}")
        payload = data[pos + 4 : pos + 2 + length]
        if marker == 0xDA:
            reached_scan, sos_pos, scan_data = True, pos, pos + 2 + length
            break
        if marker in _SOF_MARKERS and len(payload) >= 6:
            sof_pos = pos
            height, width = struct.unpack(">HH", payload[1:5])
            ncomp = payload[5]
            ids = tuple(payload[6 + 3 * i] for i in range(ncomp) if 6 + 3 * i < len(payload))
            factors = tuple((payload[7 + 3 * i] >> 4, payload[7 + 3 * i] & 15)
                            for i in range(ncomp) if 7 + 3 * i < len(payload))
            sof = (marker, width, height, ncomp, ids, factors)
        elif 0xE0 <= marker <= 0xEF:
            app.setdefault(marker - 0xE0, []).append(bytes(payload))
            if marker == 0xEE and payload.startswith(b"Adobe") and len(payload) >= 12:
                adobe = payload[11]
        elif marker == 0xFE:
            comments.append(bytes(payload))
        elif marker == 0xDB:
            _parse_dqt(payload, quant)
        pos += 2 + length
    if sof is None:
        raise ValueError("no frame header (SOF) before the image data")
    scans, eoi_found, bad_marker = _walk_scans(data, sos_pos)
    return JpegSegments(
        sof_marker=sof[0],
        width=sof[1],
        height=sof[2],
        components=sof[3],
        component_ids=sof[4],
        sampling=sof[5],
        adobe_transform=adobe,
        app=app,
        comments=tuple(comments),
        quant_tables=quant,
        has_eoi=eoi_found,
        reached_scan=reached_scan,
        scans=scans,
        bad_marker=bad_marker,
        sof_offset=sof_pos,
        scan_data_offset=scan_data,
    )


# Markers that may legitimately appear between scans (tables, restart, comments, APPn, EOI).
_BETWEEN_SCANS = {0xC4, 0xCC, 0xDA, 0xDB, 0xDC, 0xDD, 0xFE} | set(range(0xE0, 0xF0))


def _walk_scans(data: bytes, sos_pos: int) -> tuple[int, bool, int | None]:
    """Count scans and find the EOI by walking the entropy-coded data (no decoding).

    In entropy-coded data a 0xFF byte is always stuffed (FF 00) or starts a marker, so the
    candidate markers after the first SOS come from one vectorised pass; marker segments
    between scans (tables of progressive JPEGs) are skipped by their length. The first EOI is
    the real end of the image: bytes after it (phone "motion photo" videos, vendor trailers)
    do not make a file truncated, and a file cut short has no EOI at all.

    Returns
    -------
    tuple
        (number of scans, whether an EOI ends the image data, first marker that cannot appear
        inside image data, or None).
    """
    n = len(data)
    if sos_pos >= n - 4:
        return 0, False, None
    buf = np.frombuffer(data, dtype=np.uint8)
    ff = np.flatnonzero(buf[sos_pos:-1] == 0xFF) + sos_pos
    nxt = buf[ff + 1]
    candidates = ff[(nxt != 0x00) & (nxt != 0xFF) & ((nxt < 0xD0) | (nxt > 0xD7))]
    pos, scans = sos_pos, 0
    while pos + 4 <= n:
        marker = data[pos + 1]
        if marker == 0xD9:
            return scans, True, None
        if marker not in _BETWEEN_SCANS:
            return scans, False, marker
        seg_end = pos + 2 + struct.unpack(">H", data[pos + 2 : pos + 4])[0]
        if marker == 0xDA:
            scans += 1
            i = int(np.searchsorted(candidates, seg_end))  # next marker after the scan data
            if i >= len(candidates):
                return scans, False, None
            pos = int(candidates[i])
        else:
            pos = seg_end
            while pos < n and data[pos] == 0xFF and pos + 1 < n and data[pos + 1] == 0xFF:
                pos += 1  # fill bytes
            if pos + 1 >= n or data[pos] != 0xFF:
                return scans, False, None
    return scans, pos + 2 <= n and data[pos : pos + 2] == b"\xff\xd9", None


def _parse_dqt(payload: bytes, out: dict[int, tuple[int, ...]]) -> None:
    pos = 0
    while pos < len(payload):
        precision, table_id = payload[pos] >> 4, payload[pos] & 0x0F
        size = 128 if precision else 64
        body = payload[pos + 1 : pos + 1 + size]
        if len(body) < size:
            return
        values = struct.unpack(">64H", body) if precision else tuple(body)
        out[table_id] = tuple(values)
        pos += 1 + size


def exif_orientation(exif: bytes) -> int:
    """EXIF orientation (1–8) from an APP1 ``Exif\\0\\0`` payload; 1 when absent or broken."""
    try:
        tiff = exif[6:] if exif.startswith(b"Exif") else exif
        endian = "<" if tiff[:2] == b"II" else ">"
        ifd = struct.unpack(endian + "I", tiff[4:8])[0]
        count = struct.unpack(endian + "H", tiff[ifd : ifd + 2])[0]
        for i in range(min(count, 512)):
            entry = tiff[ifd + 2 + 12 * i : ifd + 14 + 12 * i]
            tag, typ = struct.unpack(endian + "HH", entry[:4])
            if tag == 0x0112 and typ == 3:
                value = struct.unpack(endian + "H", entry[8:10])[0]
                return value if 1 <= value <= 8 else 1
    except (struct.error, IndexError):
        pass
    return 1


@dataclass(frozen=True, slots=True)
class ImageHeader:
    """Facts from the file header, before any pixel is decoded.

    Attributes
    ----------
    format : str
        As :func:`sniff` says.
    width, height : int
        Stored pixel size (EXIF orientation not applied).
    colour : str
        ``rgb``, ``grayscale``, ``cmyk``, ``ycck``, ``palette``, ``rgba`` or ``other``.
    progressive : bool
        JPEG progressive mode.
    orientation : int
        EXIF orientation 1–8.
    truncated : bool
        The JPEG has no end-of-image marker.
    jpeg : JpegSegments or None
        The JPEG segments (for metadata), when a JPEG.
    dpi : tuple of float or None
        Resolution recorded in the file (JFIF density, PNG pHYs, TIFF), when present.
    """

    format: str
    width: int
    height: int
    colour: str
    progressive: bool = False
    orientation: int = 1
    truncated: bool = False
    jpeg: JpegSegments | None = None
    dpi: tuple[float, float] | None = None

    @property
    def oriented_size(self) -> tuple[int, int]:
        """(width, height) after EXIF orientation."""
        if self.orientation in (5, 6, 7, 8):
            return self.height, self.width
        return self.width, self.height


def _jpeg_colour(seg: JpegSegments) -> str:
    if seg.components == 1:
        return "grayscale"
    if seg.components == 4:
        return "ycck" if seg.adobe_transform == 2 else "cmyk"
    if seg.components == 3:
        return "rgb"
    return "other"


def _jfif_dpi(seg: JpegSegments) -> tuple[float, float] | None:
    for payload in seg.app.get(0, []):
        if payload.startswith(b"JFIF\x00") and len(payload) >= 12:
            unit = payload[7]
            xd, yd = struct.unpack(">HH", payload[8:12])
            if unit == 1 and xd > 1 and yd > 1:
                return float(xd), float(yd)
            if unit == 2 and xd > 1 and yd > 1:
                return xd * 2.54, yd * 2.54
    return None


def _jfif_units(seg: JpegSegments) -> bool:
    """Whether a JFIF segment gives its density in inches or centimetres (unit 1 or 2)."""
    return any(p.startswith(b"JFIF") and len(p) >= 8 and p[7] in (1, 2)
               for p in seg.app.get(0, []))


def read_header(data: bytes) -> ImageHeader:
    """Read format, pixel size, colour mode and orientation without decoding pixels.

    Raises
    ------
    NotAssessable
        ``file.format`` when the bytes are not an image photocheck can read,
        ``file.corrupt`` when the header is broken.
    """
    fmt = sniff(data)
    if fmt.kind == "jpeg":
        try:
            seg = parse_jpeg(data)
        except (ValueError, struct.error) as exc:
            raise NotAssessable("file.corrupt", str(exc)) from exc
        exif = next((p for p in seg.app.get(1, []) if p.startswith(b"Exif\x00")), b"")
        # Pillow reads a JPEG's dpi from a JFIF density in inches or cm, else from EXIF:
        # with neither there is nothing to open it for
        dpi = _jfif_dpi(seg) or (_exif_dpi(data) if exif or _jfif_units(seg) else None)
        return ImageHeader(
            format="jpeg",
            width=seg.width,
            height=seg.height,
            colour=_jpeg_colour(seg),
            progressive=seg.sof_marker in _PROGRESSIVE_SOF,
            orientation=exif_orientation(exif) if exif else 1,
            truncated=not seg.has_eoi or not seg.reached_scan,
            jpeg=seg,
            dpi=dpi,
        )
    if not fmt.is_image:
        raise NotAssessable("file.format", f"not an image photocheck can read ({fmt.kind})")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            Image.MAX_IMAGE_PIXELS = None  # we apply our own limit, from the header, below
            with Image.open(io.BytesIO(data)) as im:
                mode, (width, height) = im.mode, im.size
                raw_dpi = im.info.get("dpi")
                orientation = int(im.getexif().get(0x0112, 1) or 1)
    except Exception as exc:  # Pillow raises many types for broken headers
        raise NotAssessable("file.corrupt", f"cannot read the {fmt.kind} header: {exc}") from exc
    colour = {"L": "grayscale", "LA": "grayscale", "1": "grayscale", "I;16": "grayscale",
              "CMYK": "cmyk", "P": "palette", "RGBA": "rgba", "RGB": "rgb"}.get(mode, "other")
    dpi = (float(raw_dpi[0]), float(raw_dpi[1])) if raw_dpi and min(raw_dpi) > 1 else None
    return ImageHeader(format=fmt.kind, width=width, height=height, colour=colour,
                       orientation=orientation if 1 <= orientation <= 8 else 1, dpi=dpi)


def _exif_dpi(data: bytes) -> tuple[float, float] | None:
    try:
        with Image.open(io.BytesIO(data)) as im:
            raw = im.info.get("dpi")
    except Exception:
        return None
    return (float(raw[0]), float(raw[1])) if raw and min(raw) > 1 else None


def apply_orientation(image: np.ndarray, orientation: int) -> np.ndarray:
    """Rotate/flip pixels so that they appear upright, per EXIF orientation 1–8."""
    ops = {
        2: lambda a: cv2.flip(a, 1),
        3: lambda a: cv2.rotate(a, cv2.ROTATE_180),
        4: lambda a: cv2.flip(a, 0),
        5: lambda a: cv2.flip(cv2.rotate(a, cv2.ROTATE_90_CLOCKWISE), 1),
        6: lambda a: cv2.rotate(a, cv2.ROTATE_90_CLOCKWISE),
        7: lambda a: cv2.flip(cv2.rotate(a, cv2.ROTATE_90_COUNTERCLOCKWISE), 1),
        8: lambda a: cv2.rotate(a, cv2.ROTATE_90_COUNTERCLOCKWISE),
    }
    op = ops.get(orientation)
    return op(image) if op else image


@dataclass(frozen=True, slots=True)
class Decoded:
    """Decoded, upright pixels.

    Attributes
    ----------
    bgr : numpy.ndarray
        uint8 ``(H, W, 3)`` BGR, EXIF orientation applied; transparency composited on white.
    scale : float
        Decoded pixels per original (oriented) pixel: 1.0 full size, 0.25 for a 1/4 DCT decode.
    """

    bgr: np.ndarray
    scale: float


def reduction_for(long_side_px: int, target_px: int) -> int:
    """Largest DCT scale-down (1, 2, 4 or 8) that keeps the long side at least ``target_px``."""
    for factor in (8, 4, 2):
        if long_side_px // factor >= target_px:
            return factor
    return 1


_REDUCED_FLAG = {1: cv2.IMREAD_COLOR, 2: cv2.IMREAD_REDUCED_COLOR_2,
                 4: cv2.IMREAD_REDUCED_COLOR_4, 8: cv2.IMREAD_REDUCED_COLOR_8}


def decode(data: bytes, header: ImageHeader, reduction: int = 1) -> Decoded:
    """Decode pixels, JPEG at 1/``reduction`` size by DCT scaling, then apply orientation.

    Raises
    ------
    NotAssessable
        ``file.corrupt`` when the data cannot be decoded.
    """
    buf = np.frombuffer(data, dtype=np.uint8)
    image: np.ndarray | None = None
    if header.format == "jpeg":
        image = _decode_jpeg_turbo(data, reduction)
        if image is None:
            image = cv2.imdecode(buf, _REDUCED_FLAG[reduction] | cv2.IMREAD_IGNORE_ORIENTATION)
    else:
        image = _decode_other(data, reduction)
    if image is None or image.size == 0:
        raise NotAssessable("file.corrupt", f"{header.format} data could not be decoded")
    if image.ndim == 2:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    scale = image.shape[1] / max(1, header.width) if header.width else 1.0 / reduction
    return Decoded(bgr=apply_orientation(image, header.orientation), scale=scale)


def _decode_jpeg_turbo(data: bytes, reduction: int = 1) -> np.ndarray | None:
    """A JPEG at 1/``reduction`` size through libjpeg-turbo's TurboJPEG API (simplejpeg), or
    None.

    The same pixels as ``cv2.imdecode`` with the same DCT scaling (same libjpeg-turbo, same IDCT
    and upsampling; checked bit for bit on baseline, progressive, restart-marker, grey, CMYK and
    4:4:4/4:2:2/4:2:0 files at 1, 1/2, 1/4 and 1/8, and on every JPEG of ``../shared/photos``),
    in less time: libjpeg-turbo writes BGR straight into a numpy array (no RGB pass, huge pages
    on the fresh array): 0.75 of OpenCV's time at full size, 0.73 for the 1/2 decode of a
    12 MP photo. Strict: any libjpeg warning (truncated data, corrupt segments) returns None,
    so such a file takes OpenCV's path and gets exactly the result it got before, as does a
    scaled size other than OpenCV's (ceil of each side / ``reduction``). EXIF orientation is
    not applied (the caller does).
    """
    try:
        if reduction == 1:
            image = simplejpeg.decode_jpeg(data, "BGR", strict=True)
        else:
            height, width = simplejpeg.decode_jpeg_header(data)[:2]
            want = (-(-height // reduction), -(-width // reduction))
            image = simplejpeg.decode_jpeg(data, "BGR", strict=True, min_height=want[0],
                                           min_width=want[1], min_factor=reduction)
            if image.shape[:2] != want:
                return None
    except Exception:  # noqa: BLE001 - any refusal: OpenCV's path decides, as before
        return None
    return image if isinstance(image, np.ndarray) and image.ndim == 3 else None


def _decode_other(data: bytes, reduction: int) -> np.ndarray | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(io.BytesIO(data)) as im:
                im.draft("RGB", (max(1, im.width // reduction), max(1, im.height // reduction)))
                im.seek(0)
                if im.mode in ("RGBA", "LA", "P", "PA"):
                    rgba = im.convert("RGBA")
                    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
                    rgb = Image.alpha_composite(white, rgba).convert("RGB")
                else:
                    rgb = im.convert("RGB")
                if reduction > 1 and rgb.width > im.width // reduction + 1:
                    rgb = rgb.reduce(reduction)
                return cv2.cvtColor(np.asarray(rgb), cv2.COLOR_RGB2BGR)
    except Exception:
        return None


# --- intermediates of a PhotoContext ---------------------------------------------------------


@intermediate
def header(ctx: PhotoContext) -> ImageHeader:
    """The photo's header facts (raises NotAssessable for non-images and broken headers)."""
    return read_header(ctx.data)


def check_decode_limits(ctx: PhotoContext, head: ImageHeader) -> None:
    """Raise ``NotAssessable`` when the header's pixel count exceeds the profile's decode limit
    (or the header gives no size), before any pixel is allocated."""
    limits = ctx.params("decode")
    megapixels = head.width * head.height / 1e6
    if megapixels > limits["max_decode_megapixels"]:
        raise NotAssessable(
            "file.pixels_too_large",
            f"{head.width}×{head.height} px ({megapixels:.0f} MP) exceeds the decode limit",
        )
    if head.width <= 0 or head.height <= 0:
        raise NotAssessable("file.corrupt", "the header gives a zero pixel size")


def reduced_image(ctx: PhotoContext, reduction: int) -> Decoded:
    """The photo decoded at 1/``reduction`` size by DCT scaling, once per photo and reduction
    (memoised as ``decode_1_<reduction>``; 1 is :func:`full_image`)."""
    if reduction == 1:
        return full_image(ctx)
    head = header(ctx)
    check_decode_limits(ctx, head)
    return ctx.memo(f"decode_1_{reduction}", lambda: decode(ctx.data, head, reduction))


def halve(image: Decoded) -> Decoded:
    """Half size by 2×2 area averaging (what a DCT decode one step smaller approximates)."""
    h, w = image.bgr.shape[:2]
    small = cv2.resize(image.bgr, ((w + 1) // 2, (h + 1) // 2), interpolation=cv2.INTER_AREA)
    return Decoded(bgr=small, scale=image.scale * small.shape[1] / max(1, w))


@intermediate
def analysis_image(ctx: PhotoContext) -> Decoded:
    """The photo decoded at reduced size for analysis (long side ≥ the profile's target).

    From 1/2 down, it is the 1/(r/2) DCT decode halved by area averaging: the face crop of the
    quality measures nearly always needs that twice-finer decode (the full decode of a 2 MP
    photo, the 1/2 one of a 12 MP phone photo), and one decode costs less than two (Huffman
    decoding, the bulk of the cost, does not shrink with the DCT scale: a 2 MP photo's 1/2
    decode costs 0.8 of its full one).
    """
    head = header(ctx)
    check_decode_limits(ctx, head)
    target = int(ctx.params("decode")["analysis_long_side_px"])
    factor = reduction_for(max(head.width, head.height), target)
    if factor == 1:
        return full_image(ctx)
    if factor >= 2 and head.format == "jpeg":
        return halve(reduced_image(ctx, factor // 2))
    return reduced_image(ctx, factor)


@intermediate
def full_image(ctx: PhotoContext) -> Decoded:
    """The photo decoded at full resolution (only where a measure needs it)."""
    head = header(ctx)
    check_decode_limits(ctx, head)
    return decode(ctx.data, head, 1)
