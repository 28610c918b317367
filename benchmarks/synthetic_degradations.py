"""Synthetic degradations over the clean compliant photos: detection and false-failure rates.

Every degradation of :mod:`tests.synthetic` is applied at its "clear" and "mild" strength to
each clean compliant photo of ../shared/photos (``a_compliant_plain_bg`` minus photos whose
labels name a defect), re-encoded as a JPEG (quality 95) and checked by the background,
lighting and quality checks. Printed:

- baseline: how often each of these codes fails on the untouched photos;
- clear: how often the degradation's own code fails (or warns) — done when ≥ 95 % (for
  over-exposure, too_bright or clipped);
- mild: how often any of these codes fails on the mildly degraded photo where it did not fail
  on the original — done when ≤ 5 %;
with the files that miss.

Usage::

    python benchmarks/synthetic_degradations.py [--photos ../shared/photos] [--every N]
        [--only blur,noise] [--workers 2] [--json out.json]
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from benchmarks.accuracy import DEFECT_LABELS  # noqa: E402
from photocheck import decode, face, segmentation  # noqa: E402
from photocheck.checks import background, lighting, quality  # noqa: E402
from photocheck.context import NotAssessable  # noqa: E402
from photocheck.report import Status  # noqa: E402
from photocheck.validator import Validator  # noqa: E402
from tests.synthetic import DEGRADATIONS  # noqa: E402

MY_CHECKS = (background.CHECK, lighting.CHECK, quality.CHECK)
FLAGGED = {Status.FAIL, Status.WARN}

_validator: Validator | None = None


def _v() -> Validator:
    global _validator
    if _validator is None:
        _validator = Validator("online")
    return _validator


def clean_compliant(photos: Path) -> list[str]:
    """Files of a_compliant_plain_bg whose labels name no defect."""
    with (photos / "MANIFEST.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return [r["file"] for r in rows if r["category"] == "a_compliant_plain_bg"
            and not set(r["attributes"].split(";")) & DEFECT_LABELS]


def statuses(data: bytes) -> dict[str, tuple[str, Any]]:
    """Code → (status, measured) of the background, lighting and quality checks."""
    v = _v()
    ctx = v.context(data)
    out: dict[str, tuple[str, Any]] = {}
    for check in MY_CHECKS:
        for f in v._run_check(check, ctx):  # noqa: SLF001 - same path as Validator.run
            out[f.code] = (str(f.status), f.measured)
    return out


def _encode(bgr: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, 95])
    if not ok:
        raise RuntimeError("encode failed")
    return buf.tobytes()


def run_photo(args: tuple[str, str, list[str], int]) -> dict[str, Any]:
    """Baseline plus every selected degradation at both strengths for one photo."""
    photos, name, names, seed = args
    data = (Path(photos) / name).read_bytes()
    v = _v()
    ctx = v.context(data)
    result: dict[str, Any] = {"file": name}
    try:
        box = np.asarray(face.applicant(ctx).box, dtype=np.float64)
        mask = segmentation.person_mask(ctx).prob
        bgr = decode.full_image(ctx).bgr
    except NotAssessable as exc:
        result["skipped"] = exc.cause
        return result
    result["baseline"] = statuses(data)
    for dname in names:
        deg = DEGRADATIONS[dname]
        for level in ("clear", "mild"):
            strength = getattr(deg, level)
            out = deg.apply(bgr, strength, mask, box, seed)
            result[f"{dname}:{level}"] = statuses(_encode(out))
    return result


def summarise(results: list[dict[str, Any]], names: list[str]) -> dict[str, Any]:
    """Rates and misses per degradation, and the baseline false-fail rate per code."""
    done = [r for r in results if "baseline" in r]
    summary: dict[str, Any] = {"photos": len(done),
                               "skipped": [r["file"] for r in results if "skipped" in r]}
    base_fail: dict[str, list[str]] = defaultdict(list)
    for r in done:
        for code, (status, _) in r["baseline"].items():
            if status in FLAGGED:
                base_fail[code].append(r["file"])
    codes = [c for check in MY_CHECKS for c in check.codes]
    summary["baseline"] = {c: {"rate": len(base_fail[c]) / max(1, len(done)),
                               "files": base_fail[c]} for c in codes}
    for dname in names:
        codes = DEGRADATIONS[dname].codes
        missed = [r["file"] for r in done
                  if not any(r[f"{dname}:clear"][c][0] in FLAGGED for c in codes)]
        mild_fail: list[str] = []
        for r in done:
            new = [c for c, (s, _) in r[f"{dname}:mild"].items()
                   if s in FLAGGED and r["baseline"][c][0] not in FLAGGED]
            if new:
                mild_fail.append(f"{r['file']} ({', '.join(new)})")
        summary[dname] = {"code": " or ".join(codes),
                          "clear_rate": 1 - len(missed) / max(1, len(done)), "missed": missed,
                          "mild_fail_rate": len(mild_fail) / max(1, len(done)),
                          "mild_failures": mild_fail}
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=Path, default=REPO.parent / "shared" / "photos")
    parser.add_argument("--every", type=int, default=1, help="take every N-th photo")
    parser.add_argument("--only", default="", help="comma-separated degradation names")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", type=Path, help="write raw results and the summary here")
    args = parser.parse_args(argv)
    if not (args.photos / "MANIFEST.csv").is_file():
        print(f"no photos at {args.photos}")
        return 2
    names = [n for n in args.only.split(",") if n] or list(DEGRADATIONS)
    files = clean_compliant(args.photos)[:: args.every]
    jobs = [(str(args.photos), f, names, i) for i, f in enumerate(files)]
    start = time.perf_counter()
    if args.workers > 1:
        with ProcessPoolExecutor(args.workers) as pool:
            results = list(pool.map(run_photo, jobs))
    else:
        results = [run_photo(j) for j in jobs]
    summary = summarise(results, names)
    print(f"{summary['photos']} clean compliant photos ({len(summary['skipped'])} skipped: "
          f"no face), {time.perf_counter() - start:.0f} s")
    print("\nbaseline false failures (untouched photos; done when ≤ 3 %):")
    for code, row in summary["baseline"].items():
        files_txt = ", ".join(Path(f).name for f in row["files"])
        print(f"  {code:28s} {100 * row['rate']:5.1f} %  {files_txt}")
    print("\ndegradation          code                       clear det.   mild fail")
    for dname in names:
        row = summary[dname]
        print(f"  {dname:18s} {row['code']:26s} {100 * row['clear_rate']:6.1f} %   "
              f"{100 * row['mild_fail_rate']:6.1f} %")
    for dname in names:
        row = summary[dname]
        if row["missed"]:
            print(f"\n{dname} clear missed: " + ", ".join(Path(f).name for f in row["missed"]))
        if row["mild_failures"]:
            print(f"{dname} mild failures: " + "; ".join(row["mild_failures"]))
    if args.json:
        args.json.write_text(json.dumps({"summary": summary, "results": results}, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
