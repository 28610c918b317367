"""Find the glued print on a scanned application form (issue 21).

A mailed application is often scanned whole: the form's paper with ruled lines, printed text, a
stamp and handwriting, the printed ~39×49 mm photo box, and the 35×45 mm print glued inside it.
The loose-print finder takes the largest blob that differs from the bed, which on a form is the
printed box closed by the print (or the whole page); here every rectangle candidate is judged by
what it is, at the scan's known resolution:

- a **print** is photographic content edge to edge: a solid region that differs from the paper
  and survives an opening that erases every printed stroke (rules, text, the box line, stamp
  rings and pen strokes are all under ~0.8 mm wide), whose minimum-area rectangle it fills and
  whose sides are 35×45 mm within the print tolerance;
- a **printed box** is a thin closed line with paper inside, 36–44 × 46–54 mm: on a form whose
  box holds no print, the photo is missing (``trim.photo_not_found``) rather than "the box is the
  photo".

All of it runs on the small detection copy (a few px per mm); the caller measures the chosen
print's sides on the full-resolution scan.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import cv2
import numpy as np

from photocheck.measures.colour import channel_norm
from photocheck.trimming.form_sides import STROKE_MM, measure_on_form
from photocheck.trimming.rect import PrintRect, rect_from_quad, rect_from_sides

PRINT_W_MM, PRINT_H_MM = 35.0, 45.0
# The photo box of a form: a printed rectangle around the 35×45 print, 1–4 mm larger each way.
BOX_W_MM = (36.5, 44.0)
BOX_H_MM = (46.5, 54.0)
# A scan is a form when it has a printed photo box, or when outside the prints it is paper
# (at most this fraction differs from it once the strokes are erased) with strokes on it (at
# least this fraction of the scan): a loose print of another size, or a scan that is the
# print, has photographic content around any 35×45 region in it, and no strokes
MAX_OUTSIDE_CONTENT = 0.3
MIN_FORM_INK = 0.01
# The crop keeps this far inside a print measured on the de-inked scan (its edge is found
# sub-pixel without the shadow; the loose-print path keeps ~0.25 mm)
FORM_INSET_MM = 0.15


@dataclass(frozen=True)
class Candidate:
    """A rectangle found on the form (small-copy px).

    Attributes
    ----------
    quad : numpy.ndarray
        ``(4, 2)`` corners of its minimum-area rectangle.
    width_mm, height_mm : float
        Short and long side.
    fill : float
        The fraction of its inside that differs from the paper (strokes erased).
    angle_deg : float
        The turn it was found at (counter-clockwise on screen positive).
    """

    quad: np.ndarray
    width_mm: float
    height_mm: float
    fill: float
    angle_deg: float = 0.0


@dataclass
class FormSearch:
    """What was found on a form scan.

    Attributes
    ----------
    prints : list of Candidate
        Print-sized photographic rectangles (largest first).
    boxes : list of Candidate
        Printed photo boxes (thin line, paper inside).
    others : list of Candidate
        Rectangles that are not prints (diagnostics).
    paper : numpy.ndarray
        The paper's BGR colour.
    outside_content : float
        Fraction of the scan outside the prints that differs from the paper (strokes erased).
    ink : float
        Fraction of the scan outside the prints covered by printed or written strokes.
    """

    prints: list[Candidate] = field(default_factory=list)
    boxes: list[Candidate] = field(default_factory=list)
    others: list[Candidate] = field(default_factory=list)
    paper: np.ndarray = field(default_factory=lambda: np.full(3, 255.0, np.float32))
    outside_content: float = 1.0
    ink: float = 0.0

    @property
    def empty_box(self) -> bool:
        """No print, and a photo box with paper inside (less than 10 % of it differs from the
        paper: a stamp's edge, a stray stroke)."""
        return not self.prints and any(b.fill < 0.1 for b in self.boxes)


def paper_colour(small: np.ndarray) -> np.ndarray:
    """The paper's colour: the per-channel median over the scan (paper is most of a form)."""
    step = max(1, int(np.sqrt(small.shape[0] * small.shape[1] / 40000)))
    return np.median(small[::step, ::step].reshape(-1, 3), axis=0).astype(np.float32)


def _ink_free(small: np.ndarray, px_per_mm: float) -> tuple[np.ndarray, np.ndarray]:
    """The scan without its printed and written strokes, and the strokes' darkness.

    A grey-level closing (per channel) as wide as :data:`STROKE_MM` removes every dark
    feature narrower than that — rules, text, the box line, stamp rings, pen strokes, the thin
    shadow along a print's edge — and keeps steps (a print's edge) where they are.
    """
    k = max(3, int(round(STROKE_MM * px_per_mm)) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
    closed = cv2.morphologyEx(small, cv2.MORPH_CLOSE, kernel)
    ink = cv2.subtract(closed, small).max(axis=2)
    return closed, ink


def _side_responses(img: np.ndarray, angle_deg: float, ppm: float, step_px: int,
                    paper: np.ndarray, paper_tol: float
                    ) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
    """The image turned by ``angle_deg`` (about its centre) and, at every pixel, the mean
    colour step across a side centred there — horizontal sides 80 % of 35 mm long, vertical
    ones 80 % of 45 mm — counted where the side's OUTER neighbour is paper: ``(m, (top,
    bottom, left, right))``. A print's top edge has paper above it; the edge of its hair or
    of the box's shadow has not."""
    h, w = img.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2.0, h / 2.0), -angle_deg, 1.0)
    turned = cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR,
                            borderMode=cv2.BORDER_REPLICATE)
    s = step_px
    gy = np.zeros((h, w), np.float32)
    gx = np.zeros((h, w), np.float32)
    gy[s:-s] = channel_norm(turned[2 * s:] - turned[:-2 * s])
    gx[:, s:-s] = channel_norm(turned[:, 2 * s:] - turned[:, :-2 * s])
    is_paper = (channel_norm(turned - paper) < paper_tol).astype(np.float32)
    o = 2 * s
    lw = max(3, int(round(0.8 * PRINT_W_MM * ppm)))
    lh = max(3, int(round(0.8 * PRINT_H_MM * ppm)))
    maps = (cv2.boxFilter(gy * _shift(is_paper, -o, 0), -1, (lw, 1),
                          borderType=cv2.BORDER_CONSTANT),
            cv2.boxFilter(gy * _shift(is_paper, o, 0), -1, (lw, 1),
                          borderType=cv2.BORDER_CONSTANT),
            cv2.boxFilter(gx * _shift(is_paper, 0, -o), -1, (1, lh),
                          borderType=cv2.BORDER_CONSTANT),
            cv2.boxFilter(gx * _shift(is_paper, 0, o), -1, (1, lh),
                          borderType=cv2.BORDER_CONSTANT))
    return m, maps


def _shift(a: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """``out[y, x] = a[y + dy, x + dx]`` (zero outside)."""
    out = np.zeros_like(a)
    h, w = a.shape
    ys, yd = (slice(dy, h), slice(0, h - dy)) if dy >= 0 else (slice(0, h + dy), slice(-dy, h))
    xs, xd = (slice(dx, w), slice(0, w - dx)) if dx >= 0 else (slice(0, w + dx), slice(-dx, w))
    out[yd, xd] = a[ys, xs]
    return out


def _turned_maps(img: np.ndarray, angle_deg: float, ppm: float, size_tolerance_mm: float,
                 paper: np.ndarray, paper_tol: float
                 ) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, ...]]:
    """``(score, m, side maps)`` for a print turned by ``angle_deg``.

    ``score`` is, for every centre in the turned frame, the mean of the four sides' mean steps
    of a 35×45 mm rectangle (:func:`_side_responses`; each side taken where its step is
    strongest within ``size_tolerance_mm`` / 2 of the nominal size) when the weakest side has
    at least 40 % of that, else half the weakest; ``m`` the image → turned-frame affine.
    """
    step = max(1, int(round(0.35 * ppm)))
    m, maps = _side_responses(img, angle_deg, ppm, step, paper, paper_tol)
    slack = max(1, int(round(0.5 * size_tolerance_mm * ppm)))
    vk = np.ones((2 * slack + 1, 1), np.uint8)
    a = int(round(PRINT_W_MM / 2 * ppm))
    b = int(round(PRINT_H_MM / 2 * ppm))
    sides = (_shift(cv2.dilate(maps[0], vk), -b, 0), _shift(cv2.dilate(maps[1], vk), b, 0),
             _shift(cv2.dilate(maps[2], vk.T), 0, -a), _shift(cv2.dilate(maps[3], vk.T), 0, a))
    # ranked by the four sides' mean (a side partly as light as the paper — a white shirt at
    # the bottom edge — still places the rest), but every side must step
    weakest = np.minimum(np.minimum(sides[0], sides[1]), np.minimum(sides[2], sides[3]))
    mean = (sides[0] + sides[1] + sides[2] + sides[3]) / 4.0
    score = np.where(weakest >= 0.4 * mean, mean, 0.5 * weakest)
    return score, m, maps


def _peaks(score: np.ndarray, floor: float, radius_px: int) -> list[tuple[float, int, int]]:
    """Local maxima of ``score`` above ``floor`` at least ``radius_px`` apart (strongest first)."""
    k = 2 * radius_px + 1
    local = cv2.dilate(score, np.ones((k, k), np.uint8))
    ys, xs = np.nonzero((score >= local) & (score > floor))
    order = np.argsort(-score[ys, xs])
    out: list[tuple[float, int, int]] = []
    for j in order[:20]:
        y, x = int(ys[j]), int(xs[j])
        if all((y - q[1]) ** 2 + (x - q[2]) ** 2 > radius_px ** 2 for q in out):
            out.append((float(score[y, x]), y, x))
    return out


def _sides(maps: tuple[np.ndarray, ...], y: int, x: int, ppm: float,
           slack: int) -> tuple[float, float, float, float]:
    """Top, bottom, left, right (turned-frame px) of the rectangle centred at ``(x, y)``: each
    side where its step is strongest within ``slack`` of the nominal size."""
    a = int(round(PRINT_W_MM / 2 * ppm))
    b = int(round(PRINT_H_MM / 2 * ppm))
    h, w = maps[0].shape

    def col(k: int, r0: int, r1: int) -> float:
        lo = max(0, r0)
        prof = maps[k][lo:min(h, r1), min(max(x, 0), w - 1)]
        return float(lo + int(np.argmax(prof))) if prof.size else float(lo)

    def row(k: int, c0: int, c1: int) -> float:
        lo = max(0, c0)
        prof = maps[k][min(max(y, 0), h - 1), lo:min(w, c1)]
        return float(lo + int(np.argmax(prof))) if prof.size else float(lo)

    return (col(0, y - b - slack, y - b + slack + 1), col(1, y + b - slack, y + b + slack + 1),
            row(2, x - a - slack, x - a + slack + 1), row(3, x + a - slack, x + a + slack + 1))


def _best_near(closed: np.ndarray, ppm: float, centre: np.ndarray, angles: np.ndarray,
               size_tolerance_mm: float, within_px: int, paper: np.ndarray, paper_tol: float
               ) -> tuple[float, float, np.ndarray, np.ndarray, tuple[np.ndarray, ...]]:
    """The strongest rectangle centred within ``within_px`` of ``centre`` over ``angles``:
    ``(score, angle, centre in the turned frame (x, y), m, side maps)``."""
    best: tuple[float, float, np.ndarray, np.ndarray, tuple[np.ndarray, ...]] | None = None
    for angle in angles:
        score, m, maps = _turned_maps(closed, float(angle), ppm, size_tolerance_mm, paper,
                                      paper_tol)
        c = m[:, :2] @ centre + m[:, 2]
        y0, x0 = int(round(c[1])), int(round(c[0]))
        ya, xa = max(0, y0 - within_px), max(0, x0 - within_px)
        win = score[ya:y0 + within_px + 1, xa:x0 + within_px + 1]
        if not win.size:
            continue
        dy, dx = np.unravel_index(int(np.argmax(win)), win.shape)
        if best is None or float(win[dy, dx]) > best[0]:
            best = (float(win[dy, dx]), float(angle), np.array([xa + dx, ya + dy]), m, maps)
    assert best is not None
    return best


def _coarse_peaks(closed: np.ndarray, ppm: float, size_tolerance_mm: float,
                  max_rotation_deg: float, floor: float, paper: np.ndarray, paper_tol: float
                  ) -> list[tuple[float, float, np.ndarray]]:
    """``(score, angle, centre)`` of rectangle candidates on a ~3 px/mm copy, turns 1.5° apart,
    at least 15 mm apart (strongest first)."""
    radius = int(round(15.0 * ppm))
    pooled: list[tuple[float, float, np.ndarray]] = []
    for angle in np.arange(-max_rotation_deg, max_rotation_deg + 1e-6, 1.5):
        score, m, _ = _turned_maps(closed, float(angle), ppm, size_tolerance_mm, paper,
                                   paper_tol)
        inv = cv2.invertAffineTransform(m)
        for s, y, x in _peaks(score, floor, radius):
            pooled.append((s, float(angle), inv[:, :2] @ (x, y) + inv[:, 2]))
    pooled.sort(key=lambda p: -p[0])
    kept: list[tuple[float, float, np.ndarray]] = []
    for p in pooled:
        if all(np.hypot(*(p[2] - q[2])) > radius for q in kept):
            kept.append(p)
    return kept


def _fine(closed: np.ndarray, ppm: float, centre: np.ndarray, a0: float,
          size_tolerance_mm: float, paper: np.ndarray, paper_tol: float
          ) -> tuple[float, float, np.ndarray]:
    """Refine a coarse candidate on a ≤ 6 px/mm crop around it, turns 0.25° apart within 1°:
    ``(score, angle, quad in closed's px)``."""
    h, w = closed.shape[:2]
    half = 32.0 * ppm
    x0, y0 = int(max(0, centre[0] - half)), int(max(0, centre[1] - half))
    x1, y1 = int(min(w, centre[0] + half)), int(min(h, centre[1] + half))
    crop = closed[y0:y1, x0:x1]
    g = min(1.0, 6.0 / ppm)
    if g < 0.95:
        size = (max(1, round(crop.shape[1] * g)), max(1, round(crop.shape[0] * g)))
        crop = cv2.resize(crop, size, interpolation=cv2.INTER_AREA)
    else:
        g = 1.0
    ppm2 = ppm * g
    c = (centre - (x0, y0)) * g
    angles = np.arange(a0 - 1.0, a0 + 1.0 + 1e-6, 0.25)
    s, angle, xy, m, maps = _best_near(crop, ppm2, c, angles, size_tolerance_mm,
                                       int(round(2.0 * ppm2)), paper, paper_tol)
    # each side where its own step is strongest, within 1.5 mm of the rectangle's (the centre
    # is only as exact as the score's plateau)
    slack = max(1, int(round(1.5 * ppm2)))
    top, bottom, left, right = _sides(maps, int(xy[1]), int(xy[0]), ppm2, slack)
    corners = np.array([[left, top], [right, top], [right, bottom], [left, bottom]], float)
    inv = cv2.invertAffineTransform(m)
    quad = corners @ inv[:, :2].T + inv[:, 2]
    return s, angle, (quad + 0.5) / g - 0.5 + (x0, y0)


def find_on_form(small: np.ndarray, px_per_mm: float, *, size_tolerance_mm: float = 1.0,
                 max_rotation_deg: float = 6.0, min_step: float = 6.0,
                 min_content: float = 0.2) -> FormSearch:
    """Find print-sized rectangles and printed photo boxes on a form scan.

    The strokes are erased first (:func:`_ink_free`); then, for turns of up to
    ``max_rotation_deg`` (1.5° apart, on a ~3 px/mm copy), every centre is scored by the weakest
    of the four sides' mean colour steps of a 35×45 mm rectangle (:func:`_turned_maps`): a
    print's four edges all step from paper to photo along their whole length, whatever its
    background (a white one still differs from the paper). The strongest candidates are
    refined on a ≤ 6 px/mm crop (turns 0.25° apart). A rectangle is a print when every side
    steps by ``min_step`` and its inside is photographic (at least ``min_content`` of it differs
    from the paper); another one at least 40 % as strong as the first is a second print.

    Parameters
    ----------
    small : numpy.ndarray
        uint8 BGR scan (the small detection copy).
    px_per_mm : float
        Its px per mm (from the scan's recorded resolution).
    size_tolerance_mm : float
        A print is 35×45 mm within this (J-LIS: ±1 mm).
    max_rotation_deg : float
        How crooked a print may be glued.
    min_step : float
        Least mean colour step across each of a print's four sides.
    min_content : float
        Least fraction of a print's inside that differs from the paper.

    Returns
    -------
    FormSearch
        ``prints`` and ``boxes`` in ``small``'s px.
    """
    found = FormSearch()
    h, w = small.shape[:2]
    if h < 16 or w < 16 or px_per_mm <= 0:
        return found
    closed, ink = _ink_free(small, px_per_mm)
    paper = found.paper = paper_colour(closed)
    closed_f = closed.astype(np.float32)
    # ~3 px per mm finds a print within ~1 mm and 1°, cheaply
    f = min(1.0, 3.0 / px_per_mm)
    coarse = closed_f if f >= 0.95 else cv2.resize(
        closed_f, (max(1, round(w * f)), max(1, round(h * f))), interpolation=cv2.INTER_AREA)
    back = w / coarse.shape[1]
    ppm_c = px_per_mm / back
    dist = channel_norm(closed_f - paper)
    spread = float(np.median(dist))
    content = dist > max(12.0, 3.0 * spread)
    paper_tol = max(8.0, 2.5 * spread)
    peaks = _coarse_peaks(coarse, ppm_c, size_tolerance_mm, max_rotation_deg, 0.5 * min_step,
                          paper, paper_tol)
    cands: list[tuple[float, Candidate]] = []
    # only candidates that could pass as a print (a second one is 40 % as strong at least)
    strong = [p for p in peaks[:4] if p[0] >= 0.4 * peaks[0][0]]
    for _, a0, centre in strong:
        s, angle, quad = _fine(closed_f, px_per_mm, (centre + 0.5) * back - 0.5, a0,
                               size_tolerance_mm, paper, paper_tol)
        side = np.hypot(*(np.roll(quad, -1, axis=0) - quad).T) / px_per_mm
        cand = Candidate(quad, float((side[0] + side[2]) / 2), float((side[1] + side[3]) / 2),
                         _inside_fraction(content, quad), angle)
        cands.append((s, cand))
    top_score = max((s for s, _ in cands), default=0.0)
    for s, cand in sorted(cands, key=lambda sc: -sc[0]):
        # the sides on the small copy are within ~1 mm (a white print's shadow, the box line
        # close by); the print's size is judged once they are measured on the full scan
        is_print = (s >= min_step and s >= 0.4 * top_score and cand.fill >= min_content
                    and _ring_fraction(content, cand.quad, px_per_mm) <= 0.5
                    and abs(cand.width_mm - PRINT_W_MM) <= size_tolerance_mm + 1.0
                    and abs(cand.height_mm - PRINT_H_MM) <= size_tolerance_mm + 1.0
                    and not any(_overlap(cand.quad, p.quad) > 0.15 for p in found.prints))
        (found.prints if is_print else found.others).append(cand)
    found.boxes = [replace(b, fill=_inside_fraction(content, b.quad))
                   for b in _boxes(ink, px_per_mm, 1.0)]
    # a form is paper around its prints: outside them, little differs from the paper (a
    # 35×45 region inside a larger photo — a scan that IS the print — is not a print on a form)
    outside = np.ones(content.shape, np.uint8)
    for p in found.prints:
        cv2.fillConvexPoly(outside, np.round(p.quad).astype(np.int32), 0)
    n_out = int(outside.sum())
    found.outside_content = float((content & (outside > 0)).sum()) / n_out if n_out else 1.0
    # strokes on the paper, not the prints' own thin dark details (hair)
    found.ink = float(((ink > 40) & (outside > 0)).sum()) / n_out if n_out else 0.0
    return found


def _overlap(a: np.ndarray, b: np.ndarray) -> float:
    """Area of the intersection of two convex quads over the smaller one's."""
    area, _ = cv2.intersectConvexConvex(a.astype(np.float32), b.astype(np.float32))
    smaller = min(cv2.contourArea(a.astype(np.float32)), cv2.contourArea(b.astype(np.float32)))
    return float(area) / smaller if smaller > 0 else 0.0


def _ring_fraction(content: np.ndarray, quad: np.ndarray, ppm: float) -> float:
    """Fraction of ``content`` in the band 1–3 mm outside ``quad``: a print glued on a form
    has paper around it (the box line is erased), a 35×45 region inside a larger photo has
    not."""
    centre = quad.mean(axis=0)
    half = float(np.hypot(*(quad - centre).T).mean())

    def grown(mm: float) -> np.ndarray:
        return np.round(centre + (quad - centre) * (1.0 + mm * ppm / max(half, 1.0))
                        ).astype(np.int32)

    band = np.zeros(content.shape, np.uint8)
    cv2.fillConvexPoly(band, grown(3.0), 1)
    cv2.fillConvexPoly(band, grown(1.0), 0)
    n = int(band.sum())
    return float((content & (band > 0)).sum()) / n if n else 1.0


def _inside_fraction(content: np.ndarray, quad: np.ndarray) -> float:
    """Fraction of ``content`` inside ``quad`` shrunk by 15 % (away from edges and shadows)."""
    centre = quad.mean(axis=0)
    inner = centre + (quad - centre) * 0.85
    mask = np.zeros(content.shape, np.uint8)
    cv2.fillConvexPoly(mask, np.round(inner).astype(np.int32), 1)
    n = int(mask.sum())
    return float((content & (mask > 0)).sum()) / n if n else 0.0


def _boxes(ink: np.ndarray, ppm: float, back: float) -> list[Candidate]:
    """Printed photo boxes: closed thin-line rectangles of the box's size, from the strokes'
    darkness ``ink`` (img px; returned in small px through ``back``)."""
    line = (ink > max(20.0, 3.0 * float(np.median(ink)) + 10.0)).astype(np.uint8)
    contours, _ = cv2.findContours(line, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    out: list[Candidate] = []
    for c in contours:
        area = cv2.contourArea(c)
        if area < 0.5 * BOX_W_MM[0] * BOX_H_MM[0] * ppm ** 2:
            continue
        (cx, cy), (rw, rh), angle = cv2.minAreaRect(c.reshape(-1, 2).astype(np.float32))
        short, long_ = sorted((rw / ppm, rh / ppm))
        fill = area / max(1e-9, rw * rh)
        if not (BOX_W_MM[0] <= short <= BOX_W_MM[1] and BOX_H_MM[0] <= long_ <= BOX_H_MM[1]
                and fill >= 0.9):
            continue
        quad = cv2.boxPoints(((cx, cy), (rw, rh), angle)).astype(float)
        # RETR_LIST gives a closed line's outer and inner contour: keep one per box
        if any(np.hypot(cx - o.quad.mean(axis=0)[0] / back, cy - o.quad.mean(axis=0)[1] / back)
               < 2 * ppm for o in out):
            continue
        out.append(Candidate((quad + 0.5) * back - 0.5, short, long_, float(fill)))
    return out


def is_printed_box(small: np.ndarray, quad: np.ndarray, px_per_mm: float,
                   min_ink: float = 80.0) -> bool:
    """Whether the rectangle ``quad`` (small px) is drawn by a thin dark line — a form's photo
    box, even where a glued print hides part of it — rather than a print's edge (a step; a
    print's shadow is a line on two sides only, and faint).

    Along the middle 80 % of each side, the darkest stroke within ±0.6 mm (a closing's lift,
    max over the channels) must exceed ``min_ink`` on at least 40 % of the positions, on three
    sides or more.
    """
    _, ink = _ink_free(small, px_per_mm)
    ends = np.roll(quad, -1, axis=0)
    across = np.arange(-0.6, 0.6 + 1e-6, 0.2) * px_per_mm
    along = np.linspace(0.1, 0.9, 40)
    lined = 0
    for a, b in zip(quad, ends, strict=True):
        d = b - a
        n = np.array([-d[1], d[0]]) / max(1e-9, float(np.hypot(*d)))
        pts = a + along[:, None, None] * d + across[None, :, None] * n
        xs = np.clip(np.round(pts[..., 0]).astype(int), 0, ink.shape[1] - 1)
        ys = np.clip(np.round(pts[..., 1]).astype(int), 0, ink.shape[0] - 1)
        lined += int(np.mean(ink[ys, xs].max(axis=1) > min_ink) >= 0.4)
    return lined >= 3


@dataclass(frozen=True)
class FormResult:
    """What a form scan holds: ``kind`` is ``print`` (``rect`` measured on the full scan),
    ``multiple`` (``count`` prints), or ``empty`` (a photo box with no print in it)."""

    kind: str
    rect: PrintRect | None = None
    count: int = 0


def locate_on_form(full: np.ndarray, small: np.ndarray, small_scale: float, dpi: float, *,
                   size_tolerance_mm: float, box_quad: np.ndarray | None = None
                   ) -> FormResult | None:
    """Judge the scan as an application form (see the module docstring).

    Parameters
    ----------
    full, small : numpy.ndarray
        The scan at full resolution and its small detection copy.
    small_scale : float
        Small px per full px.
    dpi : float
        The scan's recorded resolution.
    size_tolerance_mm : float
        A print is 35×45 mm within this.
    box_quad : numpy.ndarray, optional
        A rectangle of a photo box's size the loose-print finder measured (full px): the scan
        is judged as a form only when it is a printed box (:func:`is_printed_box`) or a box is
        found elsewhere — a loose print of that size stays a print.

    Returns
    -------
    FormResult or None
        None when no print-sized photo and no photo box are found (not a form: the caller
        keeps what the loose-print finder found).
    """
    ppm_full = dpi / 25.4
    search = find_on_form(small, ppm_full * small_scale, size_tolerance_mm=size_tolerance_mm)
    if box_quad is not None:
        if not (search.boxes or is_printed_box(small, (box_quad + 0.5) * small_scale - 0.5,
                                               ppm_full * small_scale)):
            return None
    elif not search.boxes and (search.outside_content > MAX_OUTSIDE_CONTENT
                               or search.ink < MIN_FORM_INK):
        return None  # not a form: no photo box, and no paper with strokes around the prints
    if len(search.prints) > 1:
        return FormResult("multiple", count=len(search.prints))
    if search.prints:
        quad = (search.prints[0].quad + 0.5) / small_scale - 0.5
        quad, measured = measure_on_form(full, rect_from_quad(quad).quad, ppm_full,
                                         search.paper)
        return FormResult("print", rect_from_sides(quad, measured))
    if search.empty_box:
        return FormResult("empty")
    return None
