"""Findings, verdicts and the report: the JSON contract of docs/report.md."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from photocheck.messages import limit_text


class Status(StrEnum):
    """Outcome of one rule on one photo (docs/report.md)."""

    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    WAIVED = "waived"
    NOT_ASSESSED = "not_assessed"


class Verdict(StrEnum):
    """Overall outcome: reject on any fail, review on any warn or not_assessed, else accept."""

    ACCEPT = "accept"
    REVIEW = "review"
    REJECT = "reject"


Measured = float | int | str | bool | list[Any] | dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule's result: what was measured, against which threshold, and why it matters.

    Attributes
    ----------
    code : str
        Stable ``<check>.<condition>`` code (never renamed or reused).
    check : str
        The check that produced it (the code's prefix).
    status : Status
        ``pass``, ``warn``, ``fail``, ``waived`` or ``not_assessed``.
    measured : Measured
        The measured value, in ``unit``.
    threshold : dict or None
        The limits it was compared with, e.g. ``{"max": 5.0}``.
    unit : str or None
        Unit of ``measured`` (``deg``, ``mm``, ``px``, ``ratio``, ``bytes`` …).
    message : dict
        ``{"ja": …, "en": …}``.
    cause : str or None
        For ``not_assessed``: the code that prevented the measurement.
    waived_by : str or None
        For ``waived``: the declared exception.
    """

    code: str
    check: str
    status: Status
    measured: Measured = None
    threshold: dict[str, Any] | None = None
    unit: str | None = None
    message: dict[str, str] = field(default_factory=dict)
    cause: str | None = None
    waived_by: str | None = None

    @property
    def limit_text(self) -> str:
        """The review limit as the message gives it (``-`` without one), for tables."""
        return limit_text(self.measured, self.threshold, self.unit)

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of this finding."""
        return {
            "code": self.code,
            "check": self.check,
            "status": str(self.status),
            "measured": _jsonable(self.measured),
            "threshold": _jsonable(self.threshold),
            "limit_text": self.limit_text,
            "unit": self.unit,
            "message": dict(self.message),
            "cause": self.cause,
            "waived_by": self.waived_by,
        }

    def waived(self, exception: str, message: Mapping[str, str]) -> Finding:
        """This finding, waived by a declared exception (still measured)."""
        return replace(self, status=Status.WAIVED, waived_by=exception, message=dict(message))


def verdict_of(findings: Sequence[Finding]) -> Verdict:
    """Reject when any finding fails, review when any warns or was not assessed, else accept."""
    statuses = {f.status for f in findings}
    if Status.FAIL in statuses:
        return Verdict.REJECT
    if Status.WARN in statuses or Status.NOT_ASSESSED in statuses:
        return Verdict.REVIEW
    return Verdict.ACCEPT


@dataclass(slots=True)
class Report:
    """Everything photocheck says about one photo (docs/report.md)."""

    source: str
    profile: str
    profile_digest: str
    exceptions: list[str]
    findings: list[Finding]
    face: dict[str, Any] | None = None
    crop: dict[str, Any] | None = None
    timings_ms: dict[str, float] = field(default_factory=dict)
    versions: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def verdict(self) -> Verdict:
        """The overall verdict derived from the findings."""
        return verdict_of(self.findings)

    def by_code(self, code: str) -> Finding | None:
        """The finding with this code, if any."""
        return next((f for f in self.findings if f.code == code), None)

    def status_of(self, code: str) -> Status | None:
        """Status of the finding with this code, or None when the code was not emitted."""
        found = self.by_code(code)
        return found.status if found else None

    def failing(self) -> list[Finding]:
        """Findings that fail or warn."""
        return [f for f in self.findings if f.status in (Status.FAIL, Status.WARN)]

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of docs/report.md (plus any extra keys such as ``output``)."""
        out: dict[str, Any] = {
            "source": self.source,
            "profile": self.profile,
            "profile_digest": self.profile_digest,
            "exceptions": list(self.exceptions),
            "verdict": str(self.verdict),
            "findings": [f.to_dict() for f in self.findings],
            "face": _jsonable(self.face),
            "crop": _jsonable(self.crop),
            "timings_ms": {k: round(float(v), 2) for k, v in self.timings_ms.items()},
            "versions": _jsonable(self.versions),
        }
        out.update(_jsonable(self.extra))
        return out

    def to_json(self, **kwargs: Any) -> str:
        """The report as one line of JSON (UTF-8 text, Japanese kept readable)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, **kwargs)


def _jsonable(value: Any) -> Any:
    """Plain JSON types from numpy scalars/arrays and tuples (floats rounded to 4 places)."""
    if value is None or isinstance(value, bool | str | int):
        return value
    if isinstance(value, float):
        return round(value, 4) if value == value and abs(value) != float("inf") else None
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    tolist = getattr(value, "tolist", None)
    if tolist is not None:  # numpy scalar or array
        return _jsonable(tolist())
    return str(value)
