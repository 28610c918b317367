"""photocheck.trimming.forms: the glued print on a scanned application form (issue 21) —
generated forms with known answers (benchmarks.form_synth), drawn portraits."""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
import pytest

from benchmarks.form_synth import FormSpec, GluedPrint, render_form
from benchmarks.scan_synth import drawn_face_geometry, drawn_portrait
from photocheck.report import Status
from photocheck.trimming import trim
from photocheck.trimming.finding import detection_factor
from photocheck.trimming.form_sides import measure_on_form
from photocheck.trimming.forms import find_on_form, locate_on_form
from photocheck.trimming.rect import rect_from_quad
from photocheck.trimming.standard import FaceGeometry, plan_crop

PORTRAITS = [drawn_portrait(), drawn_portrait(740, 920, seed=1)]


def _form(dpi: float, prints: tuple[GluedPrint, ...], **kw: object) -> object:
    kw.setdefault("page_mm", (125.0, 80.0))
    spec = FormSpec(dpi=dpi, box_mm=(70.0, 15.0, 39.5, 49.5), prints=prints, seed=5,
                    font_seed=9, **kw)  # type: ignore[arg-type]
    return render_form(PORTRAITS, spec)


def _glued(dx: float = 0.6, dy: float = -0.4, rot: float = 2.7, **kw: object) -> GluedPrint:
    return GluedPrint((70.0 + 39.5 / 2 + dx, 15.0 + 49.5 / 2 + dy), rot, face_mm=34.6,
                      crown_mm=4.3, nose_dx_mm=0.5, shadow=0.1, **kw)  # type: ignore[arg-type]


def _small(data: bytes) -> tuple[np.ndarray, np.ndarray, float]:
    full = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    h, w = full.shape[:2]
    f = detection_factor(max(h, w))
    small = cv2.resize(full, (w // f, h // f), interpolation=cv2.INTER_LINEAR)
    return full, small, small.shape[1] / w


def _corner_error_mm(quad: np.ndarray, truth: np.ndarray, dpi: float) -> float:
    ordered = rect_from_quad(np.asarray(quad, float)).quad
    return float(np.max(np.hypot(*(ordered - truth).T))) / (dpi / 25.4)


@pytest.mark.parametrize(("dpi", "greyscale", "over_line"), [
    (300.0, False, False), (600.0, False, True), (400.0, True, False), (200.0, False, True),
    (200.0, True, False)])
def test_the_glued_print_is_found_within_0_3_mm_and_0_2_deg(dpi, greyscale, over_line) -> None:
    # over_line: glued 1.6 mm right of centre and turned 3.5°, its corner over the box line
    glued = _glued(1.6, 0.9, 3.5) if over_line else _glued()
    form = _form(dpi, (glued,), greyscale=greyscale)
    full, small, scale = _small(form.data)
    search = find_on_form(small, dpi / 25.4 * scale)
    assert len(search.prints) == 1
    found = locate_on_form(full, small, scale, dpi, size_tolerance_mm=1.0)
    assert found is not None and found.kind == "print" and found.rect is not None
    truth = form.prints[0]
    assert _corner_error_mm(found.rect.quad, truth.quad_px, dpi) <= 0.3
    assert abs(found.rect.rotation_deg - truth.rotation_deg) <= 0.2


def test_an_empty_photo_box_fails_photo_not_found(validator) -> None:
    form = _form(300.0, ())
    full, small, scale = _small(form.data)
    found = locate_on_form(full, small, scale, 300.0, size_tolerance_mm=1.0)
    assert found is not None and found.kind == "empty"
    result = trim(form.data, validator=validator, face_geometry=drawn_face_geometry,
                  overlap_decode=False)
    assert result.jpeg is None
    assert result.report.status_of("trim.photo_not_found") is Status.FAIL
    assert result.report.by_code("trim.photo_not_found").measured == (
        "the photo box on the form is empty")
    assert str(result.report.verdict) == "reject"


def test_two_prints_are_refused_with_their_own_reason(validator) -> None:
    second = GluedPrint((70.0 + 39.5 + 8.0 + 17.5, 40.0), -2.0, face_mm=34.0, crown_mm=4.0,
                        shadow=0.1, portrait=1)
    form = _form(300.0, (_glued(), second), page_mm=(170.0, 80.0))
    result = trim(form.data, validator=validator, face_geometry=drawn_face_geometry,
                  overlap_decode=False)
    assert result.jpeg is None and result.reason == "multiple_prints"
    found = result.report.by_code("trim.multiple_prints")
    assert found is not None and found.status is Status.FAIL and found.measured == 2
    assert result.report.status_of("trim.not_trimmable") is Status.NOT_ASSESSED


def test_a_conforming_print_on_a_form_comes_out_conforming(validator) -> None:
    form = _form(400.0, (_glued(),))
    result = trim(form.data, validator=validator, face_geometry=drawn_face_geometry,
                  check_output=False, overlap_decode=False)
    assert result.jpeg is not None, result.reason
    assert result.report.status_of("trim.multiple_prints") is Status.PASS
    assert result.report.status_of("trim.print_size") is Status.PASS
    truth = form.prints[0]
    # the truth mapped through the trim's affine into output mm (600 dpi output)
    inv = np.linalg.inv(np.vstack([result.out_to_scan, [0, 0, 1]]))
    m = (inv @ np.vstack([truth.mm_to_scan, [0, 0, 1]]))[:2] / (600 / 25.4)
    crown, chin, nose = (m[:, :2] @ p + m[:, 2] for p in (truth.crown_mm, truth.chin_mm,
                                                          truth.nose_mm))
    assert 32.0 <= chin[1] - crown[1] <= 36.0
    assert 2.0 <= crown[1] <= 6.0
    assert abs(nose[0] - 17.5) <= 2.0
    assert _corner_error_mm(result.report.extra["trim"]["print_quad"], truth.quad_px,
                            400.0) <= 0.3


def test_a_conforming_print_whose_ideal_crop_does_not_fit_gets_the_nearest_conforming() -> None:
    # a 35×45 print (10 px/mm) whose head is 35.5 mm with the crown 5 mm down: the ideal
    # 34 mm head would need a crop 36.5 mm wide
    ppm = 10.0
    geom = FaceGeometry(crown=np.array([175.0, 50.0]), chin=np.array([175.0, 405.0]),
                        nose=np.array([175.0, 300.0]))
    tight = plan_crop(geom, 350.0, 450.0, tolerance_mm=0.5, min_source_dpi=200.0)
    assert not tight.trimmable and tight.reason == "too_close_to_edge"
    near = plan_crop(geom, 350.0, 450.0, tolerance_mm=0.5, min_source_dpi=200.0,
                     conforming_margin_mm=0.1)
    assert near.trimmable
    # the whole print is the nearest conforming crop: head 35.5, top 5 mm, centred
    assert near.box == pytest.approx((0.0, 0.0, 350.0, 450.0), abs=1e-6)
    assert near.head_mm == pytest.approx(35.5) and near.top_margin_mm == pytest.approx(5.0)
    assert near.px_per_mm == pytest.approx(ppm)


@pytest.mark.parametrize("dpi", [200.0, 400.0])
def test_a_light_print_beside_a_thick_box_line_is_measured_on_its_own_edge(dpi) -> None:
    # a light print (paper-like grey background) 0.9 mm inside a 0.6-mm box line on cloudy
    # paper: found on the small copy, its top side can lie on the line; measured on the scan,
    # all four corners are within 0.3 mm
    portrait = drawn_portrait()
    light = portrait.bgr.copy()
    light[(light.astype(int).sum(axis=2) > 540)] = (214, 216, 218)
    glued = GluedPrint((70.0 + 39.5 / 2 + 0.2, 15.0 + 0.6 + 0.9 + 22.5), -0.4, face_mm=34.0,
                       crown_mm=4.0, shadow=0.03)
    spec = FormSpec(dpi=dpi, page_mm=(125.0, 80.0), box_mm=(70.0, 15.0, 39.5, 49.5),
                    box_line_mm=0.6, prints=(glued,), texture=5.0, seed=5, font_seed=9)
    form = render_form([replace(portrait, bgr=light)], spec)
    full, small, scale = _small(form.data)
    found = locate_on_form(full, small, scale, dpi, size_tolerance_mm=1.0)
    assert found is not None and found.rect is not None
    truth = form.prints[0]
    assert _corner_error_mm(found.rect.quad, truth.quad_px, dpi) <= 0.3
    assert abs(found.rect.rotation_deg - truth.rotation_deg) <= 0.2
    # started 1.8 mm out on the top side (on the box line), the top is found again
    ppm = dpi / 25.4
    start = truth.quad_px.copy()
    t = np.deg2rad(truth.rotation_deg)
    up = np.array([-np.sin(t), -np.cos(t)])  # the print's up on the scan
    start[:2] += 1.8 * ppm * up
    quad, measured = measure_on_form(full, start, ppm, np.median(full.reshape(-1, 3), axis=0))
    assert measured.all()
    assert _corner_error_mm(quad, truth.quad_px, dpi) <= 0.3
