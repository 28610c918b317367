"""The 45×35 mm standard a trim cuts to, the face geometry it is cut from, and the crop."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from photocheck.context import PhotoContext
from photocheck.geometry import CropSolution, Tolerances, standard_crop

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
              min_source_dpi: float, conforming_margin_mm: float | None = None
              ) -> CropSolution:
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
    def solve(tolerances: Tolerances) -> CropSolution:
        return standard_crop((float(geom.crown[0]), float(geom.crown[1])),
                             (float(geom.chin[0]), float(geom.chin[1])), float(geom.nose[0]),
                             width_px, height_px, head_mm=CROWN_TO_CHIN_MM,
                             top_mm=CROWN_TOP_MM, tolerances=tolerances, min_crop_w_px=min_w,
                             min_crop_h_px=min_h, crown_at_edge=geom.crown_at_edge)

    plan = solve(tol)
    if not plan.trimmable and plan.reason == "too_close_to_edge" and (
            width_px < min_w or height_px < min_h):
        # the whole print holds fewer px than the output needs (a print scanned at ~200 dpi):
        # the scan is too coarse, whatever the crop
        return replace(plan, reason="resolution_too_low")
    if plan.trimmable or conforming_margin_mm is None or plan.reason not in (
            "too_close_to_edge", "head_too_large"):
        return plan
    m = float(conforming_margin_mm)
    jlis = Tolerances()
    wide = Tolerances(head_min_mm=jlis.head_min_mm + m, head_max_mm=jlis.head_max_mm - m,
                      top_min_mm=jlis.top_min_mm + m, top_max_mm=jlis.top_max_mm - m,
                      centre_tol_mm=jlis.centre_tol_mm - m)
    nearest = solve(wide)
    return nearest if nearest.trimmable else plan
