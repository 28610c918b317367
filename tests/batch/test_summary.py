"""summary.csv's outcome column: one clear answer per input (no photo / not trimmable / photo
rejected / review / accepted / error), from result lines built with the library's findings."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from photocheck.batch import Options, discover, run
from photocheck.batch.store import outcome_of, record_of
from photocheck.batch.summary import outcomes, print_summary
from photocheck.checks.base import finding, not_assessed
from photocheck.report import Report, Status
from tests.batch.fake import jpeg_of


def _line(findings: list, output: str | None = None, error: dict | None = None) -> dict:
    report = Report(source="s.jpg", profile="mail", profile_digest="x", exceptions=[],
                    findings=findings)
    line = report.to_dict()
    line.update(input="s.jpg", sha256="ab", output=output, error=error)
    return line


FOUND = finding("trim.photo_not_found", Status.PASS, "found")


def test_an_empty_box_is_no_photo() -> None:
    line = _line([finding("trim.photo_not_found", Status.FAIL, "no print found on the scan"),
                  not_assessed("trim.print_size", "trim.photo_not_found"),
                  not_assessed("trim.not_trimmable", "trim.photo_not_found")])
    assert outcome_of(line) == ("no photo", "trim.photo_not_found")


def test_refusals_are_not_trimmable_with_their_reason() -> None:
    two = _line([FOUND, finding("trim.multiple_prints", Status.FAIL, 2),
                 not_assessed("trim.not_trimmable", "trim.multiple_prints")])
    assert outcome_of(two) == ("not trimmable", "trim.multiple_prints")
    edge = _line([FOUND, finding("trim.not_trimmable", Status.FAIL, "too_close_to_edge")])
    assert outcome_of(edge) == ("not trimmable", "trim.not_trimmable:too_close_to_edge")
    noface = _line([FOUND, not_assessed("trim.not_trimmable", "face.not_found")])
    assert outcome_of(noface) == ("not trimmable", "trim.not_trimmable:face.not_found")


def test_a_trimmed_photo_is_rejected_reviewed_or_accepted() -> None:
    trimmed = [FOUND, finding("trim.not_trimmable", Status.PASS, "trimmed")]
    bad = _line([*trimmed, finding("quality.blur", Status.FAIL, 1.0),
                 finding("background.not_plain", Status.FAIL, 9.0)], output="o.jpg")
    assert outcome_of(bad) == ("photo rejected", "background.not_plain;quality.blur")
    warn = _line([*trimmed, finding("trim.print_size", Status.WARN, {"width": 30})],
                 output="o.jpg")
    assert outcome_of(warn) == ("review", "trim.print_size")
    assert outcome_of(_line(trimmed, output="o.jpg")) == ("accepted", "")
    err = _line([finding("file.corrupt", Status.FAIL)], error={"code": "file.corrupt"})
    assert outcome_of(err) == ("error", "file.corrupt")
    rec = record_of(bad)
    assert (rec.outcome, rec.reason) == ("photo rejected", "background.not_plain;quality.blur")


def test_summary_csv_and_stderr_carry_the_outcomes(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for i, mean in enumerate((200, 120, 50)):  # fake processor: accept, review, reject
        (folder / f"s{i}.jpg").write_bytes(jpeg_of(mean, seed=i))
    (folder / "bad.jpg").write_bytes(b"\xff\xd8 not a jpeg")
    opts = Options(out=tmp_path / "out", workers=1, processor="tests.batch.fake:fake_processor",
                   progress=False)
    outcome = run(discover(str(folder)), opts)
    with (tmp_path / "out" / "summary.csv").open(newline="") as fh:
        rows = {Path(r["input"]).name: r for r in csv.DictReader(fh)}
    assert {k: (r["outcome"], r["reason"]) for k, r in rows.items()} == {
        "s0.jpg": ("accepted", ""), "s1.jpg": ("review", "quality.noise"),
        "s2.jpg": ("photo rejected", "lighting.too_dark"),
        "bad.jpg": ("error", "file.corrupt")}
    assert dict(outcomes(outcome)) == {"accepted": 1, "review": 1, "photo rejected": 1,
                                       "error": 1}
    text = io.StringIO()
    print_summary(outcome, tmp_path / "out", text)
    assert "outcomes: accepted=1, review=1, photo rejected=1, error=1" in text.getvalue()


def test_a_folder_of_form_scans_gives_a_photo_or_one_reason_each(tmp_path: Path) -> None:
    """The default processor (photocheck.trim) on generated application forms: the glued
    print is trimmed, an empty photo box is "no photo", two prints "not trimmable"."""
    form_synth = pytest.importorskip("benchmarks.form_synth")
    from benchmarks.scan_synth import drawn_portrait

    portraits = [drawn_portrait(), drawn_portrait(740, 920, seed=1)]
    folder = tmp_path / "forms"
    folder.mkdir()
    box = (70.0, 15.0, 39.5, 49.5)
    glued = form_synth.GluedPrint((90.3, 39.4), 2.0, face_mm=34.0, crown_mm=4.0, shadow=0.08)
    second = form_synth.GluedPrint((135.0, 40.0), -1.5, face_mm=34.0, crown_mm=4.0,
                                   shadow=0.08, portrait=1)
    for name, prints, page in (("one", (glued,), (125.0, 80.0)), ("empty", (), (125.0, 80.0)),
                               ("two", (glued, second), (170.0, 80.0))):
        spec = form_synth.FormSpec(dpi=300.0, page_mm=page, box_mm=box, prints=prints)
        (folder / f"{name}.jpg").write_bytes(form_synth.render_form(portraits, spec).data)
    opts = Options(out=tmp_path / "out", workers=1, progress=False)
    run(discover(str(folder)), opts)
    with (tmp_path / "out" / "summary.csv").open(newline="") as fh:
        rows = {Path(r["input"]).stem: r for r in csv.DictReader(fh)}
    assert (rows["empty"]["outcome"], rows["empty"]["reason"]) == ("no photo",
                                                                   "trim.photo_not_found")
    assert (rows["two"]["outcome"], rows["two"]["reason"]) == ("not trimmable",
                                                               "trim.multiple_prints")
    assert rows["one"]["outcome"] in ("accepted", "review", "photo rejected")
    assert rows["one"]["output"] and (tmp_path / "out" / rows["one"]["output"]).is_file()
    assert not rows["empty"]["output"] and not rows["two"]["output"]
