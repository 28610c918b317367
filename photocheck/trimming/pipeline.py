"""The trim stage of one scan: locate the print, measure it, find the face, plan, write."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from photocheck import decode
from photocheck.checks import trim as trim_check
from photocheck.checks.base import finding, grade, not_assessed
from photocheck.context import NotAssessable, PhotoContext, intermediate
from photocheck.geometry import CropSolution
from photocheck.report import Finding, Status
from photocheck.trimming.early import (
    EarlyLook,
    _crown_rows,
    _early_mesh,
    _pool,
    early_print,
    early_result,
    image_to_scan,
)
from photocheck.trimming.edges import refine_sides_full
from photocheck.trimming.face_geometry import (
    FACE_LONG_SIDE_PX,
    LEAN_LONG_SIDE_PX,
    LeanMesh,
    context_from_pixels,
    lean_crown,
    lean_geometry,
    pipeline_geometry,
)
from photocheck.trimming.finding import FALLBACK_LONG_SIDE_PX, detection_factor, find_print
from photocheck.trimming.forms import BOX_H_MM, BOX_W_MM, FORM_INSET_MM, locate_on_form
from photocheck.trimming.options import (
    GEOMETRY_KEY,
    OPTIONS_KEY,
    edge_inset_px,
    face_params,
    full_pixels,
    option_scan_dpi,
    trim_models,
)
from photocheck.trimming.output import (
    encode_jpeg,
    source_chroma,
    upright_print,
    warp_encode_split,
    warp_region,
)
from photocheck.trimming.rect import PrintRect, apply_affine, inset, rect_from_sides, turn_rect
from photocheck.trimming.scan import ScanImages, decode_once
from photocheck.trimming.standard import (
    CROWN_TO_CHIN_MM,
    MM_PER_INCH,
    PRINT_HEIGHT_MM,
    PRINT_WIDTH_MM,
    FaceGeometry,
    GeometryFn,
    _scaled,
    pad_bands,
    plan_crop,
)

_ON_FORM_KEY = "trim_on_form"


@dataclass
class TrimOutcome:
    """What trimming found in one scan (the trim check reads its findings from here)."""

    findings: list[Finding] = field(default_factory=list)
    rect: PrintRect | None = None
    print_rect: PrintRect | None = None
    dpi: float | None = None
    print_size_mm: tuple[float, float] | None = None
    geometry_print_px: FaceGeometry | None = None
    out_to_scan: np.ndarray | None = None
    crop_quad: np.ndarray | None = None
    out_size_px: tuple[int, int] | None = None
    out_dpi: float = 600.0
    reason: str | None = None
    jpeg: bytes | None = None
    source_dpi: float | None = None
    plan: CropSolution | None = None
    face_path: str | None = None
    magnify: float | None = None
    on_form: bool = False
    pad_bands: tuple[int, int, int, int] = (0, 0, 0, 0)


@intermediate
def trim_outcome(ctx: PhotoContext) -> TrimOutcome:
    """Find, deskew, measure and crop the print in the scan of ``ctx`` (never raises).

    The steps: decode the scan once (:func:`decode_once`), locate the print and measure its
    sides (:func:`_locate_print`), its size in mm (:func:`_print_size`), the face geometry on
    it upright (:func:`_find_face`), the standard crop (:func:`_plan`) and the one resampling
    and encode (:func:`_cut`).
    """
    options: Mapping[str, Any] = ctx.peek(OPTIONS_KEY) or {}
    params = ctx.params("trim")
    out = TrimOutcome(out_dpi=float(options.get("out_dpi", 600.0)))
    scan, problem = _decoded(ctx)
    if scan is None:
        return _missing(out, problem)
    out.dpi = option_scan_dpi(ctx, options)
    located = _locate_print(ctx, scan, params, out.dpi)
    if located is None:
        return _missing(out, "no print found on the scan")
    if isinstance(located, str):
        return _missing(out, located)
    if isinstance(located, int):
        return _multiple(out, located)
    rect, measured_rect, overlapped = located
    out.rect = rect
    out.print_rect = measured_rect
    out.on_form = bool(ctx.peek(_ON_FORM_KEY))
    out.findings.append(finding("trim.photo_not_found", Status.PASS,
                                "whole_scan" if rect.whole_scan else "found"))
    out.findings.append(finding("trim.multiple_prints", Status.PASS, 1))
    _print_size(out, measured_rect, params)
    geom, cause, early = _find_face(ctx, out, scan.full.bgr, measured_rect, overlapped, params)
    if geom is None:
        out.reason = "face_not_found"
        out.findings.append(not_assessed("trim.scan_resolution", cause))
        out.findings.append(not_assessed("trim.not_trimmable", cause))
        return out
    plan = _plan(out, geom, params)
    if plan.trimmable:
        _cut(ctx, out, plan, early is not None, params)
    return out


def _missing(out: TrimOutcome, detail: Any) -> TrimOutcome:
    """``out`` with ``trim.photo_not_found`` failed for ``detail`` and the rest not assessed."""
    out.findings = [finding("trim.photo_not_found", Status.FAIL, detail)]
    out.findings += [not_assessed(c, "trim.photo_not_found")
                     for c in ("trim.print_size", "trim.scan_resolution", "trim.not_trimmable")]
    return out


def _multiple(out: TrimOutcome, count: int) -> TrimOutcome:
    """``out`` refused: the form carries ``count`` prints (which is the applicant's?)."""
    out.reason = "multiple_prints"
    out.findings = [finding("trim.photo_not_found", Status.PASS, "found"),
                    finding("trim.multiple_prints", Status.FAIL, count, {"max": 1})]
    out.findings += [not_assessed(c, "trim.multiple_prints")
                     for c in ("trim.print_size", "trim.scan_resolution", "trim.not_trimmable")]
    return out


def _decoded(ctx: PhotoContext) -> tuple[ScanImages | None, str]:
    """The scan decoded once, or None and why not (the decode's own cause and detail)."""

    def why(exc: NotAssessable) -> str:
        return f"{exc.cause}: {exc.detail}" if exc.detail else exc.cause

    try:
        decode.header(ctx)
    except NotAssessable as exc:
        return None, why(exc)
    scan = decode_once(ctx)
    if scan is None:
        try:
            decode.full_image(ctx)
        except NotAssessable as exc:
            return None, why(exc)
        return None, "file.corrupt"
    return scan, ""


def _locate_print(ctx: PhotoContext, scan: ScanImages, params: Mapping[str, Any],
                  dpi: float | None) -> tuple[PrintRect, PrintRect, bool] | str | int | None:
    """The print to crop from (inset), the print as measured, and whether the second thread
    found it; None when there is no print on the scan, a reason (str) when the scan is a form
    whose photo box is empty, the number of prints (int) when a form carries several.

    The blob's sides first; each measured on the full-resolution scan, in strips along it
    (small px → full px: a small pixel's centre is its block's centre). When a side shows no
    clear step there, the print is found again with the edge tests and the side rebuilding of
    :func:`find_print` on a finer copy (:func:`_measure_sides`). When that is not a print with
    four measured sides of 35×45 mm or of another print size no photo box has — a whole page,
    a part of one, a printed photo box, nothing — the scan is judged as an application form
    (:func:`~photocheck.trimming.forms.locate_on_form`).
    """
    min_area = float(params["min_print_area_ratio"])
    found = early_print(ctx)
    overlapped = False
    if found is not None and scan.small is found.small:
        overlapped = True
        rect_small = found.rect_small  # found on this very copy by the second thread
    else:
        if found is None:
            early_result(ctx)  # it stopped before the print (records a failure): collect it
        rect_small = find_print(scan.small.bgr, min_area_ratio=min_area, refine=False)
    rect_small, quad, measured = _measure_sides(scan, rect_small, min_area)
    full = scan.full.bgr
    rect: PrintRect | None = None
    if rect_small is not None and (rect_small.whole_scan or quad is None):
        h, w = full.shape[:2]
        rect = PrintRect(np.array([[0, 0], [w, 0], [w, h], [0, h]], float), 0.0, float(w),
                         float(h), True)
    elif rect_small is not None and quad is not None:
        rect = rect_from_sides(quad, measured)
    tol = float(params["print_size_tolerance_mm"])
    if dpi is not None and not (rect is not None and measured.all() and (
            _is_print_size(rect, dpi, tol) or _is_other_print(rect, dpi))):
        # a measured rectangle of a photo box's size is a form only if a box is found
        form = locate_on_form(full, scan.small.bgr, scan.small.scale, dpi,
                              size_tolerance_mm=tol, box_quad=rect.quad if rect is not None
                              and not rect.whole_scan and measured.all() else None)
        if form is not None and form.kind == "multiple":
            return form.count
        if form is not None and form.kind == "empty":
            return "the photo box on the form is empty"
        if form is not None and form.rect is not None:
            # measured on the de-inked scan: ~0.15 mm inside keeps the paper out
            inside = FORM_INSET_MM * dpi / MM_PER_INCH
            ctx.memo(_ON_FORM_KEY, lambda: True)
            return inset(form.rect, inside), form.rect, overlapped
    if rect is None:
        return None
    # keep the crop ~0.25 mm inside the print's edge (as 1.5 px of the quarter-size copy the
    # print used to be found on), so it never takes in the bed or the edge's shadow
    return inset(rect, edge_inset_px(ctx, max(full.shape[:2]))), rect, overlapped


def _is_other_print(rect: PrintRect, dpi: float) -> bool:
    """Whether ``rect`` is a photo print of another size than 35×45 mm (25–45 × 30–56 mm: 30×40,
    40×50, 2×2 in) that no photo box has — not a part of a page."""
    ppm = dpi / MM_PER_INCH
    short, long_ = sorted((rect.width_px / ppm, rect.height_px / ppm))
    return 25.0 <= short <= 45.0 and 30.0 <= long_ <= 56.0 and not _is_box_size(rect, dpi)


def _is_box_size(rect: PrintRect, dpi: float) -> bool:
    """Whether ``rect`` could be a form's printed photo box (36.5–44 × 46.5–54 mm)."""
    ppm = dpi / MM_PER_INCH
    short, long_ = sorted((rect.width_px / ppm, rect.height_px / ppm))
    return BOX_W_MM[0] <= short <= BOX_W_MM[1] and BOX_H_MM[0] <= long_ <= BOX_H_MM[1]


def _is_print_size(rect: PrintRect, dpi: float, tolerance_mm: float) -> bool:
    """Whether ``rect`` is 35×45 mm within ``tolerance_mm`` (upright or on its side)."""
    ppm = dpi / MM_PER_INCH
    short, long_ = sorted((rect.width_px / ppm, rect.height_px / ppm))
    return (abs(short - PRINT_WIDTH_MM) <= tolerance_mm
            and abs(long_ - PRINT_HEIGHT_MM) <= tolerance_mm)


def _measure_sides(scan: ScanImages, rect_small: PrintRect | None, min_area: float
                   ) -> tuple[PrintRect | None, np.ndarray | None, np.ndarray]:
    """The sides of ``rect_small`` (small px) measured on the full scan: ``(rect_small,
    quad, measured)``, with the print found again on a finer copy when a side shows no step
    (then ``rect_small`` is that one, in the finer copy's px)."""
    full = scan.full.bgr
    small, f_small = scan.small.bgr, scan.small.scale
    measured = np.zeros(4, bool)
    quad = None
    if rect_small is not None and not rect_small.whole_scan:
        quad, measured = refine_sides_full(full, (rect_small.quad + 0.5) / f_small - 0.5,
                                           reach_px=max(6.0, 3.0 / f_small))
    if rect_small is not None and not rect_small.whole_scan and not measured.all():
        # on a copy twice as fine as the first (a side closed from the corners where its
        # neighbours end is only as exact as the copy it is found on)
        factor = detection_factor(max(full.shape[:2]), FALLBACK_LONG_SIDE_PX)
        finer, f_finer = small, f_small
        if factor < scan.factor:
            h, w = full.shape[:2]
            finer = cv2.resize(full, (max(1, w // factor), max(1, h // factor)),
                               interpolation=cv2.INTER_LINEAR)
            f_finer = finer.shape[1] / w
        rect_small = find_print(finer, min_area_ratio=min_area)
        if rect_small is not None and not rect_small.whole_scan:
            quad, measured = refine_sides_full(full, (rect_small.quad + 0.5) / f_finer - 0.5,
                                               reach_px=max(6.0, 1.5 / f_finer))
    return rect_small, quad, measured


def _print_size(out: TrimOutcome, measured_rect: PrintRect, params: Mapping[str, Any]
                ) -> None:
    """Add ``trim.print_size`` (J-LIS: 45×35 mm; other sizes are trimmed when the crop fits)."""
    if out.dpi is None:
        out.findings.append(not_assessed("trim.print_size", "trim.dpi_unknown"))
        return
    px_per_mm = out.dpi / MM_PER_INCH
    w_mm = measured_rect.width_px / px_per_mm
    h_mm = measured_rect.height_px / px_per_mm
    out.print_size_mm = (w_mm, h_mm)
    tol = float(params["print_size_tolerance_mm"])
    ok = abs(w_mm - PRINT_WIDTH_MM) <= tol and abs(h_mm - PRINT_HEIGHT_MM) <= tol
    out.findings.append(finding(
        "trim.print_size", Status.PASS if ok else Status(params["print_size_status"]),
        {"width": round(w_mm, 2), "height": round(h_mm, 2)},
        {"width": PRINT_WIDTH_MM, "height": PRINT_HEIGHT_MM, "tolerance": tol}, "mm"))


@dataclass(frozen=True)
class _FaceSearch:
    """How the face is sought on one scan's print (see :func:`_find_face`)."""

    geometry_fn: GeometryFn
    models: Any
    min_score: float
    min_presence: float
    # the second thread's mesh as :func:`_early_mesh` returns it
    early_mesh: tuple[LeanMesh | None] | None


def _geometry_fn(ctx: PhotoContext, params: Mapping[str, Any]) -> tuple[GeometryFn, bool]:
    """The full pipeline's geometry provider, and whether the short path is tried first."""
    geometry_fn: GeometryFn | None = ctx.peek(GEOMETRY_KEY)
    lean = geometry_fn is None and bool(params["fast_crown"])
    if geometry_fn is None:
        fast = bool(params["fast_crown"])

        def geometry_fn(c: PhotoContext) -> FaceGeometry:
            return pipeline_geometry(c, fast_crown=fast)
    return geometry_fn, lean


def _find_face(ctx: PhotoContext, out: TrimOutcome, full: np.ndarray, measured_rect: PrintRect,
               overlapped: bool, params: Mapping[str, Any]
               ) -> tuple[FaceGeometry | None, str, EarlyLook | None]:
    """The face geometry in upright print px (``out.rect`` turned to where it was found, and
    ``out.face_path`` set), or None and why; with the second thread's look, if it ran.

    Face geometry on the upright print (try quarter turns when the print lies sideways): the
    short path first (lean_geometry on a small upright print), the full face pipeline on a
    larger one when it is unsure. The short path only as the print was found (upright for
    nearly every portrait print); anything it is unsure of (a turned print, a head cut off at
    the top edge) goes to the full pipeline, which searches the quarter turns.
    """
    rect = out.rect
    assert rect is not None
    geometry_fn, lean = _geometry_fn(ctx, params)
    turns = (0, 1, 3, 2) if rect.width_px > rect.height_px else (0, 2)
    cause = "face.not_found"
    min_score, min_presence = face_params(ctx)
    models = trim_models(ctx) if lean else ctx.models
    passes = ((True, LEAN_LONG_SIDE_PX, (0,)), (False, FACE_LONG_SIDE_PX, turns)) if lean else (
        (False, FACE_LONG_SIDE_PX, turns),)
    # the second thread ran the short path's mesh on the print as found at its reduced scale
    # (while the sides were measured here): its points (scan px) hold when that print is the
    # one measured here
    first_img: np.ndarray | None = None
    if overlapped and lean:
        # the short path's upright print, made while the mesh is still running there; when
        # the mesh is already there, only the rows the crown is read in (above its forehead)
        first_img = upright_print(full, rect, LEAN_LONG_SIDE_PX,
                                  rows=_crown_rows(ctx, rect, measured_rect))
    early = early_result(ctx) if overlapped else None
    if early is not None:
        ctx.timings_ms["trim.early_cpu"] = early.cpu_ms
    search = _FaceSearch(geometry_fn, models, min_score, min_presence,
                         _early_mesh(early, measured_rect) if lean else None)
    for short_path, long_side_px, pass_turns in passes:
        for turn in pass_turns:
            candidate = turn_rect(rect, turn)
            path = "early" if short_path and search.early_mesh is not None else (
                "lean" if short_path else "pipeline")
            if path == "early" and search.early_mesh[0] is None:  # type: ignore[index]
                continue  # the second thread's mesh was unsure: the full pipeline
            img = first_img if short_path and turn == 0 and first_img is not None else (
                upright_print(full, candidate, long_side_px))
            g, failed = _face_on(ctx, path, img, candidate, search)
            cause = failed or cause
            g_print = None if g is None else _scaled(g, candidate.width_px / img.shape[1],
                                                     candidate.height_px / img.shape[0])
            if g_print is None:
                continue
            geom = _upright_face(g_print)
            if geom is None:
                cause = "face.not_found"
                continue
            out.rect = candidate
            out.face_path = path
            return geom, cause, early
    return None, cause, early


def _face_on(ctx: PhotoContext, path: str, img: np.ndarray, candidate: PrintRect,
             search: _FaceSearch) -> tuple[FaceGeometry | None, str | None]:
    """The face geometry on ``img`` (upright ``candidate``, image px) by ``path`` (``early``,
    ``lean`` or ``pipeline``), and the cause when the full pipeline could not assess it."""
    if path == "early":
        mesh = search.early_mesh[0]  # type: ignore[index]
        assert mesh is not None
        to_img = cv2.invertAffineTransform(image_to_scan(candidate, img))
        return lean_crown(img, mesh.mapped(to_img)), None
    if path == "lean":
        start = time.perf_counter()
        g = lean_geometry(img, search.models, min_score=search.min_score,
                          min_presence=search.min_presence)
        ctx.timings_ms["trim.lean_geometry"] = ctx.timings_ms.get(
            "trim.lean_geometry", 0.0) + (time.perf_counter() - start) * 1000.0
        return g, None
    pctx = context_from_pixels(img, ctx, f"{ctx.source}#print")
    try:
        return search.geometry_fn(pctx), None
    except NotAssessable as exc:
        return None, exc.cause
    finally:
        for key, value in pctx.timings_ms.items():
            ctx.timings_ms[f"print.{key}"] = ctx.timings_ms.get(f"print.{key}", 0) + value


def _upright_face(g_print: FaceGeometry) -> FaceGeometry | None:
    """``g_print`` (print px) with ``crown_at_edge`` decided, or None when the face lies on its
    side (the detector searches quarter turns: the print itself is turned)."""
    crown, chin = g_print.crown, g_print.chin
    down = chin - crown
    if down[1] <= 0 or abs(down[0]) > 0.5 * down[1]:
        return None
    # hair within 0.5 mm (at the standard's scale) of the print's top edge runs into it: the
    # true crown is not on the print
    at_edge = g_print.crown_at_edge or crown[1] < 0.5 * (chin[1] - crown[1]) / CROWN_TO_CHIN_MM
    return FaceGeometry(crown=crown, chin=chin, nose=g_print.nose, crown_at_edge=bool(at_edge))


def _plan(out: TrimOutcome, geom: FaceGeometry, params: Mapping[str, Any]) -> CropSolution:
    """The standard crop on ``out.rect`` (``trim.not_trimmable`` failed when there is none)."""
    rect = out.rect
    assert rect is not None
    out.geometry_print_px = geom
    # a print found on a form was judged 35×45 mm (±1) by what it is, before its sides were
    # measured (a side along a shadow may be off by a millimetre)
    standard = out.on_form or out.print_size_mm is not None and all(
        abs(got - want) <= float(params["print_size_tolerance_mm"])
        for got, want in zip(sorted(out.print_size_mm), (PRINT_WIDTH_MM, PRINT_HEIGHT_MM),
                             strict=True))
    # a 45×35 print is about 1:1 with the output: its mm are the output's
    pad_px = float(params["max_pad_mm"]) * out.dpi / MM_PER_INCH if (
        standard and out.dpi is not None) else 0.0
    plan = plan_crop(geom, rect.width_px, rect.height_px,
                     tolerance_mm=float(params["tolerance_mm"]),
                     min_source_dpi=float(params["min_source_dpi"]),
                     conforming_margin_mm=float(params["conforming_margin_mm"])
                     if standard else None, pad_px=pad_px,
                     print_px_per_mm=None if out.dpi is None else out.dpi / MM_PER_INCH)
    out.source_dpi = plan.px_per_mm * MM_PER_INCH
    out.plan = plan
    out.findings.append(_scan_resolution(out.source_dpi, plan, params))
    if not plan.trimmable:
        out.reason = plan.reason
        out.findings.append(finding("trim.not_trimmable", Status.FAIL, plan.reason,
                                    _threshold(params)))
    return out.plan


def _scan_resolution(source_dpi: float, plan: CropSolution, params: Mapping[str, Any]
                     ) -> Finding:
    """``trim.scan_resolution``: print px per output inch of the cut (of the ideal cut when
    refused) against ``[trim] warn_min_source_dpi`` (≈ 90 px between the eye centres, the ICAO
    minimum: below it a warning to rescan at ≥ 300 dpi) and ``min_source_dpi`` (≈ 60 px: too
    coarse to judge, refused as ``resolution_too_low``)."""
    fail_dpi = float(params["min_source_dpi"])
    warn_dpi = float(params["warn_min_source_dpi"])
    status = grade(source_dpi, fail=fail_dpi, warn=warn_dpi, upper=False)
    if plan.reason == "resolution_too_low":
        status = Status.FAIL
    elif plan.trimmable and status is Status.FAIL:
        status = Status.WARN  # the cut holds min_source_dpi: only the rounding is below it
    return finding("trim.scan_resolution", status, round(source_dpi, 1),
                   {"min": warn_dpi, "fail_min": fail_dpi}, "dpi")


def _threshold(params: Mapping[str, Any]) -> dict[str, float]:
    return {"tolerance_mm": float(params["tolerance_mm"]),
            "min_source_dpi": float(params["min_source_dpi"])}


def _cut(ctx: PhotoContext, out: TrimOutcome, plan: CropSolution, split: bool,
         params: Mapping[str, Any]) -> None:
    """Resample the crop from the full scan once and encode it (``split``: on two threads)."""
    rect = out.rect
    assert rect is not None
    out_dpi = out.out_dpi
    out_w = round(PRINT_WIDTH_MM / MM_PER_INCH * out_dpi)
    out_h = round(PRINT_HEIGHT_MM / MM_PER_INCH * out_dpi)
    x0, y0, x1, y1 = plan.box
    # output px → print px → scan px: ONE affine for rotation + crop + scale
    sx, sy = (x1 - x0) / out_w, (y1 - y0) / out_h
    out_to_print = np.array([[sx, 0, x0], [0, sy, y0], [0, 0, 1]])
    out_to_scan = np.vstack([rect.print_to_scan(), [0, 0, 1]]) @ out_to_print
    out.out_to_scan = out_to_scan[:2]
    # a conforming print's crop may reach a few tenths of a mm beyond the print
    # (``[trim] max_pad_mm``): those output bands repeat the print's edge, not the paper
    bands = out.pad_bands = pad_bands(plan.box, rect.width_px, rect.height_px, (out_w, out_h))
    out.crop_quad = np.array([apply_affine(rect.print_to_scan(), p) for p in
                              ((x0, y0), (x1, y0), (x1, y1), (x0, y1))])
    out.out_size_px = (out_w, out_h)
    start = time.perf_counter()
    # bilinear while the scale is near 1:1 (source px per output px ≥ 0.8: a 600-dpi scan of a
    # print whose face is ≤ 42 mm); bicubic when enlarging more, where it is visibly sharper
    magnify = out.magnify = 1.0 / max(1e-9, float(np.sqrt(abs(np.linalg.det(
        out.out_to_scan[:, :2])))))
    interpolation = cv2.INTER_CUBIC if magnify > 1.25 else cv2.INTER_LINEAR
    # the scan's chroma subsampling when the output does not minify it (its colour is then
    # no finer than the output's subsampled grid); full-resolution chroma otherwise
    chroma = source_chroma(decode.header(ctx)) if magnify >= 0.95 else "444"
    quality = int(params["jpeg_quality"])
    if any(bands):
        top, bottom, left, right = bands
        inner = out.out_to_scan.copy()
        inner[:, 2] += inner[:, :2] @ np.array([left, top], float)
        pixels = warp_region(full_pixels(ctx), inner, (out_w - left - right, out_h - top - bottom),
                             interpolation=interpolation)
        pixels = cv2.copyMakeBorder(pixels, top, bottom, left, right, cv2.BORDER_REPLICATE)
        out.jpeg = encode_jpeg(pixels, out_dpi, quality, chroma)
    elif split:  # a second core is ours: each resamples and encodes half the output
        out.jpeg = warp_encode_split(full_pixels(ctx), out.out_to_scan, (out_w, out_h),
                                     interpolation=interpolation, pool=_pool(), dpi=out_dpi,
                                     quality=quality, chroma=chroma)
    else:
        pixels = warp_region(full_pixels(ctx), out.out_to_scan, (out_w, out_h),
                             interpolation=interpolation)
        out.jpeg = encode_jpeg(pixels, out_dpi, quality, chroma)
    ctx.timings_ms["trim.resample_encode"] = (time.perf_counter() - start) * 1000.0
    out.findings.append(finding("trim.not_trimmable", Status.PASS, "trimmed",
                                _threshold(params)))


def run_trim_check(ctx: PhotoContext, params: Mapping[str, Any]) -> Iterable[Finding]:
    """The ``trim`` check (mode ``trim``): the findings of :func:`trim_outcome`."""
    del params
    yield from trim_outcome(ctx).findings


trim_check.provide_stage(run_trim_check)
