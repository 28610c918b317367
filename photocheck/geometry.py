"""The 45×35 mm photo geometry: constants, mm ↔ px, frame measures and the standard crop solver.

J-LIS (顔写真のチェックポイント, same figures as the MOFA passport guide): a 45 mm high × 35 mm
wide photo; crown (top of the hair) to chin 34 ± 2 mm; crown 4 ± 2 mm below the top edge; the
nose line 17.5 ± 2 mm from each side edge. An image of another shape is acceptable when a
conforming 35:45 crop fits inside it at a usable resolution (default 413×531 px = 300 dpi).

Pure arithmetic: no image, no model. Coordinates are full-resolution px (x right, y down).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

MM_PER_INCH = 25.4

PHOTO_H_MM = 45.0
PHOTO_W_MM = 35.0
ASPECT_W_OVER_H = PHOTO_W_MM / PHOTO_H_MM  # 0.7778

HEAD_TARGET_MM = 34.0
HEAD_MIN_MM = 32.0
HEAD_MAX_MM = 36.0
TOP_TARGET_MM = 4.0
TOP_MIN_MM = 2.0
TOP_MAX_MM = 6.0
CENTRE_TOL_MM = 2.0

MIN_CROP_W_PX = 413  # 35 mm at 300 dpi
MIN_CROP_H_PX = 531  # 45 mm at 300 dpi

# reasons a conforming crop does not exist
HEAD_CUT_OFF = "head_cut_off"
HEAD_TOO_LARGE = "head_too_large"
TOO_CLOSE_TO_EDGE = "too_close_to_edge"
RESOLUTION_TOO_LOW = "resolution_too_low"
BAD_LANDMARKS = "bad_landmarks"


def px_per_mm(dpi: float) -> float:
    """Pixels per millimetre at ``dpi`` dots per inch (300 dpi → 11.811)."""
    return dpi / MM_PER_INCH


def mm_to_px(mm: float, dpi: float) -> float:
    """Millimetres → pixels at ``dpi``."""
    return mm * dpi / MM_PER_INCH


def px_to_mm(px: float, dpi: float) -> float:
    """Pixels → millimetres at ``dpi``."""
    return px * MM_PER_INCH / dpi


def is_standard_aspect(width_px: float, height_px: float, tolerance: float = 0.02) -> bool:
    """Whether ``width / height`` is 35:45 within a relative ``tolerance`` (default 2 %)."""
    if width_px <= 0 or height_px <= 0:
        return False
    return abs((width_px / height_px) / ASPECT_W_OVER_H - 1.0) <= tolerance


@dataclass(frozen=True)
class Tolerances:
    """Conforming ranges of the standard (defaults: J-LIS adult figures).

    Attributes
    ----------
    head_min_mm, head_max_mm : float
        Crown-to-chin range on the 45 mm frame.
    top_min_mm, top_max_mm : float
        Crown to top edge.
    centre_tol_mm : float
        Allowed distance of the nose line from the vertical centre line (17.5 mm).
    """

    head_min_mm: float = HEAD_MIN_MM
    head_max_mm: float = HEAD_MAX_MM
    top_min_mm: float = TOP_MIN_MM
    top_max_mm: float = TOP_MAX_MM
    centre_tol_mm: float = CENTRE_TOL_MM


@dataclass(frozen=True)
class FrameGeometry:
    """The head measured on a frame taken as the 45 mm high photo itself.

    Attributes
    ----------
    px_per_mm : float
        Frame height / 45 mm.
    head_mm : float
        Crown to chin.
    top_margin_mm : float
        Top edge to crown (negative when the crown is above the frame).
    centre_offset_mm : float
        Nose line minus the frame's vertical centre line (positive: face right of centre).
    """

    px_per_mm: float
    head_mm: float
    top_margin_mm: float
    centre_offset_mm: float


def frame_geometry(
    crown_xy: tuple[float, float], chin_xy: tuple[float, float], centre_x: float,
    box: tuple[float, float, float, float],
) -> FrameGeometry:
    """Measure head height, top margin and centring in mm of a 45 mm high frame ``box``.

    Parameters
    ----------
    crown_xy, chin_xy : pair of float
        Crown and chin (px, same coordinates as ``box``).
    centre_x : float
        x of the nose line (px).
    box : 4 floats
        ``(x0, y0, x1, y1)`` of the frame (the whole image, or a crop of it).

    Examples
    --------
    >>> g = frame_geometry((175, 40), (175, 380), 175, (0, 0, 350, 450))
    >>> round(g.head_mm, 3), round(g.top_margin_mm, 3), g.centre_offset_mm
    (34.0, 4.0, 0.0)
    """
    x0, y0, x1, y1 = box
    ppm = (y1 - y0) / PHOTO_H_MM
    return FrameGeometry(
        px_per_mm=ppm,
        head_mm=(chin_xy[1] - crown_xy[1]) / ppm,
        top_margin_mm=(crown_xy[1] - y0) / ppm,
        centre_offset_mm=(centre_x - (x0 + x1) / 2.0) / ppm,
    )


# Head proportion: crown height above the mesh's forehead point (FaceMesh 10), as a fraction
# of forehead-to-chin along the face axis. Calibrated on the 106 photos of
# ../shared/photos/a_compliant_plain_bg whose crown MODNet found inside the image (median
# 0.395, sd 0.093, range 0.21–0.72).
CROWN_ABOVE_FOREHEAD_RATIO = 0.395
CROWN_ABOVE_FOREHEAD_SD = 0.093


def estimate_crown(
    forehead_xy: tuple[float, float], chin_xy: tuple[float, float],
    edge_xy: tuple[float, float], *, ratio: float = CROWN_ABOVE_FOREHEAD_RATIO,
    ratio_sd: float = CROWN_ABOVE_FOREHEAD_SD,
) -> tuple[float, float]:
    """The crown of a head whose hair runs out of the image at ``edge_xy``.

    The crown lies ``k`` forehead-to-chin lengths above the forehead point along the face axis,
    ``k ~ Normal(ratio, ratio_sd)`` over adult heads; the hair reaching the border says the
    crown is at least as high as that border (``k ≥ k_edge``), so the estimate is the mean
    of the normal truncated there, ``ratio + ratio_sd · φ(a) / (1 − Φ(a))`` with
    ``a = (k_edge − ratio) / ratio_sd`` (never below the border). J-LIS measures the head
    from the top of the hair; a photo that cuts the hair fails the top margin whatever ``k``.

    Parameters
    ----------
    forehead_xy, chin_xy : pair of float
        FaceMesh forehead (10) and chin (152) points, px.
    edge_xy : pair of float
        Where the hair meets the image border above the head, px.
    ratio, ratio_sd : float
        The head-proportion model.

    Returns
    -------
    pair of float
        The estimated crown, px (outside the image when above its border).

    Examples
    --------
    >>> estimate_crown((100.0, 300.0), (100.0, 1300.0), (100.0, -1000.0), ratio=0.4)
    (100.0, -1000.0)
    >>> x, y = estimate_crown((100.0, 300.0), (100.0, 1300.0), (100.0, 0.0))
    >>> round(y, 1)
    -121.0
    """
    fore = (float(forehead_xy[0]), float(forehead_xy[1]))
    axis = (float(chin_xy[0]) - fore[0], float(chin_xy[1]) - fore[1])
    length = math.hypot(*axis)
    if not math.isfinite(length) or length <= 0.0 or ratio_sd <= 0.0:
        return float(edge_xy[0]), float(edge_xy[1])
    ux, uy = axis[0] / length, axis[1] / length
    k_edge = ((fore[0] - edge_xy[0]) * ux + (fore[1] - edge_xy[1]) * uy) / length
    a = (k_edge - ratio) / ratio_sd
    tail = 0.5 * math.erfc(a / math.sqrt(2.0))
    pdf = math.exp(-0.5 * a * a) / math.sqrt(2.0 * math.pi)
    k = ratio + ratio_sd * pdf / tail if tail > 1e-12 else k_edge
    k = max(k, k_edge)
    return fore[0] - k * axis[0], fore[1] - k * axis[1]


@dataclass(frozen=True)
class CropSolution:
    """The standard 35:45 crop of an image, or why no conforming crop exists.

    Attributes
    ----------
    box : tuple of float
        ``(x0, y0, x1, y1)`` full-res px. When trimmable: the conforming crop closest to the
        target (34 mm head, 4 mm top margin, nose line centred). Otherwise the ideal target
        crop, which then extends beyond the image (for display).
    trimmable : bool
        A conforming crop fits inside the image at the minimum resolution.
    reason : str or None
        ``head_cut_off``, ``head_too_large``, ``too_close_to_edge``, ``resolution_too_low``,
        ``bad_landmarks``; None when trimmable.
    px_per_mm : float
        Crop px per mm of the 45×35 photo.
    head_mm, top_margin_mm, centre_offset_mm : float
        What the returned crop gives.
    edge : str or None
        For ``too_close_to_edge``/``head_cut_off``: the image edge that is in the way.
    """

    box: tuple[float, float, float, float]
    trimmable: bool
    reason: str | None
    px_per_mm: float
    head_mm: float
    top_margin_mm: float
    centre_offset_mm: float
    edge: str | None = None

    @property
    def size_px(self) -> tuple[float, float]:
        """(width, height) of the crop in px."""
        return self.box[2] - self.box[0], self.box[3] - self.box[1]


def _box(crown_y: float, centre_x: float, ppm: float, top_mm: float, centre_mm: float
         ) -> tuple[float, float, float, float]:
    y0 = crown_y - top_mm * ppm
    x0 = centre_x - (PHOTO_W_MM / 2.0 + centre_mm) * ppm
    return (x0, y0, x0 + PHOTO_W_MM * ppm, y0 + PHOTO_H_MM * ppm)


def standard_crop(
    crown_xy: tuple[float, float],
    chin_xy: tuple[float, float],
    centre_x: float,
    image_w: float,
    image_h: float,
    *,
    head_mm: float = HEAD_TARGET_MM,
    top_mm: float = TOP_TARGET_MM,
    tolerances: Tolerances = Tolerances(),
    min_crop_w_px: float = MIN_CROP_W_PX,
    min_crop_h_px: float = MIN_CROP_H_PX,
    crown_at_edge: bool = False,
) -> CropSolution:
    """Solve the standard 35:45 crop: crown-to-chin ``head_mm``, crown ``top_mm`` below the top,
    nose line centred — or the conforming crop nearest to that which fits inside the image.

    A crop is fixed by its scale ``q`` (mm per px, so the head measures ``q · head_px`` mm), its
    top margin ``t`` and its centre offset ``c``. Inside the image means
    ``t ≤ crown_y·q``, ``45 − t ≤ (H − crown_y)·q``, ``17.5 + c ≤ centre_x·q``,
    ``17.5 − c ≤ (W − centre_x)·q``; with ``t ∈ [2, 6]`` and ``|c| ≤ 2`` those hold for some
    ``t, c`` iff ``q ≥ q_min = max(2/crown_y, 39/(H − crown_y), 45/H, 15.5/centre_x,
    15.5/(W − centre_x), 35/W)`` (for the default tolerances). A smaller ``q`` (bigger head in
    mm) needs more pixels, so the conforming head heights are
    ``[max(32, q_min · head_px), min(36, head_px · 35 / min_w, head_px · 45 / min_h)]``;
    the one nearest ``head_mm`` is taken, then the ``t`` and ``c`` nearest the targets.

    Parameters
    ----------
    crown_xy, chin_xy : pair of float
        Crown (top of hair) and chin, full-res px.
    centre_x : float
        x of the nose line, full-res px.
    image_w, image_h : float
        Image size, px.
    head_mm, top_mm : float
        Target crown-to-chin and top margin (J-LIS: 34 and 4 mm).
    tolerances : Tolerances
        Conforming ranges (J-LIS adult defaults; wider for infants).
    min_crop_w_px, min_crop_h_px : float
        Smallest usable crop (default 413×531 px, 45×35 mm at 300 dpi).
    crown_at_edge : bool
        The hair runs into the top border: the crown is unknown, so not trimmable.

    Returns
    -------
    CropSolution

    Examples
    --------
    >>> s = standard_crop((1000, 600), (1000, 1280), 1000, 2000, 2400)
    >>> s.trimmable, s.box, s.px_per_mm
    (True, (650.0, 520.0, 1350.0, 1420.0), 20.0)
    """
    head_px = float(chin_xy[1] - crown_xy[1])
    cy, cx = float(crown_xy[1]), float(centre_x)
    w, h = float(image_w), float(image_h)
    values = (head_px, cy, cx, w, h, float(chin_xy[1]))
    if not all(math.isfinite(v) for v in values) or head_px <= 0 or w <= 0 or h <= 0:
        return CropSolution((0.0, 0.0, 0.0, 0.0), False, BAD_LANDMARKS, 0.0,
                            math.nan, math.nan, math.nan)
    refusal = _edge_refusal(cy, chin_xy[1], cx, w, h, crown_at_edge)
    if refusal is None:
        h_lo, h_hi, limiting = _head_mm_range(cy, cx, w, h, head_px, tolerances, min_crop_w_px,
                                              min_crop_h_px)
        refusal = _range_refusal(h_lo, h_hi, limiting, cy, tolerances)
    if refusal is not None:
        # the ideal target crop, for display
        ideal_ppm = head_px / head_mm
        return CropSolution(_box(cy, cx, ideal_ppm, top_mm, 0.0), False, refusal[0], ideal_ppm,
                            head_mm, top_mm, 0.0, refusal[1])
    head = min(max(head_mm, h_lo), h_hi)
    return _place(cy, cx, w, h, head / head_px, head, top_mm, tolerances)


def _edge_refusal(cy: float, chin_y: float, cx: float, w: float, h: float,
                  crown_at_edge: bool) -> tuple[str, str | None] | None:
    """(reason, edge) when no crop at any scale holds the head: the head cut by the top or
    bottom edge, or the nose line outside the image; None otherwise."""
    if crown_at_edge or cy <= 0:
        return HEAD_CUT_OFF, "top"
    if chin_y >= h:
        return HEAD_CUT_OFF, "bottom"
    if not 0 < cx < w:
        return TOO_CLOSE_TO_EDGE, "left" if cx <= 0 else "right"
    return None


def _head_mm_range(cy: float, cx: float, w: float, h: float, head_px: float, tol: Tolerances,
                   min_crop_w_px: float, min_crop_h_px: float) -> tuple[float, float, str]:
    """The conforming head heights ``[h_lo, h_hi]`` (mm) and what sets ``h_lo``: the image
    edge (``top``, ``bottom``, ``left``, ``right``) or size (``size_h``, ``size_w``) that
    bounds the scale ``q`` (mm per px) from below (see :func:`standard_crop`)."""
    half_w = PHOTO_W_MM / 2.0
    bottom_mm = PHOTO_H_MM - tol.top_max_mm  # least frame below the crown
    # each bound on q (mm per px) with the edge that imposes it
    bounds = {
        "size_h": PHOTO_H_MM / h,
        "size_w": PHOTO_W_MM / w,
        "top": tol.top_min_mm / cy,
        "bottom": bottom_mm / (h - cy) if h > cy else math.inf,
        "left": (half_w - tol.centre_tol_mm) / cx,
        "right": (half_w - tol.centre_tol_mm) / (w - cx),
    }
    limiting = max(bounds, key=lambda k: bounds[k])
    h_lo = max(tol.head_min_mm, bounds[limiting] * head_px)
    h_res = min(head_px * PHOTO_W_MM / min_crop_w_px, head_px * PHOTO_H_MM / min_crop_h_px)
    h_hi = min(tol.head_max_mm, h_res)
    return h_lo, h_hi, limiting


def _range_refusal(h_lo: float, h_hi: float, limiting: str, cy: float,
                   tol: Tolerances) -> tuple[str, str | None] | None:
    """(reason, edge) when no conforming head height exists; None otherwise."""
    if h_lo > tol.head_max_mm:
        if limiting in ("size_h", "size_w"):
            return HEAD_TOO_LARGE, None
        if limiting == "top":
            return (HEAD_CUT_OFF if cy < 1.0 else TOO_CLOSE_TO_EDGE), "top"
        return TOO_CLOSE_TO_EDGE, limiting
    if h_lo > h_hi:
        return RESOLUTION_TOO_LOW, None
    return None


def _place(cy: float, cx: float, w: float, h: float, q: float, head: float, top_mm: float,
           tol: Tolerances) -> CropSolution:
    """The crop at scale ``q`` (mm per px, the head ``head`` mm): the top margin and centre
    offset nearest the targets that keep the crop inside the image and the tolerances."""
    half_w = PHOTO_W_MM / 2.0
    t_lo = max(tol.top_min_mm, PHOTO_H_MM - (h - cy) * q)
    t_hi = min(tol.top_max_mm, cy * q)
    # c: nose line right of the crop centre, in mm; the crop's left edge is (17.5 + c) mm
    # left of the nose line
    c_lo = max(-tol.centre_tol_mm, half_w - (w - cx) * q)
    c_hi = min(tol.centre_tol_mm, cx * q - half_w)
    t = min(max(top_mm, t_lo), t_hi)
    c = min(max(0.0, c_lo), c_hi)
    ppm = 1.0 / q
    box = _box(cy, cx, ppm, t, c)
    # clamp float round-off at the image borders
    box = (max(0.0, box[0]), max(0.0, box[1]), min(w, box[2]), min(h, box[3]))
    return CropSolution(box, True, None, ppm, head, t, c)


def nearest_fit_crop(
    crown_xy: tuple[float, float], chin_xy: tuple[float, float], centre_x: float,
    image_w: float, image_h: float, *, head_mm: float = HEAD_TARGET_MM,
    top_mm: float = TOP_TARGET_MM,
) -> tuple[float, float, float, float]:
    """The 35:45 box inside the image nearest to the ideal crop, for explaining a refusal.

    The ideal crop (``head_mm`` head, ``top_mm`` margin, nose line centred) shrunk until it is
    no larger than the image, then shifted inside it. Measuring the head on this box tells
    *which* rule a non-trimmable image breaks (head too large, too close to the top or a side).

    Examples
    --------
    >>> nearest_fit_crop((500, 10), (500, 350), 500, 1000, 1200)
    (325.0, 0.0, 675.0, 450.0)
    """
    head_px = max(float(chin_xy[1] - crown_xy[1]), 1e-6)
    ppm = min(head_px / head_mm, image_h / PHOTO_H_MM, image_w / PHOTO_W_MM)
    bw, bh = PHOTO_W_MM * ppm, PHOTO_H_MM * ppm
    x0 = min(max(centre_x - bw / 2.0, 0.0), image_w - bw)
    y0 = min(max(crown_xy[1] - top_mm * ppm, 0.0), image_h - bh)
    return (x0, y0, x0 + bw, y0 + bh)
