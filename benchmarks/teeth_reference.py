"""Which skin patches the teeth measure compares the mouth with, chosen through held-out folds.

``expression.teeth`` counts pixels inside the inner lips that are bright and colourless
*relative to the face's skin* (:func:`photocheck.measures.face.teeth_area`). This script
measures the teeth area of every labelled smile (``smiling_teeth``) and neutral mouth
(``neutral_expression``) of ../shared/photos with each candidate set of FaceMesh skin points,
then, for each of the 5 person-and-source folds (:mod:`benchmarks.folds`), picks the set with the
best recall minus false-alarm rate at the profile's warn limit on the other folds and scores it
on the fold. Printed: each fold's choice, and the held-out recall and false alarms.

Usage::

    python benchmarks/teeth_reference.py [--photos ../shared/photos]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.fit_semantic import folds_for, load_rows  # noqa: E402
from photocheck.checks import expression  # noqa: E402
from photocheck.validator import Validator  # noqa: E402

# candidate skin points (FaceMesh indices, mirrored pairs); ties go to the earlier entry
CANDIDATES: dict[str, tuple[int, ...]] = {
    "cheeks+beside_nostrils": (50, 280, 203, 423),
    "beside_nostrils": (203, 423),
    "cheeks": (50, 280),
    "cheeks+beside_nostrils+under_eyes": (50, 280, 203, 423, 118, 347),
    "under_eyes": (118, 347),
    "nose_bridge": (197, 6),
    "forehead": (151, 9),
}


def areas(validator: Validator, data: bytes) -> dict[str, float]:
    """Teeth area of one photo with each candidate skin reference (the check's own measure)."""
    ctx = validator.context(data)
    return {name: expression.teeth(ctx, points) for name, points in CANDIDATES.items()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--photos", type=Path, default=REPO.parent / "shared" / "photos")
    args = ap.parse_args(argv)
    rows = load_rows(args.photos)
    fold_of = dict(zip((r["file"] for r in rows), folds_for(rows), strict=True))
    validator = Validator("online")
    limit = float(validator.profile.section("expression")["warn_max_teeth_area"])
    measured = []
    for r in rows:
        attrs = set(r["attributes"].split(";"))
        label = ("smile" if "smiling_teeth" in attrs
                 else "neutral" if "neutral_expression" in attrs else None)
        if label is None:
            continue
        try:
            measured.append((r["file"], label, areas(validator, (args.photos / r["file"])
                                                      .read_bytes())))
        except Exception as exc:  # noqa: BLE001 - no face: not a teeth case
            print(f"skipped {r['file']}: {exc}")

    def rates(items: list, name: str) -> tuple[int, int, int, int]:
        pos = [a[name] >= limit for _, lab, a in items if lab == "smile"]
        neg = [a[name] >= limit for _, lab, a in items if lab == "neutral"]
        return sum(pos), len(pos), sum(neg), len(neg)

    def merit(items: list, name: str) -> float:
        tp, n_pos, fp, n_neg = rates(items, name)
        return tp / max(1, n_pos) - fp / max(1, n_neg)

    totals = np.zeros(4, int)
    for k in sorted(set(fold_of.values())):
        train = [m for m in measured if fold_of[m[0]] != k]
        test = [m for m in measured if fold_of[m[0]] == k]
        best = max(CANDIDATES, key=lambda n: (merit(train, n), -list(CANDIDATES).index(n)))
        got = rates(test, best)
        totals += got
        print(f"fold {k}: chose {best}; held out smiles {got[0]}/{got[1]}, "
              f"neutral {got[2]}/{got[3]}")
    print(f"held out: smiles {totals[0]}/{totals[1]}, neutral {totals[2]}/{totals[3]}")
    for name in CANDIDATES:
        tp, n_pos, fp, n_neg = rates(measured, name)
        print(f"  all photos, {name}: smiles {tp}/{n_pos}, neutral {fp}/{n_neg}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
