"""The --write-docs hooks of accuracy.py, trim_eval.py and synthetic_degradations.py: exact
blocks in the right files."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from benchmarks import accuracy, docs_figures, synthetic_degradations, trim_eval


@pytest.fixture
def docs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    readme, bench = tmp_path / "README.md", tmp_path / "BENCH.md"
    names = ("accuracy", "trim", "accuracy-detail", "trim-detail", "synthetic")
    text = "".join(f"<!-- figures:{n}:begin -->\nold\n<!-- figures:{n}:end -->\n" for n in names)
    readme.write_text(text, "utf-8")
    bench.write_text(text, "utf-8")
    monkeypatch.setattr(docs_figures, "README", readme)
    monkeypatch.setattr(docs_figures, "BENCH_README", bench)
    monkeypatch.setattr(docs_figures, "provenance", lambda: "commit abc, 2026-12-06")
    return readme, bench


def _block(path: Path, name: str) -> str:
    text = path.read_text("utf-8")
    return text.split(f"<!-- figures:{name}:begin -->\n")[1].split(f"\n<!-- figures:{name}:end")[0]


def test_accuracy_write_docs(docs: tuple[Path, Path]) -> None:
    readme, bench = docs
    held = {"code": "headwear.hat", "tp": 19, "fn": 2, "fp": 0, "tn": 99, "fitted": True}
    tuned = dict(held, tp=20, fn=1)
    filed = {"code": "file.format", "tp": 4, "fn": 0, "fp": 0, "tn": 9, "fitted": False}
    out = {"confusion": [filed, held], "confusion_tuned_on": [filed, tuned],
           "markdown": "FULL TABLES",
           "issue17": {"hats flagged (≥ 90 %)": {"hits": 19, "n": 20, "rate": 0.95}}}
    args = argparse.Namespace(profile="online", no_exceptions=False, only=None, tuned_on=False)
    accuracy.write_docs(out, args)
    setup = "`python benchmarks/accuracy.py --profile online`, commit abc, 2026-12-06"
    lines = _block(readme, "accuracy").splitlines()
    assert lines[0].startswith(f"Measured with {setup}. Held out: ")
    # the content rules, held-out figures first, tuned-on recall beside them; file rules and
    # the issue-17 estimates only in benchmarks/README.md
    assert lines[-1] == "| `headwear.hat` | yes | 19/21 (90 %) | 0/99 (0 %) | 20/21 (95 %) |"
    assert "hats flagged" not in _block(readme, "accuracy")
    assert _block(bench, "accuracy-detail") == f"Measured with {setup}:\n\nFULL TABLES"
    assert _block(readme, "trim") == "old"  # other blocks untouched


def _stats(mx: float, mean: float) -> dict[str, float]:
    return {"n": 3, "mean": mean, "p95": mx, "max": mx, "within_1": 1.0}


SUMMARY = {
    "scans": 5, "ambiguous": 1, "scored_trimmable": 2, "scored_not_trimmable": 2,
    "trimmable_trimmed": 2, "trimmable_wrongly_refused": [], "not_trimmable_flagged": 2,
    "not_trimmable_right_reason": 1, "not_trimmable_wrongly_trimmed": [], "photo_not_found": [],
    "rotation_err_deg": _stats(0.06, 0.01), "print_size_err_mm": _stats(0.41, 0.16),
    "output_px": [(827, 1063)], "output_dpi": [(600.0, 600.0)],
    "face_paths": {"early": 1, "lean": 3, "pipeline": 1},
    "seconds_mean_300dpi": 0.1, "seconds_mean_600dpi": 0.2, "seconds_mean_1200dpi": None,
    "truth": {"head_err_mm": _stats(0.55, 0.15), "top_err_mm": _stats(0.59, 0.09),
              "centre_err_mm": _stats(0.62, 0.1)},
    "measured": {"head_err_mm": None, "top_err_mm": None, "centre_err_mm": None},
}


def test_trim_eval_write_docs(docs: tuple[Path, Path]) -> None:
    readme, bench = docs
    args = argparse.Namespace(n=5, portraits=2, seed=3, drawn=True)
    trim_eval.write_docs(SUMMARY, args)
    setup = ("`python -m benchmarks.trim_eval --n 5 --portraits 2 --seed 3 --drawn`, "
             "commit abc, 2026-12-06")
    assert _block(readme, "trim") == (
        f"Trimming ({setup}):\n\n| figure | value |\n|---|---|\n"
        "| trimmable scans trimmed | 2/2 |\n"
        "| untrimmable scans refused with the right reason | 1/2 (wrongly trimmed: 0) |\n"
        "| output crown-to-chin / top margin / centring error, max | "
        "0.55 mm / 0.59 mm / 0.62 mm |")
    detail = _block(bench, "trim-detail").splitlines()
    assert detail[0] == f"{setup}:"
    assert "| rotation error max / mean | 0.06° / 0.01° |" in detail
    assert "| output size and resolution | 827×1063 px at 600 dpi |" in detail
    assert "| head / top / centre error max (photocheck run on the output) | — / — / — |" in detail
    assert detail[-1] == "| mean seconds per scan (300 / 600 / 1200 dpi) | 0.10 / 0.20 / — |"
    assert _block(readme, "accuracy") == "old"


def test_forms_tables_give_the_issue_figures() -> None:
    from collections import Counter

    from benchmarks.trim_eval import forms_tables

    forms = {"forms": 10, "single_print": 6, "empty": 2, "two_prints": 2, "conforming": 5,
             "outline_within_0.3mm_0.2deg": 5,
             "outline_corner_mm": {"n": 6, "mean": 0.15, "p95": 0.4, "max": 0.41},
             "outline_rotation_deg": {"n": 6, "mean": 0.05, "p95": 0.1, "max": 0.12},
             "conforming_output": 4,
             "conforming_by_dpi": {"300": {"n": 2, "conforming_output": 2},
                                   "600": {"n": 3, "conforming_output": 2}},
             "conforming_refused": Counter({"resolution_too_low": 1}),
             "conforming_outputs_rejected": 1,
             "conforming_reject_codes": {"geometry.off_centre": 1},
             "empty_photo_not_found_fail": 2, "two_refused_multiple_prints": 2}
    short, detail = forms_tables(forms)
    assert short.splitlines() == [
        "| forms: print outline within 0.3 mm and 0.2° | 5/6 (83 %) |",
        "| forms: conforming prints giving a conforming output | 4/5 (80 %) |",
        "| forms: empty box → `trim.photo_not_found` fail; two prints refused | 2/2; 2/2 |"]
    assert "| … by scan resolution | 300 dpi 2/2; 600 dpi 2/3 |" in detail
    assert "| outputs of conforming prints rejected | 1/4 (25 %) |" in detail
    assert "| conforming prints refused, by reason | resolution_too_low 1 |" in detail
    assert "| outline corner error max / mean | 0.41 / 0.15 mm |" in detail
    assert "| outline rotation error max / mean | 0.12 / 0.05° |" in detail


def _syn_row(caught: dict[str, list[int]], flagged: dict[str, list[int]]) -> dict[str, object]:
    return {"code": "lighting.face_shadow", "caught_counts": caught, "flagged_counts": flagged}


def test_synthetic_write_docs(docs: tuple[Path, Path]) -> None:
    readme, bench = docs
    held = {"photos": 2, "top_shadow": _syn_row(
        {"tight": [2, 2], "head_and_shoulders": [1, 2], "half_body": [2, 2]},
        {"tight": [0, 2], "head_and_shoulders": [0, 2], "half_body": [1, 2]})}
    dev = {"photos": 1, "top_shadow": _syn_row({"tight": [1, 1]}, {"tight": [0, 1]})}
    args = argparse.Namespace(split="all", every=1, only="top_shadow")
    synthetic_degradations.write_docs({"dev": dev, "heldout": held}, ["top_shadow"], args)
    lines = _block(bench, "synthetic").splitlines()
    assert lines[0].startswith("`python benchmarks/synthetic_degradations.py --split all "
                               "--only top_shadow`, commit abc, 2026-12-06. Caught: ")
    # held out first, counts per framing, "–" where a framing did not run
    assert lines[2] == "Held out (only scored): 2 photos × 3 framings"
    assert lines[6] == ("| top_shadow | `lighting.face_shadow` | 2/2 (100 %) | 1/2 (50 %) | "
                        "2/2 (100 %) | 0/2 (0 %) | 0/2 (0 %) | 1/2 (50 %) |")
    assert lines[8] == "Dev (looked at while tuning): 1 photos × 3 framings"
    assert lines[-1] == ("| top_shadow | `lighting.face_shadow` | 1/1 (100 %) | – | – | "
                         "0/1 (0 %) | – | – |")
    assert _block(readme, "synthetic") == "old"  # only benchmarks/README.md is written


def test_synthetic_same_concern_is_not_new() -> None:
    """A mild brighten that moves an already-raised over-exposure to its sister code is not a
    new flag; a code of another concern still is."""
    def run(level: str, statuses: dict[str, str]) -> dict[str, object]:
        return {"deg": "brighten", "level": level, "framing": "tight", "statuses": statuses}

    results = [
        {"file": "a.jpg", "baseline": {"tight": {"lighting.too_bright": "warn"}},
         "runs": [run("clear", {"lighting.too_bright": "fail"}),
                  run("mild", {"lighting.too_bright": "warn", "lighting.clipped": "fail"})]},
        {"file": "b.jpg", "baseline": {"tight": {"lighting.too_bright": "warn"}},
         "runs": [run("mild", {"lighting.clipped": "warn", "background.shadow": "warn"})]},
        {"file": "c.jpg", "baseline": {"tight": {}},
         "runs": [run("mild", {"lighting.clipped": "warn"})]},
    ]
    row = synthetic_degradations.summarise(results, ["brighten"])["brighten"]
    assert row["same_concern_runs"] == ["a.jpg@tight (lighting.clipped)",
                                        "b.jpg@tight (lighting.clipped, background.shadow)"]
    assert row["flagged_runs"] == ["b.jpg@tight (background.shadow)",
                                   "c.jpg@tight (lighting.clipped)"]
    assert row["flagged_counts"] == {"tight": [2, 3]}
    assert row["caught"] == 1.0
