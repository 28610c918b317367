"""Sniffing, header parsing, scan walking and orientation in photocheck.decode."""

from __future__ import annotations

import io
import struct

import cv2
import numpy as np
import pytest

from photocheck import decode
from photocheck.context import NotAssessable, PhotoContext
from photocheck.profiles import load_profile
from tests.filefixtures import (
    AVIF_HEADER,
    HEIC_HEADER,
    HTML,
    encode,
    forge_size,
    pad_to,
    scene,
    segment,
    with_exif,
)
from tests.helpers import make_jpeg


def _other(fmt: str, **kwargs: object) -> bytes:
    return encode(scene(64, 48), fmt, **kwargs)


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (make_jpeg(64, 48), "jpeg"),
        (make_jpeg(64, 48, progressive=True), "jpeg"),
        (_other("PNG"), "png"),
        (_other("GIF"), "gif"),
        (_other("WEBP"), "webp"),
        (_other("TIFF"), "tiff"),
        (_other("BMP"), "bmp"),
        (HEIC_HEADER, "heic"),
        (b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1miaf" + bytes(32), "heif"),
        (AVIF_HEADER, "avif"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "pdf"),
        (HTML, "html"),
        (b"  <html><body>404</body></html>", "html"),
        (b'<?xml version="1.0"?><svg/>', "xml"),
        (b"test\n", "text"),
        (b"", "empty"),
        (bytes(range(256)) * 2, "unknown"),
    ],
)
def test_sniff_names_every_format_from_magic_bytes(data: bytes, kind: str) -> None:
    assert decode.sniff(data).kind == kind


def test_sniff_ignores_names_png_bytes_are_png() -> None:
    # Nothing in decode sees a file name; bytes decide.
    assert decode.sniff(_other("PNG")).kind == "png"


def test_read_header_jpeg_facts() -> None:
    data = make_jpeg(640, 480, progressive=True)
    head = decode.read_header(data)
    assert (head.format, head.width, head.height, head.colour) == ("jpeg", 640, 480, "rgb")
    assert head.progressive is True
    assert head.truncated is False
    assert head.jpeg is not None and head.jpeg.scans > 1  # progressive: several scans


def test_read_header_colour_modes() -> None:
    assert decode.read_header(make_jpeg(64, 64, mode="L")).colour == "grayscale"
    assert decode.read_header(make_jpeg(64, 64, mode="CMYK")).colour in ("cmyk", "ycck")
    assert decode.read_header(_other("PNG")).colour == "rgb"


def test_read_header_refuses_non_images() -> None:
    for data in (HTML, b"", HEIC_HEADER):
        with pytest.raises(NotAssessable) as err:
            decode.read_header(data)
        assert err.value.cause == "file.format"


def test_read_header_broken_jpeg_is_corrupt() -> None:
    with pytest.raises(NotAssessable) as err:
        decode.read_header(b"\xff\xd8\xff\xe1\x00\x10Exif\x00\x00garbage!")
    assert err.value.cause == "file.corrupt"


def test_forged_280_megapixel_header_is_read_not_decoded() -> None:
    data = forge_size(make_jpeg(64, 64), 20000, 14000)
    head = decode.read_header(data)
    assert (head.width, head.height) == (20000, 14000)


def test_truncated_jpeg_has_no_eoi() -> None:
    data = make_jpeg(300, 300)
    assert decode.read_header(data).truncated is False
    assert decode.read_header(data[: len(data) // 2]).truncated is True
    assert decode.read_header(data[:-2]).truncated is True


def test_bytes_after_eoi_do_not_make_a_jpeg_truncated() -> None:
    # Phone "motion photos" append a video after EOI; the old tail test called them truncated.
    data = make_jpeg(200, 200) + b"\x00\x00\x00\x18ftypmp42" + bytes(5000)
    seg = decode.parse_jpeg(data)
    assert seg.has_eoi is True
    assert decode.read_header(data).truncated is False


def test_progressive_scans_are_walked_past_their_tables() -> None:
    data = make_jpeg(400, 300, progressive=True)
    seg = decode.parse_jpeg(data)
    assert seg.has_eoi and seg.bad_marker is None and seg.scans >= 2
    # the same file with comments and padding still reads the same
    assert decode.parse_jpeg(pad_to(data, len(data) + 3000)).scans == seg.scans


def test_foreign_marker_inside_image_data_is_reported() -> None:
    data = make_jpeg(200, 200)
    cut = len(data) // 2
    broken = data[:cut] + b"\xff\xd8" + data[cut:]  # an SOI in the middle of the scan
    assert decode.parse_jpeg(broken).bad_marker == 0xD8


def test_exif_orientation_6_is_applied_on_decode() -> None:
    rgb = scene(600, 400)  # red block at the stored top-left
    data = with_exif(encode(rgb, quality=95), orientation=6)
    head = decode.read_header(data)
    assert head.orientation == 6
    assert head.oriented_size == (400, 600)
    out = decode.decode(data, head).bgr
    assert out.shape == (600, 400, 3)
    # rotated 90° clockwise: the stored top-left corner is now at the top-right
    top_right = out[:40, -40:].reshape(-1, 3).mean(axis=0)
    top_left = out[:40, :40].reshape(-1, 3).mean(axis=0)
    assert top_right[2] > 150 and top_right[1] < 80  # red (BGR)
    assert top_left[2] < 150


def test_apply_orientation_exact_on_tiny_array() -> None:
    a = np.arange(6, dtype=np.uint8).reshape(2, 3)
    assert decode.apply_orientation(a, 1).tolist() == [[0, 1, 2], [3, 4, 5]]
    assert decode.apply_orientation(a, 6).tolist() == [[3, 0], [4, 1], [5, 2]]
    assert decode.apply_orientation(a, 8).tolist() == [[2, 5], [1, 4], [0, 3]]
    assert decode.apply_orientation(a, 3).tolist() == [[5, 4, 3], [2, 1, 0]]


def test_exif_orientation_parser_survives_garbage() -> None:
    assert decode.exif_orientation(b"Exif\x00\x00II*\x00\xff\xff\xff\xff") == 1
    assert decode.exif_orientation(b"") == 1


def test_analysis_image_refuses_huge_header_before_decoding(monkeypatch) -> None:
    ctx = PhotoContext(data=forge_size(make_jpeg(64, 64), 20000, 14000), source="bomb.jpg",
                       profile=load_profile("online"))

    def no_decode(*args, **kwargs):  # pragma: no cover - must not be reached
        raise AssertionError("decoded a 280 MP image")

    monkeypatch.setattr(decode, "decode", no_decode)
    with pytest.raises(NotAssessable) as err:
        decode.analysis_image(ctx)
    assert err.value.cause == "file.pixels_too_large"


def test_segment_helper_builds_valid_jpeg() -> None:
    data = make_jpeg(64, 64)
    spliced = data[:2] + segment(0xFE, b"hello") + data[2:]
    assert decode.parse_jpeg(spliced).comments == (b"hello",)


def _smooth_jpeg(width: int, height: int) -> bytes:
    import cv2

    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    bgr = np.stack([xx / width * 200 + 20, yy / height * 200 + 20,
                    (xx + yy) / (width + height) * 150 + 50], axis=2).astype(np.uint8)
    ok, buf = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, 95])
    assert ok
    return buf.tobytes()


def test_large_photo_analysis_is_the_half_decode_halved_and_shared() -> None:
    import cv2

    data = _smooth_jpeg(2600, 1950)  # long side 2600: 1/4 for a 640-px analysis target
    ctx = PhotoContext(data=data, source="big.jpg", profile=load_profile("online"))
    analysis = decode.analysis_image(ctx)
    assert analysis.bgr.shape == (488, 650, 3)  # ceil(1950 / 4), ceil(2600 / 4)
    assert analysis.scale == pytest.approx(0.25)
    half = decode.reduced_image(ctx, 2)
    assert half.bgr.shape == (975, 1300, 3)
    assert ctx.has("decode_1_2")  # decoded once, while making the analysis image
    assert decode.reduced_image(ctx, 2) is half
    # within a grey level of the 1/4 DCT decode it replaces
    dct = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_REDUCED_COLOR_4)
    diff = np.abs(dct.astype(np.int16) - analysis.bgr.astype(np.int16))
    assert diff.mean() < 1.0 and diff.max() <= 6


def test_halve_exact_on_tiny_array() -> None:
    bgr = np.repeat(np.array([[0, 4, 8, 12], [4, 8, 12, 16]], np.uint8)[:, :, None], 3, axis=2)
    out = decode.halve(decode.Decoded(bgr=bgr, scale=0.5))
    assert out.bgr[:, :, 0].tolist() == [[4, 12]]
    assert out.scale == 0.25


def test_mid_photo_analysis_is_the_full_decode_halved_and_shared() -> None:
    import cv2

    data = _smooth_jpeg(1400, 1000)  # 1/2 is the largest reduction keeping 640 px
    ctx = PhotoContext(data=data, source="mid.jpg", profile=load_profile("online"))
    analysis = decode.analysis_image(ctx)
    assert analysis.bgr.shape == (500, 700, 3)
    assert analysis.scale == pytest.approx(0.5)
    assert ctx.has("full_image") and not ctx.has("decode_1_2")  # one decode, the full one
    full = decode.full_image(ctx)
    assert full.bgr.shape == (1000, 1400, 3)
    assert np.array_equal(analysis.bgr, decode.halve(full).bgr)
    # within a grey level of the 1/2 DCT decode it replaces
    dct = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_REDUCED_COLOR_2)
    diff = np.abs(dct.astype(np.int16) - analysis.bgr.astype(np.int16))
    assert diff.mean() < 1.0 and diff.max() <= 6


def test_small_photo_analysis_is_the_full_decode() -> None:
    data = _smooth_jpeg(1000, 700)  # long side under twice the 640-px target: no reduction
    ctx = PhotoContext(data=data, source="small.jpg", profile=load_profile("online"))
    analysis = decode.analysis_image(ctx)
    assert analysis.scale == 1.0 and analysis is decode.full_image(ctx)


@pytest.mark.parametrize(("factor", "sampling"), [
    (cv2.IMWRITE_JPEG_SAMPLING_FACTOR_420, ((2, 2), (1, 1), (1, 1))),
    (cv2.IMWRITE_JPEG_SAMPLING_FACTOR_422, ((2, 1), (1, 1), (1, 1))),
    (cv2.IMWRITE_JPEG_SAMPLING_FACTOR_444, ((1, 1), (1, 1), (1, 1)))])
def test_parse_jpeg_reads_each_components_sampling_factors(factor: int, sampling) -> None:
    data = cv2.imencode(".jpg", np.zeros((32, 48, 3), np.uint8),
                        [cv2.IMWRITE_JPEG_SAMPLING_FACTOR, factor])[1].tobytes()
    assert decode.parse_jpeg(data).sampling == sampling
    grey = cv2.imencode(".jpg", np.zeros((32, 48), np.uint8))[1].tobytes()
    assert decode.parse_jpeg(grey).sampling == ((1, 1),)


def test_parse_jpeg_gives_the_frame_header_and_scan_data_offsets() -> None:
    data = cv2.imencode(".jpg", np.zeros((32, 48, 3), np.uint8))[1].tobytes()
    seg = decode.parse_jpeg(data)
    assert data[seg.sof_offset:seg.sof_offset + 2] == b"\xff\xc0"
    assert int.from_bytes(data[seg.sof_offset + 5:seg.sof_offset + 7], "big") == 32  # height
    sos = data.index(b"\xff\xda")
    assert seg.scan_data_offset == sos + 2 + int.from_bytes(data[sos + 2:sos + 4], "big")


def _cv2_full(data: bytes, reduction: int = 1) -> np.ndarray:
    flag = {1: cv2.IMREAD_COLOR, 2: cv2.IMREAD_REDUCED_COLOR_2, 4: cv2.IMREAD_REDUCED_COLOR_4,
            8: cv2.IMREAD_REDUCED_COLOR_8}[reduction]
    image = cv2.imdecode(np.frombuffer(data, np.uint8), flag | cv2.IMREAD_IGNORE_ORIENTATION)
    return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR) if image.ndim == 2 else image


@pytest.mark.parametrize("data", [
    make_jpeg(203, 151, subsampling="4:2:0"),
    make_jpeg(203, 151, subsampling="4:4:4"),
    make_jpeg(203, 151, subsampling="4:2:2"),
    make_jpeg(203, 151, progressive=True),
    make_jpeg(203, 151, mode="L"),
    make_jpeg(203, 151, mode="CMYK"),
    cv2.imencode(".jpg", np.full((40, 56, 3), 90, np.uint8),
                 [cv2.IMWRITE_JPEG_RST_INTERVAL, 2])[1].tobytes(),
], ids=["420", "444", "422", "progressive", "grey", "cmyk", "restart"])
@pytest.mark.parametrize("reduction", [1, 2, 4, 8])
def test_jpeg_decode_takes_the_fast_path_with_opencvs_pixels(data: bytes, reduction: int,
                                                             monkeypatch) -> None:
    expected = _cv2_full(data, reduction)
    # odd sizes: each side is ceil(side / reduction), as OpenCV's DCT scaling gives
    assert expected.shape[:2] == (-(-151 // reduction), -(-203 // reduction)) or (
        expected.shape[:2] == (-(-40 // reduction), -(-56 // reduction)))
    head = decode.read_header(data)

    def no_imdecode(buf: np.ndarray, flags: int) -> None:
        raise AssertionError("the decode went to cv2.imdecode")

    monkeypatch.setattr(decode.cv2, "imdecode", no_imdecode)
    image = decode.decode(data, head, reduction).bgr
    assert image.dtype == np.uint8 and image.shape == expected.shape
    assert np.array_equal(image, expected)  # bit for bit


def test_full_decode_of_a_damaged_jpeg_is_opencvs() -> None:
    good = make_jpeg(203, 151)
    # a flipped byte in the entropy data: libjpeg warns, simplejpeg (strict) refuses it, and the
    # decode falls back on OpenCV, which returns its (damaged) image as before
    flipped = bytearray(good)
    flipped[len(flipped) // 2] ^= 0xFF
    assert decode._decode_jpeg_turbo(bytes(flipped)) is None
    assert decode._decode_jpeg_turbo(bytes(flipped), 2) is None
    half = decode.decode(bytes(flipped), decode.read_header(good), 2).bgr
    assert np.array_equal(half, _cv2_full(bytes(flipped), 2))
    image = decode.decode(bytes(flipped), decode.read_header(good), 1).bgr
    assert np.array_equal(image, _cv2_full(bytes(flipped)))
    # truncated: neither decodes it, as before
    truncated = good[: len(good) * 6 // 10]
    assert decode._decode_jpeg_turbo(truncated) is None
    with pytest.raises(NotAssessable) as err:
        decode.decode(truncated, decode.read_header(good), 1)
    assert err.value.cause == "file.corrupt"


def _pillow_dpi(data: bytes) -> tuple[float, float] | None:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as im:
        raw = im.info.get("dpi")
    return (float(raw[0]), float(raw[1])) if raw and min(raw) > 1 else None


def _with_jfif(jpeg: bytes, unit: int, x: int, y: int) -> bytes:
    assert jpeg[6:11] == b"JFIF\x00"  # OpenCV writes JFIF right after SOI
    return jpeg[:13] + struct.pack(">BHH", unit, x, y) + jpeg[18:]


def test_header_dpi_is_what_pillow_reads_from_jfif_or_exif() -> None:
    from PIL import Image

    plain = make_jpeg(64, 48)
    buf = io.BytesIO()
    exif = Image.Exif()
    exif[282], exif[283], exif[296] = 350.0, 350.0, 2  # X/YResolution per inch
    Image.fromarray(np.zeros((48, 64, 3), np.uint8)).save(buf, "JPEG", exif=exif.tobytes())
    cases = {
        "no density unit, no EXIF": (plain, None),
        "JFIF dots per inch": (_with_jfif(plain, 1, 300, 300), (300.0, 300.0)),
        "JFIF dots per cm": (_with_jfif(plain, 2, 118, 118), (118 * 2.54, 118 * 2.54)),
        "JFIF 1 dot per cm": (_with_jfif(plain, 2, 1, 1), (2.54, 2.54)),
        "JFIF 1 dot per inch": (_with_jfif(plain, 1, 1, 1), None),
        "EXIF resolution": (buf.getvalue(), (350.0, 350.0)),
    }
    for name, (data, dpi) in cases.items():
        assert decode.read_header(data).dpi == _pillow_dpi(data) == dpi, name
