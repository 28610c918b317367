"""Eyewear and eye-visibility measures: sunglasses, frames over the eyes, thick frames, glare on
lenses, and hair hiding the eyes.

J-LIS refuses sunglasses or tinted lenses, a frame that crosses the eyes, very thick frames,
light reflected on the lenses, and hair hiding the eyes; plain eyeglasses that show the eyes
clearly are accepted (ICAO 9303-3 §3.7: eyes clearly visible, no tinted lenses, no reflections,
frames not covering any part of the eyes).

No redistributable glasses model exists, so these are luminance/colour measures in a
face-aligned *eye canvas*: the image is warped so that the eyes are level, the inter-ocular
distance (IOD) is :data:`IOD_PX` and the eye centres sit at (:data:`EYE_LEFT_X`, :data:`EYE_Y`)
and (:data:`EYE_RIGHT_X`, :data:`EYE_Y`). Lengths are in IOD units unless stated. The
reference for every luminance is the cheek below each eye (same person, same light), so skin
tone and exposure cancel out. Pure functions: numbers out, no thresholds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from photocheck.landmarks import (
    EYE_CONTOUR_LEFT_IDX,
    EYE_CONTOUR_RIGHT_IDX,
)
from photocheck.measures.bounds import floor_within
from photocheck.measures.face import eye_level_affine
from photocheck.measures.lighting import linear_luminance
from photocheck.measures.order import mean, median, percentiles

IOD_PX = 128.0
CANVAS_W, CANVAS_H = 320, 184
EYE_Y = 80.0
EYE_LEFT_X, EYE_RIGHT_X = CANVAS_W / 2.0 - IOD_PX / 2.0, CANVAS_W / 2.0 + IOD_PX / 2.0

# Regions relative to an eye centre, IOD units (dx0, dx1, dy0, dy1), y down.
CHEEK_BOX = (-0.22, 0.22, 0.50, 0.72)  # below any lens: the skin reference
UNDER_EYE_BOX = (-0.2, 0.2, 0.13, 0.28)  # under the lens of any glasses, else skin
LENS_BOX = (-0.32, 0.32, -0.2, 0.3)  # where a lens sits
BRIDGE_BOX = (-0.1, 0.1, -0.3, 0.15)  # relative to the eyes' midpoint: a frame's bridge
RIM_COLUMNS = (-0.18, 0.18)  # columns searched for the lower rim
RIM_ROWS = (0.08, 0.55)
# glare: the eye opening grown by 3 px, blobs of at least 2×2 px
_GROW_7 = np.ones((7, 7), np.uint8)
_OPEN_2 = np.ones((2, 2), np.uint8)
# each eye's contour rows (a list turns into an index array on every call)
_CONTOURS = (np.array(EYE_CONTOUR_LEFT_IDX), np.array(EYE_CONTOUR_RIGHT_IDX))


@dataclass(frozen=True)
class EyeCanvas:
    """Both eyes in the face-aligned eye canvas.

    Attributes
    ----------
    bgr : numpy.ndarray
        uint8 ``(CANVAS_H, CANVAS_W, 3)``.
    points : numpy.ndarray
        ``(468, 2)`` FaceMesh points in canvas px.
    irises : numpy.ndarray
        ``(2, 5, 2)`` Iris-model points (image-left eye first; point 0 = centre), canvas px.
    """

    bgr: np.ndarray
    points: np.ndarray
    irises: np.ndarray


@dataclass(frozen=True)
class EyewearMeasures:
    """Numbers measured on both eyes; per-eye values are the worse of the two eyes.

    Attributes
    ----------
    lens_luminance_ratio : float
        Median luminance of the lens area over the cheek's (the darker eye).
    under_eye_ratio : float
        Median luminance just below the lower lid over the cheek's (the darker eye).
    lens_colour_shift : float
        Chromaticity distance (r, g) between the skin below the lower lid and the cheek
        (the larger eye): tinted or mirrored lenses shift it, clear lenses do not.
    frame_crossing : float
        Largest fraction of the eye-opening width crossed by one thin dark horizontal line
        inside the opening (lids excluded).
    rim_thickness_iod : float
        Median height of the dark band below the eye (lower rim), the thicker eye.
    glare_fraction : float
        Fraction of the lens area that is clipped or far brighter than the cheek, outside the
        iris (the catch-light in the pupil does not count), the larger eye.
    eye_contrast : float
        Spread (90th − 10th percentile) of luminance inside the eye opening over the cheek's
        luminance, the lower eye: low when hair or a dark lens hides the eye.
    frame_evidence : float
        :func:`bridge_coherence` between the eyes: 1.0 when a frame's bridge crosses the nose.
    """

    lens_luminance_ratio: float
    under_eye_ratio: float
    lens_colour_shift: float
    frame_crossing: float
    rim_thickness_iod: float
    glare_fraction: float
    eye_contrast: float
    frame_evidence: float = 0.0


def canvas_affine(points_xy: np.ndarray) -> np.ndarray:
    """Affine ``(2, 3)`` from the landmarks' pixel frame to the eye canvas."""
    return eye_level_affine(points_xy, IOD_PX, (CANVAS_W / 2.0, EYE_Y))


def eye_canvas(bgr: np.ndarray, image_to_canvas: np.ndarray, points_canvas: np.ndarray,
               irises_canvas: np.ndarray) -> EyeCanvas:
    """Warp an image into the eye canvas (area interpolation when shrinking)."""
    img = cv2.warpAffine(np.asarray(bgr, dtype=np.uint8), image_to_canvas, (CANVAS_W, CANVAS_H),
                         flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return EyeCanvas(bgr=img, points=np.asarray(points_canvas, dtype=np.float64)[:, :2],
                     irises=np.asarray(irises_canvas, dtype=np.float64).reshape(2, -1, 2))


def luminance(bgr: np.ndarray) -> np.ndarray:
    """Relative luminance (Rec. 709 on linear sRGB) in [0, 1], float32."""
    return linear_luminance(bgr)


def chromaticity(bgr: np.ndarray) -> np.ndarray:
    """(r, g) chromaticity, ``(..., 2)`` float32: independent of the light's intensity."""
    rgb = np.asarray(bgr, dtype=np.float32)[..., ::-1]
    total = rgb.sum(axis=-1, keepdims=True) + 1.0
    return rgb[..., :2] / total


def median_chromaticity(bgr: np.ndarray) -> np.ndarray:
    """``np.median(chromaticity(bgr).reshape(-1, 2), axis=0)`` of 8-bit colours, ``(2,)``
    float32: the r and g planes each divided and partitioned whole (a sum over a 3-long last
    axis and a median down a 2-wide column are numpy's slow paths)."""
    px = np.asarray(bgr, dtype=np.float32).reshape(-1, 3)
    # integer-valued float32 sums are exact, so the order of the channels does not matter
    total = px[:, 2] + px[:, 1] + px[:, 0] + np.float32(1.0)
    return np.array([median(px[:, 2] / total), median(px[:, 1] / total)], np.float32)


def box(centre: Sequence[float], spec: tuple[float, float, float, float],
        shape: tuple[int, ...]) -> tuple[slice, slice]:
    """Row and column slices of a box given relative to an eye centre (IOD units)."""
    h, w = shape[:2]
    x0 = floor_within(centre[0] + spec[0] * IOD_PX, 0, w - 1)
    x1 = floor_within(centre[0] + spec[1] * IOD_PX, x0 + 1, w)
    y0 = floor_within(centre[1] + spec[2] * IOD_PX, 0, h - 1)
    y1 = floor_within(centre[1] + spec[3] * IOD_PX, y0 + 1, h)
    return slice(y0, y1), slice(x0, x1)


def polygon_mask(shape: tuple[int, ...], polygon: np.ndarray) -> np.ndarray:
    """bool mask of a filled polygon (canvas px)."""
    mask = np.zeros(shape[:2], np.uint8)
    cv2.fillPoly(mask, [polygon.round().astype(np.int32)], 1)
    return mask.view(bool)  # 0 / 1 bytes are already bools: no copy


def frame_crossing(lum: np.ndarray, opening: np.ndarray, step_px: int = 3,
                   min_depth: float = 0.12, smooth: np.ndarray | None = None) -> float:
    """Largest fraction of the opening's width crossed by one thin dark line.

    In the middle 40 % (vertically) of the eye opening, a pixel is on a dark line when it is
    darker by more than ``min_depth`` (relative to the opening's 90th-percentile luminance)
    than both the pixels ``step_px`` above and below it. A frame rim crossing the eye gives
    one row where most columns are on such a line; the iris is dark over many rows (not a
    line) and the lids and lashes lie outside the middle band. ``smooth`` is ``lum`` blurred
    (σ 1 px) when the caller has it already (both eyes read one blur of the canvas).
    """
    if np.count_nonzero(opening) < 20:
        return 0.0
    # its first and last rows (the ufuncs themselves: ``.any`` and ``np.count_nonzero`` with
    # an axis go through Python wrappers)
    rows_in = np.logical_or.reduce(opening, axis=1).nonzero()[0]
    y0, y1 = rows_in[0], rows_in[-1]
    height = y1 - y0
    r0 = max(int(y0 + 0.3 * height), step_px)
    r1 = min(int(y1 - 0.3 * height), lum.shape[0] - step_px - 1)
    if r1 < r0:
        return 0.0
    if smooth is None:
        smooth = cv2.GaussianBlur(lum, (0, 0), 1.0)
    ref = percentiles(smooth[opening], (90,), weak=True)[0] + 1e-3
    # all rows of the middle band at once: row r against rows r − step and r + step
    mid = smooth[r0 : r1 + 1]
    above = (smooth[r0 - step_px : r1 + 1 - step_px] - mid) / ref
    below = (smooth[r0 + step_px : r1 + 1 + step_px] - mid) / ref
    cols = opening[r0 : r1 + 1]
    width = np.add.reduce(cols, axis=1)  # bool sums: the same intp counts
    on_line = np.add.reduce((np.minimum(above, below) > min_depth) & cols, axis=1)
    rows = width >= 6
    if not np.logical_or.reduce(rows):
        return 0.0
    return float(max(0.0, np.maximum.reduce(on_line[rows] / width[rows])))


def rim_thickness(lum: np.ndarray, centre: Sequence[float], cheek_lum: float,
                  dark_fraction: float = 0.45) -> float:
    """Median height (IOD units) of the longest dark band below one eye (the lower rim).

    Columns within :data:`RIM_COLUMNS` of the eye centre, rows :data:`RIM_ROWS` below it; a
    pixel is dark below ``dark_fraction`` of the cheek luminance. A dark run that already
    starts at the top of the window (touching the eye) is a shadow under the brow/eye or a dark
    lens, not a rim, and does not count.
    """
    rows, cols = box(centre, (RIM_COLUMNS[0], RIM_COLUMNS[1], RIM_ROWS[0], RIM_ROWS[1]),
                     lum.shape)
    dark = lum[rows, cols] < dark_fraction * cheek_lum
    if dark.size == 0:
        return 0.0
    # a row of zeros above and below, then numpy's ``np.diff`` (a[1:] − a[:-1]) in int8
    padded = np.zeros((dark.shape[0] + 2, dark.shape[1]), np.int8)
    padded[1:-1] = dark
    # column-major order pairs each column's run starts with its run ends
    diff = (padded[1:] - padded[:-1]).T
    start_col, start_row = (diff == 1).nonzero()
    _, end_row = (diff == -1).nonzero()
    keep = start_row > 2  # detached from the eye
    longest = np.zeros(dark.shape[1])
    np.maximum.at(longest, start_col[keep], (end_row - start_row)[keep])
    return median(longest) / IOD_PX


def glare_fraction(lum: np.ndarray, bgr: np.ndarray, centre: Sequence[float], iris: np.ndarray,
                   cheek_lum: float, opening: np.ndarray | None = None) -> float:
    """Fraction of one lens box that is specular glare, outside the eye opening and iris.

    Glare: luminance above 1.6 × the cheek's and above 0.6, or clipped (max channel ≥ 250)
    while the cheek itself is not near clipping, in blobs of at least 2×2 px. The iris disc
    (1.2 × its radius) and the eye opening (dilated 3 px: the white of the eye is bright) are
    left out, so the normal catch-light in the pupil does not count.
    """
    rows, cols = box(centre, LENS_BOX, lum.shape)
    sub = lum[rows, cols]
    lens = np.asarray(bgr[rows, cols])
    # a channel at 250 or more (numpy's max over a 3-long last axis is slow)
    clipped = ((lens[..., 0] >= 250) | (lens[..., 1] >= 250) | (lens[..., 2] >= 250)) & (
        cheek_lum < 0.6)
    bright = clipped | ((sub > 1.6 * cheek_lum) & (sub > 0.6))
    radius = float(mean(np.hypot(*(iris[1:] - iris[0]).T))) if len(iris) > 1 else 0.0
    radius = max(radius, 0.05 * IOD_PX)
    # the iris disc, tested at the few bright pixels only (the same distances per pixel)
    yy, xx = np.nonzero(bright)
    far = np.hypot(xx + cols.start - iris[0, 0], yy + rows.start - iris[0, 1]) > 1.2 * radius
    bright[yy[~far], xx[~far]] = False
    if opening is not None:
        grown = cv2.dilate(opening.view(np.uint8), _GROW_7).view(bool)
        bright &= ~grown[rows, cols]
    opened = cv2.morphologyEx(bright.view(np.uint8), cv2.MORPH_OPEN, _OPEN_2)
    # the mean of 0/1 pixels: an exact count over the size, as numpy's float64 mean gives it
    return np.count_nonzero(opened) / opened.size if opened.size else 0.0


def bridge_coherence(lum: np.ndarray, min_step: float = 0.06) -> float:
    """Positive evidence of a glasses frame: a horizontal edge right across the nose bridge.

    In :data:`BRIDGE_BOX` (between the eyes, from above the eye line to just below it) the
    vertical luminance step of each column (σ 1 px, central difference) counts as an edge
    when it exceeds ``min_step`` × the box's median luminance; the figure is the largest
    fraction of the box's columns with an edge on one row (± 1 row). A frame's bridge is a bar
    across the whole box (0.84–1.0 on the 21 photos with clear glasses of ../shared/photos);
    bare skin has none (0 on most bare faces; a brow shadow or a crease reaches 0.8–1.0 on a
    few percent), so the frame, thick-frame and glare rules need it before they speak.
    """
    x0, x1, y0, y1 = BRIDGE_BOX
    cx = CANVAS_W / 2.0
    c0, c1 = int(cx + x0 * IOD_PX), int(cx + x1 * IOD_PX)
    r0, r1 = max(1, int(EYE_Y + y0 * IOD_PX)), min(lum.shape[0] - 1, int(EYE_Y + y1 * IOD_PX))
    if r1 <= r0 or c1 <= c0:
        return 0.0
    smooth = cv2.GaussianBlur(lum[r0 - 1 : r1 + 1, c0:c1], (0, 0), 1.0)
    step = np.abs(smooth[2:] - smooth[:-2]) / 2.0
    ref = median(smooth) + 1e-3
    edge = step / ref > min_step
    near = edge.copy()
    near[1:] |= edge[:-1]
    near[:-1] |= edge[1:]
    # each row's mean of 0/1 values: an exact count over the width, as the float64 mean
    return float(np.maximum.reduce(mean(near, axis=1)))


def measure_eyewear(canvas: EyeCanvas) -> EyewearMeasures:
    """Every eyewear and eye-visibility measure of one eye canvas."""
    lum = luminance(canvas.bgr)
    smooth = cv2.GaussianBlur(lum, (0, 0), 1.0)  # one blur for both eyes' frame crossing
    lens, under, shift, cross, rim, glare, contrast = [], [], [], [], [], [], []
    for contour, iris in zip(_CONTOURS, canvas.irises, strict=True):
        outline = canvas.points[contour]
        # the actual eye centre from the mesh corners (the canvas puts the midpoint exactly)
        (x0, y0), (x1, y1) = outline[0].tolist(), outline[8].tolist()
        centre = ((x0 + x1) / 2, (y0 + y1) / 2)  # box reads two numbers: no array
        cheek = box(centre, CHEEK_BOX, lum.shape)
        cheek_lum = max(median(lum[cheek]), 1e-3)
        # chromaticity is per pixel: only the two boxes it is compared on are converted
        cheek_chrom = median_chromaticity(canvas.bgr[cheek])
        lens.append(median(lum[box(centre, LENS_BOX, lum.shape)]) / cheek_lum)
        under_box = box(centre, UNDER_EYE_BOX, lum.shape)
        under.append(median(lum[under_box]) / cheek_lum)
        # ``np.linalg.norm`` of a float32 vector: the root of its dot with itself, in float32
        d = median_chromaticity(canvas.bgr[under_box]) - cheek_chrom
        shift.append(float(np.sqrt(d.dot(d))))
        opening = polygon_mask(lum.shape, outline)
        cross.append(frame_crossing(lum, opening, smooth=smooth))
        rim.append(rim_thickness(lum, centre, cheek_lum))
        glare.append(glare_fraction(lum, canvas.bgr, centre, iris, cheek_lum, opening))
        values = lum[opening]
        if len(values) >= 10:
            p10, p90 = percentiles(values, (10, 90))
            contrast.append((p90 - p10) / cheek_lum)
        else:
            contrast.append(0.0)
    return EyewearMeasures(
        lens_luminance_ratio=min(lens), under_eye_ratio=min(under),
        lens_colour_shift=max(shift), frame_crossing=max(cross),
        rim_thickness_iod=max(rim), glare_fraction=max(glare), eye_contrast=min(contrast),
        frame_evidence=bridge_coherence(lum),
    )
