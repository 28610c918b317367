"""photocheck.trimming.output: the one resampling and the JPEG."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from PIL import Image

from benchmarks.scan_synth import drawn_geometry
from photocheck import decode
from photocheck.trimming.output import (
    _MCU_PX,
    encode_jpeg,
    join_jpeg_rows,
    source_chroma,
    upright_print,
    warp_encode_split,
    warp_region,
)
from photocheck.trimming.rect import rect_from_quad
from tests.trimming.helpers import scan_with_known_print


def test_warp_region_gives_the_plain_bilinear_warp() -> None:
    rng = np.random.default_rng(1)
    src = rng.integers(0, 256, (300, 260, 3), np.uint8)
    m = np.array([[0.93, 0.05, 20.3], [-0.05, 0.93, 30.7]])
    out = warp_region(src, m, (200, 240), interpolation=cv2.INTER_LINEAR)
    plain = cv2.warpAffine(src, m, (200, 240), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                           borderMode=cv2.BORDER_REPLICATE)
    # the same values (4-channel warp inside), only read from the region the output needs:
    # moving the origin to that region changes the fixed-point rounding of a few positions
    diff = np.abs(out.astype(int) - plain)
    assert out.shape == (240, 200, 3)
    assert diff.max() <= 1 and np.mean(diff > 0) < 0.001


@pytest.mark.parametrize("scale", [0.93, 1.8, 3.5])  # 1.8 and 3.5 minify: pre-blurred
def test_warp_region_of_the_top_rows_has_the_whole_outputs_values(scale: float) -> None:
    rng = np.random.default_rng(2)
    src = rng.integers(0, 256, (900, 800, 3), np.uint8)
    t = np.deg2rad(-4.0)
    m = np.array([[scale * np.cos(t), -scale * np.sin(t), 60.3],
                  [scale * np.sin(t), scale * np.cos(t), 40.7]])
    whole = warp_region(src, m, (200, 240), interpolation=cv2.INTER_LINEAR)
    for rows in (1, 50, 239, 240):
        part = warp_region(src, m, (200, 240), interpolation=cv2.INTER_LINEAR, rows=rows)
        assert np.array_equal(part, whole[:rows])


def test_upright_print_undoes_the_rotation() -> None:
    scan, full = scan_with_known_print(3.1)
    rect = rect_from_quad(np.asarray(scan.quad_px, float))
    img = upright_print(full, rect, 512)
    assert max(img.shape[:2]) == 512
    # the drawing's geometry, measured on the upright print, lands where the truth maps it
    crown, chin, _ = drawn_geometry(img)
    px_per_mm = img.shape[0] / scan.spec.height_mm
    assert abs(crown[1] / px_per_mm - scan.crown_mm[1]) < 0.15
    assert abs(chin[1] / px_per_mm - scan.chin_mm[1]) < 0.15


@pytest.mark.parametrize("rotation_deg", [3.1, -4.6, 0.0])
def test_upright_print_of_the_top_rows_only_has_the_whole_prints_values(
        rotation_deg: float) -> None:
    scan, full = scan_with_known_print(rotation_deg)
    rect = rect_from_quad(np.asarray(scan.quad_px, float))
    whole = upright_print(full, rect, 512)
    for rows in (1, 97, 200, whole.shape[0] - 1):
        part = upright_print(full, rect, 512, rows=rows)
        assert part.shape == whole.shape
        assert np.array_equal(part[:rows], whole[:rows])
        assert not part[rows:].any()
    assert np.array_equal(upright_print(full, rect, 512, rows=10_000), whole)


def test_encode_jpeg_records_the_dpi() -> None:
    data = encode_jpeg(np.full((20, 30, 3), 128, np.uint8), 600)
    assert decode.read_header(data).dpi == (600.0, 600.0)
    with Image.open(io.BytesIO(data)) as im:
        assert im.info["dpi"] == pytest.approx((600, 600))


@pytest.mark.parametrize(("sampling", "chroma"), [
    (((2, 2), (1, 1), (1, 1)), "420"), (((2, 1), (1, 1), (1, 1)), "422"),
    (((1, 2), (1, 1), (1, 1)), "440"), (((1, 1), (1, 1), (1, 1)), "444"),
    (((4, 1), (1, 1), (1, 1)), "444"), (((2, 2), (1, 1), (2, 2)), "444"), (((1, 1),), "444")])
def test_source_chroma_names_the_scans_subsampling(sampling, chroma: str) -> None:
    seg = decode.JpegSegments(components=len(sampling), sampling=sampling)
    head = decode.ImageHeader(format="jpeg", width=10, height=10, colour="rgb", jpeg=seg)
    assert source_chroma(head) == chroma
    png = decode.ImageHeader(format="png", width=10, height=10, colour="rgb")
    assert source_chroma(png) == "444"


def _warp_case() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(4)
    src = cv2.GaussianBlur(rng.integers(0, 256, (700, 600, 3), dtype=np.uint8), (0, 0), 1.5)
    t = np.deg2rad(2.3)
    return src, np.array([[0.91 * np.cos(t), -0.91 * np.sin(t), 40.0],
                          [0.91 * np.sin(t), 0.91 * np.cos(t), 25.3]])


@pytest.mark.parametrize(("interpolation", "chroma"), [
    (cv2.INTER_LINEAR, "420"), (cv2.INTER_CUBIC, "420"), (cv2.INTER_LINEAR, "444"),
    (cv2.INTER_LINEAR, "422"), (cv2.INTER_LINEAR, "440")])
def test_warp_encode_split_gives_the_single_warp_and_encode(interpolation: int,
                                                           chroma: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    src, dst_to_src = _warp_case()
    one = warp_region(src, dst_to_src, (413, 531), interpolation=interpolation)
    with ThreadPoolExecutor(1) as pool:
        data = warp_encode_split(src, dst_to_src, (413, 531), interpolation=interpolation,
                                 pool=pool, dpi=600.0, quality=95, chroma=chroma)
    two = decode.decode(data, decode.read_header(data)).bgr
    assert two.shape == (531, 413, 3)
    assert decode.read_header(data).dpi == (600.0, 600.0)
    # the same pixels as one warp and one encode (but for a coordinate's last bit)
    single = decode.decode(enc := encode_jpeg(one, 600.0, 95, chroma), decode.read_header(enc))
    diff = np.abs(two.astype(int) - single.bgr.astype(int))
    assert np.mean(diff > 0) < 0.002
    # a restart marker after every MCU row: 531 px = 34 rows of 16 (or 67 of 8), 33 or 66 markers
    rows = -(-531 // _MCU_PX[chroma][1])
    scan = data[data.index(b"\xff\xda"):]
    markers = [scan[i + 1] for i in range(len(scan) - 1)
               if scan[i] == 0xFF and 0xD0 <= scan[i + 1] <= 0xD7]
    assert markers == [0xD0 + i % 8 for i in range(rows - 1)]


def test_joined_rows_are_the_bytes_of_one_encode_with_restart_markers() -> None:
    src, _ = _warp_case()
    img = src[:531, :413]
    restart = -(-413 // 16)
    for top_rows in (16, 256, 512):  # 1, 16 and 32 MCU rows: the marker count wraps at 8
        top = encode_jpeg(img[:top_rows], 300.0, 90, "420", restart_interval=restart)
        bottom = encode_jpeg(img[top_rows:], 300.0, 90, "420", restart_interval=restart)
        whole = encode_jpeg(img, 300.0, 90, "420", restart_interval=restart)
        assert join_jpeg_rows(top, bottom, top_rows // 16) == whole
    # decoded, the same pixels as an encode without restart markers
    plain = encode_jpeg(img, 300.0, 90, "420")
    assert np.array_equal(cv2.imdecode(np.frombuffer(whole, np.uint8), cv2.IMREAD_COLOR),
                          cv2.imdecode(np.frombuffer(plain, np.uint8), cv2.IMREAD_COLOR))


def test_join_jpeg_rows_refuses_streams_it_cannot_join() -> None:
    src, _ = _warp_case()
    a = encode_jpeg(src[:64, :100], 600.0, 95, "420", restart_interval=7)
    b = encode_jpeg(src[64:128, :100], 600.0, 95, "420", restart_interval=7)
    assert join_jpeg_rows(a, b, 4) is not None
    assert join_jpeg_rows(a, encode_jpeg(src[64:128, :100], 600.0, 80, "420",
                                         restart_interval=7), 4) is None  # other tables
    assert join_jpeg_rows(a, encode_jpeg(src[64:128, :96], 600.0, 95, "420",
                                         restart_interval=7), 4) is None  # other width
    assert join_jpeg_rows(a, b[:-2], 4) is None  # truncated
    assert join_jpeg_rows(a, b"\xff\xd8garbage", 4) is None
    ok, progressive = cv2.imencode(".jpg", src[64:128, :100], [cv2.IMWRITE_JPEG_PROGRESSIVE, 1])
    assert join_jpeg_rows(a, progressive.tobytes(), 4) is None
    assert join_jpeg_rows(a, b, 0) is None
