"""Overlapping the full decode: the print and the face mesh from a DCT-reduced decode."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from photocheck import decode
from photocheck.context import NotAssessable, PhotoContext
from photocheck.trimming.face_geometry import LEAN_LONG_SIDE_PX, LeanMesh, lean_mesh
from photocheck.trimming.finding import detection_factor, find_print
from photocheck.trimming.options import (
    GEOMETRY_KEY,
    OPTIONS_KEY,
    face_params,
    option_scan_dpi,
    trim_models,
)
from photocheck.trimming.output import upright_print, upright_size
from photocheck.trimming.rect import PrintRect, apply_affine, rect_from_quad
from photocheck.trimming.standard import MM_PER_INCH, PRINT_HEIGHT_MM

# While the full decode runs, a second thread finds the print and runs BlazeFace and FaceMesh
# on a DCT-reduced decode (:func:`early_look`), at the largest reduction that keeps a 45-mm
# print at least this long (300 dpi: ½, 600 dpi: ¼, 1200 dpi: ⅛): the face is then ~130 px,
# about FaceMesh's own 192-px crop (⅛ at 600 dpi, a 133-px print, was tried: 33 of the 80
# generated scans that take the early path lost it). The crown is read by colour on the full
# decode (at ¼ the head-height error on the generated scans reached 1.09 mm, limit 1 mm).
EARLY_MIN_PRINT_PX = 200
# The mesh runs on the print's blob as found there, its sides not measured: the mesh points
# are scan px, so the exact outline does not matter to them (on the 210 generated scans the
# same errors as on a print measured at ¼ first, and more scans take the early path); they are
# used when they lie on the print measured on the full scan (:func:`_early_mesh`).


@dataclass(frozen=True)
class EarlyPrint:
    """The print as the second thread found it, published before its face mesh runs.

    Attributes
    ----------
    small : photocheck.decode.Decoded
        The detection copy (``1/factor`` of the full scan, as :class:`ScanImages` ``small``).
    factor : int
        Full px per ``small`` px.
    rect_small : PrintRect or None
        :func:`find_print` (``refine=False``) on ``small``, in its px.
    """

    small: decode.Decoded
    factor: int
    rect_small: PrintRect | None


@dataclass(frozen=True)
class EarlyLook:
    """The print and the face found on a DCT-reduced decode while the full decode runs.

    Attributes
    ----------
    reduction : int
        DCT scale-down of the decode it was found on (2, 4 or 8).
    found : EarlyPrint
        The detection copy and the print on it (handed over before the mesh ran).
    mesh : LeanMesh or None
        :func:`lean_mesh` on the upright print, in full-resolution scan px (the crown is read
        by colour on the full decode: at the reduced scale it would cost accuracy); None when
        it was unsure (the caller runs the full pipeline) or had no print.
    lean_tried : bool
        The mesh ran (its None is then a verdict, not a gap).
    cpu_ms : float
        CPU time of the thread's work.
    """

    reduction: int
    found: EarlyPrint
    mesh: LeanMesh | None
    lean_tried: bool
    cpu_ms: float


def early_reduction(head: decode.ImageHeader, dpi: float | None) -> int:
    """DCT reduction for :func:`early_look`: 1 (no overlap) unless a 45-mm print stays
    ``EARLY_MIN_PRINT_PX`` long at ½, ¼ or ⅛ of a JPEG of known resolution, stored upright."""
    if head.format != "jpeg" or not dpi or head.orientation != 1:
        return 1
    print_px = PRINT_HEIGHT_MM / MM_PER_INCH * float(dpi)
    reduction = 1
    while reduction < 8 and print_px / (2 * reduction) >= EARLY_MIN_PRINT_PX:
        reduction *= 2
    return reduction


def _to_full(p: np.ndarray, reduction: float) -> np.ndarray:
    """Reduced px → full px (a reduced pixel's centre is its block's centre)."""
    return (np.asarray(p, float) + 0.5) * reduction - 0.5


def early_look(data: bytes, head: decode.ImageHeader, reduction: int, models: Any, *,
               min_area_ratio: float, min_score: float, min_presence: float,
               found: Future[EarlyPrint | None] | None = None) -> EarlyLook | None:
    """Find the print and the face mesh on a DCT-reduced decode of the scan (a second thread).

    The same steps as the sequential path: :func:`find_print` on the detection copy, the print
    turned upright (at most ``LEAN_LONG_SIDE_PX``) and :func:`lean_mesh` (as found, no quarter
    turns). The print is the blob as found (its sides are not measured here: the mesh points
    are scan px, whatever outline they were found in). The full decode then measures the sides
    at full resolution, reads the crown by colour (:func:`lean_crown`), cuts and encodes.
    Everything this cannot do (a turned print, a weak face) is left to the caller. ``found``,
    when given, receives the detection copy and the print as soon as they are known, so that
    the caller measures the sides at full resolution while the mesh runs here.

    Returns
    -------
    EarlyLook or None
        None when the reduced decode fails or is not what the header announced.
    """
    started = time.thread_time()
    try:
        reduced = decode.decode(data, head, reduction).bgr
    except NotAssessable:
        return None
    full_w, full_h = head.oriented_size
    if reduced.shape[0] != -(-full_h // reduction) or reduced.shape[1] != -(-full_w // reduction):
        return None
    factor = detection_factor(max(full_w, full_h))
    if factor < reduction:
        return None
    k = factor // reduction
    sw, sh = max(1, full_w // factor), max(1, full_h // factor)
    # each small px the mean of the central 2×2 of its k×k block, as decode_once makes it
    small_bgr = cv2.resize(reduced[:sh * k, :sw * k], (sw, sh),
                           interpolation=cv2.INTER_LINEAR) if k > 1 else reduced[:sh, :sw]
    small = decode.Decoded(bgr=small_bgr, scale=sw / full_w)

    rect_small = find_print(small_bgr, min_area_ratio=min_area_ratio, refine=False)
    published = EarlyPrint(small, factor, rect_small)
    if found is not None:
        found.set_result(published)

    def done(mesh: LeanMesh | None = None, lean_tried: bool = False) -> EarlyLook:
        return EarlyLook(reduction, published, mesh, lean_tried,
                         (time.thread_time() - started) * 1000.0)

    if rect_small is None:
        return done()
    if rect_small.whole_scan:
        h, w = reduced.shape[:2]
        rect = PrintRect(np.array([[0, 0], [w, 0], [w, h], [0, h]], float), 0.0, float(w),
                         float(h), True)
    else:
        rect = rect_from_quad((_to_full(rect_small.quad, factor) + 0.5) / reduction - 0.5)
    if max(rect.width_px, rect.height_px) < EARLY_MIN_PRINT_PX:
        return done()  # a small print: the full scan reads it better
    img = upright_print(reduced, rect, LEAN_LONG_SIDE_PX)
    mesh = lean_mesh(img, models, min_score=min_score, min_presence=min_presence)
    if mesh is None:
        return done(None, True)
    # upright image px → reduced px → full px (a reduced pixel's centre is its block's)
    to_full = np.array([[reduction, 0.0, 0.5 * reduction - 0.5],
                        [0.0, reduction, 0.5 * reduction - 0.5], [0.0, 0.0, 1.0]])
    to_scan = to_full @ np.vstack([image_to_scan(rect, img), [0.0, 0.0, 1.0]])
    return done(mesh.mapped(to_scan[:2]), True)


def image_to_scan(rect: PrintRect, img: np.ndarray) -> np.ndarray:
    """``(2, 3)`` affine from the px of ``upright_print(…, rect, …)`` to the scan's px."""
    scale = np.diag([rect.width_px / img.shape[1], rect.height_px / img.shape[0], 1.0])
    return (np.vstack([rect.print_to_scan(), [0.0, 0.0, 1.0]]) @ scale)[:2]


_EARLY_KEY = "trim_early"
_EARLY_PRINT_KEY = "trim_early_print"
_early_pool: ThreadPoolExecutor | None = None
_early_pool_lock = threading.Lock()


def _forget_pool_after_fork() -> None:
    # a forked child inherits the pool's bookkeeping but not its threads: work submitted there
    # would wait forever
    global _early_pool, _early_pool_lock
    _early_pool, _early_pool_lock = None, threading.Lock()


os.register_at_fork(after_in_child=_forget_pool_after_fork)


def _pool() -> ThreadPoolExecutor:
    global _early_pool
    with _early_pool_lock:
        if _early_pool is None:
            workers = max(1, min(4, len(os.sched_getaffinity(0))))
            _early_pool = ThreadPoolExecutor(workers, thread_name_prefix="photocheck-trim")
        return _early_pool


def overlap_available() -> bool:
    """Whether a second core can run :func:`early_look` beside the full decode."""
    return len(os.sched_getaffinity(0)) >= 2


def start_early_look(ctx: PhotoContext) -> bool:
    """Start :func:`early_look` on a second thread when the scan allows it (see
    :func:`early_reduction`); its result is read by :func:`decode_once` and the trim."""
    if ctx.has(_EARLY_KEY) or ctx.peek(GEOMETRY_KEY) is not None:
        return False
    try:
        head = decode.header(ctx)
        decode.check_decode_limits(ctx, head)
        params = ctx.params("trim")
    except (NotAssessable, KeyError):
        return False
    if not params["fast_crown"]:
        return False
    options: Mapping[str, Any] = ctx.peek(OPTIONS_KEY) or {}
    reduction = early_reduction(head, option_scan_dpi(ctx, options))
    if reduction < 2:
        return False
    min_score, min_presence = face_params(ctx)
    found: Future[EarlyPrint | None] = Future()

    def job() -> EarlyLook | None:
        try:
            return early_look(ctx.data, head, reduction, trim_models(ctx),
                              min_area_ratio=float(params["min_print_area_ratio"]),
                              min_score=min_score,
                              min_presence=min_presence, found=found)
        finally:
            if not found.done():  # it stopped (or failed) before finding the print
                found.set_result(None)

    future = _pool().submit(job)
    ctx.memo(_EARLY_PRINT_KEY, lambda: found)
    ctx.memo(_EARLY_KEY, lambda: future)
    return True


def early_print(ctx: PhotoContext) -> EarlyPrint | None:
    """The print :func:`start_early_look` found (waits for it, not for the face mesh after
    it); None when none was started or it stopped before finding one."""
    found: Future[EarlyPrint | None] | None = ctx.peek(_EARLY_PRINT_KEY)
    return None if found is None else found.result()  # set in a finally: never an exception


def early_result(ctx: PhotoContext) -> EarlyLook | None:
    """The result of :func:`start_early_look` (waits for it); None when none was started."""
    future: Future[EarlyLook | None] | None = ctx.peek(_EARLY_KEY)
    if future is None:
        return None
    try:
        return future.result()
    except Exception as exc:  # noqa: BLE001 - an optimisation: the sequential path redoes it
        message = f"{type(exc).__name__}: {exc}"
        ctx.timings_ms["trim.early_failed"] = 1.0
        ctx.memo("trim_early_error", lambda: message)
        return None


def _early_mesh(early: EarlyLook | None, measured_rect: PrintRect
                ) -> tuple[LeanMesh | None] | None:
    """The second thread's mesh (scan px), when it lies on the print measured on the full scan.

    Returns
    -------
    tuple or None
        None when there is no usable early look, or its face is not on ``measured_rect`` (a
        different blob: run the short path here); ``(None,)`` when it ran and was unsure (go
        on to the full pipeline); ``(mesh,)`` otherwise.
    """
    if early is None or not early.lean_tried:
        return None
    mesh = early.mesh
    if mesh is None:
        return (None,)
    to_print = cv2.invertAffineTransform(measured_rect.print_to_scan())
    pts = np.array([apply_affine(to_print, p) for p in (mesh.forehead, mesh.chin, mesh.left,
                                                   mesh.right, mesh.nose)])
    inside = ((pts >= 0.0) & (pts <= (measured_rect.width_px, measured_rect.height_px))).all()
    return (mesh,) if inside else None


def _crown_rows(ctx: PhotoContext, rect: PrintRect, measured_rect: PrintRect) -> int | None:
    """How many top rows of ``upright_print(…, rect, LEAN_LONG_SIDE_PX)`` the crown is read
    in (:func:`plain_background_crown` reads down to the forehead point), when the second
    thread's mesh is already there and usable; None otherwise (the whole print is made)."""
    future: Future[EarlyLook | None] | None = ctx.peek(_EARLY_KEY)
    if future is None or not future.done():
        return None
    usable = _early_mesh(early_result(ctx), measured_rect)
    if usable is None or usable[0] is None:
        return None
    _, out_h = upright_size(rect, LEAN_LONG_SIDE_PX)
    forehead = apply_affine(cv2.invertAffineTransform(rect.print_to_scan()), usable[0].forehead)
    # the crown reads rows up to round(forehead) + 1, and at least rows 0–1
    return max(8, int(np.ceil(forehead[1] * out_h / rect.height_px)) + 8)
