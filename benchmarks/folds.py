"""Held-out folds of the labelled corpus, by person and source.

Rule (the same person is never in two folds):

- the *source* is the repository of the manifest's ``source`` column (before ``@``);
- the *person* is read from the file name where the name carries one:
  ``london_001_03`` → London person 001 (every pose and expression of a London face),
  ``canada_003f`` → Canada person 003, ``interfaces_012`` → interfaces person 012 (one
  portrait per person in that set), ``aflw_image00013`` → that AFLW image (one head each);
- a file whose name carries no person id belongs to one group with every other such file of
  its source (the small sample sets — deepface, Pillow's ``hopper`` variants, CompreFace,
  photoprism … — reuse the same few people, so a whole source is kept together).

Groups are dealt to ``k`` folds greedily, largest first, each to the fold that has the fewest
rows of the group's stratum (a label such as "hat", "sunglasses" or "other") and then the
fewest rows, so positives spread over the folds. Deterministic: same rows, same folds.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import PurePosixPath

DEFAULT_K = 5

_PERSON_PATTERNS = (
    re.compile(r"^(london)_(\d+)_\d+"),
    re.compile(r"^(canada)_(\d+)[a-z]?$"),
    re.compile(r"^(interfaces)_(\d+)$"),
    re.compile(r"^(aflw)_image(\d+)$"),
)


def group_key(file: str, source: str) -> str:
    """The person-and-source group of one manifest row (see the module docstring)."""
    repo = source.split("@", 1)[0].strip() or "unknown"
    stem = PurePosixPath(file).stem
    for pattern in _PERSON_PATTERNS:
        match = pattern.match(stem)
        if match:
            return f"{repo}:{match.group(1)}-{int(match.group(2))}"
    return f"{repo}:*"


def assign_folds(groups: Sequence[str], strata: Sequence[str], k: int = DEFAULT_K) -> list[int]:
    """Fold index (0 … k − 1) of each row; rows of one group always share a fold.

    Parameters
    ----------
    groups : sequence of str
        Group key of each row (:func:`group_key`).
    strata : sequence of str
        A stratum label of each row; a group's stratum is its rarest label (positives first).
    k : int
        Number of folds.
    """
    if len(groups) != len(strata):
        raise ValueError("groups and strata differ in length")
    members: dict[str, list[int]] = defaultdict(list)
    for i, g in enumerate(groups):
        members[g].append(i)
    frequency = Counter(strata)
    stratum = {g: min((strata[i] for i in rows), key=lambda s: (frequency[s], s))
               for g, rows in members.items()}
    order = sorted(members, key=lambda g: (frequency[stratum[g]], -len(members[g]), g))
    per_stratum = [Counter() for _ in range(k)]
    sizes = [0] * k
    fold_of: dict[str, int] = {}
    for g in order:
        best = min(range(k), key=lambda f: (per_stratum[f][stratum[g]], sizes[f], f))
        fold_of[g] = best
        per_stratum[best][stratum[g]] += len(members[g])
        sizes[best] += len(members[g])
    return [fold_of[g] for g in groups]
