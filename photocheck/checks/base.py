"""What a check is, and helpers to emit findings that compare a measure with profile limits."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from photocheck.context import PhotoContext
from photocheck.messages import compose
from photocheck.report import Finding, Measured, Status

ParamSchema = Mapping[str, type | tuple[type, ...]]
RunFn = Callable[[PhotoContext, Mapping[str, Any]], Iterable[Finding]]


@dataclass(frozen=True)
class Check:
    """One concern of the standard: its codes, its profile parameters, and how to run it.

    Attributes
    ----------
    name : str
        Profile section and code prefix (``face``, ``pose`` …).
    codes : tuple of str
        Every code it can emit; codes it did not emit become ``not_assessed`` when it is cut
        short by :class:`~photocheck.context.NotAssessable`.
    params : mapping
        Parameter name → expected type. Profiles must give exactly these keys (plus ``enabled``).
    run : callable
        ``run(ctx, params)`` yields findings.
    modes : tuple of str
        Which entry points run it: ``check`` (photos) and/or ``trim`` (scans).
    """

    name: str
    codes: tuple[str, ...]
    params: ParamSchema
    run: RunFn
    modes: tuple[str, ...] = field(default=("check",))


def finding(
    code: str,
    status: Status | str,
    measured: Measured = None,
    threshold: Mapping[str, Any] | None = None,
    unit: str | None = None,
    cause: str | None = None,
) -> Finding:
    """Build a finding with its Japanese and English message."""
    status = Status(status)
    return Finding(
        code=code,
        check=code.split(".", 1)[0],
        status=status,
        measured=measured,
        threshold=dict(threshold) if threshold else None,
        unit=unit,
        message=compose(code, str(status), measured, threshold, unit, cause),
        cause=cause,
    )


def limit(
    code: str,
    value: float,
    *,
    min: float | None = None,  # noqa: A002 - mirrors the threshold keys
    max: float | None = None,  # noqa: A002
    unit: str | None = None,
    fail_status: Status = Status.FAIL,
) -> Finding:
    """Pass when ``min <= value <= max`` (bounds optional), else ``fail_status``."""
    ok = (min is None or value >= min) and (max is None or value <= max)
    threshold = {k: v for k, v in (("min", min), ("max", max)) if v is not None}
    return finding(code, Status.PASS if ok else fail_status, float(value), threshold, unit)


def graded(
    code: str,
    value: float,
    *,
    fail: float,
    warn: float,
    upper: bool = True,
    unit: str | None = None,
) -> Finding:
    """Three-level verdict of one measure: beyond ``fail`` fails, beyond ``warn`` warns (review).

    ``upper`` True: larger is worse (``value > warn`` warns); False: smaller is worse. The
    threshold reads ``{"max": warn, "fail_max": fail}`` (``min`` when smaller is worse): the
    passing limit first.
    """
    status = grade(value, fail=fail, warn=warn, upper=upper)
    key = "max" if upper else "min"
    return finding(code, status, float(value), {key: warn, f"fail_{key}": fail}, unit)


def graded_parts(code: str, parts: Mapping[str, tuple[float, float, float]], *, digits: int,
                 unit: str | None = None) -> Finding:
    """One rule judged on several measures where larger is worse: the worst part's verdict.

    ``parts``: name → ``(value, warn, fail)``. Measured reads ``{name: value}`` (rounded to
    ``digits``), the threshold ``{"max_NAME": warn, "fail_max_NAME": fail, …}``.
    """
    status = worst(*(grade(v, fail=f, warn=w) for v, w, f in parts.values()))
    limits: dict[str, float] = {}
    for name, (_, w, f) in parts.items():
        limits[f"max_{name}"], limits[f"fail_max_{name}"] = w, f
    return finding(code, status, {k: round(v[0], digits) for k, v in parts.items()}, limits,
                   unit)


def grade(value: float, *, fail: float, warn: float, upper: bool = True) -> Status:
    """FAIL beyond ``fail``, WARN beyond ``warn``, else PASS (``upper``: larger is worse)."""
    sign = 1.0 if upper else -1.0
    if sign * (value - fail) > 0:
        return Status.FAIL
    if sign * (value - warn) > 0:
        return Status.WARN
    return Status.PASS


def worst(*statuses: Status) -> Status:
    """The most severe of several verdicts of one rule (FAIL over WARN over PASS)."""
    order = (Status.FAIL, Status.WARN)
    for s in order:
        if s in statuses:
            return s
    return Status.PASS


def flag(
    code: str,
    condition: bool,
    measured: Measured = None,
    threshold: Mapping[str, Any] | None = None,
    unit: str | None = None,
    fail_status: Status = Status.FAIL,
) -> Finding:
    """``fail_status`` when ``condition`` holds, else pass."""
    return finding(code, fail_status if condition else Status.PASS, measured, threshold, unit)


def not_assessed(code: str, cause: str) -> Finding:
    """A rule that could not be measured, with the code that explains why."""
    return finding(code, Status.NOT_ASSESSED, cause=cause)

