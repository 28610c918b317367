"""The ``trim`` check (mode ``trim`` only): finding the print in a scan and cutting the standard.

Its codes are produced by :func:`photocheck.trimming.trim_outcome` on the scan's context;
``photocheck.check`` never runs it (a finished photo has no scanner bed). Its profile section
holds the trimming parameters.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from photocheck.checks.base import Check
from photocheck.context import PhotoContext
from photocheck.report import Finding


def run(ctx: PhotoContext, params: Mapping[str, Any]) -> Iterable[Finding]:
    """Yield ``trim.photo_not_found``, ``trim.print_size`` and ``trim.not_trimmable``."""
    from photocheck.trimming import run_trim_check

    yield from run_trim_check(ctx, params)


CHECK = Check(
    name="trim",
    codes=("trim.photo_not_found", "trim.print_size", "trim.not_trimmable"),
    params={
        "min_print_area_ratio": float,
        "print_size_tolerance_mm": float,
        "print_size_status": str,
        "tolerance_mm": float,
        "min_source_dpi": float,
        "jpeg_quality": int,
        "fast_crown": bool,
    },
    run=run,
    modes=("trim",),
)
