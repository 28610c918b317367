"""Declared exceptions (docs/standard.md): which finding codes each one waives."""

from __future__ import annotations

from collections.abc import Iterable

# Exception name → code patterns it waives ("eyes.*" waives every eyes code).
WAIVERS: dict[str, tuple[str, ...]] = {
    "infant": ("eyes.closed", "eyes.gaze", "eyes.red_eye", "expression.*"),
    "head_covering": ("headwear.hat", "headwear.headband"),
    "medical_eyewear": ("eyewear.*", "eyes.hidden"),
    "eyes_cannot_open": ("eyes.closed",),
    "gaze_unfixed": ("eyes.gaze",),
}

VALID = tuple(WAIVERS)


class UnknownExceptionError(ValueError):
    """An exception name that photocheck does not know."""


def normalise(names: Iterable[str] | str | None) -> tuple[str, ...]:
    """Validate and de-duplicate declared exception names (order kept).

    Raises
    ------
    UnknownExceptionError
        For an unknown name; the message lists the valid ones.
    """
    if names is None:
        return ()
    if isinstance(names, str):
        names = [n for n in names.replace(";", ",").split(",") if n.strip()]
    out: list[str] = []
    for raw in names:
        name = raw.strip().lower().replace("-", "_")
        if name not in WAIVERS:
            raise UnknownExceptionError(
                f"unknown exception {raw!r}; valid exceptions are: {', '.join(VALID)}"
            )
        if name not in out:
            out.append(name)
    return tuple(out)


def waiver_for(code: str, exceptions: Iterable[str]) -> str | None:
    """The first declared exception that waives ``code``, if any."""
    check = code.split(".", 1)[0]
    for name in exceptions:
        for pattern in WAIVERS.get(name, ()):
            if pattern == code or pattern == f"{check}.*":
                return name
    return None
