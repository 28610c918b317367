"""Japanese and English text for every finding code, with the measured numbers appended."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

LANGUAGES = ("ja", "en")

_NOT_ASSESSED = {
    "ja": "この項目は判定できませんでした（原因: {cause}）。",
    "en": "This rule could not be assessed (cause: {cause}).",
}
_WAIVED = {
    "ja": "申告された例外（{exception}）により免除されています。",
    "en": "Waived by the declared exception '{exception}'.",
}
_NUMBERS = {
    "ja": "（測定値 {measured}{unit}、基準 {limit}）",
    "en": " (measured {measured}{unit}; limit {limit})",
}
_MEASURED_ONLY = {"ja": "（{measured}{unit}）", "en": " ({measured}{unit})"}


@cache
def catalogue(language: str) -> dict[str, dict[str, str]]:
    """All message templates of one language, keyed by finding code."""
    text = resources.files(__package__).joinpath(f"{language}.toml").read_text("utf-8")
    return tomllib.loads(text)


def known_codes() -> frozenset[str]:
    """Every finding code that has messages (the English catalogue is the reference)."""
    return frozenset(catalogue("en"))


def format_limit(threshold: Mapping[str, Any] | None) -> str:
    """Render a threshold dict such as ``{"min": 32, "max": 36}`` as ``32–36``."""
    if not threshold:
        return "-"
    bounds = _bounds(threshold.get("min"), threshold.get("max"))
    if bounds:
        return bounds
    return ", ".join(f"{k} {_num(v)}" for k, v in threshold.items())


def _bounds(lo: Any, hi: Any) -> str:
    """``lo–hi``, ``≤ hi`` or ``≥ lo`` of a bare ``min``/``max`` pair ("" when neither)."""
    if lo is not None and hi is not None:
        return f"{_num(lo)}–{_num(hi)}"
    if hi is not None:
        return f"≤ {_num(hi)}"
    return f"≥ {_num(lo)}" if lo is not None else ""


def _limit_part(key: str, value: Any) -> str:
    """One review limit of a several-part rule: ``max_side`` 0.25 → ``side ≤ 0.25``."""
    name = key.removeprefix("warn_")
    for prefix, sign in (("max_", "≤"), ("min_", "≥")):
        if name.startswith(prefix):
            return f"{name.removeprefix(prefix)} {sign} {_num(value)}"
    return f"{name} {_num(value)}"


def format_parts(measured: Mapping[str, Any], threshold: Mapping[str, Any] | None,
                 unit: str | None = None) -> tuple[str, str]:
    """Measured and limit text of a rule judged on several figures (a dict ``measured``).

    Scalar parts only (nested figures stay in the report's JSON); the review limits only, as
    for a single figure (the ``fail_`` limits are in the report). A bare ``min``/``max``
    belongs to the first part: ``{"chroma": 3.9, "lightness": 30.2}`` with ``{"max": 30,
    "min_lightness": 35}`` reads ``chroma 3.9, lightness 30.2`` and ``chroma ≤ 30,
    lightness ≥ 35``.
    """
    parts = [(k, v) for k, v in measured.items()
             if v is not None and isinstance(v, int | float | str)]
    texts = []
    for k, v in parts:
        if isinstance(v, bool):
            texts.append(f"{k} {'yes' if v else 'no'}")
        elif k == unit:  # the rule's own figure in its unit, e.g. {"mm": 34.1}
            texts.append(f"{_num(v)} {unit}")
        else:
            texts.append(f"{k} {_num(v)}")
    review = {k: v for k, v in (threshold or {}).items() if not k.startswith("fail_")}
    first = parts[0][0] if parts and parts[0][0] != unit else ""
    bounds = _bounds(review.pop("min", None), review.pop("max", None))
    limits = [f"{first} {bounds}".strip()] if bounds else []
    limits += [_limit_part(k, v) for k, v in review.items()]
    return ", ".join(texts), ", ".join(limits) or "-"


def limit_text(measured: Any, threshold: Mapping[str, Any] | None,
               unit: str | None = None) -> str:
    """The review limit of a finding as its message gives it (``-`` when it has none):
    ``-11–11``, ``≤ 0.155``, ``left_right ≤ 0.65, top_bottom ≤ 1.4`` — the one wording of the
    limits, for the message, the report's ``limit_text`` and the page's table."""
    numbers = _numbers(measured, threshold, unit)
    return numbers[2] if numbers is not None else format_limit(threshold)


def _num(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"
    if isinstance(value, list | tuple):
        return "/".join(_num(v) for v in value)
    return str(value)


def compose(
    code: str,
    status: str,
    measured: Any = None,
    threshold: Mapping[str, Any] | None = None,
    unit: str | None = None,
    cause: str | None = None,
    exception: str | None = None,
) -> dict[str, str]:
    """The ``{"ja": …, "en": …}`` message of a finding.

    Parameters
    ----------
    code : str
        Finding code; must be in the catalogues.
    status : str
        Finding status (``pass``, ``warn``, ``fail``, ``waived``, ``not_assessed``).
    measured, threshold, unit
        Appended as numbers so every verdict is explained.
    cause : str, optional
        For ``not_assessed``.
    exception : str, optional
        For ``waived``.
    """
    # the figures and limits read the same in every language: formatted once
    numbers = None if status == "not_assessed" else _numbers(measured, threshold, unit)
    out: dict[str, str] = {}
    for lang in LANGUAGES:
        templates = catalogue(lang)[code]
        if status == "not_assessed":
            out[lang] = _NOT_ASSESSED[lang].format(cause=cause or "-")
            continue
        key = "pass" if status == "pass" else ("warn" if status == "warn" else "fail")
        text = templates.get(key) or templates["fail"]
        if status == "waived":
            text = templates["fail"] + " " + _WAIVED[lang].format(exception=exception)
        if numbers is not None:
            figures, unit_text, limits = numbers
            template = _NUMBERS[lang] if threshold else _MEASURED_ONLY[lang]
            text += template.format(measured=figures, unit=unit_text, limit=limits)
        out[lang] = text
    return out


def _numbers(measured: Any, threshold: Mapping[str, Any] | None,
             unit: str | None) -> tuple[str, str, str] | None:
    """The measured figures, unit and limit texts a message appends (None: no numbers)."""
    if isinstance(measured, dict):
        figures, limits = format_parts(measured, threshold, unit)
        return (figures, "", limits) if figures else None
    if measured is not None and not isinstance(measured, list):
        plain = ("ratio", "name", "bool", "probability")
        unit_text = f" {unit}" if unit and unit not in plain else ""
        return _num(measured), unit_text, format_limit(threshold)
    return None
