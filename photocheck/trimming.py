"""Trim a scanned print to the 45×35 mm standard: find the print, deskew, crop, resample once.

J-LIS accepts a mailed photo of the wrong size when it can be trimmed to the standard
(45 mm high × 35 mm wide; crown to chin 34 mm, crown 4 mm below the top edge, nose line centred).
This module does exactly that and nothing else: a rotation, a crop and one resampling of the
scan's own pixels. It never retouches (no background replacement, no filters).

Pipeline (all on one decoded scan):

1. read the scan (JPEG, PNG, TIFF…); its resolution comes from the file (JFIF density, pHYs,
   TIFF) or ``dpi=``. Without one the physical size is unknown: ``trim.print_size`` is
   ``not_assessed`` and trimming still works, because the standard crop is defined by the face
   (34 mm crown to chin fixes the scale);
   The scan is decoded ONCE at full resolution (the output needs those pixels); the small copy
   the print is found on is derived from it (:func:`decode_once`), not decoded again — unless a
   second core is free (``overlap_decode``): then a second thread decodes the JPEG at ¼ (600
   dpi; ½ at 300, ⅛ at 1200) by DCT scaling while the full decode runs, finds the print on
   that and hands it over at once (:func:`early_print`), then runs the face mesh on that print
   as found (:func:`early_look`, step 3 below); the main thread, its decode done, measures the
   sides at full resolution meanwhile, then reads the crown and cuts (each thread resamples and
   encodes half the output; :func:`warp_encode_split`);
2. find the print on the bed: a small copy (long side ≥ 400 px: ⅛ of a 600-dpi A6 scan), the
   difference from the bed colour (estimated on the scan's border), the largest blob and its
   four fitted sides; then each side measured on the full-resolution scan in a narrow strip
   along it (:func:`refine_sides_full`: sub-pixel, the side's own direction from 16 stretches,
   the print's edge rather than its shadow's). When a side shows no clear step (a print whose
   background fades into a bed of the same colour), the print is found again on a finer copy
   with the edge tests of :func:`find_print`, which close that side from where its two
   neighbours' edges (or the lamp's shadow line along them) end sharply. A scan without a
   uniform border is taken to BE the print;
3. deskew: the print is warped upright at a moderate resolution from the full-resolution
   pixels around it, and the face geometry found on that in-memory image: first by the short
   path (:func:`lean_geometry`: BlazeFace, one FaceMesh pass, the crown by colour), and when
   that is unsure by the full face pipeline (``photocheck.face`` / ``photocheck.person``,
   quarter turns, the MODNet crown);
4. measure the print (``trim.print_size``) and solve the standard crop in print pixels; when it
   needs pixels outside the print, or the face is too small for the output resolution,
   ``trim.not_trimmable`` with the reason and no output;
5. compose print-frame rotation + crop + scale into ONE affine from output px to scan px and
   resample only the output rectangle from the full-resolution scan, once (bilinear near 1:1,
   bicubic when enlarging by more than 1.25; an anti-alias pre-blur of the source region only
   when it is minified), encode a JPEG with its dpi in the JFIF header;
6. run the content checks of the ``mail`` profile on the output and merge the reports.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import struct
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from photocheck import decode
from photocheck.checks.base import finding, not_assessed
from photocheck.context import NotAssessable, PhotoContext, intermediate
from photocheck.geometry import CropSolution, Tolerances, standard_crop
from photocheck.measures.colour import channel_norm
from photocheck.measures.crown import plain_background_crown
from photocheck.report import Finding, Report, Status

MM_PER_INCH = 25.4

# The 45×35 standard (J-LIS 顔写真のチェックポイント; same figures as the MOFA passport guide).
PRINT_HEIGHT_MM = 45.0
PRINT_WIDTH_MM = 35.0
CROWN_TO_CHIN_MM = 34.0
CROWN_TOP_MM = 4.0

# The print is found on a copy of the scan reduced by a power of two to a long side of at least
# this (an A6 bed: the print is then ≥ ~100 px), and its sides measured on the full scan.
DETECT_LONG_SIDE_PX = 400
# ... and, when a side shows no clear step there, found again (with the edge tests and the side
# rebuilding of find_print) on a copy of at least this long side (640–1279 px: the scale those
# tests were tuned at)
FALLBACK_LONG_SIDE_PX = 640
# The short face path (:func:`lean_geometry`) sees the upright print at about this long side
# (a face of 28–38 mm is then ~300 px high: FaceMesh reads a 192-px crop of it); the full face
# pipeline, when the short path is unsure, at the larger one.
LEAN_LONG_SIDE_PX = 512
FACE_LONG_SIDE_PX = 640
# The short path runs FaceMesh once, on the crop a second pass would take (MediaPipe tracks
# with the landmarks' own box ×1.5, eyes level; photocheck.face does that second pass): that
# crop is 1.08× the detector's 1.5× box and centred 0.063 box sizes higher. Fitted on 27
# compliant portraits of ../shared (a_compliant_plain_bg) and checked on 28 others: the one
# pass then differs from the two-pass mesh by 0.1 ± 0.5 % of forehead–chin at the chin (was
# −0.75 ± 0.5 % from the detector's box) and −0.1 ± 0.3 % at the nose line.
LEAN_ROI_SCALE = 1.08
LEAN_ROI_SHIFT_UP = 0.063
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


def pipeline_geometry(ctx: PhotoContext, *, fast_crown: bool = True) -> FaceGeometry:
    """Face geometry from photocheck's own face and person intermediates.

    The crown is the top of the hair, the chin FaceMesh point 152, the nose line the face
    centre between the face-oval sides (``person.head_frame``) — the definitions the
    ``geometry`` check measures a finished photo with. With ``fast_crown`` the crown is first
    sought by colour on the plain background (:func:`plain_background_crown`, ~1 ms), and the
    MODNet matte (``person.crown_info``) is used only when the background is not plain or the
    head does not stand out.

    Raises
    ------
    NotAssessable
        ``face.not_found`` when no face is found.
    """
    from photocheck import person

    frame = person.head_frame(ctx)
    chin = np.asarray(person.chin(ctx), float)
    if fast_crown:
        # memoised: the head matte's crop choice reads the same colour crown
        coloured = person.colour_crown(ctx)
        if coloured is not None:
            return FaceGeometry(crown=np.asarray(coloured.point, float), chin=chin,
                                nose=np.asarray(frame.centre_xy, float),
                                crown_at_edge=coloured.at_edge)
    info = person.crown_info(ctx)
    return FaceGeometry(crown=np.asarray(info.point, float), chin=chin,
                        nose=np.asarray(frame.centre_xy, float),
                        crown_at_edge=bool(info.at_edge))


@dataclass(frozen=True)
class PrintRect:
    """The print found in a scan, as an (almost) rectangle in full-resolution scan px.

    Attributes
    ----------
    quad : numpy.ndarray
        ``(4, 2)`` corners: top-left, top-right, bottom-right, bottom-left (of the upright print).
    rotation_deg : float
        The print's rotation on the bed, counter-clockwise on screen positive; deskewing undoes it.
    width_px, height_px : float
        Side lengths in scan px.
    whole_scan : bool
        No bed was found around it: the scan is taken to be the print.
    """

    quad: np.ndarray
    rotation_deg: float
    width_px: float
    height_px: float
    whole_scan: bool = False

    def print_to_scan(self) -> np.ndarray:
        """``(2, 3)`` affine from upright print px (origin top-left, scan px units) to scan px."""
        t = np.deg2rad(self.rotation_deg)
        c, s = np.cos(t), np.sin(t)
        centre = self.quad.mean(axis=0)
        lin = np.array([[c, s], [-s, c]])
        origin = centre - lin @ np.array([self.width_px / 2, self.height_px / 2])
        return np.column_stack([lin, origin])


@dataclass
class TrimOutcome:
    """What trimming found in one scan (the trim check reads its findings from here)."""

    findings: list[Finding] = field(default_factory=list)
    rect: PrintRect | None = None
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


@dataclass
class TrimResult:
    """The result of :func:`trim`.

    Attributes
    ----------
    report : Report
        The DESIGN §3 report: the ``trim.*`` findings followed by the content findings of the
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


# --- finding the print -------------------------------------------------------------------------


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


def _intersect(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]
               ) -> np.ndarray | None:
    (p, d), (q, e) = a, b
    m = np.array([d, -e]).T
    if abs(np.linalg.det(m)) < 1e-9:
        return None
    t = np.linalg.solve(m, q - p)
    return p + t[0] * d


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
            p = _intersect(sides[i - 1], sides[i])  # type: ignore[arg-type]
            corners.append(p)
    if any(c is None for c in corners) or len(corners) != 4:
        corners = [b.astype(float) for b in box]
    if not refine:
        return _rect_from_quad(np.array(corners, float))
    quad, support = _refine_edges(small, np.array(corners, float), step_min=max(2.5, noise))
    if support < 0.5:
        # a side without a colour step along most of its length is not a print's edge (a print
        # whose background matches the bed): no crop rather than a skewed one
        return None
    return _rect_from_quad(quad)


def _refine_edges(small: np.ndarray, quad: np.ndarray, reach_px: float = 4.0,
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

    lines: list[tuple[np.ndarray, np.ndarray]] = []
    supports: list[float] = []
    normals: list[np.ndarray] = []
    for i in range(4):
        line, n, support = measure(quad[i], quad[(i + 1) % 4], True)
        lines.append(line)
        normals.append(n)
        supports.append(support)
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
    weak = [i for i in range(4) if supports[i] < 0.5]
    if len(weak) == 1:
        rebuilt = _rebuild_side(img, lines, normals, weak[0], step_min)
        if rebuilt is not None:
            lines[weak[0]] = rebuilt
            supports[weak[0]] = 1.0
    out = []
    for i in range(4):
        p = _intersect(lines[i - 1], lines[i])
        if p is None:
            return quad + origin, min(supports)
        out.append(p)
    return np.array(out, float) + origin, min(supports)


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
        corner = _intersect(lines[j], lines[weak])
        base = _intersect(lines[j], opposite)
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
    centre = quad.mean(axis=0)
    offsets = np.arange(-reach_px, reach_px + 1e-6, 0.5)
    n_off = offsets.size
    ends = np.roll(quad, -1, axis=0)
    d = ends - quad
    length = np.hypot(d[:, 0], d[:, 1])
    if length.min() < 4 * groups:
        return quad, none
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
    grad = channel_norm(np.diff(seg, axis=1))  # (4 · groups, offsets - 1)
    # the innermost gradient peak of at least half the strongest: the print's own edge, not
    # the outer ramp of the shadow it casts on the bed (which can be the steeper one when the
    # print's border is about as dark as the shadow)
    padded = np.pad(grad, ((0, 0), (1, 1)), constant_values=-1.0)
    peak = ((grad >= 0.5 * grad.max(axis=1, keepdims=True)) & (grad >= padded[:, :-2])
            & (grad >= padded[:, 2:]))
    k = np.argmax(peak, axis=1)
    rows = np.arange(4 * groups)
    left = grad[rows, np.maximum(k - 1, 0)]
    right = grad[rows, np.minimum(k + 1, n_off - 2)]
    den = left - 2 * grad[rows, k] + right
    inside = (k > 0) & (k < n_off - 2) & (den < 0)
    shift = np.where(inside, 0.5 * (left - right) / np.where(den < 0, den, -1.0), 0.0)
    ts = (offsets[0] + 0.5 * (k + 0.5 + np.clip(shift, -1.0, 1.0))).reshape(4, groups)
    # the step across the edge, 1–2 px to either side of it
    steps = channel_norm(seg[rows, np.clip(k - 2, 0, n_off - 1)]
                         - seg[rows, np.clip(k + 4, 0, n_off - 1)]).reshape(4, groups)
    xs = along.reshape(4, groups, per_group).mean(axis=2)
    ii, jj = np.triu_indices(groups, 1)
    lines: list[tuple[np.ndarray, np.ndarray]] = []
    measured = none.copy()
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
    lines = [lines[i] if measured[i] else (mid[i], u[i]) for i in range(4)]
    out = []
    for i in range(4):
        p = _intersect(lines[i - 1], lines[i])
        if p is None:
            return quad, none
        out.append(p)
    return np.array(out, float), measured


def _rect_from_sides(quad: np.ndarray, measured: np.ndarray) -> PrintRect:
    """:func:`_rect_from_quad` of a TL, TR, BR, BL quad, its rotation from the measured sides.

    A side kept from the small copy (no clear step at full resolution) is less straight than
    one measured on the full scan: it does not vote on the rotation unless none was measured.
    """
    rect = _rect_from_quad(quad)
    if measured.all() or not measured.any() or not np.allclose(rect.quad, quad):
        return rect
    v = np.roll(quad, -1, axis=0) - quad  # top, right, bottom, left (clockwise)
    angles = np.array([np.arctan2(-v[0, 1], v[0, 0]), np.arctan2(v[1, 0], v[1, 1]),
                       np.arctan2(v[2, 1], -v[2, 0]), np.arctan2(-v[3, 0], -v[3, 1])])[measured]
    rot = float(np.rad2deg(np.arctan2(np.mean(np.sin(angles)), np.mean(np.cos(angles)))))
    return PrintRect(rect.quad, rot, rect.width_px, rect.height_px)


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


def inset(rect: PrintRect, by_px: float) -> PrintRect:
    """The same rectangle shrunk by ``by_px`` on every side (keeps bed pixels out of crops)."""
    if rect.whole_scan or by_px <= 0:
        return rect
    centre = rect.quad.mean(axis=0)
    w, h = max(1.0, rect.width_px - 2 * by_px), max(1.0, rect.height_px - 2 * by_px)
    t = np.deg2rad(rect.rotation_deg)
    lin = np.array([[np.cos(t), np.sin(t)], [-np.sin(t), np.cos(t)]])
    local = np.array([[-w, -h], [w, -h], [w, h], [-w, h]]) / 2.0
    return PrintRect(local @ lin.T + centre, rect.rotation_deg, w, h, False)


def _rect_from_quad(quad: np.ndarray) -> PrintRect:
    """Order a quad upright (portrait or landscape as found) and measure it as a rectangle."""
    centre = quad.mean(axis=0)
    # order by angle around the centre, starting at top-left (screen coordinates)
    ang = np.arctan2(quad[:, 1] - centre[1], quad[:, 0] - centre[0])
    q = quad[np.argsort(ang)]  # from -pi: top-left first for small rotations
    # make q[0] the corner with the smallest x+y (top-left), keep clockwise order
    start = int(np.argmin(q.sum(axis=1)))
    q = np.roll(q, -start, axis=0)
    tl, tr, br, bl = q
    top, bottom = tr - tl, br - bl
    left, right = bl - tl, br - tr
    # rotation from the four sides: horizontal sides' direction and vertical sides' normal
    angles = [np.arctan2(-top[1], top[0]), np.arctan2(-bottom[1], bottom[0]),
              np.arctan2(left[0], left[1]), np.arctan2(right[0], right[1])]
    rot = float(np.rad2deg(np.arctan2(np.mean(np.sin(angles)), np.mean(np.cos(angles)))))
    width = float((np.hypot(*top) + np.hypot(*bottom)) / 2)
    height = float((np.hypot(*left) + np.hypot(*right)) / 2)
    return PrintRect(q, rot, width, height)


# --- resampling ---------------------------------------------------------------------------------


def _source_region(shape: tuple[int, ...], dst_to_src: np.ndarray, size: tuple[int, int],
                   rows: int, pad: int = 8) -> tuple[int, int, int, int]:
    """``(x0, y0, x1, y1)``: the source px the top ``rows`` rows of a ``size`` output read
    through ``dst_to_src``, ``pad`` px wider, within ``shape``. Its origin is the whole
    output's, whichever rows are made (the same 2×2 grid for a halving, the same fixed-point
    rounding in a warp)."""
    out_w, out_h = size

    def corners(bottom: int) -> np.ndarray:
        box = np.array([[0, 0], [out_w, 0], [out_w, bottom], [0, bottom]], float)
        return box @ dst_to_src[:2, :2].T + dst_to_src[:2, 2]

    whole, part = corners(out_h), corners(rows)
    return (int(max(0, np.floor(whole[:, 0].min()) - pad)),
            int(max(0, np.floor(whole[:, 1].min()) - pad)),
            int(min(shape[1], np.ceil(part[:, 0].max()) + pad)),
            int(min(shape[0], np.ceil(part[:, 1].max()) + pad)))


def warp_region(src: np.ndarray, dst_to_src: np.ndarray, size: tuple[int, int], *,
                interpolation: int = cv2.INTER_CUBIC, rows: int | None = None) -> np.ndarray:
    """Resample ``src`` once through ``dst_to_src`` (output px → source px) into ``size``.

    Only the source region the output needs is touched; when the map minifies (source px per
    output px > 1.3) that region is low-pass filtered first so the result does not alias (a
    property of correct resampling, not a retouch). A 3-channel region is warped as BGRA:
    OpenCV's 4-channel warp is vectorised (~2.5× faster than 3 channels) and gives the very
    same values per channel. ``rows``: only the output's top ``rows`` rows, with the values
    they have in the whole output (the region keeps the whole output's origin: the warp's
    fixed-point rounding depends on it; a pre-blur reaches less than the region's 8-px margin
    below them while the minification stays under ~4).
    """
    out_w, out_h = size
    out_h = out_h if rows is None else int(np.clip(rows, 1, out_h))
    x0, y0, x1, y1 = _source_region(src.shape, dst_to_src, size, out_h)
    if x1 <= x0 or y1 <= y0:
        return np.zeros((out_h, out_w, 3), np.uint8)
    roi = src[y0:y1, x0:x1]
    m = dst_to_src.copy()
    m[:, 2] -= (x0, y0)
    minify = float(np.sqrt(abs(np.linalg.det(m[:, :2]))))
    if minify > 1.3:
        roi = cv2.GaussianBlur(roi, (0, 0), 0.5 * np.sqrt(minify**2 - 1.0))
    bgr = roi.ndim == 3 and roi.shape[2] == 3
    if bgr:
        roi = cv2.cvtColor(roi, cv2.COLOR_BGR2BGRA)
    out = cv2.warpAffine(roi, m, (out_w, out_h), flags=interpolation | cv2.WARP_INVERSE_MAP,
                         borderMode=cv2.BORDER_REPLICATE)
    return cv2.cvtColor(out, cv2.COLOR_BGRA2BGR) if bgr else out


_CHROMA_FACTOR = {"444": cv2.IMWRITE_JPEG_SAMPLING_FACTOR_444,
                  "422": cv2.IMWRITE_JPEG_SAMPLING_FACTOR_422,
                  "440": cv2.IMWRITE_JPEG_SAMPLING_FACTOR_440,
                  "420": cv2.IMWRITE_JPEG_SAMPLING_FACTOR_420}


def source_chroma(head: decode.ImageHeader) -> str:
    """The chroma subsampling of a colour JPEG scan (``"420"``, ``"422"``, ``"440"``), else
    ``"444"`` (PNG, TIFF, full-resolution chroma, greyscale, unusual factors)."""
    seg = head.jpeg
    if seg is None or seg.components != 3 or len(seg.sampling) != 3:
        return "444"
    (lh, lv), chroma = seg.sampling[0], seg.sampling[1:]
    if any(c != chroma[0] for c in chroma) or min(chroma[0]) < 1:
        return "444"
    ratio = (lh // chroma[0][0], lv // chroma[0][1])
    return {(2, 2): "420", (2, 1): "422", (1, 2): "440"}.get(ratio, "444")


def warp_encode_split(src: np.ndarray, dst_to_src: np.ndarray, size: tuple[int, int], *,
                      interpolation: int, pool: ThreadPoolExecutor, dpi: float, quality: int,
                      chroma: str) -> bytes:
    """:func:`warp_region` + :func:`encode_jpeg`, the output's top half on a second thread.

    Each thread resamples its half (reading only its own source region; the map is the same
    affine shifted by the half's first row, so the values are those of one warp, within one
    level where a coordinate's last bit rounds the other way) and encodes it with a restart
    marker after every MCU row; the two streams are then joined (:func:`join_jpeg_rows`) into
    the very bytes one encoder writes for the whole image with that restart interval, whose
    pixels decode exactly as those of a single encode without restart markers.
    """
    out_w, out_h = size
    mcu_w, mcu_h = _MCU_PX[chroma]
    half = (out_h // 2) // mcu_h * mcu_h
    restart = -(-out_w // mcu_w)  # MCUs in a row
    if half < mcu_h or restart > 65535:
        return encode_jpeg(warp_region(src, dst_to_src, size, interpolation=interpolation),
                           dpi, quality, chroma)
    bottom = dst_to_src.copy()
    bottom[:, 2] += dst_to_src[:, 1] * half

    def part(m: np.ndarray, rows: int) -> tuple[np.ndarray, bytes]:
        pixels = warp_region(src, m, (out_w, rows), interpolation=interpolation)
        return pixels, encode_jpeg(pixels, dpi, quality, chroma, restart_interval=restart)

    top = pool.submit(part, dst_to_src, half)
    lower = part(bottom, out_h - half)
    upper = top.result()
    joined = join_jpeg_rows(upper[1], lower[1], half // mcu_h)
    if joined is None:  # not the streams this expects: one encode of the two halves
        return encode_jpeg(np.concatenate([upper[0], lower[0]]), dpi, quality, chroma)
    return joined


# MCU width × height (px) of a colour JPEG per chroma subsampling
_MCU_PX = {"444": (8, 8), "422": (16, 8), "440": (8, 16), "420": (16, 16)}
_RESTART = re.compile(rb"\xff([\xd0-\xd7])")


def join_jpeg_rows(top: bytes, bottom: bytes, top_mcu_rows: int) -> bytes | None:
    """One JPEG of ``top`` above ``bottom``: two baseline encodes of the same width with the
    same tables and a restart marker after every MCU row, ``top`` ``top_mcu_rows`` MCU rows high.

    Restart markers make each MCU row's entropy-coded data independent (the DC prediction
    restarts), so the streams join at a row boundary: ``top``'s headers with the height of
    both, its data, the restart marker that ends its last row, then ``bottom``'s data with its
    restart markers renumbered to continue the count (RST0–RST7 cycle; in that data a 0xFF
    byte is followed by 0x00 unless it starts a marker, so each marker is found by its two
    bytes). None when the streams are not of that form.
    """
    try:
        segs = decode.parse_jpeg(top), decode.parse_jpeg(bottom)
    except ValueError:
        return None
    if top_mcu_rows < 1 or not all(
            seg.sof_marker == 0xC0 and seg.scans == 1 and data.endswith(b"\xff\xd9")
            for seg, data in zip(segs, (top, bottom), strict=True)):
        return None  # baseline, one scan, nothing after its end
    (top_data, sof_top), (bottom_data, sof_bottom) = (
        (seg.scan_data_offset, seg.sof_offset) for seg in segs)
    # everything but the SOF's height: the same tables, width and restart interval
    if (top[:sof_top + 5], top[sof_top + 7:top_data]) != (
            bottom[:sof_bottom + 5], bottom[sof_bottom + 7:bottom_data]):
        return None
    height = sum(struct.unpack(">H", data[sof + 5:sof + 7])[0]
                 for data, sof in ((top, sof_top), (bottom, sof_bottom)))
    if height > 65535:
        return None
    head = bytearray(top[:top_data])
    head[sof_top + 5:sof_top + 7] = struct.pack(">H", height)

    def renumber(m: re.Match[bytes]) -> bytes:
        return bytes((0xFF, 0xD0 + (m.group(1)[0] - 0xD0 + top_mcu_rows) % 8))

    rest = _RESTART.sub(renumber, bottom[bottom_data:-2])
    return b"".join((bytes(head), top[top_data:-2],
                     bytes((0xFF, 0xD0 + (top_mcu_rows - 1) % 8)), rest, b"\xff\xd9"))


def encode_jpeg(bgr: np.ndarray, dpi: float, quality: int = 95, chroma: str = "444",
                restart_interval: int = 0) -> bytes:
    """A baseline JPEG with ``dpi`` recorded as the JFIF density.

    ``chroma`` is the subsampling (``"444"``, ``"422"``, ``"440"``, ``"420"``); the trim passes
    the scan's own (:func:`source_chroma`) when the output does not minify the scan: its colour
    is then already that coarse, and full-resolution chroma would add bytes and time but no
    detail. ``restart_interval``: MCUs between restart markers (0: none).
    """
    ok, buf = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, int(quality),
                                         cv2.IMWRITE_JPEG_SAMPLING_FACTOR,
                                         _CHROMA_FACTOR[chroma],
                                         cv2.IMWRITE_JPEG_RST_INTERVAL, int(restart_interval)])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    data = bytearray(buf.tobytes())
    density = int(round(dpi))
    if data[2:4] == b"\xff\xe0" and data[6:11] == b"JFIF\x00":
        data[13] = 1  # dots per inch
        data[14:18] = struct.pack(">HH", density, density)
    else:  # no JFIF header written: insert one
        app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x01" + struct.pack(
            ">HH", density, density) + b"\x00\x00"
        data = data[:2] + bytearray(app0) + data[2:]
    return bytes(data)


# --- the crop ----------------------------------------------------------------------------------


def plan_crop(geom: FaceGeometry, width_px: float, height_px: float, *, tolerance_mm: float,
              min_source_dpi: float) -> CropSolution:
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
    return standard_crop((float(geom.crown[0]), float(geom.crown[1])),
                         (float(geom.chin[0]), float(geom.chin[1])), float(geom.nose[0]),
                         width_px, height_px, head_mm=CROWN_TO_CHIN_MM, top_mm=CROWN_TOP_MM,
                         tolerances=tol, min_crop_w_px=min_w, min_crop_h_px=min_h,
                         crown_at_edge=geom.crown_at_edge)


# --- an in-memory photo context -----------------------------------------------------------------


def context_from_pixels(bgr: np.ndarray, base: PhotoContext, name: str) -> PhotoContext:
    """A PhotoContext around in-memory pixels (no encode/decode round trip).

    The decode intermediates (``header``, ``analysis_image``, ``full_image``) are pre-filled, so
    face/person intermediates run on ``bgr`` directly; checks that read the file's bytes
    (file, metadata) must not be run on it.
    """
    h, w = bgr.shape[:2]
    ctx = PhotoContext(data=b"", source=name, profile=base.profile, exceptions=base.exceptions,
                       applied_on=base.applied_on, models=base.models)
    head = decode.ImageHeader(format="jpeg", width=w, height=h, colour="rgb")
    image = decode.Decoded(bgr=bgr, scale=1.0)
    ctx.memo("header", lambda: head)
    ctx.memo("full_image", lambda: image)
    ctx.memo("analysis_image", lambda: image)
    return ctx


# --- the trim stage as intermediates of the scan's context ---------------------------------------

_SCAN_KEY = "trim_scan"


@dataclass(frozen=True)
class ScanImages:
    """The scan decoded once, and the small copy the print is found on.

    Attributes
    ----------
    full : photocheck.decode.Decoded
        Full resolution (scale 1).
    small : photocheck.decode.Decoded
        ``1/factor`` of it (``scale`` = small px per full px): each pixel the mean of the
        central 2×2 of its ``factor``×``factor`` block (``cv2.INTER_LINEAR`` at an integer
        factor), which reads a quarter of the scan's rows at ⅛ and costs ~2 % of the decode.
    factor : int
        Power of two; the small copy's long side is at least ``DETECT_LONG_SIDE_PX``.
    """

    full: decode.Decoded
    small: decode.Decoded
    factor: int


def detection_factor(long_side_px: int, target_px: int = 0) -> int:
    """Largest power of two that keeps ``long_side_px / factor`` at least ``target_px``."""
    target = target_px or DETECT_LONG_SIDE_PX
    factor = 1
    while long_side_px // (2 * factor) >= target:
        factor *= 2
    return factor


def decode_once(ctx: PhotoContext) -> ScanImages | None:
    """Decode the scan ONCE at full resolution and derive the small detection copy from it.

    A trim needs the full-resolution pixels for its output anyway; a second, DCT-reduced decode
    would cost another 30–40 % of a full decode (the Huffman decoding does not shrink with the
    DCT scale), an area reduction of the whole scan ~10 %, while the point-sampled 2×2 means of
    :class:`ScanImages` cost ~2 %. That copy is memoised as the scan's analysis image
    (``decode.analysis_image``, which the file check reads). When :func:`start_early_look` runs
    beside this decode on a second core, its detection copy (from its reduced decode) is taken
    instead, with the print it found on it.

    Returns
    -------
    ScanImages or None
        None when the scan cannot be decoded (the file check reports why, with its own decode
        attempt).
    """
    def build() -> ScanImages | None:
        try:
            full = decode.full_image(ctx)
        except NotAssessable:
            return None
        h, w = full.bgr.shape[:2]
        factor = detection_factor(max(h, w))
        early = early_print(ctx)
        if early is not None and early.factor == factor and early.small.bgr.shape[:2] == (
                h // factor, w // factor):
            small = early.small  # made by the second thread from its reduced decode
        elif factor > 1:
            sw, sh = max(1, w // factor), max(1, h // factor)
            small = decode.Decoded(bgr=cv2.resize(full.bgr, (sw, sh),
                                                  interpolation=cv2.INTER_LINEAR),
                                   scale=sw / w)
        else:
            small = full
        if not ctx.has("analysis_image"):
            ctx.memo("analysis_image", lambda: small)
        return ScanImages(full, small, factor)

    return ctx.memo(_SCAN_KEY, build)


_GEOMETRY_KEY = "trim_geometry_fn"
_OPTIONS_KEY = "trim_options"


def _scan_dpi(ctx: PhotoContext, options: Mapping[str, Any]) -> float | None:
    if options.get("dpi"):
        return float(options["dpi"])
    head = decode.header(ctx)
    if head.dpi:
        return float(np.sqrt(head.dpi[0] * head.dpi[1]))
    return None


def _upright_size(rect: PrintRect, long_side_px: int) -> tuple[int, int]:
    """Width and height (px) of :func:`upright_print` of ``rect``."""
    f = min(1.0, long_side_px / max(rect.width_px, rect.height_px))
    return max(1, round(rect.width_px * f)), max(1, round(rect.height_px * f))


def upright_print(full: np.ndarray, rect: PrintRect, long_side_px: int, *,
                  rows: int | None = None) -> np.ndarray:
    """The print warped upright with its long side at most ``long_side_px`` (one bilinear warp).

    Only the print's neighbourhood of the full-resolution scan is read; it is first halved by
    2×2 area steps while the print stays at least 0.8× the wanted size (cheap, and no aliasing;
    a mild enlargement by the warp adds nothing but costs nothing either), and the rest is the
    warp's (low-passed when it minifies). ``rows``: only the top ``rows`` rows are made (the
    same values as in the whole image, from the same halving grid), the others left black —
    for a reader of the top part only (the crown by colour, above the forehead).
    """
    w, h = rect.width_px, rect.height_px
    f = min(1.0, long_side_px / max(w, h))
    out_w, out_h = _upright_size(rect, long_side_px)
    made = out_h if rows is None else int(np.clip(rows, 1, out_h))
    img_to_scan = np.vstack([rect.print_to_scan(), [0, 0, 1]]) @ np.array(
        [[w / out_w, 0, 0], [0, h / out_h, 0], [0, 0, 1]])
    x0, y0, x1, y1 = _source_region(full.shape, img_to_scan, (out_w, out_h), made)
    if x1 - x0 < 2 or y1 - y0 < 2:
        return np.zeros((out_h, out_w, 3), np.uint8)
    # image px → roi px, then → each halving's px (centre of 2×2 block: (p + 0.5) / 2 - 0.5)
    to_level = np.array([[1.0, 0, -x0], [0, 1.0, -y0], [0, 0, 1]]) @ img_to_scan
    level = full[y0:y1, x0:x1]
    while 1.0 / f >= 1.6 and min(level.shape[:2]) >= 4:
        lh, lw = (level.shape[0] // 2) * 2, (level.shape[1] // 2) * 2
        level = cv2.resize(level[:lh, :lw], (lw // 2, lh // 2), interpolation=cv2.INTER_AREA)
        to_level = np.array([[0.5, 0, -0.25], [0, 0.5, -0.25], [0, 0, 1]]) @ to_level
        f *= 2.0
    top = warp_region(level, to_level[:2], (out_w, out_h), interpolation=cv2.INTER_LINEAR,
                      rows=made)
    if made == out_h:
        return top
    img = np.zeros((out_h, out_w, 3), np.uint8)
    img[:made] = top
    return img


@dataclass(frozen=True)
class LeanMesh:
    """The four FaceMesh points the trim's geometry needs, in the coordinates of one image.

    Attributes
    ----------
    forehead, chin, left, right : numpy.ndarray
        ``(2,)`` px: points 10 and 152 and the face-oval sides 234 and 454.
    """

    forehead: np.ndarray
    chin: np.ndarray
    left: np.ndarray
    right: np.ndarray

    def mapped(self, affine: np.ndarray) -> LeanMesh:
        """The same points through a ``(2, 3)`` affine."""
        return LeanMesh(*(_apply(affine, p) for p in (self.forehead, self.chin, self.left,
                                                       self.right)))


def lean_mesh(bgr: np.ndarray, models: Any, *, min_score: float = 0.5,
              min_presence: float = 0.5) -> LeanMesh | None:
    """BlazeFace front-128 and one FaceMesh pass on an upright print (see :func:`lean_geometry`).

    Returns
    -------
    LeanMesh or None
        None without a face or with a weak mesh.
    """
    from photocheck.inference import blazeface as bf
    from photocheck.inference import facemesh as fm
    from photocheck.person import CHIN_IDX, FACE_LEFT_IDX, FACE_RIGHT_IDX, FOREHEAD_IDX

    # the detector's 128-px input, made by one area reduction instead of its letterbox's
    h, w = bgr.shape[:2]
    k = max(1.0, max(h, w) / 128.0)
    small = cv2.resize(bgr, (max(1, round(w / k)), max(1, round(h / k))),
                       interpolation=cv2.INTER_AREA) if k > 1.0 else bgr
    sx, sy = w / small.shape[1], h / small.shape[0]
    faces = bf.detect(models.session(bf.FRONT), small, min_score)
    if not faces:
        return None
    face = max(faces, key=lambda fb: float(np.prod(fb.box[2:] - fb.box[:2])) * fb.score)
    box = face.box * np.array([sx, sy, sx, sy])
    eyes = face.keypoints[:2] * np.array([sx, sy])
    centre, side, angle = fm.roi_for_face(box, eyes[0], eyes[1])
    # the crop a second, landmark-based pass would take (see LEAN_ROI_*), in the face's frame
    box_px = float(max(box[2] - box[0], box[3] - box[1]))
    up = np.array([np.sin(angle), -np.cos(angle)])
    mesh = fm.run(models.session(fm.NAME), bgr,
                  fm.crop_affine(centre + LEAN_ROI_SHIFT_UP * box_px * up,
                                 side * LEAN_ROI_SCALE, angle, fm.INPUT_PX))
    if mesh.presence < min_presence:
        return None
    pts = mesh.points[:, :2]
    return LeanMesh(pts[FOREHEAD_IDX].copy(), pts[CHIN_IDX].copy(), pts[FACE_LEFT_IDX].copy(),
                    pts[FACE_RIGHT_IDX].copy())


def lean_crown(bgr: np.ndarray, mesh: LeanMesh) -> FaceGeometry | None:
    """The face geometry from ``mesh`` (same image px) and the colour crown on ``bgr``.

    Returns
    -------
    FaceGeometry or None
        None when the crown cannot be read by colour (no plain background above the head).
    """
    centre = (mesh.left + mesh.right) / 2.0
    found = plain_background_crown(bgr, mesh.forehead, float(centre[0]),
                                   float(np.hypot(*(mesh.right - mesh.left))))
    if found is None:
        return None
    return FaceGeometry(crown=found[0], chin=mesh.chin.copy(), nose=centre,
                        crown_at_edge=found[1])


def lean_geometry(bgr: np.ndarray, models: Any, *, min_score: float = 0.5,
                  min_presence: float = 0.5) -> FaceGeometry | None:
    """Face geometry on an upright print by the shortest path: BlazeFace, one FaceMesh, colour.

    A deskewed ID print holds one large frontal face on a plain background (J-LIS), so the
    general search of :mod:`photocheck.face` (quarter turns, small-face fall-backs, a second
    FaceMesh pass to level the crop) has nothing to add: front-128 finds the face, one
    FaceMesh pass on the crop the second pass would take (``LEAN_ROI_SCALE``,
    ``LEAN_ROI_SHIFT_UP``) gives the chin (point 152), the forehead (10) and the face-oval
    sides (234, 454; their middle is the nose line, as ``person.head_frame`` defines it), and
    :func:`plain_background_crown` the crown. Same definitions as :func:`pipeline_geometry`.

    Returns
    -------
    FaceGeometry or None
        None when any step is unsure (no face, a weak mesh, no plain background above the head):
        the caller then runs the full pipeline.
    """
    mesh = lean_mesh(bgr, models, min_score=min_score, min_presence=min_presence)
    return None if mesh is None else lean_crown(bgr, mesh)


# --- overlapping the full decode: the print and the face from a DCT-reduced decode -----------


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
        rect = _rect_from_quad((_to_full(rect_small.quad, factor) + 0.5) / reduction - 0.5)
    if max(rect.width_px, rect.height_px) < EARLY_MIN_PRINT_PX:
        return done()  # a small print: the full scan reads it better
    img = upright_print(reduced, rect, LEAN_LONG_SIDE_PX)
    mesh = lean_mesh(img, models, min_score=min_score, min_presence=min_presence)
    if mesh is None:
        return done(None, True)
    # upright image px → reduced px → full px (a reduced pixel's centre is its block's)
    to_full = np.array([[reduction, 0.0, 0.5 * reduction - 0.5],
                        [0.0, reduction, 0.5 * reduction - 0.5], [0.0, 0.0, 1.0]])
    to_scan = to_full @ np.vstack([_image_to_scan(rect, img), [0.0, 0.0, 1.0]])
    return done(mesh.mapped(to_scan[:2]), True)


def _image_to_scan(rect: PrintRect, img: np.ndarray) -> np.ndarray:
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
    if ctx.has(_EARLY_KEY) or ctx.peek(_GEOMETRY_KEY) is not None:
        return False
    try:
        head = decode.header(ctx)
        decode.check_decode_limits(ctx, head)
        params = ctx.params("trim")
    except (NotAssessable, KeyError):
        return False
    if not params["fast_crown"]:
        return False
    options: Mapping[str, Any] = ctx.peek(_OPTIONS_KEY) or {}
    reduction = early_reduction(head, _scan_dpi(ctx, options))
    if reduction < 2:
        return False
    min_score, min_presence = _face_params(ctx)
    found: Future[EarlyPrint | None] = Future()

    def job() -> EarlyLook | None:
        try:
            return early_look(ctx.data, head, reduction, _models(ctx),
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


def _inset_px(ctx: PhotoContext, long_side_px: int) -> float:
    """How far (full px) the crop keeps inside the print's measured edge: 1.5 px of the
    analysis-size copy the print used to be found on (~0.25 mm), clear of the bed and the
    edge's shadow."""
    analysis_px = int(ctx.params("decode")["analysis_long_side_px"])
    return 1.5 * decode.reduction_for(long_side_px, analysis_px)


def _models(ctx: PhotoContext) -> Any:
    """The context's models, loaded (once, shared) when a trim runs without a validator's."""
    if ctx.models is None:
        from photocheck.inference import Models

        ctx.models = Models.load()
    return ctx.models


def _face_params(ctx: PhotoContext) -> tuple[float, float]:
    from photocheck.face import DEFAULTS

    try:
        section = dict(ctx.params("face"))
    except (KeyError, AttributeError):
        section = {}
    return (float(section.get("min_score", DEFAULTS["min_score"])),
            float(section.get("min_mesh_presence", DEFAULTS["min_mesh_presence"])))


def _apply(m: np.ndarray, p: np.ndarray) -> np.ndarray:
    return m[:, :2] @ np.asarray(p, float) + m[:, 2]


@intermediate
def trim_outcome(ctx: PhotoContext) -> TrimOutcome:
    """Find, deskew, measure and crop the print in the scan of ``ctx`` (never raises)."""
    options: Mapping[str, Any] = ctx.peek(_OPTIONS_KEY) or {}
    params = ctx.params("trim")
    geometry_fn: GeometryFn | None = ctx.peek(_GEOMETRY_KEY)
    lean = geometry_fn is None and bool(params["fast_crown"])
    if geometry_fn is None:
        fast = bool(params["fast_crown"])

        def geometry_fn(c: PhotoContext) -> FaceGeometry:
            return pipeline_geometry(c, fast_crown=fast)
    out = TrimOutcome(out_dpi=float(options.get("out_dpi", 600.0)))
    not_found = ("trim.print_size", "trim.not_trimmable")

    def missing(cause: str, detail: Any) -> TrimOutcome:
        out.findings = [finding("trim.photo_not_found", Status.FAIL, detail)]
        out.findings += [not_assessed(c, "trim.photo_not_found") for c in not_found]
        return out

    try:
        decode.header(ctx)
    except NotAssessable as exc:
        return missing(exc.cause, f"{exc.cause}: {exc.detail}" if exc.detail else exc.cause)
    scan = decode_once(ctx)
    if scan is None:
        try:
            decode.full_image(ctx)
        except NotAssessable as exc:
            return missing(exc.cause, f"{exc.cause}: {exc.detail}" if exc.detail else exc.cause)
        return missing("file.corrupt", "file.corrupt")
    full = scan.full.bgr
    small, f_small = scan.small.bgr, scan.small.scale
    min_area = float(params["min_print_area_ratio"])
    # the blob's sides first; each measured on the full-resolution scan, in strips along it
    # (small px → full px: a small pixel's centre is its block's centre). When a side shows no
    # clear step there, the print is found again with the edge tests and the side rebuilding
    # of find_print on the small copy.
    found = early_print(ctx)
    overlapped = False
    if found is not None and scan.small is found.small:
        overlapped = True
        rect_small = found.rect_small  # found on this very copy by the second thread
    else:
        if found is None:
            early_result(ctx)  # it stopped before the print (records a failure): collect it
        rect_small = find_print(small, min_area_ratio=min_area, refine=False)
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
    if rect_small is None:
        return missing("trim.photo_not_found", "no print found on the scan")
    if rect_small.whole_scan or quad is None:
        h, w = full.shape[:2]
        rect = PrintRect(np.array([[0, 0], [w, 0], [w, h], [0, h]], float), 0.0, float(w),
                         float(h), True)
    else:
        rect = _rect_from_sides(quad, measured)
    # keep the crop ~0.25 mm inside the print's edge (as 1.5 px of the quarter-size copy the
    # print used to be found on), so it never takes in the bed or the edge's shadow
    measured_rect = rect
    rect = inset(rect, _inset_px(ctx, max(full.shape[:2])))
    out.rect = rect
    out.findings.append(finding("trim.photo_not_found", Status.PASS,
                                "whole_scan" if rect.whole_scan else "found"))
    dpi = _scan_dpi(ctx, options)
    out.dpi = dpi
    # print size (J-LIS: 45×35 mm; other sizes are trimmed when the crop fits)
    if dpi is None:
        out.findings.append(not_assessed("trim.print_size", "trim.dpi_unknown"))
    else:
        px_per_mm = dpi / MM_PER_INCH
        w_mm = measured_rect.width_px / px_per_mm
        h_mm = measured_rect.height_px / px_per_mm
        out.print_size_mm = (w_mm, h_mm)
        tol = float(params["print_size_tolerance_mm"])
        ok = abs(w_mm - PRINT_WIDTH_MM) <= tol and abs(h_mm - PRINT_HEIGHT_MM) <= tol
        out.findings.append(finding(
            "trim.print_size", Status.PASS if ok else Status(params["print_size_status"]),
            {"width": round(w_mm, 2), "height": round(h_mm, 2)},
            {"width": PRINT_WIDTH_MM, "height": PRINT_HEIGHT_MM, "tolerance": tol}, "mm"))
    # face geometry on the upright print (try quarter turns when the print lies sideways):
    # the short path first (lean_geometry on a small upright print), the full face pipeline
    # on a larger one when it is unsure
    turns = (0, 1, 3, 2) if rect.width_px > rect.height_px else (0, 2)
    geom: FaceGeometry | None = None
    cause = "face.not_found"
    min_score, min_presence = _face_params(ctx)
    models = _models(ctx) if lean else ctx.models
    # the short path only as the print was found (upright for nearly every portrait print);
    # anything it is unsure of (a turned print, a head cut off at the top edge) goes to the full
    # pipeline, which searches the quarter turns
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
    early_mesh = _early_mesh(early, measured_rect) if lean else None
    for short_path, long_side_px, pass_turns in passes:
        for turn in pass_turns:
            candidate = _turn_rect(rect, turn)
            path = "early" if short_path and early_mesh is not None else (
                "lean" if short_path else "pipeline")
            if path == "early" and early_mesh[0] is None:
                continue  # the second thread's mesh was unsure: the full pipeline
            img = first_img if short_path and turn == 0 and first_img is not None else (
                upright_print(full, candidate, long_side_px))
            g: FaceGeometry | None = None
            if path == "early":
                to_img = cv2.invertAffineTransform(_image_to_scan(candidate, img))
                g = lean_crown(img, early_mesh[0].mapped(to_img))
            else:
                if short_path:
                    start = time.perf_counter()
                    g = lean_geometry(img, models, min_score=min_score,
                                      min_presence=min_presence)
                    ctx.timings_ms["trim.lean_geometry"] = ctx.timings_ms.get(
                        "trim.lean_geometry", 0.0) + (time.perf_counter() - start) * 1000.0
                else:
                    pctx = context_from_pixels(img, ctx, f"{ctx.source}#print")
                    try:
                        g = geometry_fn(pctx)
                    except NotAssessable as exc:
                        cause = exc.cause
                    finally:
                        for key, value in pctx.timings_ms.items():
                            ctx.timings_ms[f"print.{key}"] = (
                                ctx.timings_ms.get(f"print.{key}", 0) + value)
            g_print = None if g is None else _scaled(g, candidate.width_px / img.shape[1],
                                                     candidate.height_px / img.shape[0])
            if g_print is None:
                continue
            crown, chin = g_print.crown, g_print.chin
            down = chin - crown
            if down[1] <= 0 or abs(down[0]) > 0.5 * down[1]:
                # a face found lying on its side (the detector searches quarter turns): the
                # print itself is turned; try the next quarter turn
                cause = "face.not_found"
                continue
            rect = out.rect = candidate
            out.face_path = path
            # hair within 0.5 mm (at the standard's scale) of the print's top edge runs into
            # it: the true crown is not on the print
            at_edge = g_print.crown_at_edge or crown[1] < 0.5 * (
                chin[1] - crown[1]) / CROWN_TO_CHIN_MM
            geom = FaceGeometry(crown=crown, chin=chin, nose=g_print.nose,
                                crown_at_edge=bool(at_edge))
            break
        if geom is not None:
            break
    if geom is None:
        out.reason = "face_not_found"
        out.findings.append(not_assessed("trim.not_trimmable", cause))
        return out
    out.geometry_print_px = geom
    threshold = {"tolerance_mm": float(params["tolerance_mm"]),
                 "min_source_dpi": float(params["min_source_dpi"])}
    plan = plan_crop(geom, rect.width_px, rect.height_px,
                     tolerance_mm=float(params["tolerance_mm"]),
                     min_source_dpi=float(params["min_source_dpi"]))
    out.source_dpi = plan.px_per_mm * MM_PER_INCH
    out.plan = plan
    if not plan.trimmable:
        out.reason = plan.reason
        out.findings.append(finding("trim.not_trimmable", Status.FAIL, plan.reason, threshold))
        return out
    out_dpi = out.out_dpi
    out_w = round(PRINT_WIDTH_MM / MM_PER_INCH * out_dpi)
    out_h = round(PRINT_HEIGHT_MM / MM_PER_INCH * out_dpi)
    x0, y0, x1, y1 = plan.box
    # output px → print px → scan px: ONE affine for rotation + crop + scale
    sx, sy = (x1 - x0) / out_w, (y1 - y0) / out_h
    out_to_print = np.array([[sx, 0, x0], [0, sy, y0], [0, 0, 1]])
    out_to_scan = np.vstack([rect.print_to_scan(), [0, 0, 1]]) @ out_to_print
    out.out_to_scan = out_to_scan[:2]
    out.crop_quad = np.array([_apply(rect.print_to_scan(), p) for p in
                              ((x0, y0), (x1, y0), (x1, y1), (x0, y1))])
    out.out_size_px = (out_w, out_h)
    start = time.perf_counter()
    # bilinear while the scale is near 1:1 (source px per output px ≥ 0.8: a 600-dpi scan of a
    # print whose face is ≤ 42 mm); bicubic when enlarging more, where it is visibly sharper
    magnify = 1.0 / max(1e-9, float(np.sqrt(abs(np.linalg.det(out.out_to_scan[:, :2])))))
    interpolation = cv2.INTER_CUBIC if magnify > 1.25 else cv2.INTER_LINEAR
    # the scan's chroma subsampling when the output does not minify it (its colour is then
    # no finer than the output's subsampled grid); full-resolution chroma otherwise
    chroma = source_chroma(decode.header(ctx)) if magnify >= 0.95 else "444"
    quality = int(params["jpeg_quality"])
    if early is not None:  # a second core is ours: each resamples and encodes half the output
        out.jpeg = warp_encode_split(_full(ctx), out.out_to_scan, (out_w, out_h),
                                     interpolation=interpolation, pool=_pool(), dpi=out_dpi,
                                     quality=quality, chroma=chroma)
    else:
        pixels = warp_region(_full(ctx), out.out_to_scan, (out_w, out_h),
                             interpolation=interpolation)
        out.jpeg = encode_jpeg(pixels, out_dpi, quality, chroma)
    ctx.timings_ms["trim.resample_encode"] = (time.perf_counter() - start) * 1000.0
    out.findings.append(finding("trim.not_trimmable", Status.PASS, "trimmed", threshold))
    return out


def _scaled(g: FaceGeometry, sx: float, sy: float) -> FaceGeometry:
    """``g`` with its x scaled by ``sx`` and y by ``sy`` (upright image px → print px)."""
    scale = np.array([sx, sy])
    return FaceGeometry(crown=np.asarray(g.crown, float) * scale,
                        chin=np.asarray(g.chin, float) * scale,
                        nose=np.asarray(g.nose, float) * scale, crown_at_edge=g.crown_at_edge)


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
    pts = np.array([_apply(to_print, p) for p in (mesh.forehead, mesh.chin, mesh.left,
                                                   mesh.right)])
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
    _, out_h = _upright_size(rect, LEAN_LONG_SIDE_PX)
    forehead = _apply(cv2.invertAffineTransform(rect.print_to_scan()), usable[0].forehead)
    # the crown reads rows up to round(forehead) + 1, and at least rows 0–1
    return max(8, int(np.ceil(forehead[1] * out_h / rect.height_px)) + 8)


def _full(ctx: PhotoContext) -> np.ndarray:
    """The scan at full resolution (decoded once; the analysis decode already succeeded)."""
    return decode.full_image(ctx).bgr


def _turn_rect(rect: PrintRect, turn: int) -> PrintRect:
    """The same physical rectangle with its upright frame turned by ``turn``×90° clockwise."""
    # +90° makes the old left side (bottom → top) the new top side: TL' = BL
    q = np.roll(rect.quad, turn, axis=0) if turn else rect.quad
    rot = rect.rotation_deg + 90.0 * turn
    rot = (rot + 180.0) % 360.0 - 180.0
    w, h = (rect.height_px, rect.width_px) if turn % 2 else (rect.width_px, rect.height_px)
    return PrintRect(q, rot, w, h, rect.whole_scan)


def run_trim_check(ctx: PhotoContext, params: Mapping[str, Any]) -> Iterable[Finding]:
    """The ``trim`` check (mode ``trim``): the findings of :func:`trim_outcome`."""
    del params
    yield from trim_outcome(ctx).findings


# --- public entry point --------------------------------------------------------------------------


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
    from photocheck.exceptions import normalise
    from photocheck.validator import SourceError, Validator

    if validator is None:
        from photocheck import _validator

        validator = _validator(profile)
    assert isinstance(validator, Validator)
    declared = normalise(exceptions)
    started = time.perf_counter()
    try:
        ctx = validator.context(source, exceptions=declared, applied_on=applied_on)
    except SourceError as exc:
        name = str(source) if isinstance(source, str) else "<stream>"
        found = [finding("trim.photo_not_found", Status.FAIL, str(exc))]
        found += [not_assessed(c, "trim.photo_not_found") for c in
                  ("trim.print_size", "trim.not_trimmable")]
        report = validator._report(name, list(declared), found, None, {})
        return TrimResult(report, None, None, None, None, None)
    ctx.memo(_OPTIONS_KEY, lambda: {"dpi": dpi, "out_dpi": out_dpi})
    if face_geometry is not None:
        ctx.memo(_GEOMETRY_KEY, lambda: face_geometry)
    if overlap_decode if overlap_decode is not None else overlap_available():
        start_early_look(ctx)
    try:
        decode_once(ctx)
        scan_report = validator.run(ctx, mode="trim", started=started)
    finally:
        early_result(ctx)  # no work of this scan outlives the call
    outcome = ctx.peek("trim_outcome") or TrimOutcome()
    findings = list(scan_report.findings)
    face = crop = None
    timings = dict(scan_report.timings_ms)
    if outcome.jpeg is not None and check_output:
        out_report = validator.check(outcome.jpeg, exceptions=declared, applied_on=applied_on)
        findings += out_report.findings
        face, crop = out_report.face, out_report.crop
        timings.update({f"output.{k}": v for k, v in out_report.timings_ms.items()})
        timings["total"] = (time.perf_counter() - started) * 1000.0
    rect = outcome.rect
    extra: dict[str, Any] = {"trim": {
        "rotation_deg": rect.rotation_deg if rect else None,
        "print_size_mm": list(outcome.print_size_mm) if outcome.print_size_mm else None,
        "photo_quad": rect.quad if rect else None,
        "crop_quad": outcome.crop_quad,
        "scan_dpi": outcome.dpi,
        "source_dpi": outcome.source_dpi,
        "out_dpi": out_dpi if outcome.jpeg is not None else None,
        "out_size_px": list(outcome.out_size_px) if outcome.out_size_px else None,
        "reason": outcome.reason,
        "face_path": outcome.face_path,
    }}
    report = Report(source=scan_report.source, profile=scan_report.profile,
                    profile_digest=scan_report.profile_digest,
                    exceptions=list(scan_report.exceptions), findings=findings, face=face,
                    crop=crop, timings_ms=timings, versions=validator.versions(), extra=extra)
    return TrimResult(
        report=report, jpeg=outcome.jpeg, rotation_deg=rect.rotation_deg if rect else None,
        print_size_mm=outcome.print_size_mm, photo_quad=rect.quad if rect else None,
        crop_box=outcome.crop_quad, out_to_scan=outcome.out_to_scan, reason=outcome.reason,
        dpi=outcome.dpi)


# --- command line: photocheck trim ---------------------------------------------------------------


def add_trim_parser(subparsers: Any) -> Any:
    """``photocheck trim SCAN… --out DIR``: trim scanned prints to 45×35 mm and check them."""
    from photocheck.cli import iso_date

    p = subparsers.add_parser(
        "trim",
        help="trim scanned prints to the 45×35 mm standard and check the result",
        description="Find the print in each scan, deskew it, cut the standard 35×45 mm crop "
                    "from the face geometry and write it as a JPEG (dpi recorded), then check "
                    "it. A scan that cannot be trimmed writes no output.",
    )
    p.add_argument("scans", nargs="+", metavar="SCAN", help="scan files (JPEG, PNG, TIFF)")
    p.add_argument("--out", required=True, metavar="DIR", help="folder for the trimmed JPEGs")
    p.add_argument("--dpi", type=float, default=None,
                   help="scan resolution when the file does not record it (overrides it)")
    p.add_argument("--out-dpi", type=float, default=600.0,
                   help="output resolution (default 600: 827×1063 px)")
    p.add_argument("--profile", default="mail",
                   help="profile for trimming and the content checks (default: mail)")
    p.add_argument("--exception", dest="exceptions", action="append", default=[],
                   metavar="E", help="declared exception (repeatable)")
    p.add_argument("--applied-on", type=iso_date, default=None, metavar="YYYY-MM-DD",
                   help="application date for the 6-month rule (default: today)")
    p.add_argument("--json", action="store_true",
                   help="print JSON Lines, one report per scan (with the output path)")
    p.add_argument("--lang", choices=("en", "ja"), default="en")
    p.set_defaults(handler=cli_trim)
    return p


def output_name(scan: str, out_dpi: float, used: set[str]) -> str:
    """File name of a trimmed scan: ``<stem>_45x35.jpg`` (made unique within one run)."""
    from pathlib import Path

    stem = Path(scan).stem or "scan"
    name = f"{stem}_45x35.jpg"
    n = 2
    while name in used:
        name = f"{stem}_45x35_{n}.jpg"
        n += 1
    used.add(name)
    del out_dpi
    return name


def cli_trim(args: Any) -> int:
    """Run ``photocheck trim``; returns the exit code (0 all accepted, 1 any flagged, 2 usage)."""
    import os
    import sys
    from pathlib import Path

    from photocheck.cli import EXIT_FLAGGED, EXIT_OK, EXIT_USAGE, Output, UsageError
    from photocheck.exceptions import UnknownExceptionError
    from photocheck.exceptions import normalise as normalise_exceptions
    from photocheck.profiles import ProfileError, load_profile
    from photocheck.report import Verdict
    from photocheck.validator import Validator

    try:
        profile = load_profile(args.profile)
        exceptions = normalise_exceptions(
            [e for raw in args.exceptions for e in raw.split(",") if e])
    except (ProfileError, UnknownExceptionError) as exc:
        raise UsageError(str(exc)) from exc
    if args.dpi is not None and not 50 <= args.dpi <= 10000:
        raise UsageError(f"--dpi must be between 50 and 10000, got {args.dpi:g}")
    if not 72 <= args.out_dpi <= 2400:
        raise UsageError(f"--out-dpi must be between 72 and 2400, got {args.out_dpi:g}")
    out_dir = Path(args.out)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create the output folder {out_dir}: {exc}") from exc
    validator = Validator(profile)
    out = Output(sys.stdout, json_lines=args.json, lang=args.lang)
    used: set[str] = set()
    code = EXIT_OK
    for scan in args.scans:
        result = trim(scan, dpi=args.dpi, out_dpi=args.out_dpi, exceptions=exceptions,
                      applied_on=args.applied_on, validator=validator)
        written: str | None = None
        if result.jpeg is not None:
            path = out_dir / output_name(scan, args.out_dpi, used)
            tmp = path.with_name(path.name + ".part")
            tmp.write_bytes(result.jpeg)
            os.replace(tmp, path)  # never a half-written JPEG under the final name
            written = str(path)
        result.report.extra["output"] = written
        out.report(result.report)
        if not os.path.exists(scan):
            print(f"photocheck: error: no such file: {scan}", file=sys.stderr)
            code = EXIT_USAGE
        elif code == EXIT_OK and (result.report.verdict is not Verdict.ACCEPT or written is None):
            code = EXIT_FLAGGED
    return code
