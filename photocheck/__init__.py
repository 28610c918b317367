"""photocheck: validate photos against the My Number card photo standard (docs/standard.md).

Public API: :func:`check`, :func:`crop` (digital photos), :func:`trim` (scans),
:class:`Validator`, :class:`Profile`, :class:`Report`, :class:`Finding`.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING

__version__ = "0.1.0"

from photocheck.exceptions import UnknownExceptionError  # noqa: E402
from photocheck.report import Finding, Report, Status, Verdict  # noqa: E402

if TYPE_CHECKING:
    from photocheck.cropping import CropResult, crop
    from photocheck.profiles import Profile, ProfileError, load_profile
    from photocheck.trimming import TrimResult, trim
    from photocheck.validator import Source, Validator

__all__ = [
    "CropResult",
    "Finding",
    "Profile",
    "ProfileError",
    "Report",
    "Status",
    "TrimResult",
    "UnknownExceptionError",
    "Validator",
    "Verdict",
    "check",
    "crop",
    "load_profile",
    "trim",
]

_shared: dict[str, Validator] = {}
_shared_lock = threading.Lock()


def _validator(profile: str) -> Validator:
    from photocheck.validator import Validator  # the pipeline loads on first use (__getattr__)

    with _shared_lock:
        if profile not in _shared:
            # one Validator per profile, all sharing one set of model sessions
            models = next(iter(_shared.values()))._models if _shared else None
            _shared[profile] = Validator(profile, models=models)
        return _shared[profile]


def check(
    source: Source,
    *,
    profile: str = "online",
    exceptions: Iterable[str] = (),
    applied_on: dt.date | str | None = None,
) -> Report:
    """Check one photo against the standard.

    Parameters
    ----------
    source : path, bytes or binary file object
        The photo (any format; only JPEG passes the upload rule ``file.format``).
    profile : str
        ``online`` (uploads), ``booth`` or ``mail`` (scans), or a path to a TOML profile.
    exceptions : iterable of str
        Declared exceptions that waive rules (docs/standard.md).
    applied_on : date or ISO string, optional
        The application date for the 6-month capture rule; default today.

    Returns
    -------
    Report
        Findings with numbers, and the verdict.
    """
    return _validator(profile).check(source, exceptions=exceptions, applied_on=applied_on)


def __getattr__(name: str) -> object:
    # Heavy modules (OpenCV, onnxruntime, the face pipeline) load only when used: profiles
    # validate against the check table, which imports them all.
    if name in ("Profile", "ProfileError", "load_profile"):
        from photocheck import profiles

        return getattr(profiles, name)
    if name == "Validator":
        from photocheck.validator import Validator

        return Validator
    if name in ("crop", "CropResult"):
        from photocheck import cropping

        return getattr(cropping, name)
    if name in ("trim", "TrimResult"):
        from photocheck import trimming

        return getattr(trimming, name)
    raise AttributeError(name)
