"""photocheck.trimming (trim_outcome, trim): generated scans with known geometry, refusals, bad
input, real scans."""

from __future__ import annotations

import io
import json

import cv2
import numpy as np
import pytest
from PIL import Image

from benchmarks.scan_synth import (
    PrintSpec,
    drawn_face_geometry,
    drawn_geometry,
    expected_trim,
    portrait_from_photo,
    render_scan,
)
from photocheck import decode
from photocheck.report import Status
from photocheck.trimming import trim
from tests.helpers import shared_photos

OUT_PPM = 600 / 25.4  # output px per mm at 600 dpi


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


def test_check_does_not_run_the_trim_codes(validator) -> None:
    from tests.helpers import make_jpeg

    report = validator.check(make_jpeg(600, 800, noise=False))
    assert not [f for f in report.findings if f.check == "trim"]


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
        # trim.multiple_prints is judged once a print is found
        found = result.report.status_of("trim.photo_not_found") is Status.PASS
        assert set(trim_codes) == {"trim.photo_not_found", "trim.print_size",
                                   "trim.scan_resolution", "trim.not_trimmable"} | (
            {"trim.multiple_prints"} if found else set()), path.name
        if result.jpeg is None:
            # a clear reason: a failing or not-assessed trim finding with its cause
            flagged = [f for f in trim_codes.values()
                       if f.status in (Status.FAIL, Status.NOT_ASSESSED)]
            assert flagged, path.name
        else:
            assert decode.read_header(result.jpeg).width == 827


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
