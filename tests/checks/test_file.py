"""The file check: format, byte size, pixel size, colour mode and integrity (J-LIS upload
rules), on fixtures generated at test time."""

from __future__ import annotations

import datetime as dt
import struct
from pathlib import Path

import numpy as np
import pytest

from photocheck import decode
from photocheck.checks import file as file_check
from photocheck.context import PhotoContext
from photocheck.profiles import load_profile
from photocheck.report import Finding, Status
from photocheck.validator import Validator
from tests.filefixtures import (
    AVIF_HEADER,
    HEIC_HEADER,
    HTML,
    encode,
    file_metadata_profile,
    forge_size,
    pad_to,
    scene,
)
from tests.helpers import make_jpeg

KB, MB = 1024, 1024 * 1024


def run(data: bytes, profile: str = "online") -> dict[str, Finding]:
    prof = load_profile(profile)
    ctx = PhotoContext(data=data, source="t", profile=prof, applied_on=dt.date(2026, 1, 1))
    return {f.code: f for f in file_check.run(ctx, prof.section("file"))}


def status(found: dict[str, Finding]) -> dict[str, str]:
    return {code: str(f.status) for code, f in found.items()}


def test_compliant_jpeg_passes_every_rule() -> None:
    got = run(make_jpeg(800, 1000))
    assert set(got) == set(file_check.CODES)
    assert all(f.status == Status.PASS for f in got.values())
    assert got["file.format"].measured == "jpeg"
    assert got["file.pixels_too_small"].measured == 800
    assert got["file.pixels_too_large"].measured == 1000


def test_progressive_jpeg_is_accepted() -> None:
    got = run(make_jpeg(800, 1000, progressive=True))
    assert got["file.format"].status == Status.PASS
    assert got["file.corrupt"].status == Status.PASS


@pytest.mark.parametrize(
    ("data", "measured"),
    [
        (encode(scene(600, 600), "PNG"), "png"),
        (encode(scene(600, 600), "WEBP", quality=90), "webp"),
        (encode(scene(600, 600), "GIF"), "gif"),
        (encode(scene(600, 600), "TIFF"), "tiff"),
        (encode(scene(600, 600), "BMP"), "bmp"),
        (HEIC_HEADER, "heic"),
        (AVIF_HEADER, "avif"),
        (HTML, "html"),
        (b"", "empty"),
        (b"%PDF-1.4\n", "pdf"),
    ],
)
def test_non_jpeg_fails_format_and_names_it(data: bytes, measured: str) -> None:
    got = run(data)
    assert got["file.format"].status == Status.FAIL
    assert got["file.format"].measured == measured
    assert got["file.format"].threshold == {"accepted": ["jpeg"]}


def _ispe(width: int, height: int) -> bytes:
    return struct.pack(">I", 20) + b"ispe" + bytes(4) + struct.pack(">II", width, height)


def test_heic_pixel_size_is_read_from_its_ispe_boxes() -> None:
    # a phone HEIC: 512×512 tiles and the 4032×3024 grid that is the photo
    data = HEIC_HEADER + _ispe(512, 512) + _ispe(4032, 3024) + _ispe(320, 240)
    assert file_check.heif_pixel_size(data) == (4032, 3024)
    got = run(data)
    assert got["file.format"].measured == "heic"
    assert got["file.pixels_too_small"].measured == 3024
    assert got["file.pixels_too_large"].status == Status.PASS
    assert got["file.colour_mode"].status == Status.NOT_ASSESSED
    assert got["file.colour_mode"].cause == "file.format"
    assert run(HEIC_HEADER + _ispe(128, 128))["file.pixels_too_small"].status == Status.FAIL
    assert file_check.heif_pixel_size(HEIC_HEADER) is None


def test_png_named_jpg_is_judged_by_its_bytes(tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    path.write_bytes(encode(scene(600, 800), "PNG"))
    report = Validator(file_metadata_profile(tmp_path)).check(path)
    assert report.status_of("file.format") == Status.FAIL
    assert report.by_code("file.format").measured == "png"


def test_html_and_empty_file_cannot_be_measured_further() -> None:
    for data in (HTML, b""):
        got = run(data)
        assert got["file.bytes_too_small"].status == Status.FAIL
        assert got["file.pixels_too_small"].status == Status.NOT_ASSESSED
        assert got["file.pixels_too_small"].cause == "file.format"
        assert got["file.corrupt"].status == Status.NOT_ASSESSED


def test_byte_limits_19_kb_and_7_1_mb() -> None:
    base = make_jpeg(600, 600, noise=False)
    small = pad_to(base, 19 * KB)
    large = pad_to(make_jpeg(600, 600), int(7.1 * MB))
    assert len(small) == 19 * KB and len(large) == int(7.1 * MB)
    got = run(small)
    assert got["file.bytes_too_small"].status == Status.FAIL
    assert got["file.bytes_too_small"].measured == 19 * KB
    assert got["file.bytes_too_small"].threshold == {"min": 20 * KB}
    assert got["file.bytes_too_large"].status == Status.PASS
    got = run(large)
    assert got["file.bytes_too_large"].status == Status.FAIL
    assert got["file.bytes_too_large"].threshold == {"max": 7 * MB}
    assert got["file.bytes_too_small"].status == Status.PASS
    # exactly at the limits passes
    assert run(pad_to(base, 20 * KB))["file.bytes_too_small"].status == Status.PASS
    assert run(pad_to(base, 7 * MB))["file.bytes_too_large"].status == Status.PASS


def test_pixel_limits_479_and_6001() -> None:
    got = run(make_jpeg(479, 700))
    assert got["file.pixels_too_small"].status == Status.FAIL
    assert got["file.pixels_too_small"].measured == 479
    assert run(make_jpeg(480, 700))["file.pixels_too_small"].status == Status.PASS
    got = run(make_jpeg(6001, 480, noise=False))
    assert got["file.pixels_too_large"].status == Status.FAIL
    assert got["file.pixels_too_large"].measured == 6001
    assert run(make_jpeg(6000, 480, noise=False))["file.pixels_too_large"].status == Status.PASS


def test_forged_280_megapixel_header_is_refused_without_decoding(monkeypatch) -> None:
    data = forge_size(make_jpeg(600, 600), 20000, 14000)

    def no_decode(*args, **kwargs):  # pragma: no cover - must not be reached
        raise AssertionError("tried to decode a 280 MP image")

    monkeypatch.setattr(decode, "decode", no_decode)
    got = run(data)
    assert got["file.pixels_too_large"].status == Status.FAIL
    assert got["file.pixels_too_large"].measured == 20000
    assert got["file.corrupt"].status == Status.NOT_ASSESSED
    assert got["file.corrupt"].cause == "file.pixels_too_large"


def test_colour_modes() -> None:
    assert run(make_jpeg(600, 600))["file.colour_mode"].status == Status.PASS
    gray = run(make_jpeg(600, 600, mode="L"))["file.colour_mode"]
    assert (gray.status, gray.measured) == (Status.WARN, "grayscale")
    cmyk = run(make_jpeg(600, 600, mode="CMYK"))["file.colour_mode"]
    assert cmyk.status == Status.FAIL and cmyk.measured in ("cmyk", "ycck")


def test_black_and_white_photo_stored_as_rgb_passes() -> None:
    bw = make_jpeg(600, 600, mode="L")
    from io import BytesIO

    from PIL import Image

    rgb = BytesIO()
    Image.open(BytesIO(bw)).convert("RGB").save(rgb, "JPEG", quality=90)
    got = run(rgb.getvalue())
    assert (got["file.colour_mode"].status, got["file.colour_mode"].measured) == (
        Status.PASS, "rgb")


def test_truncated_jpeg_is_corrupt() -> None:
    data = make_jpeg(800, 1000)
    got = run(data[: len(data) * 2 // 3])
    assert got["file.corrupt"].status == Status.FAIL
    assert "truncated" in got["file.corrupt"].measured
    assert got["file.format"].status == Status.PASS  # still a JPEG


def test_truncated_png_is_corrupt() -> None:
    noisy = np.random.default_rng(0).integers(0, 256, (600, 600, 3), dtype=np.uint8)
    data = encode(noisy, "PNG")
    for profile in ("online", "mail"):
        got = run(data[: len(data) // 2], profile)
        assert got["file.corrupt"].status == Status.FAIL
        assert "truncated" in got["file.corrupt"].measured


def test_broken_header_is_corrupt() -> None:
    got = run(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + bytes(50))
    assert got["file.corrupt"].status == Status.FAIL
    assert got["file.pixels_too_small"].status == Status.NOT_ASSESSED
    corrupt_png = encode(scene(600, 600), "PNG")
    corrupt_png = corrupt_png[:8] + b"\x00\x00\x00\x20" + corrupt_png[12:]  # bad IHDR length
    got = run(corrupt_png)
    assert got["file.corrupt"].status == Status.FAIL
    assert "0x" not in got["file.corrupt"].measured  # no object addresses in messages


def test_mail_profile_accepts_any_decodable_image_and_skips_size_rules() -> None:
    got = run(encode(scene(300, 200), "PNG"), "mail")
    assert set(got) == {"file.format", "file.corrupt"}
    assert status(got) == {"file.format": "pass", "file.corrupt": "pass"}
    got = run(HEIC_HEADER, "mail")  # cannot be decoded here
    assert got["file.format"].status == Status.FAIL
    data = make_jpeg(800, 1000)
    assert run(data[: len(data) // 2], "mail")["file.corrupt"].status == Status.FAIL


def test_messages_carry_the_numbers() -> None:
    got = run(make_jpeg(479, 700))
    assert "479" in got["file.pixels_too_small"].message["en"]
    assert "480" in got["file.pixels_too_small"].message["ja"]
