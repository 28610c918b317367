"""Generated degradations of plain-background portraits, on every framing: caught and
false-flag rates, scored on people held out from development.

Every degradation of :mod:`tests.synthetic` is applied at its "clear" (clearly bad) and "mild"
(acceptable) strength to photos with a plain backdrop from ../shared/photos
(``a_compliant_plain_bg`` and ``plain_bg`` photos of other folders whose labels name no scene
defect), each first reframed (:data:`tests.synthetic.FRAMINGS`: tight crop, head-and-shoulders,
half-body), re-encoded as a JPEG (quality 95) and checked by the background, lighting and
quality checks. Each degradation runs on one framing per photo, rotating through the three
(the face shadows on all three). Printed per degradation:

- caught: how often one of its codes fails or warns at the clear strength — done when ≥ 95 %;
- flagged: how often any of these codes fails or warns at the mild strength where it did not
  on the untouched photo of the same framing — done when ≤ 5 %. A source whose untouched
  framing already raises the degradation's own concern (e.g. ``lighting.too_bright`` before a
  brighten) is not newly flagged when the mild strength moves that concern to a sister code
  (``lighting.clipped``); such runs are listed as "same concern";
and the baseline rate of each code on the untouched framings.

This is a check of generality, not a set to tune on: the photos are split by person (a stable
hash of the person's id) into a ``dev`` half, looked at while developing, and a ``heldout``
half, only scored. The held-out half is reported first.

Usage::

    python benchmarks/synthetic_degradations.py [--photos ../shared/photos] [--split all]
        [--every N] [--only blur,noise] [--workers 2] [--json out.json] [--write-docs]

``--write-docs`` writes the table (held-out split first, with the commit and the command) into
the ``synthetic`` figures block of benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import time
import zlib
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from photocheck.checks import background, lighting, quality  # noqa: E402
from photocheck.context import NotAssessable  # noqa: E402
from photocheck.report import Status  # noqa: E402
from photocheck.validator import Validator  # noqa: E402
from tests.synthetic import DEGRADATIONS, FRAMINGS, encode, prepare, reframe  # noqa: E402

MY_CHECKS = (background.CHECK, lighting.CHECK, quality.CHECK)
FLAGGED = {str(Status.FAIL), str(Status.WARN)}
# labels that make a photo unusable as a clean source for the scene checks
SCENE_DEFECTS = {"dark_bg", "shadow_on_face", "dark", "busy_bg", "coloured_bg", "sunglasses",
                 "multi_face", "hair_over_face", "hand_near_face", "turned", "profile"}
# degradations run on every framing of every photo (the others rotate)
EVERY_FRAMING = {"face_shadow", "half_shadow", "top_shadow"}

_validator: Validator | None = None


def _v() -> Validator:
    global _validator
    if _validator is None:
        _validator = Validator("online")
    return _validator


def person_id(file: str) -> str:
    """The person behind a file: London photos share a person across ``_03``/``_04`` poses."""
    stem = Path(file).stem
    m = re.match(r"(london_\d+)", stem)
    return m.group(1) if m else stem


def split_of(file: str) -> str:
    """``dev`` or ``heldout``, by a stable hash of the person."""
    return "heldout" if zlib.crc32(person_id(file).encode()) % 2 else "dev"


def sources(photos: Path) -> list[str]:
    """Plain-backdrop photos whose labels name no scene defect."""
    with (photos / "MANIFEST.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    out = []
    for r in rows:
        labels = set(r["attributes"].split(";"))
        plain = r["category"] == "a_compliant_plain_bg" or "plain_bg" in labels
        if plain and not labels & SCENE_DEFECTS and "small/" not in r["file"]:
            out.append(r["file"])
    return out


def statuses(data: bytes) -> dict[str, str]:
    """Code → status of the background, lighting and quality checks."""
    v = _v()
    ctx = v.context(data)
    out: dict[str, str] = {}
    for check in MY_CHECKS:
        for f in v._run_check(check, ctx):  # noqa: SLF001 - same path as Validator.run
            out[f.code] = str(f.status)
    return out


def run_photo(args: tuple[str, str, list[str], int]) -> dict[str, Any]:
    """Baselines of the three framings plus every selected degradation at both strengths."""
    photos, name, names, index = args
    v = _v()
    result: dict[str, Any] = {"file": name, "split": split_of(name), "runs": []}
    try:
        photo = prepare(v, name, (Path(photos) / name).read_bytes())
        framed = {f: reframe(photo, f) for f in FRAMINGS}
        result["baseline"] = {f: statuses(p.data) for f, p in framed.items()}
    except NotAssessable as exc:
        result["skipped"] = exc.cause
        return result
    order = list(FRAMINGS)
    for j, dname in enumerate(names):
        deg = DEGRADATIONS[dname]
        chosen = order if dname in EVERY_FRAMING else [order[(index + j) % len(order)]]
        for framing in chosen:
            p = framed[framing]
            for level in ("clear", "mild"):
                strength = getattr(deg, level)
                if strength is None:
                    continue
                try:
                    out = deg.apply(p.bgr, strength, p.mask, p.face_box, index)
                    st = statuses(encode(out))
                except NotAssessable as exc:
                    st = {"not_assessable": exc.cause}
                result["runs"].append({"deg": dname, "level": level, "framing": framing,
                                       "statuses": st})
    return result


def summarise(results: list[dict[str, Any]], names: list[str]) -> dict[str, Any]:
    """Caught and flagged rates per degradation (and per framing), baseline rates per code."""
    done = [r for r in results if "baseline" in r]
    out: dict[str, Any] = {"photos": len(done),
                           "skipped": [r["file"] for r in results if "skipped" in r]}
    base: dict[str, list[str]] = defaultdict(list)
    n_base = 0
    for r in done:
        for framing, st in r["baseline"].items():
            n_base += 1
            for code, status in st.items():
                if status in FLAGGED:
                    base[code].append(f"{Path(r['file']).name}@{framing}")
    out["baseline"] = {c: {"rate": len(base[c]) / max(1, n_base), "files": base[c]}
                       for check in MY_CHECKS for c in check.codes}
    for dname in names:
        deg = DEGRADATIONS[dname]
        clear: dict[str, list[bool]] = defaultdict(list)
        mild: dict[str, list[bool]] = defaultdict(list)
        missed, flagged, same_concern, n_mild = [], [], [], 0
        for r in done:
            for run in r["runs"]:
                if run["deg"] != dname:
                    continue
                st, tag = run["statuses"], f"{Path(r['file']).name}@{run['framing']}"
                if run["level"] == "clear":
                    hit = any(st.get(c) in FLAGGED for c in deg.codes)
                    clear[run["framing"]].append(hit)
                    if not hit:
                        missed.append(tag)
                else:
                    n_mild += 1
                    before = r["baseline"][run["framing"]]
                    new = [c for c, s in st.items()
                           if s in FLAGGED and before.get(c) not in FLAGGED]
                    if any(before.get(c) in FLAGGED for c in deg.codes):
                        # the user was already told about this concern: a sister code is
                        # no new false alarm
                        if any(c in deg.codes for c in new):
                            same_concern.append(f"{tag} ({', '.join(new)})")
                        new = [c for c in new if c not in deg.codes]
                    mild[run["framing"]].append(bool(new))
                    if new:
                        flagged.append(f"{tag} ({', '.join(new)})")
        hits = [h for v in clear.values() for h in v]
        out[dname] = {
            "code": " or ".join(deg.codes),
            "caught": (sum(hits) / len(hits)) if hits else None, "n_clear": len(hits),
            "caught_by_framing": {f: sum(v) / len(v) for f, v in clear.items() if v},
            "caught_counts": {f: [sum(v), len(v)] for f, v in clear.items()},
            "flagged_counts": {f: [sum(v), len(v)] for f, v in mild.items()},
            "missed": missed,
            "flagged": len(flagged) / max(1, n_mild), "n_mild": n_mild, "flagged_runs": flagged,
            "same_concern_runs": same_concern,
        }
    return out


def _pct(x: float | None) -> str:
    return "    –  " if x is None else f"{100 * x:5.1f} %"


def report(title: str, summary: dict[str, Any], names: list[str]) -> None:
    """Print one split's summary."""
    print(f"\n=== {title}: {summary['photos']} photos × {len(FRAMINGS)} framings "
          f"({len(summary['skipped'])} skipped: no face) ===")
    print("baseline flags on the untouched framings:")
    for code, row in summary["baseline"].items():
        if row["files"]:
            print(f"  {code:26s} {_pct(row['rate'])}  " + ", ".join(row["files"][:8]))
    frs = list(FRAMINGS)
    print(f"\n  {'degradation':18s} {'code':34s} caught   (n)   "
          + "  ".join(f"{f[:8]:>8s}" for f in frs) + "   flagged  (n)")
    for d in names:
        row = summary[d]
        by = "  ".join(f"{_pct(row['caught_by_framing'].get(f)):>8s}" for f in frs)
        print(f"  {d:18s} {row['code'][:34]:34s} {_pct(row['caught'])} ({row['n_clear']:3d}) "
              f"{by}   {_pct(row['flagged'])} ({row['n_mild']:3d})")
    for d in names:
        row = summary[d]
        if row["missed"]:
            print(f"  {d} missed: " + ", ".join(row["missed"][:12]))
        if row["flagged_runs"]:
            print(f"  {d} flagged: " + "; ".join(row["flagged_runs"][:12]))
        if row.get("same_concern_runs"):
            print(f"  {d} same concern as untouched (not counted): "
                  + "; ".join(row["same_concern_runs"][:12]))


FRAMING_TITLES = {"tight": "tight", "head_and_shoulders": "head & shoulders",
                  "half_body": "half-body"}


def _count(pair: list[int] | None) -> str:
    """``k/n (p %)`` of a ``[k, n]`` count, ``–`` when nothing ran."""
    if not pair or not pair[1]:
        return "–"
    k, n = pair
    return f"{k}/{n} ({100 * k / n:.0f} %)"


def docs_table(summaries: dict[str, dict[str, Any]], names: list[str], setup: str) -> str:
    """Markdown of the per-split summaries, held-out split first: per degradation and framing,
    caught at the clear strength (goal ≥ 95 %) and false-flagged at the mild one (≤ 5 %)."""
    frs = list(FRAMINGS)
    heads = " | ".join(FRAMING_TITLES[f] for f in frs)
    lines = [f"{setup}. Caught: one of the degradation's codes fails or warns at the clear "
             "strength (goal ≥ 95 %); false-flagged: any background, lighting or quality code "
             "newly fails or warns at the mild strength (goal ≤ 5 %); a sister code of a "
             "concern the untouched framing already raised is not new."]
    for split in ("heldout", "dev"):
        summary = summaries.get(split)
        if summary is None:
            continue
        title = "Held out (only scored)" if split == "heldout" else "Dev (looked at while tuning)"
        lines += ["", f"{title}: {summary['photos']} photos × {len(frs)} framings", "",
                  f"| degradation | code | caught: {heads} | false-flagged: {heads} |",
                  "|---|---|" + "---|" * (2 * len(frs))]
        for d in names:
            row = summary[d]
            caught = " | ".join(_count(row.get("caught_counts", {}).get(f)) for f in frs)
            flagged = " | ".join(_count(row.get("flagged_counts", {}).get(f)) for f in frs)
            code = " or ".join(f"`{c}`" for c in row["code"].split(" or "))
            lines.append(f"| {d} | {code} | {caught} | {flagged} |")
        same = [f"{d}: {run}" for d in names for run in summary[d].get("same_concern_runs", [])]
        if same:
            lines += ["", "Not counted as new (the untouched framing already raised the same "
                      "concern): " + "; ".join(same) + "."]
    return "\n".join(lines)


def write_docs(summaries: dict[str, dict[str, Any]], names: list[str],
               args: argparse.Namespace) -> None:
    """The table into benchmarks/README.md (block ``synthetic``), via
    :mod:`benchmarks.docs_figures`."""
    from benchmarks.docs_figures import BENCH_README, provenance, replace_block

    options = "".join(
        f" --{flag} {value}" for flag, value in (("split", args.split), ("every", args.every),
                                                 ("only", args.only))
        if value and value != 1)
    setup = f"`python benchmarks/synthetic_degradations.py{options}`, {provenance()}"
    replace_block(BENCH_README, "synthetic", docs_table(summaries, names, setup))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=Path, default=REPO.parent / "shared" / "photos")
    parser.add_argument("--split", choices=("all", "dev", "heldout"), default="all")
    parser.add_argument("--every", type=int, default=1, help="take every N-th photo")
    parser.add_argument("--only", default="", help="comma-separated degradation names")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", type=Path, help="write raw results and the summary here")
    parser.add_argument("--write-docs", action="store_true",
                        help="write the table into benchmarks/README.md (block synthetic)")
    args = parser.parse_args(argv)
    if not (args.photos / "MANIFEST.csv").is_file():
        print(f"no photos at {args.photos}")
        return 2
    names = [n for n in args.only.split(",") if n] or list(DEGRADATIONS)
    files = [f for f in sources(args.photos)
             if args.split == "all" or split_of(f) == args.split][:: args.every]
    jobs = [(str(args.photos), f, names, i) for i, f in enumerate(files)]
    start = time.perf_counter()
    if args.workers > 1:
        with ProcessPoolExecutor(args.workers) as pool:
            results = list(pool.map(run_photo, jobs))
    else:
        results = [run_photo(j) for j in jobs]
    print(f"{len(files)} source photos, {time.perf_counter() - start:.0f} s")
    summaries = {}
    for split in ("heldout", "dev"):
        part = [r for r in results if r["split"] == split]
        if part:
            summaries[split] = summarise(part, names)
            report(split, summaries[split], names)
    if args.json:
        args.json.write_text(json.dumps({"summary": summaries, "results": results}, default=str))
    if args.write_docs:
        write_docs(summaries, names, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
