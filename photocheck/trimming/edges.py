"""Measuring the print's sides: sub-pixel edges on the small copy and on the full scan."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import cv2
import numpy as np

from photocheck.measures.colour import channel_norm
from photocheck.trimming.rect import intersect_lines


def refine_edges(small: np.ndarray, quad: np.ndarray, reach_px: float = 4.0,
                  step_min: float = 4.0) -> tuple[np.ndarray, float]:
    """Move each side of ``quad`` to the strongest colour step within ``reach_px`` of it.

    The profile across a side is the median, along the side's middle 80 %, of the colour at
    quarter-pixel offsets; the edge is where its gradient is largest (parabolic sub-pixel).

    A print whose background fades into a bed of the same colour (a grey print on a grey
    carrier) can leave ONE side without a visible step. That side is then rebuilt from the
    rectangle: parallel to its opposite side, through the point where an adjacent side's edge
    (or the shadow line the scanner lamp leaves along it) ends sharply — the print's corner
    (:func:`_sharp_end`).

    Returns
    -------
    (quad, support)
        The refined corners, and the smallest over the four sides of the fraction of positions
        along a side where the colour steps by more than ``step_min`` across it (a rebuilt side
        counts as supported when its corner was found).
    """
    # only the print's neighbourhood is read (a rebuilt side looks 25 % past the corners)
    side_px = float(np.max(np.hypot(*(np.roll(quad, -1, axis=0) - quad).T)))
    pad = reach_px + 4.0 + 0.3 * side_px
    x0 = int(max(0, np.floor(quad[:, 0].min() - pad)))
    y0 = int(max(0, np.floor(quad[:, 1].min() - pad)))
    x1 = int(min(small.shape[1], np.ceil(quad[:, 0].max() + pad)))
    y1 = int(min(small.shape[0], np.ceil(quad[:, 1].max() + pad)))
    if x1 - x0 < 8 or y1 - y0 < 8:
        return quad, 0.0
    origin = np.array([x0, y0], float)
    quad = quad - origin
    img = cv2.GaussianBlur(small[y0:y1, x0:x1], (0, 0), 0.6).astype(np.float32)
    centre = quad.mean(axis=0)
    offsets = np.arange(-reach_px, reach_px + 0.01, 0.25)

    def measure(a: np.ndarray, b: np.ndarray, fit_tilt: bool
                ) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray, float]:
        return _measure_side(img, centre, offsets, step_min, a, b, fit_tilt)

    lines: list[tuple[np.ndarray, np.ndarray]] = []
    supports: list[float] = []
    normals: list[np.ndarray] = []
    for i in range(4):
        line, n, support = measure(quad[i], quad[(i + 1) % 4], True)
        lines.append(line)
        normals.append(n)
        supports.append(support)
    _align_stray_sides(quad, lines, normals, supports, measure)
    weak = [i for i in range(4) if supports[i] < 0.5]
    if len(weak) == 1:
        rebuilt = _rebuild_side(img, lines, normals, weak[0], step_min)
        if rebuilt is not None:
            lines[weak[0]] = rebuilt
            supports[weak[0]] = 1.0
    out = []
    for i in range(4):
        p = intersect_lines(lines[i - 1], lines[i])
        if p is None:
            return quad + origin, min(supports)
        out.append(p)
    return np.array(out, float) + origin, min(supports)


def _measure_side(img: np.ndarray, centre: np.ndarray, offsets: np.ndarray, step_min: float,
                  a: np.ndarray, b: np.ndarray, fit_tilt: bool
                  ) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray, float]:
    """The side ``a`` → ``b`` moved to the strongest colour step across it (see
    :func:`refine_edges`): its line (point, unit direction), outward normal and support."""
    d = b - a
    length = float(np.hypot(*d))
    u = d / length
    n = np.array([-u[1], u[0]])
    mid = (a + b) / 2
    if n @ (mid - centre) < 0:
        n = -n  # outward
    along = np.linspace(-0.4 * length, 0.4 * length, 64)
    pts = mid + along[:, None, None] * u + offsets[None, :, None] * n
    map_x = pts[..., 0].astype(np.float32)
    map_y = pts[..., 1].astype(np.float32)
    prof = cv2.remap(img, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    profile = np.median(prof, axis=0)  # (offsets, 3)
    grad = np.linalg.norm(np.diff(profile, axis=0), axis=1)
    k = int(np.argmax(grad))
    shift = 0.0
    if 0 < k < grad.size - 1:
        den = grad[k - 1] - 2 * grad[k] + grad[k + 1]
        shift = 0.5 * (grad[k - 1] - grad[k + 1]) / den if den < 0 else 0.0
    t = offsets[0] + 0.25 * (k + 0.5 + shift)
    # support: the step across the edge, position by position along the side
    inner = int(np.clip(round((t - 1.5 - offsets[0]) / 0.25), 0, offsets.size - 1))
    outer = int(np.clip(round((t + 1.5 - offsets[0]) / 0.25), 0, offsets.size - 1))
    steps = np.linalg.norm(prof[:, inner] - prof[:, outer], axis=1)
    support = float(np.mean(steps > step_min))
    tilt = _edge_tilt(prof, along, offsets, t) if fit_tilt and support >= 0.5 else None
    if tilt is None:
        return (mid + t * n, u), n, support
    # the side's own direction, from its edge position in 8 stretches along it
    t0, slope = tilt
    d_new = u + slope * n
    return (mid + t0 * n, d_new / float(np.hypot(*d_new))), n, support


def _align_stray_sides(quad: np.ndarray, lines: list[tuple[np.ndarray, np.ndarray]],
                       normals: list[np.ndarray], supports: list[float],
                       measure: Callable[[np.ndarray, np.ndarray, bool],
                                         tuple[tuple[np.ndarray, np.ndarray], np.ndarray, float]]
                       ) -> None:
    """Measure again, along the common direction, each side that strays from it (in place)."""
    # a rectangle: a side whose direction strays from the others' (its first line was too far
    # off for the stretches to follow) is measured again along the common direction
    angles = np.array([(np.degrees(np.arctan2(u[1], u[0])) + 45.0) % 90.0 - 45.0
                       for _, u in lines])
    common = float(np.median(angles))
    for i in range(4):
        if abs(angles[i] - common) <= 0.3:
            continue
        p, u = lines[i]
        a, b = quad[i], quad[(i + 1) % 4]
        mid = p + ((a + b) / 2 - p) @ u * u  # the side's middle on its current line
        rot = np.radians(common - angles[i])
        c, sn = np.cos(rot), np.sin(rot)
        u_c = np.array([c * u[0] - sn * u[1], sn * u[0] + c * u[1]])
        half = 0.5 * float(np.hypot(*(b - a)))
        lines[i], normals[i], supports[i] = measure(mid - half * u_c, mid + half * u_c, False)


def _edge_tilt(prof: np.ndarray, along: np.ndarray, offsets: np.ndarray, t: float
               ) -> tuple[float, float] | None:
    """The edge's offset at the side's middle and its slope (offset px per px along the side).

    ``prof`` holds colours at ``offsets`` across the side for each position in ``along``; the
    edge is located in 8 stretches (median profile, strongest gradient within 1.5 px of ``t``,
    parabolic sub-pixel) and a line fitted through them, once more without stretches off by
    more than 0.75 px. None when fewer than 5 stretches agree.
    """
    groups = prof.reshape(8, -1, *prof.shape[1:])
    seg = np.median(groups, axis=1)  # (8, offsets, 3)
    grad = np.linalg.norm(np.diff(seg, axis=1), axis=2)  # (8, offsets-1)
    centres = offsets[:-1] + 0.125
    near = np.abs(centres - t) <= 1.5
    if near.sum() < 3:
        return None
    idx = np.nonzero(near)[0]
    sub = grad[:, idx]
    j = np.argmax(sub, axis=1)
    k = idx[j]
    rows = np.arange(8)
    left = grad[rows, np.maximum(k - 1, 0)]
    right = grad[rows, np.minimum(k + 1, grad.shape[1] - 1)]
    mid_g = grad[rows, k]
    den = left - 2 * mid_g + right
    inside = (k > 0) & (k < grad.shape[1] - 1) & (den < 0)
    shift = np.where(inside, 0.5 * (left - right) / np.where(den < 0, den, -1.0), 0.0)
    ts = offsets[0] + 0.25 * (k + 0.5 + np.clip(shift, -1.0, 1.0))
    xs = along.reshape(8, -1).mean(axis=1)
    keep = np.ones(8, bool)
    fit = (0.0, 0.0)
    for _ in range(3):
        if keep.sum() < 5:
            return None
        fit = _line_fit(xs[keep], ts[keep])
        keep = np.abs(ts - (fit[0] + fit[1] * xs)) <= 0.75
    if keep.sum() < 5:
        return None
    return _line_fit(xs[keep], ts[keep])


def _line_fit(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Least-squares ``y = a + b x``: (a, b)."""
    xm, ym = float(x.mean()), float(y.mean())
    dx = x - xm
    den = float(dx @ dx)
    b = float(dx @ (y - ym)) / den if den > 0 else 0.0
    return ym - b * xm, b


def _rebuild_side(img: np.ndarray, lines: list[tuple[np.ndarray, np.ndarray]],
                  normals: list[np.ndarray], weak: int, step_min: float
                  ) -> tuple[np.ndarray, np.ndarray] | None:
    """The invisible side ``weak`` of a rectangle from where its neighbours' edges end.

    Each adjacent side is followed past its current corner toward the weak side; the print's
    corner is where its edge step ends sharply. The outermost sharp end wins (an edge that only
    fades out, as a print background turning into the bed colour does, gives none); no sharp
    end on either neighbour → None.
    """
    opposite = lines[(weak + 2) % 4]
    direction = opposite[1]
    ends: list[np.ndarray] = []
    n_weak = normals[weak]
    for j in ((weak - 1) % 4, (weak + 1) % 4):
        p0, u = lines[j]
        # the unit vector along side j that points toward the weak side
        toward = u if u @ n_weak > 0 else -u
        corner = intersect_lines(lines[j], lines[weak])
        base = intersect_lines(lines[j], opposite)
        if corner is None or base is None:
            continue
        length = float(np.hypot(*(corner - base)))
        if length < 20:
            continue
        end = _sharp_end(img, base, toward, normals[j], length, step_min)
        if end is not None:
            ends.append(base + end * toward)
    if not ends:
        return None
    # the weak side passes through the corner farthest from its opposite side, parallel to it
    inward = np.array([-direction[1], direction[0]])
    if inward @ n_weak < 0:
        inward = -inward
    far = max(ends, key=lambda p: float((p - opposite[0]) @ inward))
    return far, direction


def _sharp_end(img: np.ndarray, base: np.ndarray, toward: np.ndarray, normal: np.ndarray,
               length: float, step_min: float) -> float | None:
    """How far from ``base`` (along ``toward``) an edge along ``normal`` ends sharply.

    The step across the edge (2 px in, 2 px out) is sampled every pixel from the middle of the
    side to 25 % past its current end (3-px running mean, less its noise floor on the bed past
    the corner). The edge ends at the outermost position where the step is still ≥ 0.3 of its
    typical value; that counts as a corner only when the step drops below 0.15 of it within
    6 px and stood at ≥ 0.4 of it over the 8 px before (not a fade-out). The end lies where the
    step falls to half of that level. Returns its distance from ``base``, or None.
    """
    s = np.arange(0.5 * length, 1.25 * length, 1.0)
    pts = base + s[:, None] * toward
    both = np.stack([pts - 2.0 * normal, pts + 2.0 * normal], axis=1).astype(np.float32)
    h, w = img.shape[:2]
    inside = ((both[..., 0] >= 0) & (both[..., 0] <= w - 1) & (both[..., 1] >= 0)
              & (both[..., 1] <= h - 1)).all(axis=1)
    n_in = int(np.argmin(inside)) if not inside.all() else len(s)
    if n_in < 0.6 * len(s):
        return None  # the scan ends before the corner could be seen
    s, both = s[:n_in], both[:n_in]
    vals = cv2.remap(img, both[..., 0], both[..., 1], cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_REPLICATE)  # (n, 2, 3)
    step = np.convolve(np.linalg.norm(vals[:, 0] - vals[:, 1], axis=1), np.ones(3) / 3.0,
                       mode="same")
    # the step's noise floor past the corner (the last 10 %, on the bed)
    floor = float(np.median(step[-max(5, int(0.1 * len(step))):]))
    ref = float(np.median(step[: max(5, int(0.3 * len(step)))])) - floor
    if ref < max(2.0 * step_min, 6.0):
        return None  # no clear edge to follow
    step = step - floor
    # the outermost position where the edge is still clearly there
    above = np.nonzero(step >= 0.3 * ref)[0]
    if above.size == 0 or above[-1] < 10 or above[-1] >= len(step) - 7:
        return None
    e = int(above[-1])
    level = float(np.median(step[e - 8:e + 1]))
    if not (step[e + 1:e + 7] < 0.15 * ref).any() or level < 0.4 * ref:
        return None  # the edge fades out (a print background turning into the bed): no corner
    # sub-pixel: where the step crosses half its level just before the end
    j = e
    while j + 1 < len(step) and step[j + 1] >= 0.5 * level:
        j += 1
    if step[j] < 0.5 * level:  # the level's half lies inward of e
        j = max(0, int(np.nonzero(step[: e + 1] >= 0.5 * level)[0][-1]))
    a, b = float(step[j]), float(step[min(j + 1, len(step) - 1)])
    frac = (a - 0.5 * level) / (a - b) if a > b else 0.0
    return float(s[j] + np.clip(frac, 0.0, 1.0))


def refine_sides_full(full: np.ndarray, quad: np.ndarray, *, reach_px: float,
                      step_min: float = 2.5, groups: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """Move each side of a coarse ``quad`` onto the print's edge in the full-resolution scan.

    Only narrow strips along the four sides are read (one ``cv2.remap`` at half-pixel offsets
    across each side, ``±reach_px``, over its middle 80 %): the print is found on a small copy
    of the scan, and its sides are measured here at full resolution. Each side is cut into
    ``groups`` stretches; a stretch's edge is the innermost peak of the gradient of its mean
    colour profile that reaches half its largest (parabolic sub-pixel: the print's edge rather
    than its shadow's), and the side is the line through those edges (a Theil–Sen
    start, then least squares over the stretches within 0.75 px of it). A side whose step
    across the edge is below ``step_min`` on half its stretches, whose stretches do not line
    up, or whose direction strays from the other measured sides', keeps its coarse line.

    Parameters
    ----------
    full : numpy.ndarray
        uint8 BGR scan at full resolution.
    quad : numpy.ndarray
        ``(4, 2)`` corners in full-resolution px, in order around the print.
    reach_px : float
        How far (full px) the edge may lie from the coarse side.
    step_min : float
        Least colour step (BGR distance) across an edge.
    groups : int
        Stretches per side.

    Returns
    -------
    (quad, measured)
        The corners, and for each side (``quad[i]`` → ``quad[i + 1]``) whether it was measured
        (the others kept their coarse line).
    """
    quad = np.asarray(quad, float)
    none = np.zeros(4, bool)
    strips = _side_strips(full, quad, reach_px, groups)
    if strips is None:
        return quad, none
    ts, steps = _stretch_edges(strips.seg, strips.offsets)
    xs = strips.along.reshape(4, groups, strips.per_group).mean(axis=2)
    lines, measured = _fit_sides(strips, xs, ts, steps, step_min)
    lines, measured = _agreeing_sides(lines, measured, strips)
    out = []
    for i in range(4):
        p = intersect_lines(lines[i - 1], lines[i])
        if p is None:
            return quad, none
        out.append(p)
    return np.array(out, float), measured


class _Strips(NamedTuple):
    """The four strips across the sides of a coarse quad, read from the full scan."""

    mid: np.ndarray  # (4, 2) middle of each side
    u: np.ndarray  # (4, 2) unit direction along it
    normal: np.ndarray  # (4, 2) unit normal, outward
    along: np.ndarray  # (4, rows) position of each row along its side
    offsets: np.ndarray  # positions across the side (px, 0.5 apart)
    seg: np.ndarray  # (4 · groups, offsets, 3) mean colour profile of each stretch
    per_group: int  # rows per stretch


def _side_strips(full: np.ndarray, quad: np.ndarray, reach_px: float, groups: int
                 ) -> _Strips | None:
    """One ``cv2.remap`` of the strips across the sides of ``quad``, each side cut into
    ``groups`` stretches; None when a side is too short for them."""
    centre = quad.mean(axis=0)
    offsets = np.arange(-reach_px, reach_px + 1e-6, 0.5)
    n_off = offsets.size
    ends = np.roll(quad, -1, axis=0)
    d = ends - quad
    length = np.hypot(d[:, 0], d[:, 1])
    if length.min() < 4 * groups:
        return None
    u = d / length[:, None]
    normal = np.stack([-u[:, 1], u[:, 0]], axis=1)
    mid = (quad + ends) / 2
    normal *= np.where(((mid - centre) * normal).sum(axis=1) < 0, -1.0, 1.0)[:, None]  # outward
    # ~12 rows per stretch: their mean steadies the profile; more only costs remap time
    per_group = int(max(2, min(12, 0.8 * length.min() / groups)))
    frac = np.linspace(-0.4, 0.4, groups * per_group)
    along = frac[None, :] * length[:, None]  # (4, rows)
    # all four strips in one remap: rows = side × position along it, columns = offsets across
    base = mid[:, None, :] + along[..., None] * u[:, None, :]  # (4, rows, 2)
    maps = [(base[..., c][:, :, None] + (normal[:, c][:, None] * offsets[None, :])[:, None, :]
             ).reshape(-1, n_off).astype(np.float32) for c in (0, 1)]
    prof = cv2.remap(full, maps[0], maps[1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    # a step at the same place in every row of a stretch stays a step in their mean
    seg = prof.reshape(4 * groups, per_group, n_off, -1).mean(axis=1, dtype=np.float32)
    return _Strips(mid, u, normal, along, offsets, seg, per_group)


def _stretch_edges(seg: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(ts, steps)``, each ``(4, groups)``: where each stretch's edge lies across its side
    (px from the coarse side, outward) and the colour step across it."""
    grad = channel_norm(np.diff(seg, axis=1))  # (4 · groups, offsets - 1)
    # the innermost gradient peak of at least half the strongest: the print's own edge, not
    # the outer ramp of the shadow it casts on the bed (which can be the steeper one when the
    # print's border is about as dark as the shadow)
    padded = np.pad(grad, ((0, 0), (1, 1)), constant_values=-1.0)
    peak = ((grad >= 0.5 * grad.max(axis=1, keepdims=True)) & (grad >= padded[:, :-2])
            & (grad >= padded[:, 2:]))
    k = np.argmax(peak, axis=1)
    rows = np.arange(seg.shape[0])
    groups = seg.shape[0] // 4
    n_off = offsets.size
    left = grad[rows, np.maximum(k - 1, 0)]
    right = grad[rows, np.minimum(k + 1, n_off - 2)]
    den = left - 2 * grad[rows, k] + right
    inside = (k > 0) & (k < n_off - 2) & (den < 0)
    shift = np.where(inside, 0.5 * (left - right) / np.where(den < 0, den, -1.0), 0.0)
    ts = (offsets[0] + 0.5 * (k + 0.5 + np.clip(shift, -1.0, 1.0))).reshape(4, groups)
    # the step across the edge, 1–2 px to either side of it
    steps = channel_norm(seg[rows, np.clip(k - 2, 0, n_off - 1)]
                         - seg[rows, np.clip(k + 4, 0, n_off - 1)]).reshape(4, groups)
    return ts, steps


def _fit_sides(strips: _Strips, xs: np.ndarray, ts: np.ndarray, steps: np.ndarray,
               step_min: float) -> tuple[list[tuple[np.ndarray, np.ndarray]], np.ndarray]:
    """The line through each side's stretch edges (point, unit direction), and whether it was
    measured (else the coarse side)."""
    mid, u, normal = strips.mid, strips.u, strips.normal
    groups = ts.shape[1]
    ii, jj = np.triu_indices(groups, 1)
    lines: list[tuple[np.ndarray, np.ndarray]] = []
    measured = np.zeros(4, bool)
    for i in range(4):
        keep = steps[i] > step_min
        if keep.sum() >= groups // 2:
            # robust start (Theil–Sen: a few stretches may lock on hair or a shadow's edge)
            pair = keep[ii] & keep[jj]
            x, t = xs[i], ts[i]
            slope0 = float(np.median((t[jj[pair]] - t[ii[pair]]) / (x[jj[pair]] - x[ii[pair]])))
            t00 = float(np.median(t[keep] - slope0 * x[keep]))
            keep &= np.abs(t - (t00 + slope0 * x)) <= 0.75
        if keep.sum() < groups // 2:
            lines.append((mid[i], u[i]))
            continue
        t0, slope = _line_fit(xs[i][keep], ts[i][keep])
        d_new = u[i] + slope * normal[i]
        lines.append((mid[i] + t0 * normal[i], d_new / float(np.hypot(*d_new))))
        measured[i] = True
    return lines, measured


def _agreeing_sides(lines: list[tuple[np.ndarray, np.ndarray]], measured: np.ndarray,
                    strips: _Strips) -> tuple[list[tuple[np.ndarray, np.ndarray]], np.ndarray]:
    """The measured sides that agree in direction; the others back on their coarse line."""
    mid, u = strips.mid, strips.u
    # a rectangle: a side whose direction strays from the other measured ones by more than
    # 0.15° followed a shadow's ramp over part of its length; it keeps its coarse line
    angles = np.array([(np.degrees(np.arctan2(v[1], v[0])) + 45.0) % 90.0 - 45.0
                       for _, v in lines])
    for i in np.nonzero(measured)[0]:
        others = measured.copy()
        others[i] = False
        if others.any() and abs(angles[i] - float(np.median(angles[others]))) > 0.15:
            if others.sum() == 1:
                measured[:] = False  # two sides that disagree: neither is trusted
                lines = [(mid[j], u[j]) for j in range(4)]
                break
            measured[i] = False
    return [lines[i] if measured[i] else (mid[i], u[i]) for i in range(4)], measured
