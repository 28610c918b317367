"""benchmarks.fit_semantic: the feature table built from per-photo results."""

from __future__ import annotations

import numpy as np

from benchmarks.fit_semantic import _stack


def test_stack_keeps_every_photo_and_kind_in_order() -> None:
    rows = [{"file": "a.jpg"}, {"file": "b.jpg"}, {"file": "c.jpg"}]
    results = [
        {"plain": {"f": [1.0, 2.0]}, "mirrored": {"f": [3.0, 4.0]}},
        None,  # no face: left out
        {"plain": {"f": [5.0, 6.0]}},
    ]
    out = _stack(rows, results)
    assert out["files"].tolist() == ["a.jpg", "a.jpg", "c.jpg"]
    assert out["kind"].tolist() == ["plain", "mirrored", "plain"]
    assert out["f"].dtype == np.float32
    assert out["f"].tolist() == [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]
