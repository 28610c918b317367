"""Finding the print on the scanner bed, on a reduced copy of the scan."""

from __future__ import annotations

import cv2
import numpy as np

from photocheck.measures.colour import channel_norm
from photocheck.trimming.edges import refine_edges
from photocheck.trimming.rect import PrintRect, intersect_lines, rect_from_quad

# The print is found on a copy of the scan reduced by a power of two to a long side of at least
# this (an A6 bed: the print is then ≥ ~100 px), and its sides measured on the full scan.
DETECT_LONG_SIDE_PX = 400
# ... and, when a side shows no clear step there, found again (with the edge tests and the side
# rebuilding of find_print) on a copy of at least this long side (640–1279 px: the scale those
# tests were tuned at)
FALLBACK_LONG_SIDE_PX = 640


def detection_factor(long_side_px: int, target_px: int = 0) -> int:
    """Largest power of two that keeps ``long_side_px / factor`` at least ``target_px``."""
    target = target_px or DETECT_LONG_SIDE_PX
    factor = 1
    while long_side_px // (2 * factor) >= target:
        factor *= 2
    return factor


def _border_pixels(img: np.ndarray, width_px: int) -> np.ndarray:
    w = max(1, width_px)
    return np.concatenate([img[:w].reshape(-1, 3), img[-w:].reshape(-1, 3),
                           img[:, :w].reshape(-1, 3), img[:, -w:].reshape(-1, 3)])


def _fit_side(points: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """A robust line (point, unit direction) through contour points of one side."""
    if len(points) < 5:
        return None
    vx, vy, x0, y0 = cv2.fitLine(points.astype(np.float32), cv2.DIST_HUBER, 0, 0.01, 0.01)[:, 0]
    return np.array([x0, y0], float), np.array([vx, vy], float)


def find_print(small: np.ndarray, *, min_area_ratio: float = 0.03,
               refine: bool = True) -> PrintRect | None:
    """Find the print on a (reduced) scan.

    Parameters
    ----------
    small : numpy.ndarray
        uint8 BGR scan (reduced copy; coordinates come back in its pixels).
    min_area_ratio : float
        Smallest print area, as a fraction of the scan, taken as a print.
    refine : bool
        Move the sides onto the colour step on ``small`` and refuse a blob without one on
        every side. Off: the blob's fitted sides, as a first guess for
        :func:`refine_sides_full` (which runs this again when a side shows no step).

    Returns
    -------
    PrintRect or None
        None when nothing print-like is found (blank scans, noise).
    """
    h, w = small.shape[:2]
    if h < 16 or w < 16:
        return None
    ring = max(2, int(round(0.01 * max(h, w))))
    border = _border_pixels(small, ring).astype(np.float32)
    bed = np.median(border, axis=0)
    dist_border = channel_norm(border - bed)
    uniform = float(np.mean(dist_border < 18.0))
    blurred = cv2.GaussianBlur(small, (0, 0), 1.2).astype(np.float32)
    if uniform < 0.7:
        # no bed around it: the scan is the print (or a document without a margin)
        return _whole_scan(small, blurred)
    mask, noise = _blob_mask(blurred, bed, ring, dist_border)
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return _whole_scan(small, blurred)
    contour = max(contours, key=cv2.contourArea)
    area = cv2.contourArea(contour)
    if area < min_area_ratio * h * w:
        return _whole_scan(small, blurred)
    hull = cv2.convexHull(contour)
    (cx, cy), (rw, rh), angle = cv2.minAreaRect(hull)
    if rw * rh <= 0:
        return None
    bx, by, bw, bh = cv2.boundingRect(contour)
    touching = (bx <= 1) + (by <= 1) + (bx + bw >= w - 1) + (by + bh >= h - 1)
    # the hull, not the blob: dark hair at a print's edge on a dark bed notches the blob
    rectangular = cv2.contourArea(hull) >= 0.9 * rw * rh
    if touching >= 2 or (touching and not rectangular):
        # the "bed" was the print's own plain background (a scan cropped to the print) or a
        # document page
        return _whole_scan(small, blurred)
    # a blob that is not a rectangle may still be a print whose background fades into the bed
    # along one side: its min-area box goes on to the edge refinement, which accepts it only
    # when three sides show a straight edge along most of their length and the fourth is
    # closed by sharp corners; anything else is refused (better no photo than a crop that
    # takes in the bed)
    box = cv2.boxPoints(((cx, cy), (rw, rh), angle))
    corners = _box_corners(contour, box)
    if corners is None:
        return None
    if not refine:
        return rect_from_quad(np.array(corners, float))
    quad, support = refine_edges(small, np.array(corners, float), step_min=max(2.5, noise))
    if support < 0.5:
        # a side without a colour step along most of its length is not a print's edge (a print
        # whose background matches the bed): no crop rather than a skewed one
        return None
    return rect_from_quad(quad)


def _blob_mask(blurred: np.ndarray, bed: np.ndarray, ring: int, dist_border: np.ndarray
               ) -> tuple[np.ndarray, float]:
    """The pixels that differ from the bed colour (uint8 0/255, closed and opened), and the
    bed's noise (90th percentile of its distance from the bed colour on the border)."""
    h, w = blurred.shape[:2]
    # a low threshold on the smoothed copy finds light prints on a light bed; the blur widens
    # the blob, which the edge refinement below takes back
    dist = _colour_distance(blurred, bed)
    dist_b = channel_norm(_border_pixels(blurred, ring) - bed)
    noise = float(np.percentile(dist_b[dist_border < 18.0], 90))
    thresh = max(6.0, 3.0 * noise)
    mask = (dist > thresh).astype(np.uint8) * 255
    k = max(3, int(round(0.006 * max(h, w))) | 1)
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT,
                            (k, k)))
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT,
                            (3, 3)))
    return mask, noise


def _box_corners(contour: np.ndarray, box: np.ndarray) -> list[np.ndarray] | None:
    """The corners of the blob ``contour``: its points assigned to the nearest side of its
    min-area ``box`` (away from the corners), a line fitted to each and intersected; the box's
    own corners when a side cannot be fitted. None for a degenerate box."""
    pts = contour[:, 0, :].astype(float)
    # assign contour points to the nearest side of the min-area box, away from the corners
    sides: list[tuple[np.ndarray, np.ndarray] | None] = []
    for i in range(4):
        a, b = box[i], box[(i + 1) % 4]
        d = b - a
        length = float(np.hypot(*d))
        if length < 1e-6:
            return None
        u = d / length
        n = np.array([-u[1], u[0]])
        rel = pts - a
        along = rel @ u
        off = np.abs(rel @ n)
        sel = (along > 0.12 * length) & (along < 0.88 * length) & (off < max(3.0, 0.04 * length))
        sides.append(_fit_side(pts[sel]))
    corners = []
    if all(s is not None for s in sides):
        for i in range(4):
            p = intersect_lines(sides[i - 1], sides[i])  # type: ignore[arg-type]
            corners.append(p)
    if any(c is None for c in corners) or len(corners) != 4:
        corners = [b.astype(float) for b in box]
    return corners


def _colour_distance(img: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Per-pixel Euclidean BGR distance of a float32 image from one colour (OpenCV, fast)."""
    diff = cv2.subtract(img, np.append(ref, 0.0).astype(np.float64))
    return cv2.sqrt(cv2.transform(cv2.multiply(diff, diff), np.ones((1, 3), np.float32)))


def _whole_scan(small: np.ndarray, blurred: np.ndarray) -> PrintRect | None:
    """The whole scan as the print, unless it is blank."""
    if float(np.std(blurred)) < 4.0:
        return None
    h, w = small.shape[:2]
    return PrintRect(np.array([[0, 0], [w, 0], [w, h], [0, h]], float), 0.0, float(w),
                     float(h), whole_scan=True)
