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
    lo, hi = threshold.get("min"), threshold.get("max")
    if lo is not None and hi is not None:
        return f"{_num(lo)}–{_num(hi)}"
    if hi is not None:
        return f"≤ {_num(hi)}"
    if lo is not None:
        return f"≥ {_num(lo)}"
    return ", ".join(f"{k} {_num(v)}" for k, v in threshold.items())


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
        if measured is not None and not isinstance(measured, dict | list):
            plain = ("ratio", "name", "bool", "probability")
            unit_text = f" {unit}" if unit and unit not in plain else ""
            template = _NUMBERS[lang] if threshold else _MEASURED_ONLY[lang]
            text += template.format(
                measured=_num(measured), unit=unit_text, limit=format_limit(threshold)
            )
        out[lang] = text
    return out
