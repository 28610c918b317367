"""benchmarks.accuracy: what a waived graded finding would have said undeclared; the order of
the clean-compliant rates."""

from __future__ import annotations

import pytest

from benchmarks.accuracy import _status


def _report(measured: float, threshold: dict[str, float], status: str = "waived") -> dict:
    return {"findings": [{"code": "headwear.hat", "status": status, "measured": measured,
                          "threshold": threshold}]}


@pytest.mark.parametrize(("measured", "expected"), [(0.1, "pass"), (0.188, "pass"),
                                                    (0.3, "warn"), (0.5, "fail")])
def test_a_waived_graded_finding_is_judged_by_its_limits(measured: float, expected: str) -> None:
    report = _report(measured, {"max": 0.188, "fail_max": 0.354})
    assert _status(report, "headwear.hat", unwaived=True) == expected
    assert _status(report, "headwear.hat") == "waived"


def test_smaller_is_worse_limits_and_unwaived_findings() -> None:
    low = _report(0.9, {"min": 1.2, "fail_min": 1.1})
    assert _status(low, "headwear.hat", unwaived=True) == "fail"
    assert _status(_report(0.9, {"max": 0.5}, "fail"), "headwear.hat", unwaived=True) == "fail"
    assert _status(_report(0.9, {"max": 0.5}), "headwear.hat", unwaived=True) == "waived"
    assert _status(_report(0.9, {}), "eyes.closed") is None


def test_clean_compliant_rates_rank_by_count_then_code_whatever_the_order_found() -> None:
    from benchmarks.accuracy import clean_compliant_fail_rates

    def row(name: str) -> dict:
        return {"category": "a_compliant_plain_bg", "file": name, "attrs": set()}

    def report(*codes: str) -> dict:
        return {"findings": [{"code": c, "status": "warn"} for c in codes]}

    results = [(row("a.jpg"), report("pose.yaw", "geometry.top_margin"), 0.0),
               (row("b.jpg"), report("geometry.not_trimmable", "metadata.capture_date_missing"),
                0.0),
               (row("c.jpg"), report("geometry.top_margin", "geometry.not_trimmable"), 0.0)]
    for ordered in (results, results[::-1]):
        rates = clean_compliant_fail_rates(ordered)
        assert rates["n"] == 3
        assert list(rates["codes"]) == ["geometry.not_trimmable", "geometry.top_margin",
                                        "pose.yaw"]
        assert rates["codes"]["pose.yaw"]["count"] == 1
        assert rates["codes"]["geometry.top_margin"]["rate"] == 2 / 3
