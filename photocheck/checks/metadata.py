"""Metadata checks (docs/codes.md): editing evidence, stale thumbnails, and the capture date
against the application date (J-LIS: taken within the last 6 months; not edited with image
software).

"Not edited" is judged from evidence, not from the presence of any software tag: phone firmware
(``iOS 17.1``, ``ELE-L29 10.0.0…``), booths, scanners and re-saving libraries (``gd-jpeg``, IJG)
all write their names. Stripped metadata proves nothing: a missing capture date only warns.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any

import cv2
import numpy as np

from photocheck import decode
from photocheck.checks.base import Check, finding, graded, not_assessed
from photocheck.context import NotAssessable, PhotoContext
from photocheck.measures.thumbnail import best_structure
from photocheck.metadata import MetadataFacts, decode_thumbnail, metadata_facts
from photocheck.report import Finding, Status

CODES = (
    "metadata.edited",
    "metadata.thumbnail_mismatch",
    "metadata.modified_after_capture",
    "metadata.capture_too_old",
    "metadata.capture_in_future",
    "metadata.capture_date_missing",
)

PARAMS = {
    "editor_patterns": list,
    "allow_patterns": list,
    "editor_irb_resources": list,
    "camera_raw_is_editing": bool,
    "max_capture_age_months": int,
    "max_modified_after_capture_h": (int, float),
    "warn_min_thumbnail_structure": (int, float),
    "fail_min_thumbnail_structure": (int, float),
}

JST = dt.timezone(dt.timedelta(hours=9), "JST")


@lru_cache(maxsize=64)
def _compile(patterns: tuple[str, ...]) -> re.Pattern[str] | None:
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


def editor_evidence(facts: MetadataFacts, params: Mapping[str, Any]) -> list[str]:
    """Every piece of editing evidence in the facts, most direct first.

    Parameters
    ----------
    facts : MetadataFacts
        Parsed metadata.
    params : mapping
        ``editor_patterns`` (regexes naming image editors), ``allow_patterns`` (regexes of
        firmware/encoders that are never editing; checked first), ``editor_irb_resources``
        (Photoshop image resource ids only an editor writes), ``camera_raw_is_editing``.

    Returns
    -------
    list of str
        Human-readable evidence, e.g. ``EXIF Software: Adobe Photoshop CC 2018 (Macintosh)``.
    """
    editors = _compile(tuple(params["editor_patterns"]))
    allowed = _compile(tuple(params["allow_patterns"]))
    out: list[str] = []
    for where, text in facts.software_strings():
        if allowed is not None and allowed.search(text):
            continue
        if editors is not None and editors.search(text):
            out.append(f"{where}: {text}")
    editor_ids = {int(i) for i in params["editor_irb_resources"]}
    found = sorted(editor_ids.intersection(facts.irb_resources))
    if found:
        ids = ", ".join(f"0x{i:04X}" for i in found[:4])
        out.append(f"Photoshop image resources: {ids}")
    if params["camera_raw_is_editing"] and facts.camera_raw_settings:
        names = ", ".join(facts.camera_raw_settings[:3])
        out.append(f"Camera Raw settings: crs:{names}")
    return out


def months_before(day: dt.date, months: int) -> dt.date:
    """The same calendar day ``months`` earlier (clamped to the month's last day)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def capture_date(facts: MetadataFacts) -> dt.date | None:
    """Capture date; in Japan time when the file records a UTC offset, else as written."""
    taken = facts.datetime_original
    if taken is None:
        return None
    return taken.astimezone(JST).date() if taken.tzinfo else taken.date()


def run(ctx: PhotoContext, params: Mapping[str, Any]) -> Iterator[Finding]:
    """Judge editing evidence and capture dates.

    Parameters
    ----------
    ctx : PhotoContext
        The photo (``ctx.applied_on`` is the application date).
    params : mapping
        See :data:`PARAMS`; allow-lists and limits come from the profile.

    Yields
    ------
    Finding
        ``metadata.edited`` (fail), ``metadata.thumbnail_mismatch`` (fail, or warn when the
        structure match is only doubtful; only when the file has an EXIF thumbnail),
        ``metadata.modified_after_capture`` (warn), ``metadata.capture_too_old`` (fail),
        ``metadata.capture_in_future`` (warn), ``metadata.capture_date_missing`` (warn).
    """
    facts = metadata_facts(ctx)

    evidence = editor_evidence(facts, params)
    yield finding("metadata.edited", Status.FAIL if evidence else Status.PASS,
                  "; ".join(evidence[:3]) if evidence else "none", unit="name")

    thumb = _thumbnail_finding(ctx, facts, float(params["fail_min_thumbnail_structure"]),
                               float(params["warn_min_thumbnail_structure"]))
    if thumb is not None:
        yield thumb

    yield from _date_findings(ctx.applied_on, facts, params)


def _thumbnail_finding(ctx: PhotoContext, facts: MetadataFacts, fail_below: float,
                       warn_below: float) -> Finding | None:
    """Compare the EXIF thumbnail with the upright main image; None when there is none."""
    if facts.thumbnail is None:
        return None
    try:
        head = decode.header(ctx)
        main = decode.analysis_image(ctx)
    except NotAssessable as exc:
        return not_assessed("metadata.thumbnail_mismatch", exc.cause)
    thumb = decode_thumbnail(facts.thumbnail, head.orientation)
    if thumb is None:  # an unreadable thumbnail is not evidence of anything
        return None
    gray = cv2.cvtColor(main.bgr, cv2.COLOR_BGR2GRAY)
    similarity = best_structure(thumb, gray)
    if not np.isfinite(similarity):  # a thumbnail too small to hold any structure
        return None
    return graded("metadata.thumbnail_mismatch", round(similarity, 3), fail=fail_below,
                  warn=warn_below, upper=False, unit="correlation")


def _date_findings(applied_on: dt.date, facts: MetadataFacts,
                   params: Mapping[str, Any]) -> Iterator[Finding]:
    taken = capture_date(facts)
    if taken is None:
        missing = "metadata.capture_date_missing"
        yield not_assessed("metadata.modified_after_capture", missing)
        yield not_assessed("metadata.capture_too_old", missing)
        yield not_assessed("metadata.capture_in_future", missing)
        yield finding(missing, Status.WARN, "no DateTimeOriginal", unit="name")
        return
    yield _modified_after(facts, float(params["max_modified_after_capture_h"]))
    oldest = months_before(applied_on, int(params["max_capture_age_months"]))
    age_days = (applied_on - taken).days
    max_days = (applied_on - oldest).days
    yield finding("metadata.capture_too_old", Status.FAIL if taken < oldest else Status.PASS,
                  age_days, {"max": max_days}, "days")
    yield finding("metadata.capture_in_future",
                  Status.WARN if taken > applied_on else Status.PASS,
                  -age_days, {"max": 0}, "days")
    yield finding("metadata.capture_date_missing", Status.PASS, taken.isoformat(), unit="date")


def _modified_after(facts: MetadataFacts, max_hours: float) -> Finding:
    """EXIF DateTime (last written by software) long after DateTimeOriginal: warn."""
    taken, changed = facts.datetime_original, facts.datetime_modified
    if taken is None or changed is None:
        return finding("metadata.modified_after_capture", Status.PASS, None, {"max": max_hours},
                       "h")
    if (taken.tzinfo is None) != (changed.tzinfo is None):
        taken, changed = taken.replace(tzinfo=None), changed.replace(tzinfo=None)
    hours = (changed - taken).total_seconds() / 3600.0
    return finding("metadata.modified_after_capture",
                   Status.WARN if hours > max_hours else Status.PASS,
                   round(hours, 1), {"max": max_hours}, "h")


CHECK = Check(name="metadata", codes=CODES, params=PARAMS, run=run)
