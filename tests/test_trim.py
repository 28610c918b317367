"""photocheck.trimming: generated scans with known geometry, refusals, bad input, real scans."""

from __future__ import annotations

import io
import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from benchmarks.scan_synth import (
    PrintSpec,
    drawn_face_geometry,
    drawn_geometry,
    drawn_portrait,
    expected_trim,
    portrait_from_photo,
    render_scan,
)
from photocheck import decode
from photocheck.report import Status
from photocheck.trimming import (
    FaceGeometry,
    PrintRect,
    encode_jpeg,
    find_print,
    inset,
    plain_background_crown,
    plan_crop,
    trim,
)
from photocheck.validator import Validator
from tests.helpers import shared_photos

OUT_PPM = 600 / 25.4  # output px per mm at 600 dpi


@pytest.fixture(scope="module")
def validator(models):  # noqa: ANN001 - pytest fixture
    return Validator("mail", models=models)


@pytest.fixture(scope="module")
def portrait():
    return drawn_portrait()


drawn_fn = drawn_face_geometry


def truth_in_output(result, scan) -> dict[str, float]:  # noqa: ANN001
    """The ground truth (print mm) mapped through the trim's affine into output mm."""
    inv = np.linalg.inv(np.vstack([result.out_to_scan, [0, 0, 1]]))
    m = (inv @ np.vstack([scan.mm_to_scan, [0, 0, 1]]))[:2] / OUT_PPM
    crown, chin, nose = (m[:, :2] @ p + m[:, 2] for p in (scan.crown_mm, scan.chin_mm,
                                                          scan.nose_mm))
    return {"head": chin[1] - crown[1], "top": crown[1], "centre": nose[0] - 17.5}


# --- generated scans, drawn faces (no models) ---------------------------------------------------


@pytest.mark.parametrize(
    "spec",
    [
        PrintSpec(rotation_deg=3.2, dpi=300, face_mm=33.0, crown_mm=4.5, seed=1),
        PrintSpec(height_mm=40, width_mm=30, face_mm=28.5, crown_mm=3.6, rotation_deg=-4.5,
                  dpi=600, bed_bgr=(40, 40, 42), shadow=0.0, seed=2),
        PrintSpec(height_mm=50, width_mm=40, face_mm=36.0, crown_mm=6.0, nose_dx_mm=1.5,
                  rotation_deg=1.1, dpi=600, bed_mm=(105, 148), offset_mm=(12, -20), seed=3),
        PrintSpec(margin_mm=0.0, dpi=300, face_mm=34.0, crown_mm=4.0, seed=4),
    ],
    ids=["45x35-300dpi", "40x30-600dpi-dark-bed", "50x40-A6-bed", "scan-is-the-print"],
)
def test_drawn_scans_are_trimmed_to_the_standard(portrait, validator, spec) -> None:
    assert expected_trim(spec) == (True, None)
    scan = render_scan(portrait, spec)
    result = trim(scan.data, validator=validator, check_output=False, face_geometry=drawn_fn)
    assert result.jpeg is not None, result.report.failing()
    assert abs(result.rotation_deg - spec.rotation_deg) < 0.5
    head = decode.read_header(result.jpeg)
    assert (head.width, head.height) == (827, 1063)
    assert head.dpi == (600.0, 600.0)
    assert result.report.status_of("trim.photo_not_found") is Status.PASS
    assert result.report.status_of("trim.not_trimmable") is Status.PASS
    w_mm, h_mm = result.print_size_mm
    assert abs(w_mm - spec.width_mm) < 1.0 and abs(h_mm - spec.height_mm) < 1.0
    standard = (spec.width_mm, spec.height_mm) == (35.0, 45.0)
    assert result.report.status_of("trim.print_size") is (Status.PASS if standard
                                                          else Status.WARN)
    truth = truth_in_output(result, scan)
    assert abs(truth["head"] - 34.0) < 1.0
    assert abs(truth["top"] - 4.0) < 1.0
    assert abs(truth["centre"]) < 1.0
    # and measured on the output itself
    out = cv2.imdecode(np.frombuffer(result.jpeg, np.uint8), cv2.IMREAD_COLOR)
    crown, chin, nose = drawn_geometry(out)
    assert abs((chin[1] - crown[1]) / OUT_PPM - 34.0) < 1.0
    assert abs(crown[1] / OUT_PPM - 4.0) < 1.0
    assert abs(nose[0] / OUT_PPM - 17.5) < 1.0


def test_the_print_quad_and_rotation_are_found_precisely(portrait) -> None:
    spec = PrintSpec(rotation_deg=-2.7, dpi=300, bed_bgr=(40, 40, 42), shadow=0.0)
    scan = render_scan(portrait, spec)
    img = cv2.imdecode(np.frombuffer(scan.data, np.uint8), cv2.IMREAD_COLOR)
    rect = find_print(img)
    assert rect is not None and not rect.whole_scan
    assert abs(rect.rotation_deg - spec.rotation_deg) < 0.1
    # corners within 0.25 mm (3 px at 300 dpi) of the truth
    assert np.abs(rect.quad - scan.quad_px).max() < 3.0


@pytest.mark.parametrize("bed, shadow, rotation_deg", [
    ((222, 212, 210), 0.15, -1.5),   # grey carrier, the print's background nearly the same
    ((224, 214, 213), 0.0, 2.4),     # exactly the top background colour, no shadow line
    ((224, 210, 210), 0.2, 1.3),
])
def test_a_print_on_a_bed_of_its_own_background_colour_is_found(
        portrait, bed, shadow, rotation_deg) -> None:
    # the drawing's background is (224, 214, 213) at the top: that side has no visible step, so
    # the print's top is closed from the corners where its sides' edges end
    spec = PrintSpec(rotation_deg=rotation_deg, dpi=600, bed_bgr=bed, shadow=shadow,
                     margin_mm=8.0, noise_sigma=1.5, seed=3)
    scan = render_scan(portrait, spec)
    img = cv2.imdecode(np.frombuffer(scan.data, np.uint8), cv2.IMREAD_COLOR)
    small = cv2.resize(img, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    rect = find_print(small)
    assert rect is not None and not rect.whole_scan
    assert abs(rect.rotation_deg - rotation_deg) < 0.2
    # every corner within 0.5 mm (12 px at 600 dpi) of the truth
    assert np.abs(rect.quad * 2.0 - scan.quad_px).max() < 0.5 * 600 / 25.4


def test_a_blob_without_straight_sides_is_not_a_print() -> None:
    bed = np.full((700, 560, 3), (200, 200, 198), np.uint8)
    rng = np.random.default_rng(0)
    noisy = np.clip(bed + rng.normal(0, 1.5, bed.shape), 0, 255).astype(np.uint8)
    cv2.ellipse(noisy, (280, 350), (150, 200), 0, 0, 360, (60, 80, 120), -1, cv2.LINE_AA)
    assert find_print(noisy) is None


def test_decoding_once_derives_the_small_copy(validator) -> None:
    from photocheck.trimming import decode_once

    scan = render_scan(drawn_portrait(), PrintSpec(dpi=600, bed_mm=(105, 148), seed=2))
    ctx = validator.context(scan.data)
    images = decode_once(ctx)
    assert images is not None and images.factor == 8
    full = images.full.bgr
    assert full.shape[:2] == (3496, 2480)
    assert images.small.bgr.shape[:2] == (437, 310) and images.small.scale == 310 / 2480
    # each small pixel is the mean of the central 2×2 of its 8×8 block (bilinear at 1/8)
    for y, x in ((0, 0), (200, 150), (436, 309)):
        block = full[8 * y + 3: 8 * y + 5, 8 * x + 3: 8 * x + 5].astype(float).mean(axis=(0, 1))
        assert np.abs(images.small.bgr[y, x] - block).max() <= 1.0
    # it is the scan's analysis image (the file check reads it): no second decode
    assert decode.analysis_image(ctx) is images.small
    assert not ctx.has("decode_1_2") and not ctx.has("decode_1_8")


@pytest.mark.parametrize("long_side, factor", [(3496, 8), (1748, 4), (7000, 16), (800, 2),
                                               (799, 1), (300, 1)])
def test_detection_factor_keeps_the_long_side_at_400_px(long_side: int, factor: int) -> None:
    from photocheck.trimming import detection_factor

    assert detection_factor(long_side) == factor


def _scan_with_known_print(rotation_deg: float, shadow: float = 0.25):
    spec = PrintSpec(rotation_deg=rotation_deg, dpi=600, margin_mm=8.0, shadow=shadow,
                     noise_sigma=1.5, seed=4)
    scan = render_scan(drawn_portrait(), spec)
    return scan, cv2.imdecode(np.frombuffer(scan.data, np.uint8), cv2.IMREAD_COLOR)


@pytest.mark.parametrize("rotation_deg, shadow", [(3.1, 0.25), (-4.2, 0.0)])
def test_refine_sides_full_puts_a_coarse_quad_on_the_edges(rotation_deg, shadow) -> None:
    from photocheck.trimming import _rect_from_quad, refine_sides_full

    scan, full = _scan_with_known_print(rotation_deg, shadow)
    truth = np.asarray(scan.quad_px, float)
    # a coarse quad as the small copy gives it: ~1 px of an 1/8 copy off, outward, a bit turned
    centre = truth.mean(axis=0)
    coarse = centre + (truth - centre) * 1.012 + np.array([[5, -3], [-2, 4], [6, 2], [-4, -5]])
    quad, measured = refine_sides_full(full, coarse, reach_px=24.0)
    assert measured.all()
    # every corner within 1 px (0.04 mm at 600 dpi) of the truth (the sides come out ~0.5 px
    # outside the rendered quad: the anti-aliased polygon fill covers that much more); rotation
    # within 0.02°
    assert np.abs(quad - truth).max() < 1.0
    assert abs(_rect_from_quad(quad).rotation_deg - rotation_deg) < 0.02


def test_refine_sides_full_keeps_sides_without_an_edge() -> None:
    from photocheck.trimming import refine_sides_full

    flat = np.full((600, 500, 3), 200, np.uint8)
    coarse = np.array([[100.0, 100.0], [400.0, 110.0], [390.0, 500.0], [95.0, 490.0]])
    quad, measured = refine_sides_full(flat, coarse, reach_px=12.0)
    assert not measured.any()
    assert np.allclose(quad, coarse)


def test_warp_region_gives_the_plain_bilinear_warp() -> None:
    from photocheck.trimming import warp_region

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
    from photocheck.trimming import warp_region

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
    from photocheck.trimming import _rect_from_quad, upright_print

    scan, full = _scan_with_known_print(3.1)
    rect = _rect_from_quad(np.asarray(scan.quad_px, float))
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
    from photocheck.trimming import _rect_from_quad, upright_print

    scan, full = _scan_with_known_print(rotation_deg)
    rect = _rect_from_quad(np.asarray(scan.quad_px, float))
    whole = upright_print(full, rect, 512)
    for rows in (1, 97, 200, whole.shape[0] - 1):
        part = upright_print(full, rect, 512, rows=rows)
        assert part.shape == whole.shape
        assert np.array_equal(part[:rows], whole[:rows])
        assert not part[rows:].any()
    assert np.array_equal(upright_print(full, rect, 512, rows=10_000), whole)


def test_lean_geometry_is_none_without_a_face(models) -> None:
    from photocheck.trimming import lean_geometry

    flat = np.full((512, 400, 3), (224, 214, 213), np.uint8)
    assert lean_geometry(flat, models) is None


def test_lean_geometry_agrees_with_the_full_face_pipeline(validator) -> None:
    from photocheck.trimming import context_from_pixels, lean_geometry, pipeline_geometry

    path = shared_photos() / "a_compliant_plain_bg" / "london_036_03.jpg"
    data = path.read_bytes()
    ctx = validator.context(data)
    bgr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    f = 512 / max(bgr.shape[:2])
    img = cv2.resize(bgr, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
    lean = lean_geometry(img, validator.models)
    assert lean is not None
    full = pipeline_geometry(context_from_pixels(img, ctx, "upright"))
    face_px = float(full.chin[1] - full.crown[1])
    # same definitions, one FaceMesh pass instead of two: within 1 % of the head height
    # (0.34 mm of a 34 mm head) for crown, chin and nose line
    for a, b in ((lean.crown, full.crown), (lean.chin, full.chin), (lean.nose, full.nose)):
        assert np.abs(np.asarray(a) - np.asarray(b)).max() < 0.01 * face_px


def test_a_sideways_print_is_turned_upright(portrait, validator) -> None:
    spec = PrintSpec(rotation_deg=92.0, dpi=300, seed=5)
    scan = render_scan(portrait, spec)
    result = trim(scan.data, validator=validator, check_output=False, face_geometry=drawn_fn)
    assert result.jpeg is not None
    assert abs(result.rotation_deg - 92.0) < 0.5
    truth = truth_in_output(result, scan)
    assert abs(truth["head"] - 34.0) < 1.0 and abs(truth["top"] - 4.0) < 1.0


@pytest.mark.parametrize("fmt", ["TIFF", "PNG"])
def test_tiff_and_png_scans_carry_their_dpi(portrait, validator, fmt: str) -> None:
    scan = render_scan(portrait, PrintSpec(rotation_deg=-2.0, dpi=300))
    buf = io.BytesIO()
    Image.open(io.BytesIO(scan.data)).save(buf, fmt, dpi=(300, 300))
    result = trim(buf.getvalue(), validator=validator, check_output=False,
                  face_geometry=drawn_fn)
    assert result.dpi == pytest.approx(300.0, abs=0.01)
    assert abs(result.print_size_mm[1] - 45.0) < 1.0
    assert result.jpeg is not None and abs(result.rotation_deg + 2.0) < 0.5


def test_without_a_resolution_the_size_is_not_assessed_but_the_crop_is_made(
        portrait, validator) -> None:
    spec = PrintSpec(rotation_deg=1.5, dpi=300, record_dpi=False)
    scan = render_scan(portrait, spec)
    result = trim(scan.data, validator=validator, check_output=False, face_geometry=drawn_fn)
    found = result.report.by_code("trim.print_size")
    assert found.status is Status.NOT_ASSESSED and found.cause == "trim.dpi_unknown"
    assert result.jpeg is not None
    # an explicit dpi gives the size back
    again = trim(scan.data, dpi=300, validator=validator, check_output=False,
                 face_geometry=drawn_fn)
    assert abs(again.print_size_mm[1] - 45.0) < 1.0


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        (PrintSpec(crown_mm=-1.5, face_mm=34.0, rotation_deg=2.0), "head_cut_off"),
        (PrintSpec(height_mm=40, width_mm=30, face_mm=35.0, crown_mm=3.5), "head_too_large"),
        (PrintSpec(face_mm=33.0, crown_mm=4.0, nose_dx_mm=4.0, rotation_deg=-1.0),
         "too_close_to_edge"),
        (PrintSpec(face_mm=28.0, crown_mm=6.0, dpi=150.0), "resolution_too_low"),
    ],
)
def test_untrimmable_scans_say_why_and_write_nothing(portrait, validator, spec, reason) -> None:
    assert expected_trim(spec) == (False, reason)
    result = trim(render_scan(portrait, spec).data, validator=validator, check_output=False,
                  face_geometry=drawn_fn)
    assert result.jpeg is None
    found = result.report.by_code("trim.not_trimmable")
    assert found.status is Status.FAIL
    assert found.measured == reason == result.reason


def _png(pixels: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, "PNG")
    return buf.getvalue()


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"<html><body>not a scan</body></html>",
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(200),  # truncated JPEG
        _png(np.full((400, 300, 3), 250, np.uint8)),  # blank white scan
        _png(np.full((400, 300, 3), 12, np.uint8)),  # blank black (open lid, nothing on it)
    ],
    ids=["empty", "html", "truncated-jpeg", "blank-white", "blank-black"],
)
def test_garbage_and_blank_scans_give_photo_not_found(validator, data: bytes) -> None:
    result = trim(data, validator=validator, check_output=False)
    assert result.jpeg is None
    assert result.report.status_of("trim.photo_not_found") is Status.FAIL
    assert result.report.by_code("trim.not_trimmable").cause == "trim.photo_not_found"
    json.loads(result.report.to_json())


def test_a_print_without_a_face_is_not_assessed(validator) -> None:
    rng = np.random.default_rng(0)
    bed = np.full((900, 700, 3), 245, np.uint8)
    bed[200:731, 150:563] = rng.integers(90, 160, (531, 413, 3), dtype=np.uint8)
    result = trim(_png(bed), dpi=300, validator=validator, check_output=False)
    assert result.report.status_of("trim.photo_not_found") is Status.PASS
    assert abs(result.print_size_mm[0] - 35.0) < 0.5 and abs(result.print_size_mm[1] - 45.0) < 0.5
    found = result.report.by_code("trim.not_trimmable")
    assert found.status is Status.NOT_ASSESSED and found.cause == "face.not_found"
    assert result.jpeg is None and result.reason == "face_not_found"


# --- pure helpers ---------------------------------------------------------------------------------


def test_plan_crop_solves_the_exact_standard_box() -> None:
    # 10 px per mm: crown 60 px from the top, head 340 px, nose line at 200 px of a 400 px print
    geom = FaceGeometry(crown=np.array([200.0, 60.0]), chin=np.array([200.0, 400.0]),
                        nose=np.array([200.0, 300.0]))
    plan = plan_crop(geom, 400.0, 500.0, tolerance_mm=0.5, min_source_dpi=200.0)
    assert plan.trimmable
    assert plan.box == pytest.approx((25.0, 20.0, 375.0, 470.0))
    assert plan.px_per_mm == pytest.approx(10.0)
    # the same face, centred on a print 34 mm wide: 35 mm at this scale would need a head
    # smaller than 34 - 0.5 mm
    centred = FaceGeometry(crown=np.array([170.0, 60.0]), chin=np.array([170.0, 400.0]),
                           nose=np.array([170.0, 300.0]))
    tight = plan_crop(centred, 340.0, 500.0, tolerance_mm=0.5, min_source_dpi=200.0)
    assert not tight.trimmable and tight.reason == "head_too_large"
    # 1 % narrower is within the 0.5 mm tolerance: trimmed with a head of 34 · 350/346.5 mm
    fits = plan_crop(centred, 346.5, 500.0, tolerance_mm=0.5, min_source_dpi=200.0)
    assert fits.trimmable and fits.head_mm == pytest.approx(34.0 * 350 / 346.5)
    # the resolution limit: 10 px per mm is 254 dpi
    assert plan_crop(geom, 400.0, 500.0, tolerance_mm=0.5,
                     min_source_dpi=300.0).reason == "resolution_too_low"


def test_plain_background_crown_finds_the_top_of_the_hair() -> None:
    img = np.full((600, 500, 3), (225, 215, 205), np.uint8)
    cv2.ellipse(img, (250, 260), (130, 150), 0, 0, 360, (40, 45, 50), -1)  # hair, top at y=110
    cv2.ellipse(img, (250, 330), (100, 130), 0, 0, 360, (150, 175, 215), -1)  # face
    found = plain_background_crown(img, np.array([250.0, 215.0]), 250.0, 200.0)
    assert found is not None
    (x, y), at_edge = found
    assert abs(y - 110.0) <= 1.0 and abs(x - 250.0) <= 50 and not at_edge
    # hair as dark as the background: no answer (the caller falls back on the matte)
    dark = img.copy()
    dark[(dark == (225, 215, 205)).all(axis=2)] = (38, 44, 50)
    assert plain_background_crown(dark, np.array([250.0, 215.0]), 250.0, 200.0) is None


def test_plain_background_crown_close_to_the_top_edge() -> None:
    # a large head whose crown is 40 px below the top: the background is read in the first rows
    img = np.full((600, 480, 3), (225, 215, 205), np.uint8)
    cv2.ellipse(img, (240, 250), (170, 210), 0, 0, 360, (40, 45, 50), -1)  # hair, top y=40
    cv2.ellipse(img, (240, 330), (135, 170), 0, 0, 360, (150, 175, 215), -1)  # face
    found = plain_background_crown(img, np.array([240.0, 165.0]), 240.0, 270.0)
    assert found is not None
    (x, y), at_edge = found
    assert abs(y - 40.0) <= 1.0 and not at_edge
    # the same head with its hair running into the top edge at the middle but background at
    # the sides: no answer from colour (the parting would pass for the crown)
    cut = img.copy()
    cv2.rectangle(cut, (140, 0), (340, 60), (40, 45, 50), -1)
    cv2.rectangle(cut, (225, 0), (255, 120), (150, 175, 215), -1)  # a parting of skin
    assert plain_background_crown(cut, np.array([240.0, 165.0]), 240.0, 270.0) is None


def test_check_does_not_run_the_trim_codes(validator) -> None:
    from tests.helpers import make_jpeg

    report = validator.check(make_jpeg(600, 800, noise=False))
    assert not [f for f in report.findings if f.check == "trim"]


def test_inset_shrinks_every_side() -> None:
    rect = PrintRect(np.array([[0, 0], [100, 0], [100, 200], [0, 200]], float), 0.0, 100, 200)
    small = inset(rect, 2.0)
    assert small.width_px == 96 and small.height_px == 196
    assert small.quad == pytest.approx(np.array([[2, 2], [98, 2], [98, 198], [2, 198]]))


def test_encode_jpeg_records_the_dpi() -> None:
    data = encode_jpeg(np.full((20, 30, 3), 128, np.uint8), 600)
    assert decode.read_header(data).dpi == (600.0, 600.0)
    with Image.open(io.BytesIO(data)) as im:
        assert im.info["dpi"] == pytest.approx((600, 600))


# --- CLI ------------------------------------------------------------------------------------------


def test_cli_trim_writes_named_outputs_and_json(tmp_path: Path, portrait, capsys) -> None:
    from photocheck.cli import main

    scan = tmp_path / "applicant_0042.jpg"
    scan.write_bytes(render_scan(portrait, PrintSpec(rotation_deg=2.0, dpi=300)).data)
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"<html></html>")
    out = tmp_path / "out"
    code = main(["trim", str(scan), str(bad), "--out", str(out), "--json"])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [Path(d["source"]).name for d in lines] == ["applicant_0042.jpg", "broken.jpg"]
    assert lines[1]["output"] is None
    assert code == 1  # the broken scan is flagged
    if lines[0]["output"] is not None:  # the models may or may not see the drawn face
        assert "applicant_0042" in Path(lines[0]["output"]).name
        assert Path(lines[0]["output"]).is_file()
    assert sorted(p.name for p in out.iterdir()) == (
        ["applicant_0042_45x35.jpg"] if lines[0]["output"] else [])
    codes = {f["code"] for f in lines[1]["findings"]}
    assert {"trim.photo_not_found", "trim.print_size", "trim.not_trimmable"} <= codes


# --- real photos (../shared, skipped when absent) -------------------------------------------------


def test_a_real_portrait_scan_is_trimmed_and_checked(validator) -> None:
    root = shared_photos()
    portrait = portrait_from_photo(str(root / "a_compliant_plain_bg" / "london_036_03.jpg"),
                                   validator)
    assert portrait is not None
    spec = PrintSpec(height_mm=40, width_mm=30, face_mm=29.0, crown_mm=3.5,
                     rotation_deg=-3.3, dpi=600)
    scan = render_scan(portrait, spec)
    result = trim(scan.data, validator=validator)
    assert result.jpeg is not None, result.report.failing()
    assert abs(result.rotation_deg - spec.rotation_deg) < 0.5
    truth = truth_in_output(result, scan)
    assert abs(truth["head"] - 34.0) < 1.0
    assert abs(truth["top"] - 4.0) < 1.0
    assert abs(truth["centre"]) < 1.0
    codes = {f.code for f in result.report.findings}
    # the content checks of the trimmed output are merged in
    assert "trim.not_trimmable" in codes and any(c.startswith("geometry.") for c in codes)
    assert result.report.status_of("geometry.head_height") is Status.PASS


def test_real_scans_never_crash(validator) -> None:
    root = shared_photos() / "k_scans_id_documents"
    files = sorted(p for p in root.iterdir() if p.is_file())
    assert files
    for path in files:
        result = trim(str(path), validator=validator, check_output=False)
        trim_codes = {f.code: f for f in result.report.findings if f.check == "trim"}
        assert set(trim_codes) == {"trim.photo_not_found", "trim.print_size",
                                   "trim.not_trimmable"}, path.name
        if result.jpeg is None:
            # a clear reason: a failing or not-assessed trim finding with its cause
            flagged = [f for f in trim_codes.values()
                       if f.status in (Status.FAIL, Status.NOT_ASSESSED)]
            assert flagged, path.name
        else:
            assert decode.read_header(result.jpeg).width == 827


# --- overlapping the full decode (early_look on a second thread) ---------------------------------


@pytest.mark.parametrize(("fmt", "dpi", "orientation", "reduction"), [
    ("jpeg", 600.0, 1, 4), ("jpeg", 1200.0, 1, 8), ("jpeg", 2400.0, 1, 8),
    ("jpeg", 300.0, 1, 2), ("jpeg", 500.0, 1, 4), ("jpeg", 200.0, 1, 1),
    ("jpeg", None, 1, 1), ("jpeg", 600.0, 6, 1), ("png", 600.0, 1, 1)])
def test_early_reduction_keeps_a_45_mm_print_200_px_long(
        fmt: str, dpi: float | None, orientation: int, reduction: int) -> None:
    from photocheck.trimming import early_reduction

    head = decode.ImageHeader(format=fmt, width=2480, height=3496, colour="rgb",
                              orientation=orientation)
    assert early_reduction(head, dpi) == reduction


def _early(mesh, lean_tried: bool = True):  # noqa: ANN001, ANN202
    from photocheck.trimming import EarlyLook, EarlyPrint

    small = decode.Decoded(bgr=np.zeros((4, 4, 3), np.uint8), scale=0.125)
    return EarlyLook(2, EarlyPrint(small, 8, None), mesh, lean_tried, 1.0)


def test_the_early_mesh_is_used_only_when_it_lies_on_the_print_measured() -> None:
    from photocheck.trimming import LeanMesh, _early_mesh

    # a print 800 × 1000 px turned 10° about its centre (500, 700)
    t = np.deg2rad(10.0)
    lin = np.array([[np.cos(t), np.sin(t)], [-np.sin(t), np.cos(t)]])
    corners = np.array([[-400.0, -500.0], [400.0, -500.0], [400.0, 500.0], [-400.0, 500.0]])
    rect = PrintRect(corners @ lin.T + (500.0, 700.0), 10.0, 800.0, 1000.0)

    def on_print(x: float, y: float) -> np.ndarray:
        return lin @ np.array([x - 400.0, y - 500.0]) + (500.0, 700.0)

    mesh = LeanMesh(on_print(400, 250), on_print(400, 850), on_print(150, 550),
                    on_print(650, 550))
    (got,) = _early_mesh(_early(mesh), rect)
    assert got is mesh
    # a chin 1 px below the print's bottom edge: not this print's face, read it again here
    off = LeanMesh(mesh.forehead, on_print(400, 1001), mesh.left, mesh.right)
    assert _early_mesh(_early(off), rect) is None
    # ... nor a side 1 px beyond the left edge (in the print's own, turned frame)
    assert _early_mesh(_early(LeanMesh(mesh.forehead, mesh.chin, on_print(-1, 550),
                                       mesh.right)), rect) is None
    # the second thread ran and was unsure: straight to the full pipeline
    assert _early_mesh(_early(None), rect) == (None,)
    # it did not run (no print there, or too small at its scale): the short path here
    assert _early_mesh(_early(None, lean_tried=False), rect) is None
    assert _early_mesh(None, rect) is None


def test_lean_mesh_points_map_through_an_affine_exactly() -> None:
    from photocheck.trimming import LeanMesh, _image_to_scan

    mesh = LeanMesh(np.array([10.0, 20.0]), np.array([10.0, 80.0]), np.array([0.0, 50.0]),
                    np.array([20.0, 50.0]))
    shifted = mesh.mapped(np.array([[2.0, 0.0, 5.0], [0.0, 2.0, -1.0]]))
    np.testing.assert_allclose(shifted.chin, [25.0, 159.0])
    np.testing.assert_allclose(shifted.left, [5.0, 99.0])
    # an upright image at half the print's px, print not rotated: image px × 2 + corner
    rect = PrintRect(np.array([[100.0, 200.0], [900.0, 200.0], [900.0, 1200.0],
                               [100.0, 1200.0]]), 0.0, 800.0, 1000.0)
    to_scan = _image_to_scan(rect, np.zeros((500, 400, 3), np.uint8))
    np.testing.assert_allclose(to_scan, [[2.0, 0.0, 100.0], [0.0, 2.0, 200.0]], atol=1e-9)


@pytest.fixture(scope="module")
def real_scan_600dpi(validator):  # noqa: ANN001, ANN201 - pytest fixture
    portrait = portrait_from_photo(
        str(shared_photos() / "a_compliant_plain_bg" / "london_036_03.jpg"), validator)
    assert portrait is not None
    spec = PrintSpec(rotation_deg=2.3, dpi=600, bed_mm=(105.0, 148.0), offset_mm=(-8.0, 14.0),
                     face_mm=31.0, crown_mm=5.0, jpeg_quality=90, seed=7)
    return render_scan(portrait, spec)


def test_early_look_finds_the_print_and_the_face_on_the_quarter_size_decode(
        validator, real_scan_600dpi) -> None:
    from photocheck.trimming import early_look

    data = real_scan_600dpi.data
    head = decode.read_header(data)
    early = early_look(data, head, 4, validator.models, min_area_ratio=0.03, min_score=0.5,
                       min_presence=0.5)
    assert early is not None and early.lean_tried and early.mesh is not None
    assert early.found.small.bgr.shape[:2] == (3496 // 8, 2480 // 8)
    assert early.found.rect_small is not None
    sequential = trim(data, validator=validator, check_output=False, overlap_decode=False)
    assert sequential.report.extra["trim"]["face_path"] == "lean"
    # the blob as found on the ⅛ copy: the measured print (inset by 6 px) lies inside it, the
    # blob's smoothing ≤ 1.5 mm wider on each side
    px_per_mm = 600 / 25.4
    blob = (early.found.rect_small.quad + 0.5) * 8 - 0.5
    dist = [cv2.pointPolygonTest(blob.astype(np.float32).reshape(-1, 1, 2),
                                 tuple(map(float, p)), True) for p in sequential.photo_quad]
    assert min(dist) > 0 and max(dist) < 1.5 * px_per_mm
    # the cut: within 0.15 mm of the sequential short path's
    overlapped = trim(data, validator=validator, check_output=False, overlap_decode=True)
    assert overlapped.report.extra["trim"]["face_path"] == "early"
    corners = np.array([[0, 0], [827, 0], [827, 1063], [0, 1063]], float)
    a, b = (corners @ r.out_to_scan[:, :2].T + r.out_to_scan[:, 2]
            for r in (sequential, overlapped))
    assert np.abs(a - b).max() < 0.15 * px_per_mm
    assert overlapped.jpeg is not None and decode.read_header(overlapped.jpeg).width == 827


def test_overlapped_trims_of_bad_scans_fail_cleanly(validator, real_scan_600dpi) -> None:
    data = real_scan_600dpi.data
    for bad in (data[: len(data) // 3], data[:2000], data[:600] + bytes(5000)):
        result = trim(bad, validator=validator, check_output=False, overlap_decode=True)
        codes = {f.code for f in result.report.findings if f.check == "trim"}
        assert codes == {"trim.photo_not_found", "trim.print_size", "trim.not_trimmable"}
        assert "trim.early_failed" not in result.report.timings_ms


@pytest.mark.parametrize(("sampling", "chroma"), [
    (((2, 2), (1, 1), (1, 1)), "420"), (((2, 1), (1, 1), (1, 1)), "422"),
    (((1, 2), (1, 1), (1, 1)), "440"), (((1, 1), (1, 1), (1, 1)), "444"),
    (((4, 1), (1, 1), (1, 1)), "444"), (((2, 2), (1, 1), (2, 2)), "444"), (((1, 1),), "444")])
def test_source_chroma_names_the_scans_subsampling(sampling, chroma: str) -> None:
    from photocheck.trimming import source_chroma

    seg = decode.JpegSegments(components=len(sampling), sampling=sampling)
    head = decode.ImageHeader(format="jpeg", width=10, height=10, colour="rgb", jpeg=seg)
    assert source_chroma(head) == chroma
    png = decode.ImageHeader(format="png", width=10, height=10, colour="rgb")
    assert source_chroma(png) == "444"


def test_the_output_keeps_the_scans_chroma_subsampling(portrait, validator) -> None:
    spec = PrintSpec(rotation_deg=1.5, dpi=600, face_mm=31.0, crown_mm=4.0, seed=3)
    scan = render_scan(portrait, spec)  # a 4:2:0 JPEG
    assert decode.parse_jpeg(scan.data).sampling[0] == (2, 2)
    result = trim(scan.data, validator=validator, check_output=False, face_geometry=drawn_fn)
    # enlarged 34/31: the scan's colour is no finer than a 4:2:0 output's
    assert decode.parse_jpeg(result.jpeg).sampling == ((2, 2), (1, 1), (1, 1))
    buf = io.BytesIO()
    Image.open(io.BytesIO(scan.data)).save(buf, "PNG", dpi=(600, 600))
    from_png = trim(buf.getvalue(), validator=validator, check_output=False,
                    face_geometry=drawn_fn)
    assert decode.parse_jpeg(from_png.jpeg).sampling == ((1, 1), (1, 1), (1, 1))


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

    from photocheck.trimming import _MCU_PX, encode_jpeg, warp_encode_split, warp_region

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
    from photocheck.trimming import encode_jpeg, join_jpeg_rows

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
    from photocheck.trimming import encode_jpeg, join_jpeg_rows

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


def test_a_forked_child_trims_with_its_own_threads(validator, real_scan_600dpi) -> None:
    import multiprocessing

    data = real_scan_600dpi.data
    first = trim(data, validator=validator, check_output=False, overlap_decode=True)
    assert first.report.extra["trim"]["face_path"] == "early"  # the thread pool exists now
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(1) as pool:
        got = pool.apply_async(_trim_face_path, (data,)).get(timeout=60)
    assert got == "early"


def _trim_face_path(data: bytes) -> str | None:
    return trim(data, check_output=False, overlap_decode=True).report.extra["trim"]["face_path"]



def test_the_sides_are_measured_while_the_second_thread_runs_its_mesh(
        validator, real_scan_600dpi, monkeypatch) -> None:
    import threading

    from photocheck import trimming

    sides_measured = threading.Event()
    mesh_waited: list[bool] = []
    real_refine, real_mesh = trimming.refine_sides_full, trimming.lean_mesh

    def refine(full, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        out = real_refine(full, *args, **kwargs)
        if threading.current_thread() is threading.main_thread() and full.shape[0] == 3496:
            sides_measured.set()
        return out

    def mesh(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        # the early print was published before this: the main thread measures the full
        # decode's sides meanwhile (a trim that waited for the whole early look would not)
        mesh_waited.append(sides_measured.wait(timeout=10.0))
        return real_mesh(*args, **kwargs)

    monkeypatch.setattr(trimming, "refine_sides_full", refine)
    monkeypatch.setattr(trimming, "lean_mesh", mesh)
    result = trim(real_scan_600dpi.data, validator=validator, check_output=False,
                  overlap_decode=True)
    assert mesh_waited == [True]
    assert result.report.extra["trim"]["face_path"] == "early" and result.jpeg is not None


def test_an_early_look_that_fails_before_the_print_leaves_the_trim_sequential(
        validator, real_scan_600dpi, monkeypatch) -> None:
    from photocheck import trimming

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(trimming, "early_look", broken)
    result = trim(real_scan_600dpi.data, validator=validator, check_output=False,
                  overlap_decode=True)
    assert result.report.extra["trim"]["face_path"] == "lean"
    assert result.jpeg is not None and result.report.status_of("trim.not_trimmable") == "pass"
    assert result.report.timings_ms.get("trim.early_failed") == 1.0
