"""The ``trim`` check (mode ``trim`` only): finding the print in a scan and cutting the standard.

Its codes are produced by :func:`photocheck.trimming.trim_outcome` on the scan's context;
``photocheck.check`` never runs it (a finished photo has no scanner bed). Its profile section
holds the trimming parameters.

The stage itself is provided by :mod:`photocheck.trimming` when it is imported
(:func:`provide_stage`): the trimming package builds on the checks (findings, the validator), so
the check does not import it back. Mode ``trim`` is only run by :func:`photocheck.trimming.trim`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from photocheck.checks.base import Check
from photocheck.context import NotAssessable, PhotoContext
from photocheck.report import Finding

Stage = Callable[[PhotoContext, Mapping[str, Any]], Iterable[Finding]]
_stage: list[Stage] = []


def provide_stage(stage: Stage) -> None:
    """Install the function that yields this check's findings (:mod:`photocheck.trimming`)."""
    _stage[:] = [stage]


def run(ctx: PhotoContext, params: Mapping[str, Any]) -> Iterable[Finding]:
    """Yield ``trim.photo_not_found``, ``trim.multiple_prints`` (a form with a second print),
    ``trim.print_size``, ``trim.scan_resolution`` (how many scan px the face is cut from) and
    ``trim.not_trimmable``."""
    if not _stage:
        raise NotAssessable("internal_error", "photocheck.trimming has not provided the stage")
    yield from _stage[0](ctx, params)


CHECK = Check(
    name="trim",
    codes=("trim.photo_not_found", "trim.multiple_prints", "trim.print_size",
           "trim.scan_resolution", "trim.not_trimmable"),
    params={
        "min_print_area_ratio": float,
        "print_size_tolerance_mm": float,
        "print_size_status": str,
        "tolerance_mm": float,
        "conforming_margin_mm": float,
        "max_pad_mm": float,
        "min_source_dpi": float,
        "warn_min_source_dpi": float,
        "jpeg_quality": int,
        "fast_crown": bool,
    },
    run=run,
    modes=("trim",),
)
