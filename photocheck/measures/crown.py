"""The crown (top of the hair or covering) by colour on a plain background: no model.

J-LIS asks for a plain background (無背景) and ICAO 9303-3 a uniform light one, so on a
compliant photo the head is simply the region connected to the face that differs in colour
from the background right above it. This costs about 1 ms on the analysis image against
~35 ms for the int8 MODNet matte of the head; the matte (``photocheck.person``) stays the fall-back
when the background is busy or the hair does not stand out from it. Pure numpy / OpenCV:
numbers out, no thresholds from a profile.
"""

from __future__ import annotations

import cv2
import numpy as np

from photocheck.measures.bounds import ceil_within, floor_within
from photocheck.measures.colour import channel_norm, distance_u8, lab_u8
from photocheck.measures.order import median
from photocheck.measures.silhouette import top_edge_profile


def plain_background_crown(
    bgr: np.ndarray, forehead_xy: np.ndarray, centre_x: float, face_width_px: float, *,
    min_contrast: float = 18.0,
) -> tuple[np.ndarray, bool] | None:
    """The crown on a plain background, from colour alone (no segmentation model).

    An ID print has a plain background (J-LIS 無背景), so the head is the region connected to
    the face that differs from the background colour. The background is read right above the
    head, in the top rows of the face column; a pixel is "person" when its Lab distance from it
    exceeds half the head's contrast; the crown is the top of that region in the face column
    (±¼ face width, a 5-column running median, as :func:`photocheck.person.crown_from_matte`
    does on the matte).

    Parameters
    ----------
    bgr : numpy.ndarray
        uint8 upright image.
    forehead_xy : numpy.ndarray
        FaceMesh point 10, px.
    centre_x : float
        Nose line, px.
    face_width_px : float
        Distance between the face-oval sides, px.
    min_contrast : float
        Least Lab distance between head and background for the answer to be trusted.

    Returns
    -------
    (crown_xy, at_edge) or None
        None when the background is not plain or the head does not stand out from it (the
        caller then uses the matte).
    """
    h, w = bgr.shape[:2]
    fy = min(max(round(float(forehead_xy[1])), 1), h - 1)
    half = 0.25 * face_width_px
    u0 = floor_within(centre_x - half, 0, w - 1)
    u1 = ceil_within(centre_x + half, u0 + 1, w)
    # the background right above the head (the top rows of the face column): vignetting makes
    # the corners a poor reference
    bg_rows = int(0.35 * (fy - 0.6 * face_width_px))
    near_top = bg_rows < 3
    if near_top:
        # a head close to the top edge (a large face, a high crown) still leaves its first
        # rows (the median ignores a few stray hairs) — unless the hair runs into the edge
        bg_rows = 3
        if fy - 0.2 * face_width_px < bg_rows:
            return None  # no room above the head to read the background
    off = max(0, u0 - 8)
    region = _smoothed_lab_u8(bgr, fy, fy + 1, off, min(w, u1 + 8))  # the face column
    background = _background_colour(bgr, fy, region[:bg_rows, u0 - off:u1 - off], near_top)
    if background is None:
        return None
    bg, noise = background
    dist = distance_u8(region, bg)
    # the forehead seed's columns start 8 px into the block (the face column when u0 ≥ 8)
    top = _head_region_top(dist, fy, (u0 - off, u1 - off), 8, face_width_px, noise,
                           min_contrast)
    if top is None:
        return None
    i, v, thresh = top
    ui = u0 - off + i
    vi = int(v)
    if v > fy - 0.12 * face_width_px:
        # the skull rises well above the mesh's forehead point: a "crown" this low is the
        # hairline of hair as dark (or light) as the background
        return None
    # above the crown must be background itself, not a darker/lighter hair the threshold missed
    above = dist[max(0, vi - int(0.14 * face_width_px)): max(0, vi - int(0.04 * face_width_px)),
                 u0 - off: u1 - off]
    # np.median's figures of these float32 distances without its wrapper (order.median)
    if above.size and median(above) > max(3.0 * noise + 6.0, 0.35 * thresh):
        return None
    # sub-pixel: where the distance crosses the threshold between the row above and this one
    if 0 < vi < dist.shape[0]:
        d0, d1 = float(dist[vi - 1, ui]), float(dist[vi, ui])
        if d1 > d0:
            v = vi - 1 + min(max((thresh - d0) / (d1 - d0), 0.0), 1.0) + 0.5
    return np.array([u0 + i, v], float), vi <= 0


def _smoothed_lab_u8(bgr: np.ndarray, fy: int, rows: int, c0: int, c1: int) -> np.ndarray:
    """uint8 Lab (8-bit scaling) of the image smoothed by a 1-px Gaussian, rows ``[0, rows)``
    and columns ``[c0, c1)``: computed on that block plus the blur's reach only (the same
    values as on the whole image; no row below ``fy`` is read)."""
    p0, p1 = max(0, c0 - 4), min(bgr.shape[1], c1 + 4)
    block = cv2.GaussianBlur(bgr[: min(fy + 1, rows + 4), p0:p1], (0, 0), 1.0)
    return lab_u8(block)[:rows, c0 - p0:c1 - p0]


def median_lab_u8(lab: np.ndarray) -> np.ndarray:
    """``np.median(lab.reshape(-1, 3).astype(np.float32), axis=0)`` of uint8 3-channel pixels
    (Lab in OpenCV's 8-bit scaling), from a histogram of each channel's levels.

    The same float32 values: per channel the level at the middle rank, or the float32 mean
    of the two middle levels for an even count, as ``np.median`` takes them; OpenCV's
    histograms (exact counts below 2²⁴ pixels, without the GIL) instead of a partition of
    every column of a float copy.
    """
    pixels = np.asarray(lab, np.uint8).reshape(-1, 1, 3)
    n = pixels.shape[0]
    if not 0 < n < 1 << 24:
        return np.median(pixels.reshape(-1, 3).astype(np.float32), axis=0)
    counts = np.concatenate([cv2.calcHist([pixels], [c], None, [256], (0, 256))
                             for c in range(3)])
    at_or_below = np.add.accumulate(counts.reshape(3, 256), axis=1)
    # the level at rank r: the first with more than r values at or below it; the sum of the
    # two levels (at most 510) is exact in float32, as is their float32 sum
    lower = (at_or_below > (n - 1) // 2).argmax(axis=1)
    upper = (at_or_below > n // 2).argmax(axis=1)
    return (lower + upper).astype(np.float32) / np.float32(2.0)


def _background_colour(bgr: np.ndarray, fy: int, above_head: np.ndarray,
                       near_top: bool) -> tuple[np.ndarray, float] | None:
    """Median Lab of the background right above the head (``above_head``, uint8 Lab, rows
    from the image's top) and its noise (median distance from it); None when it is textured
    or, for a head ``near_top``, when those rows differ from the same rows at the image's
    sides."""
    rows = above_head.shape[0]
    bg = median_lab_u8(above_head)
    if near_top:
        # those rows are background only when they match the same rows at the image's sides
        # (hair running into the top edge is not: the parting would pass for the crown)
        w = bgr.shape[1]
        side = max(2, w // 8)
        sides = np.concatenate([_smoothed_lab_u8(bgr, fy, rows, 0, side),
                                _smoothed_lab_u8(bgr, fy, rows, w - side, w)])
        if float(np.linalg.norm(median_lab_u8(sides) - bg)) > 8.0:
            return None
    pixels = above_head.reshape(-1, 3).astype(np.float32)
    noise = median(channel_norm(pixels - bg))
    if noise > 6.0:
        return None  # textured background (or hair up to the top)
    return bg, noise


def _head_region_top(dist: np.ndarray, fy: int, column: tuple[int, int], seed_c0: int,
                     face_width_px: float, noise: float, min_contrast: float
                     ) -> tuple[int, float, float] | None:
    """Top of the person region in ``dist`` (Lab distance from the background, rows from the
    image's top, columns of the face column ± 8 px): pixels farther than half the head's
    contrast, in the region holding the forehead rows.

    ``column`` is the face column and ``seed_c0`` the first column of the forehead seed in
    ``dist``. Returns (column offset in the face column, top row, distance threshold), or None
    when the head does not stand out from the background.
    """
    seed_cols = slice(seed_c0, seed_c0 + (column[1] - column[0]))
    seed_rows = dist[max(0, fy - int(0.08 * face_width_px)): fy + 1, seed_cols]
    contrast = median(seed_rows) if seed_rows.size else 0.0
    if contrast < max(min_contrast, 4.0 * noise + 8.0):
        return None
    thresh = max(0.5 * contrast, 3.0 * noise + 6.0)
    binary = (dist > thresh).astype(np.uint8)
    _, labels = cv2.connectedComponents(binary, connectivity=4)
    seed_win = labels[max(0, fy - 4): fy + 1, seed_cols]
    found = seed_win[seed_win > 0]
    if found.size == 0:
        return None
    person_region = labels == int(np.bincount(found).argmax())
    tops = top_edge_profile(person_region[:, column[0]: column[1]], fy)
    if tops is None:
        return None
    i = int(np.argmin(tops))
    return i, float(tops[i]), thresh


def hair_into_top_edge(bgr: np.ndarray, head_x0: float, head_x1: float, face_x0: float,
                       face_x1: float, *, max_noise: float = 6.0, max_difference: float = 8.0,
                       min_contrast: float = 20.0, min_fraction: float = 0.05) -> bool:
    """Whether the head runs into the top edge of an image with a plain background.

    The case :func:`plain_background_crown` cannot answer: hair cut by the top edge (a tight
    crop) on a plain background (J-LIS 無背景). The top rows (3 % of the height, at least 3)
    left of ``head_x0`` and right of ``head_x1`` (at most an eighth of the width each) must
    each be uniform (median Lab distance from their median at most ``max_noise``) and of the
    same colour (medians at most ``max_difference`` apart), and at least ``min_fraction`` of the
    first 3 rows over the face column ``[face_x0, face_x1)`` must differ from that colour by
    ``min_contrast`` or more (a bun or a parting may cover only part of the column; a crown a
    few rows lower is not cut by the edge).

    Parameters
    ----------
    bgr : numpy.ndarray
        uint8 upright image.
    head_x0, head_x1 : float
        Columns (px) the head may occupy; the background is read outside them.
    face_x0, face_x1 : float
        The face column (px), where the hair is expected at the top edge.
    max_noise, max_difference, min_contrast : float
        Lab (8-bit) limits.
    min_fraction : float
        Least share of the face column's top pixels that must be hair (or a covering).
    """
    h, w = bgr.shape[:2]
    rows = max(3, int(0.03 * h))
    side = max(2, w // 8)
    left_end = int(min(side, np.floor(head_x0)))
    right_start = int(max(w - side, np.ceil(head_x1)))
    c0 = floor_within(face_x0, 0, w - 1)
    c1 = ceil_within(face_x1, c0 + 1, w)
    if left_end < 2 or w - right_start < 2:
        return False  # the head spans the width: no background beside it to read

    def lab_of(block: np.ndarray) -> np.ndarray:
        # the block alone (borders reflected), unlike plain_background_crown's reach-padded
        # blur: hair next to a side block must not leak into the background's statistics
        blurred = cv2.GaussianBlur(block, (0, 0), 1.0)
        return lab_u8(blurred).reshape(-1, 3)

    medians = []
    for block in (bgr[:rows, :left_end], bgr[:rows, right_start:]):
        lab = lab_of(block)
        med = median_lab_u8(lab)
        if median(channel_norm(lab.astype(np.float32) - med)) > max_noise:
            return False
        medians.append(med)
    if float(np.linalg.norm(medians[0] - medians[1])) > max_difference:
        return False
    background = (medians[0] + medians[1]) / 2.0
    column = lab_of(bgr[:rows, c0:c1]).reshape(rows, c1 - c0, 3)[:3]  # blurred as the sides
    hair = channel_norm(column.astype(np.float32) - background) >= min_contrast
    return int(np.count_nonzero(hair)) / hair.size >= min_fraction  # ``hair.mean()``, exact
