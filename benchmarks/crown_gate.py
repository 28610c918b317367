"""Evidence for the MODNet gate (issue 20): every photo's MODNet, colour and selfie crowns and
its headwear measures on the MODNet matte and on the selfie mask.

``python -m benchmarks.crown_gate dump OUT.json`` checks every photo of ../shared/photos (the
packaged classifiers, declared exceptions from the labels as ``accuracy.py`` does) and writes one
record per photo; ``python -m benchmarks.crown_gate fit OUT.json`` reads it back and prints the
crown differences (mm at the standard crop's scale) and headwear status changes per candidate
gate, pooled over the held-out folds (``benchmarks/folds.py``, by person and source).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import accuracy, fit_semantic
from photocheck import person
from photocheck.checks import headwear
from photocheck.measures import headwear as mh
from photocheck.profiles import load_profile
from photocheck.validator import Validator

PHOTOS = Path(__file__).resolve().parents[1].parent / "shared" / "photos"
APPLIED_ON = dt.date(2026, 11, 21)


def _crown(c: person.Crown | None) -> dict[str, Any] | None:
    if c is None:
        return None
    return {"x": float(c.point[0]), "y": float(c.point[1]), "at_edge": bool(c.at_edge),
            "source": c.source}


def _hw(m: mh.HeadwearMeasures) -> dict[str, Any]:
    return {"band_contrast": m.band_contrast, "band_height_iod": m.band_height_iod,
            "oval": m.oval_visibility}


def record(validator: Validator, row: dict[str, Any], fold: int) -> dict[str, Any]:
    """One photo's crowns, geometry and headwear measures (see the module docstring)."""
    declared = accuracy._declared(row)
    out: dict[str, Any] = {"file": row["file"], "category": row["category"],
                           "attrs": sorted(row["attrs"]), "fold": fold, "declared": declared}
    try:
        ctx = validator.context(PHOTOS / row["file"], exceptions=declared, applied_on=APPLIED_ON)
    except Exception as exc:  # unreadable: nothing to measure
        out["error"] = str(exc)
        return out
    report = validator.run(ctx, overlap=False).to_dict()
    out["statuses"] = {f["code"]: f["status"] for f in report["findings"]}
    out["measured"] = {f["code"]: f["measured"] for f in report["findings"]
                       if f["code"].startswith(("geometry.", "headwear."))}
    out["crop"] = report.get("crop")
    try:
        frame = person.head_frame(ctx)
        out["modnet"] = _crown(person.crown_info(ctx))
        out["short_matte"] = bool(person.head_matte(ctx).down_factor < person.FULL_DOWN_FACTOR)
    except Exception as exc:  # no face
        out["error"] = str(exc)
        return out
    out["angle_deg"] = frame.angle_deg
    out["chin_y"] = float(frame.chin_xy[1])
    out["forehead_y"] = float(frame.forehead_xy[1])
    out["face_width_px"] = frame.face_width_px
    out["colour"] = _crown(person.colour_crown(ctx))
    out["selfie"] = _crown(person.selfie_crown(ctx))
    out["hair_into_top_edge"] = bool(person.hair_at_top(ctx))
    try:
        out["hw_modnet"] = _hw(headwear.headwear_measures(ctx))
        out["hw_selfie"] = _hw(mh.measure_headwear(headwear.canvas_on(
            ctx, person.selfie_matte(ctx))))
    except Exception as exc:
        out["hw_error"] = str(exc)
    return out


def dump(path: Path, threads: int) -> None:
    """Write every photo's record (:func:`record`) to ``path``."""
    rows = accuracy.load_manifest(PHOTOS)
    folds = fit_semantic.folds_for(rows)
    # MODNet always (the gate off): every photo's MODNet crown and headwear measures
    profile = load_profile("online")
    sections = {k: dict(v) for k, v in profile.sections.items()}
    sections["crown"]["skip_matte"] = False
    validator = Validator(dataclasses.replace(profile, sections=sections))
    validator.models.warm_up()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        records = list(pool.map(lambda rf: record(validator, *rf), zip(rows, folds, strict=True)))
    path.write_text(json.dumps(records, indent=0))
    print(f"{len(records)} records → {path}")


# candidate gate tolerances: |colour − selfie crown| as a fraction of the crown-to-chin length
TOLERANCES = (0.005, 0.0075, 0.01, 0.0125, 0.015, 0.02, 0.025, 0.03)
# a tolerance is acceptable when no gated photo's colour crown is farther than this from the
# MODNet crown (mm at the standard crop's scale)
MAX_CROWN_DIFFERENCE_MM = 0.75
# headband warn level of the online profile: contrast (ΔE) and height (IOD)
WARN_BAND = (80.0, 0.15)


def _mm_per_px(r: dict[str, Any]) -> float:
    ppm = (r.get("crop") or {}).get("px_per_mm") or (r["chin_y"] - r["modnet"]["y"]) / 34.0
    return 1.0 / float(ppm)


def eligible(r: dict[str, Any]) -> tuple[float, float] | None:
    """(|colour − selfie| / head, |colour − MODNet| mm) of a photo the gate may skip MODNet on
    (colour and selfie crowns not at the edge, no infant, background passes), else None."""
    c, s, m = r.get("colour"), r.get("selfie"), r.get("modnet")
    if not (c and s and m) or c["at_edge"] or s["at_edge"] or "infant" in r["declared"]:
        return None
    if r["statuses"].get("background.not_plain") != "pass":
        return None
    head = r["chin_y"] - c["y"]
    return abs(c["y"] - s["y"]) / head, abs(c["y"] - m["y"]) * _mm_per_px(r)


def choose(samples: list[tuple[float, float]]) -> float:
    """The largest tolerance under which no sample is farther than the limit from MODNet."""
    best = 0.0
    for tol in TOLERANCES:
        if all(mm <= MAX_CROWN_DIFFERENCE_MM for frac, mm in samples if frac <= tol):
            best = tol
    return best


def fit(path: Path) -> None:
    """Print the tolerance chosen per fold (on the other folds) and its held-out differences."""
    records = [r for r in json.loads(path.read_text()) if r.get("modnet")]
    feats = [(r, eligible(r)) for r in records]
    pool = [(r, f) for r, f in feats if f is not None]
    print(f"{len(records)} photos with a crown, {len(pool)} eligible")
    held: list[float] = []
    skipped = 0
    for k in sorted({r["fold"] for r, _ in pool}):
        tol = choose([f for r, f in pool if r["fold"] != k])
        gated = [f[1] for r, f in pool if r["fold"] == k and f[0] <= tol]
        held += gated
        skipped += len(gated)
        print(f"fold {k}: tolerance {tol} → {len(gated)} skipped, "
              f"max {max(gated, default=0):.2f} mm")
    a = np.array(held)
    print(f"held out: {skipped} skipped, |colour − MODNet| p50 {np.median(a):.2f} p90 "
          f"{np.percentile(a, 90):.2f} max {a.max():.2f} mm; > 0.5 mm: {(a > 0.5).sum()}")
    tol = choose([f for _, f in pool])
    gated = [r for r, f in pool if f[0] <= tol]
    compliant = [r for r in records if r["category"] == "a_compliant_plain_bg"]
    print(f"all folds: tolerance {tol}; skips {len(gated)} of {len(records)} photos, "
          f"{sum(r['category'] == 'a_compliant_plain_bg' for r in gated)} of {len(compliant)} "
          "compliant")
    changed = [r["file"] for r in gated if "hw_selfie" in r
               and _band(r["hw_selfie"]) != _band(r["hw_modnet"])]
    print(f"headband status on the selfie mask differs on {len(changed)} skipped photos: {changed}")
    low = [r["hw_modnet"]["band_contrast"] for r in records if "hw_selfie" in r
           and r["hw_selfie"]["band_contrast"] < WARN_BAND[0] - 20.0]
    print(f"selfie band contrast below warn − 20: {len(low)} photos, MODNet's max {max(low):.1f}")
    # hair into the top edge of a plain background, the selfie crown on the border
    edge = [r for r in records if r["colour"] is None and r["hair_into_top_edge"]
            and r["selfie"] and r["selfie"]["at_edge"] and "infant" not in r["declared"]
            and r["statuses"].get("background.not_plain") == "pass"]
    disagree = [(r["file"], round(r["modnet"]["y"] * _mm_per_px(r), 2))
                for r in edge if not r["modnet"]["at_edge"]]
    print(f"hair into the top edge: {len(edge)} photos skipped, MODNet's crown on the border "
          f"too on {len(edge) - len(disagree)}; not on {disagree} (mm below the top)")


def near_limits(path: Path, shifts_mm: tuple[float, ...] = (0.25, 0.5, 0.75)) -> None:
    """How many photos the gate skips MODNet on sit within a crown shift of a geometry limit:
    the geometry and face checks rerun with MODNet's crown moved up and down by each shift."""
    records = [r for r in json.loads(path.read_text()) if r.get("modnet")]
    tol = choose([f for r in records if (f := eligible(r)) is not None])
    gated = [r for r in records if (f := eligible(r)) is not None and f[0] <= tol]
    profile = load_profile("online")
    sections = {k: dict(v) for k, v in profile.sections.items()}
    sections["crown"]["skip_matte"] = False
    validator = Validator(dataclasses.replace(profile, sections=sections))
    rows = {r["file"]: r for r in accuracy.load_manifest(PHOTOS)}
    flips: dict[float, list[str]] = {d: [] for d in shifts_mm}
    for r in gated:
        kw = {"exceptions": accuracy._declared(rows[r["file"]]), "applied_on": APPLIED_ON}
        ctx = validator.context(PHOTOS / r["file"], **kw)
        base = validator.run(ctx, only={"geometry"}, overlap=False).to_dict()["findings"]
        crown = person.crown_info(ctx)
        for d in shifts_mm:
            for sign in (-1.0, 1.0):
                moved = validator.context(PHOTOS / r["file"], **kw)
                moved._memo.update({k: v for k, v in ctx._memo.items()
                                    if k not in ("crown_info", "crown")})
                point = crown.point + [0.0, sign * d / _mm_per_px(r)]
                shifted = person.Crown(point, crown.at_edge, "moved")
                moved.memo("crown_info", lambda c=shifted: c)
                again = validator.run(moved, only={"geometry"}, overlap=False).to_dict()
                if [f["status"] for f in again["findings"]] != [f["status"] for f in base]:
                    flips[d].append(r["file"])
                    break
    for d, files in flips.items():
        print(f"±{d} mm: {len(files)} of {len(gated)} skipped photos change a geometry status: "
              f"{files}")


def _band(m: dict[str, Any]) -> bool:
    return m["band_contrast"] >= WARN_BAND[0] and m["band_height_iod"] >= WARN_BAND[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=("dump", "fit", "near"))
    parser.add_argument("path", type=Path)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    if args.what == "dump":
        dump(args.path, args.threads)
    elif args.what == "fit":
        fit(args.path)
    else:
        near_limits(args.path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
