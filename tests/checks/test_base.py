"""checks.base: the shared verdict helpers (exact values)."""

from __future__ import annotations

from photocheck.checks.base import graded_parts
from photocheck.report import Status


def test_graded_parts_takes_the_worst_part_and_names_each_limit() -> None:
    f = graded_parts("lighting.face_shadow",
                     {"left_right": (0.91234, 0.8, 1.0), "top_bottom": (1.1, 1.4, 1.75)},
                     digits=2, unit="stops")
    assert f.status == Status.WARN  # left_right is past its warn limit, top_bottom passes
    assert f.measured == {"left_right": 0.91, "top_bottom": 1.1}
    assert f.threshold == {"max_left_right": 0.8, "fail_max_left_right": 1.0,
                           "max_top_bottom": 1.4, "fail_max_top_bottom": 1.75}
    assert graded_parts("background.shadow", {"a": (1.2, 0.8, 1.0), "b": (0.0, 1.0, 2.0)},
                        digits=3).status == Status.FAIL
    assert graded_parts("background.shadow", {"a": (0.8, 0.8, 1.0)}, digits=3).status == Status.PASS
