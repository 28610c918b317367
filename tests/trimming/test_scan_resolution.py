"""``trim.scan_resolution`` on generated application forms with a real portrait (issue 21): a
conforming print scanned at 200 dpi is trimmed with a warning (batch outcome ``review``), one at
100 dpi is refused as ``resolution_too_low``. Skipped without ../shared."""

from __future__ import annotations

import pytest

from benchmarks.form_synth import FormSpec, GluedPrint, render_form
from benchmarks.scan_synth import portrait_from_photo
from photocheck.batch.store import outcome_of
from photocheck.report import Status
from photocheck.trimming import trim
from tests.helpers import shared_photos


@pytest.fixture(scope="module")
def portrait(validator):  # noqa: ANN001, ANN201 - pytest fixture
    found = portrait_from_photo(
        str(shared_photos() / "a_compliant_plain_bg" / "london_002_03.jpg"), validator)
    assert found is not None
    return found


def _form(portrait, dpi: float) -> bytes:  # noqa: ANN001
    # a print that meets the standard (head 34.6, crown 4.3 mm, nose line 0.5 mm right of
    # centre), glued 0.5 mm right of the box centre and turned 1.5°
    glued = GluedPrint((70.0 + 39.5 / 2 + 0.5, 15.0 + 49.5 / 2 - 0.3), 1.5, face_mm=34.6,
                       crown_mm=4.3, nose_dx_mm=0.5, shadow=0.06)
    spec = FormSpec(dpi=dpi, page_mm=(125.0, 80.0), box_mm=(70.0, 15.0, 39.5, 49.5),
                    prints=(glued,), seed=5, font_seed=9)
    return render_form([portrait], spec).data


def test_a_conforming_print_scanned_at_200_dpi_is_trimmed_with_a_warning(validator,
                                                                         portrait) -> None:
    result = trim(_form(portrait, 200.0), validator=validator)
    report = result.report
    assert result.jpeg is not None, report.failing()
    # ~200 print px per output inch (the head cut at 34 mm from 34.6): ~71 px between the eyes
    resolution = report.by_code("trim.scan_resolution")
    assert resolution is not None and resolution.status is Status.WARN
    assert resolution.measured == pytest.approx(203.5, abs=3.0)
    assert resolution.threshold == {"min": 250.0, "fail_min": 170.0}
    for code in ("geometry.head_height", "geometry.top_margin", "geometry.off_centre"):
        assert report.status_of(code) is Status.PASS, (code, report.by_code(code))
    assert report.by_code("geometry.head_height").measured == pytest.approx(34.0, abs=0.5)
    assert report.status_of("quality.upscaled") is not Status.FAIL
    # the batch runner puts it under review, for that reason
    outcome, reason = outcome_of(report.to_dict())
    assert outcome == "review" and "trim.scan_resolution" in reason.split(";")


def test_a_print_scanned_at_100_dpi_is_refused_as_too_coarse(validator, portrait) -> None:
    result = trim(_form(portrait, 100.0), validator=validator)
    assert result.jpeg is None and result.reason == "resolution_too_low"
    resolution = result.report.by_code("trim.scan_resolution")
    assert resolution is not None and resolution.status is Status.FAIL
    assert resolution.measured == pytest.approx(102.0, abs=3.0)
    assert outcome_of(result.report.to_dict()) == (
        "not trimmable", "trim.not_trimmable:resolution_too_low")
