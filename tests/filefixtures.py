"""Synthetic files for the file and metadata tests, made at test time (no binary blobs).

Every builder returns bytes; JPEG segments are spliced in right after SOI so that the result is
a valid JPEG that Pillow and OpenCV decode.
"""

from __future__ import annotations

import datetime as dt
import io
import struct
from pathlib import Path

import numpy as np
import piexif
from PIL import Image

from photocheck.checks import CHECKS
from tests.helpers import make_jpeg

HEIC_HEADER = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00\x00\x01\x00meta" + bytes(
    240
)
AVIF_HEADER = b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf" + bytes(64)
HTML = b"<!DOCTYPE html>\n<html><head><title>404</title></head><body>Not found</body></html>\n"


def segment(marker: int, payload: bytes) -> bytes:
    """One JPEG marker segment (``FF marker`` + big-endian length + payload)."""
    assert len(payload) <= 65533
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def insert_segments(jpeg: bytes, *segments: bytes) -> bytes:
    """Insert segments right after SOI."""
    assert jpeg[:2] == b"\xff\xd8"
    return jpeg[:2] + b"".join(segments) + jpeg[2:]


def pad_to(jpeg: bytes, total_bytes: int) -> bytes:
    """Grow a JPEG to exactly ``total_bytes`` with COM segments (pixels unchanged)."""
    missing = total_bytes - len(jpeg)
    assert missing >= 4 or missing == 0
    segs: list[bytes] = []
    while missing > 0:
        take = min(missing, 65537)
        if missing - take in (1, 2, 3):  # keep the remainder large enough for a segment
            take -= 4
        segs.append(segment(0xFE, b"\x00" * (take - 4)))
        missing -= take
    return insert_segments(jpeg, *segs)


def forge_size(jpeg: bytes, width: int, height: int) -> bytes:
    """Rewrite the SOF frame header to claim another pixel size (a "decompression bomb")."""
    pos = 2
    while True:
        marker = jpeg[pos + 1]
        length = struct.unpack(">H", jpeg[pos + 2 : pos + 4])[0]
        if marker in (0xC0, 0xC2):
            head = jpeg[: pos + 5] + struct.pack(">HH", height, width)
            return head + jpeg[pos + 9 :]
        pos += 2 + length


def xmp_segment(body: str) -> bytes:
    """An APP1 XMP packet holding ``body`` inside rdf:Description."""
    packet = (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        f"{body}</rdf:RDF></x:xmpmeta><?xpacket end=\"w\"?>"
    )
    return segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00" + packet.encode("utf-8"))


def irb_segment(*resources: tuple[int, bytes]) -> bytes:
    """An APP13 ``Photoshop 3.0`` segment with 8BIM image resources (id, data)."""
    body = b""
    for rid, data in resources:
        body += b"8BIM" + struct.pack(">H", rid) + b"\x00\x00" + struct.pack(">I", len(data))
        body += data + (b"\x00" if len(data) % 2 else b"")
    return segment(0xED, b"Photoshop 3.0\x00" + body)


def version_info(writer: str) -> bytes:
    """8BIM 0x0421 payload: version, has-merged flag, writer and reader (UTF-16BE)."""
    w = writer.encode("utf-16-be")
    return struct.pack(">IB", 1, 1) + struct.pack(">I", len(writer)) + w + struct.pack(
        ">I", len(writer)) + w + struct.pack(">I", 1)


def exif_date(value: dt.datetime) -> bytes:
    """EXIF date-time text."""
    return value.strftime("%Y:%m:%d %H:%M:%S").encode()


def with_exif(
    jpeg: bytes,
    *,
    software: str | None = None,
    original: dt.datetime | None = None,
    modified: dt.datetime | None = None,
    offset: str | None = None,
    orientation: int | None = None,
    thumbnail: bytes | None = None,
) -> bytes:
    """The JPEG with an EXIF block built by piexif."""
    zeroth: dict[int, object] = {piexif.ImageIFD.Make: b"Canon", piexif.ImageIFD.Model: b"EOS"}
    exif: dict[int, object] = {}
    if software is not None:
        zeroth[piexif.ImageIFD.Software] = software.encode()
    if modified is not None:
        zeroth[piexif.ImageIFD.DateTime] = exif_date(modified)
    if orientation is not None:
        zeroth[piexif.ImageIFD.Orientation] = orientation
    if original is not None:
        exif[piexif.ExifIFD.DateTimeOriginal] = exif_date(original)
    if offset is not None:
        exif[piexif.ExifIFD.OffsetTimeOriginal] = offset.encode()
    blob: dict[str, object] = {"0th": zeroth, "Exif": exif}
    if thumbnail is not None:
        blob["1st"] = {piexif.ImageIFD.JPEGInterchangeFormat: 0,
                       piexif.ImageIFD.JPEGInterchangeFormatLength: 0}
        blob["thumbnail"] = thumbnail
    return insert_segments(jpeg, segment(0xE1, piexif.dump(blob)))


def scene(width: int = 800, height: int = 600, seed: int = 0) -> np.ndarray:
    """An RGB test scene with large shapes (so thumbnails of it are recognisable)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width]
    img = np.zeros((height, width, 3), np.uint8)
    img[..., 0] = (xx * 255 // max(1, width - 1)).astype(np.uint8)
    img[..., 1] = (yy * 255 // max(1, height - 1)).astype(np.uint8)
    img[..., 2] = 90
    cx, cy = rng.integers(width // 4, 3 * width // 4), rng.integers(height // 4, 3 * height // 4)
    img[(xx - cx) ** 2 + (yy - cy) ** 2 < (min(width, height) // 5) ** 2] = (250, 250, 250)
    img[: height // 6, : width // 6] = (200, 30, 30)  # red block at the top-left corner
    return img


def encode(rgb: np.ndarray, fmt: str = "JPEG", **kwargs: object) -> bytes:
    """Encode an RGB array with Pillow."""
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, fmt, **kwargs)
    return buf.getvalue()


def thumb_of(rgb: np.ndarray, size: tuple[int, int] = (160, 120)) -> bytes:
    """A JPEG thumbnail of an RGB array."""
    im = Image.fromarray(rgb)
    im.thumbnail(size)
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=80)
    return buf.getvalue()


def good_jpeg(width: int = 800, height: int = 1000) -> bytes:
    """A compliant-size RGB JPEG (≥ 20 KB, ≥ 480 px)."""
    return make_jpeg(width, height, quality=90)


def file_metadata_profile(tmp_path: Path, name: str = "fm", **overrides: str) -> str:
    """A profile TOML extending ``online`` with every check but file and metadata disabled.

    Built from the registry so that checks added later are disabled too (keeps tests fast
    and free of models).
    """
    keep = {"file", "metadata"}
    lines = ['extends = "online"', f'name = "{name}"']
    for check in CHECKS:
        if check.name not in keep:
            lines += ["", f"[{check.name}]", "enabled = false"]
    for section, text in overrides.items():
        lines += ["", f"[{section}]", text]
    path = tmp_path / f"{name}.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)
