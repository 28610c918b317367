"""The 45×35 mm standard a trim cuts to, the face geometry it is cut from, and the crop."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from photocheck.context import PhotoContext
from photocheck.geometry import (
    CropSolution,
    Tolerances,
    _head_mm_range,
    _place,
    standard_crop,
)

MM_PER_INCH = 25.4

# The 45×35 standard (J-LIS 顔写真のチェックポイント; same figures as the MOFA passport guide).
PRINT_HEIGHT_MM = 45.0
PRINT_WIDTH_MM = 35.0
CROWN_TO_CHIN_MM = 34.0
CROWN_TOP_MM = 4.0

# Reasons of trim.not_trimmable (those of photocheck.geometry.standard_crop).
REASONS = ("head_cut_off", "head_too_large", "too_close_to_edge", "resolution_too_low",
           "bad_landmarks")


@dataclass(frozen=True)
class FaceGeometry:
    """Crown, chin and a point on the nose line, in the coordinates of the image analysed.

    Attributes
    ----------
    crown, chin, nose : numpy.ndarray
        ``(2,)`` px.
    crown_at_edge : bool
        The hair runs into the image's top border (the true crown is outside the print).
    """

    crown: np.ndarray
    chin: np.ndarray
    nose: np.ndarray
    crown_at_edge: bool = False


GeometryFn = Callable[[PhotoContext], FaceGeometry]


def _scaled(g: FaceGeometry, sx: float, sy: float) -> FaceGeometry:
    """``g`` with its x scaled by ``sx`` and y by ``sy`` (upright image px → print px)."""
    scale = np.array([sx, sy])
    return FaceGeometry(crown=np.asarray(g.crown, float) * scale,
                        chin=np.asarray(g.chin, float) * scale,
                        nose=np.asarray(g.nose, float) * scale, crown_at_edge=g.crown_at_edge)


def plan_crop(geom: FaceGeometry, width_px: float, height_px: float, *, tolerance_mm: float,
              min_source_dpi: float, conforming_margin_mm: float | None = None,
              pad_px: float = 0.0, print_px_per_mm: float | None = None) -> CropSolution:
    """Solve the standard 35×45 crop from the face geometry on the upright print.

    The target is J-LIS's: crown to chin 34 mm, crown 4 mm below the top edge, nose line
    centred. :func:`photocheck.geometry.standard_crop` takes the conforming crop nearest to it
    that fits inside the print, here with every figure held within ``tolerance_mm`` of its
    target (much tighter than J-LIS's ±2 mm: trimming aims at the centre of the range).

    Parameters
    ----------
    geom : FaceGeometry
        In upright print px.
    width_px, height_px : float
        The print's size in the same px.
    tolerance_mm : float
        How far head height, top margin and centring may move from their targets to fit.
    min_source_dpi : float
        Least source resolution (print px per output inch): below it the face is too small
        for the output.
    conforming_margin_mm : float, optional
        For a print of the standard size: when no crop within ``tolerance_mm`` fits (a head
        of 35.5 mm would need a crop wider than the print), the conforming crop nearest the
        ideal is taken instead — J-LIS's ranges (32–36, 2–6, ±2 mm), each narrowed by this
        for the measuring error — before the print is declared not trimmable. A print that
        already meets the standard then comes out deskewed and cut no more than it must be.
    pad_px : float
        How far (print px) that conforming crop may reach beyond each side of the print (the
        output's band there repeats the print's edge): a print a little short of 45×35 mm,
        or trimmed inside its edge, whose head is near 36 mm has no crop inside it with a head
        ≤ 36 mm — at its own scale, it needs a few tenths of a millimetre more paper. Only
        for a print that meets those narrowed ranges as printed (at ``print_px_per_mm``;
        default the print's height / 45 mm): padding gives a conforming print its room back,
        it does not make room for a face the print has off-centre or too large.
    print_px_per_mm : float, optional
        The print's px per mm (the scan's resolution).

    Returns
    -------
    photocheck.geometry.CropSolution
        ``reason``: ``head_cut_off``, ``head_too_large``, ``too_close_to_edge``,
        ``resolution_too_low`` or ``bad_landmarks`` when not trimmable.
    """
    tol = Tolerances(head_min_mm=CROWN_TO_CHIN_MM - tolerance_mm,
                     head_max_mm=CROWN_TO_CHIN_MM + tolerance_mm,
                     top_min_mm=CROWN_TOP_MM - tolerance_mm,
                     top_max_mm=CROWN_TOP_MM + tolerance_mm, centre_tol_mm=tolerance_mm)
    min_w = PRINT_WIDTH_MM / MM_PER_INCH * min_source_dpi
    min_h = PRINT_HEIGHT_MM / MM_PER_INCH * min_source_dpi
    def solve(tolerances: Tolerances, pad: float = 0.0, balanced: bool = False
              ) -> CropSolution:
        # the print with ``pad`` px more on every side: solved there, then shifted back
        crown = (float(geom.crown[0]) + pad, float(geom.crown[1]) + pad)
        chin = (float(geom.chin[0]) + pad, float(geom.chin[1]) + pad)
        nose_x, w, h = float(geom.nose[0]) + pad, width_px + 2 * pad, height_px + 2 * pad
        sol = standard_crop(crown, chin, nose_x, w, h, head_mm=CROWN_TO_CHIN_MM,
                            top_mm=CROWN_TOP_MM, tolerances=tolerances, min_crop_w_px=min_w,
                            min_crop_h_px=min_h, crown_at_edge=geom.crown_at_edge)
        if balanced and sol.trimmable:
            sol = balanced_crop(crown[1], chin[1] - crown[1], nose_x, w, h, tolerances,
                                min_w, min_h)
        x0, y0, x1, y1 = sol.box
        return replace(sol, box=(x0 - pad, y0 - pad, x1 - pad, y1 - pad)) if pad else sol

    plan = solve(tol)
    coarse = width_px < min_w or height_px < min_h or (
        plan.px_per_mm * MM_PER_INCH < min_source_dpi)
    if not plan.trimmable and plan.reason in ("too_close_to_edge", "head_too_large") and coarse:
        # the whole print holds fewer px than the output needs, or the ideal cut would (a
        # print scanned at ~150 dpi): the scan is too coarse, whatever the crop
        return replace(plan, reason="resolution_too_low")
    if plan.trimmable or conforming_margin_mm is None or plan.reason not in (
            "too_close_to_edge", "head_too_large"):
        return plan
    m = float(conforming_margin_mm)
    jlis = Tolerances()
    wide = Tolerances(head_min_mm=jlis.head_min_mm + m, head_max_mm=jlis.head_max_mm - m,
                      top_min_mm=jlis.top_min_mm + m, top_max_mm=jlis.top_max_mm - m,
                      centre_tol_mm=jlis.centre_tol_mm - m)
    ppm = float(print_px_per_mm) if print_px_per_mm else height_px / PRINT_HEIGHT_MM
    pad = max(0.0, float(pad_px)) if _conforms_as_printed(geom, width_px, ppm, wide) else 0.0
    nearest = solve(wide, pad, balanced=True)
    return nearest if nearest.trimmable else plan


def _conforms_as_printed(geom: FaceGeometry, width_px: float, px_per_mm: float,
                         tol: Tolerances) -> bool:
    """Whether the print, at its own scale, has its head, top margin and nose line within
    ``tol`` (measured from the edges of the region analysed)."""
    head = float(geom.chin[1] - geom.crown[1]) / px_per_mm
    top = float(geom.crown[1]) / px_per_mm
    centre = (float(geom.nose[0]) - width_px / 2.0) / px_per_mm
    return (tol.head_min_mm <= head <= tol.head_max_mm
            and tol.top_min_mm <= top <= tol.top_max_mm
            and abs(centre) <= tol.centre_tol_mm)


def balanced_crop(crown_y: float, head_px: float, nose_x: float, width_px: float,
                  height_px: float, tol: Tolerances, min_crop_w_px: float, min_crop_h_px: float
                  ) -> CropSolution:
    """The conforming crop (within ``tol``) whose worst figure is nearest its ideal.

    :func:`~photocheck.geometry.standard_crop` brings the head to 34 mm first and then the top
    margin and centring as near 4 and 0 mm as that leaves room for: for a print that already
    meets the standard but has no room around its head, a head moved from 35.0 to 34.4 mm can
    push its top margin from 5.3 to 5.7 mm, next to the 6-mm limit. Here every scale the
    tolerances allow is tried (201 steps of the head height), each with its top margin and
    centring nearest 4 and 0 mm, and the one with the least of ``max(|head − 34|, |top − 4|,
    |centre|)`` (mm; J-LIS gives each ±2 mm) is cut. Call it only where a conforming crop
    exists (``standard_crop(…).trimmable``).
    """
    h_lo, h_hi, _ = _head_mm_range(crown_y, nose_x, width_px, height_px, head_px, tol,
                                   min_crop_w_px, min_crop_h_px)
    heads = np.linspace(h_lo, max(h_lo, h_hi), 201)
    q = heads / head_px  # output mm per print px
    half_w = PRINT_WIDTH_MM / 2.0
    top = np.clip(CROWN_TOP_MM, np.maximum(tol.top_min_mm, PRINT_HEIGHT_MM
                                           - (height_px - crown_y) * q),
                  np.minimum(tol.top_max_mm, crown_y * q))
    centre = np.clip(0.0, np.maximum(-tol.centre_tol_mm, half_w - (width_px - nose_x) * q),
                     np.minimum(tol.centre_tol_mm, nose_x * q - half_w))
    worst = np.maximum.reduce([np.abs(heads - CROWN_TO_CHIN_MM), np.abs(top - CROWN_TOP_MM),
                               np.abs(centre)])
    i = int(np.argmin(worst))
    return _place(crown_y, nose_x, width_px, height_px, float(q[i]), float(heads[i]),
                  CROWN_TOP_MM, tol)


def pad_bands(box: tuple[float, float, float, float], width_px: float, height_px: float,
              out_size: tuple[int, int]) -> tuple[int, int, int, int]:
    """Output px (top, bottom, left, right) of a crop ``box`` (print px) that lie beyond the
    print ``width_px × height_px``, rounded up so the rest maps inside it; all 0 for a crop
    inside the print.

    Examples
    --------
    >>> pad_bands((-5.0, -2.0, 355.0, 448.0), 350.0, 450.0, (350, 450))
    (2, 0, 5, 5)
    """
    x0, y0, x1, y1 = box
    sx, sy = (x1 - x0) / out_size[0], (y1 - y0) / out_size[1]
    eps = 1e-6  # float round-off at the print's edge is not a band

    def px(beyond: float, scale: float) -> int:
        return int(np.ceil(beyond / scale - eps)) if beyond > eps * scale else 0

    return (px(-y0, sy), px(y1 - height_px, sy), px(-x0, sx), px(x1 - width_px, sx))
