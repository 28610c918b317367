"""Metadata facts of a photo: EXIF (exifread), XMP, Photoshop image resources (APP13 8BIM),
JPEG/GIF/PNG comments, quantisation tables and the EXIF thumbnail.

Everything here is parsed defensively: garbage metadata yields fewer facts and a note in
``MetadataFacts.problems``, never an exception. Judging the facts (editor patterns, allow-lists,
date limits) is the job of :mod:`photocheck.checks.metadata`.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import struct
import warnings
from dataclasses import dataclass, field

import cv2
import exifread
import numpy as np
from PIL import Image

from photocheck import decode
from photocheck.context import NotAssessable, PhotoContext, intermediate
from photocheck.measures.jpeg import IJG_LUMA, natural_order

# exifread logs warnings about odd files to stderr; problems are recorded in the facts instead.
logging.getLogger("exifread").setLevel(logging.CRITICAL)

_XMP_SIG = b"http://ns.adobe.com/xap/1.0/\x00"
_CRS_NS = b"http://ns.adobe.com/camera-raw-settings/1.0/"
_IRB_SIG = b"Photoshop 3.0\x00"
_MAX_XMP_BYTES = 4 * 1024 * 1024  # an XMP packet larger than this is not read further
_MAX_TEXT = 200  # characters kept of any one metadata string



@dataclass(frozen=True, slots=True)
class MetadataFacts:
    """What the file says about itself.

    Attributes
    ----------
    container : str
        The format from the magic bytes (``jpeg``, ``png``, ``heic`` …).
    has_exif, has_xmp : bool
        Whether an EXIF block / XMP packet was found.
    make, model : str or None
        EXIF camera maker and model.
    software : tuple of str
        EXIF ``Software`` and ``ProcessingSoftware`` (and PNG ``Software`` text).
    xmp_creator_tools : tuple of str
        XMP ``xmp:CreatorTool`` values.
    xmp_history_agents : tuple of str
        ``stEvt:softwareAgent`` values of the XMP ``xmpMM:History``.
    camera_raw_settings : tuple of str
        Names of Adobe Camera Raw (``crs:``) settings in the XMP (Lightroom / Camera Raw edits).
    irb_resources : tuple of int
        Photoshop image resource ids (8BIM blocks in APP13 ``Photoshop 3.0``).
    irb_writer : str or None
        The writer name of the 8BIM 0x0421 version-info resource (e.g. ``Adobe Photoshop``).
    comments : tuple of str
        JPEG COM segments, GIF/PNG comments.
    datetime_original : datetime or None
        Capture time (EXIF DateTimeOriginal, else XMP exif:DateTimeOriginal /
        photoshop:DateCreated), timezone-aware when an offset is recorded.
    capture_source : str or None
        Where ``datetime_original`` came from (``exif`` or ``xmp``).
    datetime_modified : datetime or None
        EXIF ``DateTime`` (last change of the file by software).
    thumbnail : bytes or None
        The EXIF (IFD1) JPEG thumbnail.
    luma_quant : tuple of int or None
        The first quantisation table (natural order), usually luminance.
    ijg_quality : int or None
        IJG quality 1–100 when the luminance table is exactly the IJG standard table scaled.
    problems : tuple of str
        What could not be parsed (garbage EXIF and the like).
    """

    container: str
    has_exif: bool = False
    has_xmp: bool = False
    make: str | None = None
    model: str | None = None
    software: tuple[str, ...] = ()
    xmp_creator_tools: tuple[str, ...] = ()
    xmp_history_agents: tuple[str, ...] = ()
    camera_raw_settings: tuple[str, ...] = ()
    irb_resources: tuple[int, ...] = ()
    irb_writer: str | None = None
    comments: tuple[str, ...] = ()
    datetime_original: dt.datetime | None = None
    capture_source: str | None = None
    datetime_modified: dt.datetime | None = None
    thumbnail: bytes | None = field(default=None, repr=False)
    luma_quant: tuple[int, ...] | None = field(default=None, repr=False)
    ijg_quality: int | None = None
    problems: tuple[str, ...] = ()

    def software_strings(self) -> list[tuple[str, str]]:
        """Every software-naming string as ``(where, text)``, for editor matching."""
        out = [("EXIF Software", s) for s in self.software]
        out += [("XMP CreatorTool", s) for s in self.xmp_creator_tools]
        out += [("XMP history", s) for s in self.xmp_history_agents]
        out += [("comment", s) for s in self.comments]
        if self.irb_writer:
            out.append(("Photoshop resources", self.irb_writer))
        return out


# --- parsing helpers -------------------------------------------------------------------------


def _text(raw: bytes | str | None) -> str:
    """A clean, bounded string from metadata bytes (UTF-8, else Latin-1; NULs removed)."""
    if raw is None:
        return ""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            raw = raw.decode("latin-1")
    text = "".join(ch for ch in raw if ch.isprintable() or ch == " ").strip()
    return text[:_MAX_TEXT]


_DATE_RE = re.compile(
    r"(\d{4})[:\-/](\d{1,2})[:\-/](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?)?"
    r"\s*(Z|[+\-]\d{2}:?\d{2})?"
)


def parse_offset(text: str | None) -> dt.timezone | None:
    """A UTC offset such as ``+09:00`` / ``-0500`` / ``Z``; None when absent or invalid."""
    if not text:
        return None
    text = text.strip()
    if text == "Z":
        return dt.UTC
    m = re.fullmatch(r"([+\-])(\d{2}):?(\d{2})", text)
    if not m:
        return None
    hours, minutes = int(m.group(2)), int(m.group(3))
    if hours > 14 or minutes >= 60:
        return None
    sign = 1 if m.group(1) == "+" else -1
    return dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))


def parse_datetime(text: str | None, offset: str | None = None) -> dt.datetime | None:
    """An EXIF/XMP date-time (``2019:06:09 12:57:32``, ISO 8601 …); None when invalid.

    ``offset`` (EXIF OffsetTime*) makes it timezone-aware; an offset inside ``text`` too.
    Zero dates (``0000:00:00 00:00:00``), written by cameras whose clock was never set, are None.
    """
    if not text:
        return None
    m = _DATE_RE.search(text.strip())
    if not m:
        return None
    year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
    hour, minute, second = (int(m.group(i)) if m.group(i) else 0 for i in (4, 5, 6))
    try:
        value = dt.datetime(year, month, day, hour, minute, min(second, 59))
    except ValueError:
        return None
    if year < 1900:
        return None
    tz = parse_offset(m.group(7)) or parse_offset(offset)
    return value.replace(tzinfo=tz) if tz else value


def _xmp_values(xmp: bytes, name: bytes) -> list[str]:
    """Values of a property, as attribute (``x:Name="v"``) or element (``<x:Name>v<``)."""
    attr = rb"(?:\w+:)?" + name + rb"""\s*=\s*(?:"([^"]*)"|'([^']*)')"""
    out = [m.group(1) or m.group(2) or b"" for m in re.finditer(attr, xmp)]
    for m in re.finditer(rb"<(?:\w+:)?" + name + rb">(.*?)</(?:\w+:)?" + name + rb">", xmp,
                         re.DOTALL):
        inner = m.group(1)
        items = re.findall(rb"<rdf:li[^>]*>([^<]*)</rdf:li>", inner) or [inner]
        out.extend(items)
    return [t for t in (_text(v) for v in out) if t]


def parse_xmp(xmp: bytes) -> dict[str, object]:
    """Facts from an XMP packet, by pattern (no XML parser: packets are often malformed).

    Returns
    -------
    dict
        ``creator_tools``, ``history_agents``, ``camera_raw`` (names of crs: settings),
        ``date_original`` (str or None).
    """
    xmp = xmp[:_MAX_XMP_BYTES]
    crs: list[str] = []
    for m in re.finditer(rb'xmlns:(\w+)\s*=\s*"' + re.escape(_CRS_NS) + b'"', xmp):
        prefix = re.escape(m.group(1))
        names = re.findall(rb"<" + prefix + rb":(\w+)|\b" + prefix + rb":(\w+)\s*=", xmp)
        crs.extend(_text(a or b) for a, b in names)
    dates = _xmp_values(xmp, b"DateTimeOriginal") or _xmp_values(xmp, b"DateCreated")
    return {
        "creator_tools": _xmp_values(xmp, b"CreatorTool"),
        "history_agents": _xmp_values(xmp, b"softwareAgent"),
        "camera_raw": sorted(set(crs)),
        "date_original": dates[0] if dates else None,
    }


def parse_irb(payload: bytes) -> tuple[list[int], str | None]:
    """Photoshop image resource ids and the 0x0421 writer name from an APP13 payload.

    Parameters
    ----------
    payload : bytes
        APP13 data after the ``Photoshop 3.0\\0`` signature (segments concatenated).
    """
    ids: list[int] = []
    writer: str | None = None
    pos, n = 0, len(payload)
    while pos + 12 <= n and len(ids) < 10000:
        if payload[pos : pos + 4] not in (b"8BIM", b"MeSa", b"PHUT", b"AgHg", b"DCSR"):
            break
        rid = struct.unpack(">H", payload[pos + 4 : pos + 6])[0]
        name_len = payload[pos + 6] + 1
        name_len += name_len % 2  # Pascal string padded to even length
        size_pos = pos + 6 + name_len
        if size_pos + 4 > n:
            break
        size = struct.unpack(">I", payload[size_pos : size_pos + 4])[0]
        body = payload[size_pos + 4 : size_pos + 4 + size]
        ids.append(rid)
        if rid == 0x0421 and len(body) >= 9:
            count = struct.unpack(">I", body[5:9])[0]
            raw = body[9 : 9 + 2 * min(count, 256)]
            writer = _text(raw.decode("utf-16-be", errors="replace")) or None
        pos = size_pos + 4 + size + (size % 2)
    return ids, writer


def _ijg_tables() -> np.ndarray:
    """The standard luminance table as libjpeg scales it for each quality: row ``q - 1`` for
    quality ``q`` (1–100), natural order."""
    quality = np.arange(1, 101)
    scale = np.where(quality < 50, 5000 // quality, 200 - 2 * quality)
    tables = np.clip((IJG_LUMA[None, :] * scale[:, None] + 50) // 100, 1, 255)
    tables.flags.writeable = False
    return tables


_IJG_TABLES = _ijg_tables()


def ijg_quality(luma_natural: np.ndarray) -> int | None:
    """The IJG quality (1–100) whose scaled standard table equals this one exactly (the highest
    when several do), else None."""
    table = np.asarray(luma_natural)
    if table.shape != (64,):
        return None
    # all 100 tables at once: a phone's own table matches none, and testing them one by one
    # cost 100 small numpy calls holding the GIL
    matches = np.flatnonzero((table == _IJG_TABLES).all(axis=1))
    return int(matches[-1]) + 1 if matches.size else None


def _exif_tags(data: bytes, problems: list[str]) -> dict[str, object]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return dict(exifread.process_file(io.BytesIO(data), details=False))
    except Exception as exc:  # exifread raises many types on garbage; never ours to crash on
        problems.append(f"EXIF could not be parsed: {type(exc).__name__}")
        return {}


def _tag(tags: dict[str, object], name: str) -> str:
    value = tags.get(name)
    if value is None:
        return ""
    try:
        return _text(str(value))
    except Exception:
        return ""


def _pillow_info(data: bytes, problems: list[str]) -> tuple[list[str], list[str], bytes]:
    """Comments, software text and XMP of non-JPEG formats via Pillow (header only)."""
    comments: list[str] = []
    software: list[str] = []
    xmp = b""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(io.BytesIO(data)) as im:
                info = dict(im.info)
    except Exception:
        problems.append("container metadata could not be read")
        return comments, software, xmp
    for key, value in info.items():
        low = str(key).lower()
        if low == "comment":
            comments.append(_text(value if isinstance(value, bytes | str) else str(value)))
        elif low == "software":
            software.append(_text(str(value)))
        elif low in ("xmp", "xml:com.adobe.xmp"):
            xmp = value.encode("utf-8", "replace") if isinstance(value, str) else bytes(value)
    return [c for c in comments if c], [s for s in software if s], xmp


def parse_metadata(data: bytes, jpeg: decode.JpegSegments | None = None) -> MetadataFacts:
    """Parse every metadata source of a file; never raises for malformed metadata.

    Parameters
    ----------
    data : bytes
        The file.
    jpeg : JpegSegments, optional
        Already parsed JPEG segments (from the header), to avoid walking them twice.

    Returns
    -------
    MetadataFacts
    """
    kind = decode.sniff(data).kind
    problems: list[str] = []
    if kind == "jpeg" and jpeg is None:
        try:
            jpeg = decode.parse_jpeg(data)
        except (ValueError, struct.error):
            problems.append("JPEG segments could not be parsed")
    if jpeg is not None:
        own = _jpeg_segment_facts(jpeg, problems)
    elif kind in ("png", "gif", "webp", "tiff", "bmp", "avif"):
        comments, software, xmp = _pillow_info(data, problems)
        own = _ContainerFacts(comments=comments, software=software, xmp=xmp)
    else:
        own = _ContainerFacts()

    tags = _exif_tags(data, problems) if kind not in ("gif", "bmp") else {}
    has_exif = any(k.startswith(("Image ", "EXIF ")) for k in tags)
    software = own.software
    for name in ("Image Software", "Image ProcessingSoftware"):
        value = _tag(tags, name)
        if value:
            software.append(value)
    xmp_facts = parse_xmp(own.xmp) if own.xmp else {}
    original, source, modified = _capture_dates(tags, xmp_facts)
    thumb = tags.get("JPEGThumbnail")
    make, model = _tag(tags, "Image Make"), _tag(tags, "Image Model")
    return MetadataFacts(
        container=kind,
        has_exif=has_exif,
        has_xmp=bool(own.xmp),
        make=make or None,
        model=model or None,
        software=tuple(dict.fromkeys(software)),
        xmp_creator_tools=tuple(dict.fromkeys(xmp_facts.get("creator_tools", []))),  # type: ignore[arg-type]
        xmp_history_agents=tuple(dict.fromkeys(xmp_facts.get("history_agents", []))),  # type: ignore[arg-type]
        camera_raw_settings=tuple(xmp_facts.get("camera_raw", [])),  # type: ignore[arg-type]
        irb_resources=tuple(own.irb_ids),
        irb_writer=own.writer,
        comments=tuple(dict.fromkeys(own.comments)),
        datetime_original=original,
        capture_source=source,
        datetime_modified=modified,
        thumbnail=thumb if isinstance(thumb, bytes) and len(thumb) > 100 else None,
        luma_quant=own.luma,
        ijg_quality=own.quality,
        problems=tuple(problems),
    )


@dataclass
class _ContainerFacts:
    """What the container's own segments or chunks say (EXIF aside)."""

    comments: list[str] = field(default_factory=list)
    software: list[str] = field(default_factory=list)
    xmp: bytes = b""
    irb_ids: list[int] = field(default_factory=list)
    writer: str | None = None
    luma: tuple[int, ...] | None = None  # luma quantisation table, natural order
    quality: int | None = None  # IJG quality of that table


def _jpeg_segment_facts(jpeg: decode.JpegSegments, problems: list[str]) -> _ContainerFacts:
    """Comments, XMP, Photoshop resources and the luma quantisation table of a JPEG."""
    own = _ContainerFacts(comments=[c for c in (_text(c) for c in jpeg.comments) if c])
    own.xmp = b"".join(p[len(_XMP_SIG):] for p in jpeg.app.get(1, []) if p.startswith(_XMP_SIG))
    irb = b"".join(p[len(_IRB_SIG):] for p in jpeg.app.get(13, []) if p.startswith(_IRB_SIG))
    if irb:
        try:
            own.irb_ids, own.writer = parse_irb(irb)
        except (struct.error, IndexError):
            problems.append("Photoshop resources could not be parsed")
    table = jpeg.quant_tables.get(0)
    if table is not None and len(table) == 64:
        natural = natural_order(table)
        own.luma = tuple(int(v) for v in natural)
        own.quality = ijg_quality(natural)
    return own


def _capture_dates(tags: dict[str, object], xmp_facts: dict[str, object]
                   ) -> tuple[dt.datetime | None, str | None, dt.datetime | None]:
    """(capture date, where it came from: ``exif`` or ``xmp``, last modification date)."""
    original = parse_datetime(_tag(tags, "EXIF DateTimeOriginal"),
                              _tag(tags, "EXIF OffsetTimeOriginal"))
    modified = parse_datetime(_tag(tags, "Image DateTime"), _tag(tags, "EXIF OffsetTime"))
    source = "exif" if original else None
    if original is None and xmp_facts.get("date_original"):
        original = parse_datetime(str(xmp_facts["date_original"]))
        source = "xmp" if original else None
    return original, source, modified


@intermediate
def metadata_facts(ctx: PhotoContext) -> MetadataFacts:
    """The photo's metadata facts, parsed once per photo.

    Raises
    ------
    NotAssessable
        ``file.format`` when the bytes are not an image (HTML, text, empty …).
    """
    kind = decode.sniff(ctx.data).kind
    if kind in ("empty", "html", "xml", "text", "pdf", "unknown"):
        raise NotAssessable("file.format", f"no image metadata in a {kind} file")
    jpeg = None
    if kind == "jpeg":
        try:
            jpeg = decode.header(ctx).jpeg
        except NotAssessable:
            jpeg = None  # a broken frame header: still read what metadata there is
    return parse_metadata(ctx.data, jpeg)


def decode_thumbnail(thumb: bytes, orientation: int) -> np.ndarray | None:
    """The EXIF thumbnail as upright grayscale pixels (main image orientation applied)."""
    try:
        image = cv2.imdecode(np.frombuffer(thumb, dtype=np.uint8),
                             cv2.IMREAD_GRAYSCALE | cv2.IMREAD_IGNORE_ORIENTATION)
    except cv2.error:
        return None
    if image is None or image.size == 0 or min(image.shape[:2]) < 8:
        return None
    return decode.apply_orientation(image, orientation)
