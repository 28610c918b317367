"""The public entry point: :func:`trim` a scan and check the result."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from photocheck import _validator
from photocheck.checks.base import finding, not_assessed
from photocheck.checks.quality import RESAMPLED_KEY
from photocheck.context import PhotoContext
from photocheck.exceptions import normalise
from photocheck.report import Report, Status
from photocheck.trimming.early import early_result, overlap_available, start_early_look
from photocheck.trimming.options import GEOMETRY_KEY, OPTIONS_KEY
from photocheck.trimming.pipeline import TrimOutcome
from photocheck.trimming.scan import decode_once
from photocheck.trimming.standard import GeometryFn
from photocheck.validator import SourceError, Validator


@dataclass
class TrimResult:
    """The result of :func:`trim`.

    Attributes
    ----------
    report : Report
        The docs/report.md report: the ``trim.*`` findings followed by the content findings of the
        trimmed output under the ``mail`` profile (``face``/``crop`` are in output px);
        ``extra`` carries ``trim`` details and, from the CLI, ``output``.
    jpeg : bytes or None
        The trimmed 35×45 mm JPEG (dpi in its JFIF header); None when it could not be trimmed.
    rotation_deg : float or None
        The print's rotation found on the bed (undone in the output).
    print_size_mm : tuple of float or None
        (width, height) of the print; None without a known scan resolution.
    photo_quad : numpy.ndarray or None
        ``(4, 2)`` print corners in scan px (TL, TR, BR, BL).
    crop_box : numpy.ndarray or None
        ``(4, 2)`` corners of the cut in scan px (TL, TR, BR, BL).
    out_to_scan : numpy.ndarray or None
        ``(2, 3)`` affine from output px to scan px (the one resampling).
    reason : str or None
        Why it was not trimmed: ``head_cut_off``, ``head_too_large``, ``too_close_to_edge``,
        ``resolution_too_low`` (face too small for the output resolution), ``bad_landmarks``,
        or ``face_not_found``.
    """

    report: Report
    jpeg: bytes | None
    rotation_deg: float | None
    print_size_mm: tuple[float, float] | None
    photo_quad: np.ndarray | None
    crop_box: np.ndarray | None
    out_to_scan: np.ndarray | None = None
    reason: str | None = None
    dpi: float | None = None


def trim(
    source: Any,
    *,
    dpi: float | None = None,
    out_dpi: float = 600.0,
    profile: str = "mail",
    exceptions: Iterable[str] = (),
    applied_on: dt.date | str | None = None,
    validator: Any | None = None,
    check_output: bool = True,
    face_geometry: GeometryFn | None = None,
    overlap_decode: bool | None = None,
) -> TrimResult:
    """Trim a scanned print to the 45×35 mm standard and check the result.

    Parameters
    ----------
    source : path, bytes or binary file object
        The scan (JPEG, PNG, TIFF …).
    dpi : float, optional
        Scan resolution when the file does not record it (overrides the file's value).
    out_dpi : float
        Resolution of the output: 35×45 mm is 827×1063 px at 600 dpi.
    profile : str
        Profile for the trim parameters and the content checks of the output (``mail``).
    exceptions : iterable of str
        Declared exceptions, applied to the output's content checks.
    applied_on : date or ISO string, optional
        Application date (6-month rule).
    validator : photocheck.Validator, optional
        Reuse one (its profile is used); default a shared validator for ``profile``.
    check_output : bool
        Run the content checks on the trimmed output (default). ``False`` trims only.
    face_geometry : callable, optional
        ``ctx -> FaceGeometry`` on the upright print; default :func:`pipeline_geometry`.
    overlap_decode : bool, optional
        Find the print and the face mesh on a DCT-reduced decode in a second thread while the
        full decode runs (:func:`early_look`; JPEG scans of known resolution ≥ ~230 dpi), and
        resample and encode the output in two halves: about a quarter less wall time for ~25 %
        more CPU.
        Default: when the process may use two cores. Batch workers (one process per core) turn
        it off.

    Returns
    -------
    TrimResult
        Never raises for bad input: an unreadable or blank scan gets ``trim.photo_not_found``.
    """
    if validator is None:
        validator = _validator(profile)
    assert isinstance(validator, Validator)
    declared = normalise(exceptions)
    started = time.perf_counter()
    try:
        ctx = validator.context(source, exceptions=declared, applied_on=applied_on)
    except SourceError as exc:
        return _unreadable(validator, source, declared, exc)
    ctx.memo(OPTIONS_KEY, lambda: {"dpi": dpi, "out_dpi": out_dpi})
    if face_geometry is not None:
        ctx.memo(GEOMETRY_KEY, lambda: face_geometry)
    scan_report = _run_scan(validator, ctx, overlap_decode, started)
    outcome = ctx.peek("trim_outcome") or TrimOutcome()
    findings = list(scan_report.findings)
    face = crop = None
    timings = dict(scan_report.timings_ms)
    if outcome.jpeg is not None and check_output:
        out_report = _check_output(validator, outcome, declared, applied_on)
        findings += out_report.findings
        face, crop = out_report.face, out_report.crop
        timings.update({f"output.{k}": v for k, v in out_report.timings_ms.items()})
        timings["total"] = (time.perf_counter() - started) * 1000.0
    report = Report(source=scan_report.source, profile=scan_report.profile,
                    profile_digest=scan_report.profile_digest,
                    exceptions=list(scan_report.exceptions), findings=findings, face=face,
                    crop=crop, timings_ms=timings, versions=validator.versions(),
                    extra={"trim": _trim_extra(outcome, out_dpi)})
    rect = outcome.rect
    return TrimResult(
        report=report, jpeg=outcome.jpeg, rotation_deg=rect.rotation_deg if rect else None,
        print_size_mm=outcome.print_size_mm, photo_quad=rect.quad if rect else None,
        crop_box=outcome.crop_quad, out_to_scan=outcome.out_to_scan, reason=outcome.reason,
        dpi=outcome.dpi)


def _check_output(validator: Validator, outcome: TrimOutcome, declared: tuple[str, ...],
                  applied_on: Any) -> Report:
    """The content checks of the trimmed output, told how much the trim enlarged the scan
    (:data:`photocheck.checks.quality.RESAMPLED_KEY`): the quality rules judge the photo as
    scanned, not the trim's own resampling."""
    start = time.perf_counter()
    assert outcome.jpeg is not None
    ctx = validator.context(outcome.jpeg, exceptions=declared, applied_on=applied_on)
    if outcome.magnify is not None:
        ctx.memo(RESAMPLED_KEY, lambda: outcome.magnify)
    return validator.run(ctx, mode="check", started=start)


def _run_scan(validator: Validator, ctx: PhotoContext, overlap_decode: bool | None,
              started: float) -> Report:
    """The scan's own report (mode ``trim``: the file and trim checks), the second thread
    started beside the decode when asked (default: when a second core is free)."""
    if overlap_decode if overlap_decode is not None else overlap_available():
        start_early_look(ctx)
    try:
        decode_once(ctx)
        return validator.run(ctx, mode="trim", started=started)
    finally:
        early_result(ctx)  # no work of this scan outlives the call


def _unreadable(validator: Validator, source: Any, declared: tuple[str, ...], exc: SourceError
                ) -> TrimResult:
    """The result for a source that cannot be read at all (``trim.photo_not_found``)."""
    name = str(source) if isinstance(source, str) else "<stream>"
    found = [finding("trim.photo_not_found", Status.FAIL, str(exc))]
    found += [not_assessed(c, "trim.photo_not_found") for c in
              ("trim.print_size", "trim.scan_resolution", "trim.not_trimmable")]
    report = validator._report(name, list(declared), found, None, {})
    return TrimResult(report, None, None, None, None, None)


def _trim_extra(outcome: TrimOutcome, out_dpi: float) -> dict[str, Any]:
    """The report's ``extra["trim"]``: where the print and the cut are, and why not."""
    rect = outcome.rect
    return {
        "rotation_deg": rect.rotation_deg if rect else None,
        "print_size_mm": list(outcome.print_size_mm) if outcome.print_size_mm else None,
        "photo_quad": rect.quad if rect else None,
        "print_quad": outcome.print_rect.quad if outcome.print_rect else None,
        "crop_quad": outcome.crop_quad,
        "scan_dpi": outcome.dpi,
        "source_dpi": outcome.source_dpi,
        "out_dpi": out_dpi if outcome.jpeg is not None else None,
        "out_size_px": list(outcome.out_size_px) if outcome.out_size_px else None,
        "reason": outcome.reason,
        "face_path": outcome.face_path,
        # output px (top, bottom, left, right) beyond the print, repeating its edge
        "pad_px": list(outcome.pad_bands),
    }
