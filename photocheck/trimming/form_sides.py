"""Measure a print found on a scanned application form on the full-resolution scan (issue 21).

:func:`photocheck.trimming.forms.find_on_form` finds the glued print on the small detection
copy; here its sides are measured at full resolution once the form's printed strokes (the box
line around the print, text, a stamp) are painted over in the paper's colour
(:func:`deinked_region`), so each side's innermost strong step is the print's own edge
(:func:`measure_on_form`).
"""

from __future__ import annotations

import cv2
import numpy as np

from photocheck.measures.colour import channel_norm
from photocheck.trimming.edges import (
    _agreeing_sides,
    _fit_sides,
    _line_fit,
    _side_strips,
    _stretch_edges,
)
from photocheck.trimming.rect import intersect_lines

# Printed strokes are erased by an opening this wide: the widest form line measured on the
# generated forms is 0.6 mm (box line), stamp rings 0.6 mm, bold headings ~0.4 mm.
STROKE_MM = 1.2
# A side found on the small copy may lie this far out, on the printed box line (see
# _relocate_sides), found again there when it steps by less than WEAK_STEP (the paper's
# texture and the edge of a painted-over stroke step by up to ~10 in a stretch's mean profile)
RELOCATE_MM = 2.5
WEAK_STEP = 12.0
DEPART_STEP = 10.0
# A pixel beside a painted-over stroke is its fringe when the closing lifts it by more than this
FRINGE_LIFT = 12
# ... and painted in the colour of the paper around it: pixels this close to the paper's colour
PAPER_TOL = 20.0


def deinked_region(full: np.ndarray, quad: np.ndarray, px_per_mm: float, pad_mm: float,
                   paper: np.ndarray, min_ink: float = 60.0) -> tuple[np.ndarray, np.ndarray]:
    """The full-resolution scan around ``quad`` (``pad_mm`` wider) with its printed strokes
    painted over in the paper's colour, and that region's origin (x, y) in scan px.

    A stroke is where a closing by a square :data:`STROKE_MM` wide (separable, so cheap at
    600 dpi) lifts a pixel by more than ``min_ink``: the box line, text, a stamp (one pixel
    around included: the anti-aliased fringe). They are printed on the paper and the print is
    glued over them, so what lies under them is paper — also where the box line runs along
    the print's edge (filling it from the closing would extend the print by the line). A
    print's faint edge shadow is lifted far less and stays, and so does the print's own
    content more than 1.5 mm inside ``quad``.
    """
    h, w = full.shape[:2]
    k = max(3, int(round(STROKE_MM * px_per_mm)) | 1)
    pad = pad_mm * px_per_mm + k
    x0 = int(max(0, np.floor(quad[:, 0].min() - pad)))
    y0 = int(max(0, np.floor(quad[:, 1].min() - pad)))
    x1 = int(min(w, np.ceil(quad[:, 0].max() + pad)))
    y1 = int(min(h, np.ceil(quad[:, 1].max() + pad)))
    region = full[y0:y1, x0:x1]
    closed = cv2.morphologyEx(region, cv2.MORPH_CLOSE,
                              cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    lift = cv2.subtract(closed, region).max(axis=2)
    ink = (lift > min_ink).astype(np.uint8)
    grow = 1 + int(px_per_mm // 12)
    # the stroke's anti-aliased fringe, but not the print beside it (where a stroke runs along
    # the print's edge, the closing lifts the print's own pixels hardly at all)
    ink = cv2.dilate(ink, np.ones((2 * grow + 1, 2 * grow + 1), np.uint8)) & (
        lift > FRINGE_LIFT).astype(np.uint8)
    origin = np.array([x0, y0], float)
    centre = quad.mean(axis=0)
    half = np.hypot(*(quad - centre).T).min()
    inner = centre + (quad - centre) * max(0.0, 1.0 - 1.5 * px_per_mm / max(1.0, half))
    cv2.fillConvexPoly(ink, np.round(inner - origin).astype(np.int32), 0)
    out = region.copy()
    out[ink > 0] = _local_paper(region, ink, paper, px_per_mm)[ink > 0]
    return out, origin


def _local_paper(region: np.ndarray, ink: np.ndarray, paper: np.ndarray, px_per_mm: float
                 ) -> np.ndarray:
    """The paper's colour around every pixel of ``region``: the mean, over ~3 mm, of the pixels
    that are not ``ink`` and lie within :data:`PAPER_TOL` of ``paper`` (``paper`` where none
    do). Painted over in one colour, a stroke on cloudy paper would leave a band that steps
    from the paper beside it — straight, along the box line, like a faint print edge."""
    near = ((ink == 0) & (channel_norm(region.astype(np.float32) - paper) < PAPER_TOL)
            ).astype(np.float32)
    k = max(3, int(round(3.0 * px_per_mm)) | 1)
    weight = cv2.boxFilter(near, -1, (k, k), normalize=False)
    total = cv2.boxFilter(region.astype(np.float32) * near[..., None], -1, (k, k),
                          normalize=False)
    local = total / np.maximum(weight, 1e-6)[..., None]
    local[weight < 1.0] = paper
    return np.clip(np.round(local), 0, 255).astype(np.uint8)


def measure_on_form(full: np.ndarray, quad_full: np.ndarray, px_per_mm: float,
                    paper: np.ndarray, reach_mm: float = 1.2) -> tuple[np.ndarray, np.ndarray]:
    """Measure a print's sides found by :func:`find_on_form` on the full-resolution scan.

    :func:`photocheck.trimming.refine_sides_full`'s stretch edges on :func:`deinked_region`:
    the printed box line 0–2 mm outside the print (a far stronger step than a light print's
    edge) is gone, so each side's innermost strong step is the print's own edge. First within
    0.5 mm of the found sides (content near the print's edge — hair, a dark shirt — stays out
    of reach), then, for a side not placed so, within ``reach_mm``. A side still not placed,
    or placed on a faint step (below :data:`WEAK_STEP`: the edge of a painted-over stroke), is
    found again where the print departs from the paper within :data:`RELOCATE_MM`
    (:func:`_relocate_sides`: the small copy can put a side on the box line when the line
    merges with a light print's edge there) and measured there, if it steps more clearly
    there. Then once more within 0.4 mm. A side whose stretches step but whose direction
    strays from the other sides' (a shadow's ramp along part of it, a white shirt at the bottom
    edge) is placed at its stretches' median edge along the direction the others agree on: a
    print is a rectangle.

    Returns
    -------
    (quad, measured)
        As :func:`photocheck.trimming.refine_sides_full`, in full-resolution scan px.
    """
    region, origin = deinked_region(full, quad_full, px_per_mm, RELOCATE_MM + 1.0, paper)
    start = quad_full - origin
    narrow = max(4.0, 0.5 * px_per_mm)
    quad, measured, strength = _rect_sides(region, start, narrow)
    if not measured.all():
        wide, wide_measured, wide_strength = _rect_sides(region, start,
                                                         max(6.0, reach_mm * px_per_mm))
        use = ~measured & wide_measured
        if use.any():
            quad = _mix_sides(quad, wide, use)
            measured = measured | use
            strength = np.where(use, wide_strength, strength)
    weak = ~measured | (strength < WEAK_STEP)
    if weak.any():
        # a side without a clear step may have come from the box line, further out (the line
        # merges with a light print's edge on the small copy; its painted-over band leaves a
        # faint straight step): found again where the print departs from the paper, and
        # taken when it steps more clearly there
        moved = _relocate_sides(region, quad, px_per_mm, weak)
        near, near_measured, near_strength = _rect_sides(region, moved, narrow)
        use = weak & near_measured & (near_strength > np.where(measured, strength, 0.0))
        if use.any():
            quad = _mix_sides(quad, near, use)
            measured = measured | use
    if measured.any():
        # a side the polish cannot place keeps the line it came with
        quad, _, _ = _rect_sides(region, quad, max(4.0, 0.4 * px_per_mm))
    return quad + origin, measured


def _relocate_sides(img: np.ndarray, quad: np.ndarray, ppm: float, which: np.ndarray,
                    groups: int = 16) -> np.ndarray:
    """``quad`` with each side in ``which`` moved to where, coming from outside, the colour
    first departs from the paper's within :data:`RELOCATE_MM` of it (on the de-inked scan
    only paper lies outside a print; a shadow's ramp there is within the next measure's
    reach). Each stretch's departure is the outermost position from which at least 80 % of
    the next 0.4 mm inward differs from the paper at the strip's outer end by more than
    :data:`DEPART_STEP` (or 2.5 × that paper's own spread); the side is the Theil–Sen line
    through them, kept when half the stretches lie within 0.2 mm of it."""
    strips = _side_strips(img, quad, RELOCATE_MM * ppm, groups)
    if strips is None:
        return quad
    offsets = strips.offsets
    outer = offsets >= offsets[-1] - 0.4 * ppm
    seg = strips.seg
    ref = np.median(seg[:, outer], axis=1)  # (4 · groups, 3): the paper beyond the side
    dev = channel_norm(seg - ref[:, None, :])  # (4 · groups, offsets)
    spread = np.percentile(dev[:, outer].reshape(4, -1), 90, axis=1)  # per side
    thr = np.maximum(DEPART_STEP, 2.5 * spread).repeat(groups)[:, None]
    above = (dev > thr).astype(np.float32)
    # fraction above over the window [k - w, k] (inward of k: offsets grow outward)
    w = max(2, int(round(0.4 * ppm / 0.5)))
    csum = np.concatenate([np.zeros((above.shape[0], 1), np.float32),
                           np.cumsum(above, axis=1)], axis=1)
    k = np.arange(offsets.size)
    lo = np.maximum(k - w, 0)
    frac = (csum[:, k + 1] - csum[:, lo]) / (k + 1 - lo)
    ok = (frac >= 0.8) & (above > 0)
    found = ok.any(axis=1)
    last = offsets.size - 1 - np.argmax(ok[:, ::-1], axis=1)  # outermost
    ts = offsets[last].reshape(4, groups)
    found = found.reshape(4, groups)
    xs = strips.along.reshape(4, groups, strips.per_group).mean(axis=2)
    lines = []
    ii, jj = np.triu_indices(groups, 1)
    for i in range(4):
        keep = found[i]
        line = (strips.mid[i], strips.u[i])
        if which[i] and keep.sum() >= groups // 2:
            pair = keep[ii] & keep[jj]
            x, t = xs[i], ts[i]
            slope = float(np.median((t[jj[pair]] - t[ii[pair]]) / (x[jj[pair]] - x[ii[pair]])))
            t0 = float(np.median(t[keep] - slope * x[keep]))
            keep &= np.abs(t - (t0 + slope * x)) <= max(1.5, 0.2 * ppm)
            if keep.sum() >= groups // 2:
                t0, slope = _line_fit(x[keep], t[keep])
                d = strips.u[i] + slope * strips.normal[i]
                line = (strips.mid[i] + t0 * strips.normal[i], d / float(np.hypot(*d)))
        lines.append(line)
    out = [intersect_lines(lines[i - 1], lines[i]) for i in range(4)]
    if any(p is None for p in out):
        return quad
    return np.array(out, float)


def _rect_sides(img: np.ndarray, quad: np.ndarray, reach_px: float, step_min: float = 2.5,
                groups: int = 16) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`refine_sides_full`, with a side that steps but strays in direction placed at
    its stretches' median edge along the agreeing sides' direction; also each side's median
    step across its stretches' edges."""
    strips = _side_strips(img, quad, reach_px, groups)
    if strips is None:
        return quad, np.zeros(4, bool), np.zeros(4)
    ts, steps = _stretch_edges(strips.seg, strips.offsets)
    strength = np.median(steps, axis=1)
    xs = strips.along.reshape(4, groups, strips.per_group).mean(axis=2)
    lines, fitted = _fit_sides(strips, xs, ts, steps, step_min)
    lines, agree = _agreeing_sides(lines, fitted.copy(), strips)
    if agree.sum() >= 2:
        angles = np.array([np.arctan2(v[1], v[0]) for _, v in lines])
        # the agreeing sides' direction, folded to a quarter turn
        folded = np.mod(angles[agree] + np.pi / 4, np.pi / 2) - np.pi / 4
        common = float(np.median(folded))
        for i in np.nonzero(fitted & ~agree)[0]:
            keep = steps[i] > step_min
            t_med = float(np.median(ts[i][keep]))
            own = float(np.arctan2(strips.u[i][1], strips.u[i][0]))
            turn = own - (np.mod(own + np.pi / 4, np.pi / 2) - np.pi / 4) + common
            lines[i] = (strips.mid[i] + t_med * strips.normal[i],
                        np.array([np.cos(turn), np.sin(turn)]))
            agree[i] = True
    out = []
    for i in range(4):
        p = intersect_lines(lines[i - 1], lines[i])
        if p is None:
            return quad, np.zeros(4, bool), strength
        out.append(p)
    return np.array(out, float), agree, strength


def _mix_sides(a: np.ndarray, b: np.ndarray, take_b: np.ndarray) -> np.ndarray:
    """Corners of the quad whose side ``i`` (corner ``i`` → ``i + 1``) is ``b``'s where
    ``take_b[i]``, else ``a``'s."""
    lines = []
    for i in range(4):
        q = b if take_b[i] else a
        p0, p1 = q[i], q[(i + 1) % 4]
        d = p1 - p0
        lines.append((p0, d / max(1e-9, float(np.hypot(*d)))))
    out = []
    for i in range(4):
        p = intersect_lines(lines[i - 1], lines[i])
        out.append(a[i] if p is None else p)
    return np.array(out, float)
