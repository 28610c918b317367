"""Accuracy of photocheck on the real labelled photos in ../shared/photos.

Runs the Validator over every photo of MANIFEST.csv and prints, per check code, a confusion table
against the manifest labels, the done-when figures of the issues, the false-fail rate of every
code on clean compliant photos, and per-stage timings.

Label → expected-code mapping (a photo is a *positive* when the code should fail on it and a
*negative* when it should not; photos that are neither are not counted for that code):

- ``file.format``: positive png, heif, heic, avif, webp, gif, tiff, bmp, not_an_image,
  html_named_jpg, empty_file; negative jpeg.
- ``file.colour_mode``: positive cmyk (fail) or grayscale (warn); negative other jpeg.
- ``file.corrupt``: positive corrupt, truncated, decode_error (not the non-images, which are
  ``file.format``); negative other jpeg.
- ``file.pixels_too_small``: positive below_480px (decodable); negative decodable ≥ 480 px.
- ``file.bytes_too_small``: positive under_20KB; negative other jpeg.
- ``metadata.edited``: positive any ``edited_*``; negative exif_camera or resaved_gd_jpeg
  without ``edited_*``.
- ``face.not_found``: positive no_face among decodable images (HEIC, truncated files and the
  280 MP header are not decoded: their face rules are ``not_assessed``); negative
  a_compliant_plain_bg.
- ``face.multiple``: positive multi_face (≥ 480 px); negative a_compliant_plain_bg.
- ``pose.*`` (any pose code): positive turned, tilted, profile, roll, yaw, pitch, head_up,
  head_down; negative frontal in a_compliant_plain_bg.
- ``eyes.closed``: positive eyes_closed; negative a_compliant_plain_bg.
- ``expression.teeth``: positive smiling_teeth; negative neutral_expression.
- ``headwear.hat``: positive hat (≥ 480 px); negative clean compliant.
- ``eyewear.sunglasses``: positive sunglasses; negative glasses without sunglasses, and clean
  compliant.
- ``background.not_plain``: positive busy_bg; negative plain_bg.
- ``lighting.too_dark``: positive dark; negative clean compliant.
- ``quality.blur``: positive motion_blur; negative clean compliant.

A code is *flagged* when its finding fails or warns.

"Clean compliant" = a_compliant_plain_bg minus photos whose labels name a defect
(see DEFECT_LABELS); on them every content code should pass.

Usage::

    python benchmarks/accuracy.py [--photos ../shared/photos] [--threads 2] [--json out.json]
        [--markdown] [--only CATEGORY]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from photocheck.validator import Validator  # noqa: E402

DEFAULT_PHOTOS = REPO.parent / "shared" / "photos"

# Labels that name a defect some content check should flag: such photos are not "clean".
DEFECT_LABELS = {
    "hair_band", "smiling_teeth", "smiling", "slight_smile", "dark_bg", "hat", "sunglasses",
    "turned", "tilted", "eyes_closed", "multi_face", "busy_bg", "shadow_on_face", "dark",
    "glasses", "hair_over_face", "hand_near_face", "gaze_away", "gaze_up", "head_down", "head_up",
    "slight_turn", "slight_tilt", "coloured_bg", "mouth_open", "expression",
}
NON_JPEG = {"png", "heif", "heic", "avif", "webp", "gif", "tiff", "bmp", "not_an_image",
            "html_named_jpg", "empty_file"}
POSE_LABELS = {"turned", "tilted", "profile", "roll", "yaw", "pitch", "head_up", "head_down"}
BROKEN = {"corrupt", "truncated", "decode_error", "unreadable"}
NOT_IMAGE = {"not_an_image", "html_named_jpg", "empty_file"}  # file.format, not file.corrupt
UNDECODABLE = BROKEN | NOT_IMAGE | {"heic", "heif", "decompression_bomb"}

Row = dict[str, Any]
Pred = Callable[[Row], bool]


def _attrs(row: Row) -> set[str]:
    return row["attrs"]


def _big(row: Row) -> bool:
    return "below_480px" not in _attrs(row)


def _clean_compliant(row: Row) -> bool:
    return row["category"] == "a_compliant_plain_bg" and not (_attrs(row) & DEFECT_LABELS)


def _compliant(row: Row) -> bool:
    return row["category"] == "a_compliant_plain_bg"


def _decodable(row: Row) -> bool:
    return not (_attrs(row) & (BROKEN | {"not_an_image", "html_named_jpg", "empty_file"}))


@dataclass(frozen=True)
class Expectation:
    """One row of the label → expected-code mapping."""

    code: str  # a code, or "pose.*" for any code of a check
    positive: Pred
    negative: Pred
    note: str


EXPECTATIONS: list[Expectation] = [
    Expectation("file.format", lambda r: bool(_attrs(r) & NON_JPEG),
                lambda r: "jpeg" in _attrs(r) and not _attrs(r) & NON_JPEG, "non-JPEG formats"),
    Expectation("file.colour_mode", lambda r: bool(_attrs(r) & {"cmyk", "grayscale"}),
                lambda r: "jpeg" in _attrs(r) and not _attrs(r) & {"cmyk", "grayscale"},
                "CMYK fails, grayscale warns"),
    Expectation("file.corrupt", lambda r: bool(_attrs(r) & BROKEN) and not _attrs(r) & NOT_IMAGE,
                lambda r: "jpeg" in _attrs(r) and not _attrs(r) & BROKEN, "truncated/corrupt"),
    Expectation("file.pixels_too_small", lambda r: "below_480px" in _attrs(r) and _decodable(r),
                lambda r: _big(r) and _decodable(r) and int(r["width"] or 0) > 0, "< 480 px"),
    Expectation("file.bytes_too_small", lambda r: "under_20KB" in _attrs(r),
                lambda r: "jpeg" in _attrs(r) and "under_20KB" not in _attrs(r), "< 20 KB"),
    Expectation("metadata.edited",
                lambda r: any(a.startswith("edited_") for a in _attrs(r)),
                lambda r: bool(_attrs(r) & {"exif_camera", "resaved_gd_jpeg"})
                and not any(a.startswith("edited_") for a in _attrs(r)), "editor evidence"),
    Expectation("face.not_found",
                lambda r: "no_face" in _attrs(r) and not _attrs(r) & UNDECODABLE, _compliant,
                "no face (decodable images)"),
    Expectation("face.multiple", lambda r: "multi_face" in _attrs(r) and _big(r), _compliant,
                "another person"),
    Expectation("pose.*", lambda r: bool(_attrs(r) & POSE_LABELS),
                lambda r: _compliant(r) and "frontal" in _attrs(r), "any pose failure"),
    Expectation("eyes.closed", lambda r: "eyes_closed" in _attrs(r), _compliant, "eyes closed"),
    Expectation("expression.teeth", lambda r: "smiling_teeth" in _attrs(r),
                lambda r: "neutral_expression" in _attrs(r), "teeth showing"),
    Expectation("headwear.hat", lambda r: "hat" in _attrs(r) and _big(r), _clean_compliant, "hat"),
    Expectation("eyewear.sunglasses", lambda r: "sunglasses" in _attrs(r),
                lambda r: ("glasses" in _attrs(r) and "sunglasses" not in _attrs(r))
                or _clean_compliant(r), "sunglasses"),
    Expectation("background.not_plain", lambda r: "busy_bg" in _attrs(r),
                lambda r: "plain_bg" in _attrs(r), "busy background"),
    Expectation("lighting.too_dark", lambda r: "dark" in _attrs(r), _clean_compliant, "dark"),
    Expectation("quality.blur", lambda r: "motion_blur" in _attrs(r), _clean_compliant, "blur"),
]

# Codes that depend on the capture date or file rules, not on what the photo shows.
NON_CONTENT_PREFIXES = ("file.", "metadata.")


def load_manifest(photos: Path) -> list[Row]:
    """Manifest rows with an ``attrs`` label set."""
    with (photos / "MANIFEST.csv").open(newline="", encoding="utf-8") as fh:
        rows: list[Row] = list(csv.DictReader(fh))
    for row in rows:
        row["attrs"] = set(filter(None, row["attributes"].split(";")))
    return rows


def flagged_codes(report: dict[str, Any]) -> set[str]:
    """Codes that fail or warn in a report dict."""
    return {f["code"] for f in report["findings"] if f["status"] in ("fail", "warn")}


def _matches(code: str, flagged: set[str]) -> bool:
    if code.endswith(".*"):
        prefix = code[:-1]
        return any(c.startswith(prefix) for c in flagged)
    return code in flagged


def run(photos: Path, threads: int, only: str | None, profile: str,
        exceptions_by_label: bool) -> list[tuple[Row, dict[str, Any], float]]:
    """Check every manifest photo; returns (row, report dict, wall ms)."""
    rows = [r for r in load_manifest(photos) if only is None or r["category"] == only]
    validator = Validator(profile)
    validator.models.warm_up()

    def one(row: Row) -> tuple[Row, dict[str, Any], float]:
        declared: list[str] = []
        if exceptions_by_label:
            if row["category"] == "c_head_covering" or _attrs(row) & {
                "hijab", "religious_head_covering", "head_wrap", "non_religious_head_covering"
            }:
                declared.append("head_covering")
            if "infant" in _attrs(row):
                declared.append("infant")
        start = time.perf_counter()
        report = validator.check(photos / row["file"], exceptions=declared,
                                 applied_on=dt.date(2026, 11, 21))
        return row, report.to_dict(), (time.perf_counter() - start) * 1000.0

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(one, rows))


def confusion(results: list[tuple[Row, dict[str, Any], float]]) -> list[dict[str, Any]]:
    """Per expectation: TP, FN, FP, TN, recall, false-positive rate, and the misses."""
    table = []
    for exp in EXPECTATIONS:
        tp = fn = fp = tn = 0
        misses: list[str] = []
        false_alarms: list[str] = []
        for row, report, _ in results:
            hit = _matches(exp.code, flagged_codes(report))
            if exp.positive(row):
                tp, fn = tp + hit, fn + (not hit)
                if not hit:
                    misses.append(row["file"])
            elif exp.negative(row):
                fp, tn = fp + hit, tn + (not hit)
                if hit:
                    false_alarms.append(row["file"])
        table.append({
            "code": exp.code, "note": exp.note, "tp": tp, "fn": fn, "fp": fp, "tn": tn,
            "recall": tp / (tp + fn) if tp + fn else None,
            "false_positive_rate": fp / (fp + tn) if fp + tn else None,
            "misses": misses, "false_alarms": false_alarms,
        })
    return table


def clean_compliant_fail_rates(results: list[tuple[Row, dict[str, Any], float]]) -> dict[str, Any]:
    """Fail/warn rate of each content code on clean compliant photos."""
    clean = [(row, rep) for row, rep, _ in results if _clean_compliant(row)]
    counts: Counter[str] = Counter()
    who: dict[str, list[str]] = defaultdict(list)
    for row, rep in clean:
        for code in flagged_codes(rep):
            if not code.startswith(NON_CONTENT_PREFIXES):
                counts[code] += 1
                who[code].append(row["file"])
    return {"n": len(clean), "codes": {c: {"count": n, "rate": n / max(1, len(clean)),
                                           "files": who[c]} for c, n in counts.most_common()}}


def done_when(results: list[tuple[Row, dict[str, Any], float]]) -> dict[str, Any]:
    """The issues' specific acceptance figures."""
    compliant = [(r, rep) for r, rep, _ in results if _compliant(r)]
    one_face = sum(
        1 for _, rep in compliant
        if {f["code"]: f["status"] for f in rep["findings"]}.get("face.not_found") == "pass"
        and {f["code"]: f["status"] for f in rep["findings"]}.get("face.multiple") == "pass"
    )
    crown_ok = 0
    canada_computed = 0
    canada_total = 0
    for row, rep in compliant:
        face = rep.get("face") or {}
        crown, landmarks_top = face.get("crown"), face.get("forehead")
        if crown and (landmarks_top is None or crown[1] < landmarks_top[1]):
            crown_ok += 1
        if row["file"].split("/")[-1].startswith("canada_"):
            canada_total += 1
            head = next((f for f in rep["findings"] if f["code"] == "geometry.head_height"), None)
            if head and head["status"] in ("pass", "fail", "warn"):
                canada_computed += 1
    return {
        "compliant_exactly_one_face": f"{one_face}/{len(compliant)}",
        "compliant_crown_found_above_forehead": f"{crown_ok}/{len(compliant)}",
        "canada_geometry_computed": f"{canada_computed}/{canada_total}",
    }


def stage_timings(results: list[tuple[Row, dict[str, Any], float]]) -> dict[str, dict[str, float]]:
    """Median and p90 wall time per stage over the photos that ran it."""
    per: dict[str, list[float]] = defaultdict(list)
    for _, rep, wall in results:
        for key, ms in rep["timings_ms"].items():
            per[key].append(ms)
        per["wall"].append(wall)
    out = {}
    for key, values in sorted(per.items()):
        values.sort()
        out[key] = {"n": len(values), "median_ms": statistics.median(values),
                    "p90_ms": values[int(0.9 * (len(values) - 1))]}
    return out


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.0f} %"


def render_markdown(table: list[dict[str, Any]], rates: dict[str, Any], dw: dict[str, Any],
                    timings: dict[str, dict[str, float]], n: int) -> str:
    """The README tables."""
    lines = [f"Photos checked: {n}.", "",
             "| code | positives flagged (recall) | negatives flagged (false-positive rate) |",
             "|---|---|---|"]
    for t in table:
        lines.append(f"| `{t['code']}` ({t['note']}) | {t['tp']}/{t['tp'] + t['fn']} "
                     f"({_pct(t['recall'])}) | {t['fp']}/{t['fp'] + t['tn']} "
                     f"({_pct(t['false_positive_rate'])}) |")
    lines += ["", f"False fails on clean compliant photos (n = {rates['n']}):", "",
              "| code | fails | rate |", "|---|---|---|"]
    for code, info in rates["codes"].items():
        lines.append(f"| `{code}` | {info['count']} | {_pct(info['rate'])} |")
    lines += ["", "| figure | value |", "|---|---|"]
    lines += [f"| {k.replace('_', ' ')} | {v} |" for k, v in dw.items()]
    lines += ["", "| stage | photos | median ms | p90 ms |", "|---|---|---|---|"]
    for key, t in timings.items():
        lines.append(f"| {key} | {t['n']} | {t['median_ms']:.1f} | {t['p90_ms']:.1f} |")
    return "\n".join(lines)


def write_docs(table: list[dict[str, Any]], full_markdown: str, args: argparse.Namespace) -> None:
    """Summary into README.md (block ``accuracy``), every table into benchmarks/README.md
    (block ``accuracy-detail``), via :mod:`benchmarks.docs_figures`."""
    from benchmarks.docs_figures import BENCH_README, README, provenance, replace_block

    setup = (f"`python benchmarks/accuracy.py --profile {args.profile}"
             f"{' --no-exceptions' if args.no_exceptions else ''}"
             f"{' --only ' + args.only if args.only else ''}`, {provenance()}")
    lines = [f"Measured with {setup}:", "",
             "| code | recall | false-positive rate |", "|---|---|---|"]
    lines += [f"| `{t['code']}` | {t['tp']}/{t['tp'] + t['fn']} ({_pct(t['recall'])}) | "
              f"{t['fp']}/{t['fp'] + t['tn']} ({_pct(t['false_positive_rate'])}) |"
              for t in table]
    replace_block(README, "accuracy", "\n".join(lines))
    replace_block(BENCH_README, "accuracy-detail", f"Measured with {setup}:\n\n{full_markdown}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=Path, default=DEFAULT_PHOTOS)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--profile", default="online")
    parser.add_argument("--only", help="only this category (folder name without small/)")
    parser.add_argument("--json", type=Path, help="write the full results here")
    parser.add_argument("--no-exceptions", action="store_true",
                        help="do not declare head_covering/infant from the labels")
    parser.add_argument("--misses", action="store_true", help="list misses and false alarms")
    parser.add_argument("--write-docs", action="store_true",
                        help="write the tables into README.md and benchmarks/README.md")
    args = parser.parse_args(argv)
    if not (args.photos / "MANIFEST.csv").is_file():
        print(f"no MANIFEST.csv under {args.photos}", file=sys.stderr)
        return 2
    start = time.perf_counter()
    results = run(args.photos, args.threads, args.only, args.profile, not args.no_exceptions)
    table = confusion(results)
    rates = clean_compliant_fail_rates(results)
    dw = done_when(results)
    timings = stage_timings(results)
    markdown = render_markdown(table, rates, dw, timings, len(results))
    print(markdown)
    if args.write_docs:
        write_docs(table, markdown, args)
    if args.misses:
        for t in table:
            if t["misses"] or t["false_alarms"]:
                print(f"\n{t['code']}: misses {t['misses']}\n  false alarms {t['false_alarms']}")
        for code, info in rates["codes"].items():
            print(f"\nclean-compliant fails {code}: {info['files']}")
    print(f"\n({time.perf_counter() - start:.0f} s)", file=sys.stderr)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({
            "confusion": table, "clean_compliant": rates, "done_when": dw, "timings": timings,
            "reports": [{"file": r["file"], "labels": sorted(r["attrs"]), "report": rep}
                        for r, rep, _ in results],
        }, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
