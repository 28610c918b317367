"""Face measures: pure numpy/OpenCV, numbers out, no thresholds, no I/O.

Inputs are landmark arrays (FaceMesh 468, Iris 71 + 5) and small BGR crops; the rules that
compare them live in ``photocheck/checks/{face,pose,eyes,expression}.py``.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from photocheck.landmarks import EYE_LEFT_IDX, EYE_RIGHT_IDX
from photocheck.measures.order import mean, median

# Iris-model contour: 0 outer corner, 1–7 lower lid, 8 inner corner, 9–15 upper lid.
_LOWER_LID = (1, 2, 3, 4, 5, 6, 7)
_UPPER_LID = (9, 10, 11, 12, 13, 14, 15)
# the same picks as index arrays built once (a list turns into one on every call)
_LOWER_ROWS = np.array([0, *_LOWER_LID, 8])
_UPPER_ROWS = np.array(_UPPER_LID)


# each eye's two mesh corners as index arrays, built once
_EYE_LEFT_ROWS, _EYE_RIGHT_ROWS = np.array(EYE_LEFT_IDX), np.array(EYE_RIGHT_IDX)


def eye_centres(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The image-left and image-right eye centres: the mean of each eye's two FaceMesh corners
    (:data:`~photocheck.landmarks.EYE_LEFT_IDX`, ``EYE_RIGHT_IDX``), ``(2,)`` each, in the
    points' own dtype and px."""
    return mean(points[_EYE_LEFT_ROWS, :2], axis=0), mean(points[_EYE_RIGHT_ROWS, :2], axis=0)


def eye_level_affine(points_xy: np.ndarray, iod_px: float, eyes_xy: tuple[float, float]
                     ) -> np.ndarray:
    """Affine ``(2, 3)`` from the landmarks' pixel frame to a canvas where the eyes are level,
    ``iod_px`` apart, their midpoint at ``eyes_xy`` (the eye and head canvases).

    Parameters
    ----------
    points_xy : numpy.ndarray
        ``(468, 2+)`` FaceMesh points in some image's px.
    """
    pts = np.asarray(points_xy, dtype=np.float64)[:, :2]
    left, right = eye_centres(pts)
    centre = (left + right) / 2.0
    vec = right - left
    scale = iod_px / max(float(np.hypot(*vec)), 1e-6)
    angle = np.arctan2(vec[1], vec[0])
    cos, sin = np.cos(-angle) * scale, np.sin(-angle) * scale
    lin = np.array([[cos, -sin], [sin, cos]])
    return np.column_stack([lin, np.array(eyes_xy, np.float64) - lin @ centre])


def _aligned(points: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Points in a frame with origin ``a`` and +x along ``a → b`` (units px)."""
    d = np.asarray(b, np.float64) - np.asarray(a, np.float64)
    ang = math.atan2(d[1], d[0])
    c, s = math.cos(ang), math.sin(ang)
    rot = np.array([[c, s], [-s, c]])
    return (np.asarray(points, np.float64) - a) @ rot.T


def eye_openness(contour: np.ndarray) -> float:
    """Eye aspect ratio from the Iris-model contour: the mean lid gap over the eye width.

    The gap is measured perpendicular to the corner line at the x of each upper-lid point
    (lower lid interpolated there). Open adult eyes give about 0.25–0.45, closed eyes < 0.1.

    Parameters
    ----------
    contour : numpy.ndarray
        ``(>= 16, 2)`` Iris-model eye contour, px.
    """
    c = np.asarray(contour, np.float64)
    local = _aligned(c[:16], c[0], c[8])
    width = float(local[8, 0])
    if width <= 1e-6:
        return 0.0
    lower = local[_LOWER_ROWS]
    order = lower[:, 0].argsort()
    upper = local[_UPPER_ROWS]
    lower_y = np.interp(upper[:, 0], lower[order, 0], lower[order, 1])
    # |gap|: the frame's y axis flips for the mirrored (image-right) eye, whose contour runs
    # from the image-right corner
    gap = np.abs(lower_y - upper[:, 1])
    return float(mean(gap) / width)


def iris_contrast(bgr: np.ndarray, contour: np.ndarray, iris: np.ndarray) -> float:
    """How much darker the iris is than the rest of the eye opening, along the eye's axis.

    An open eye shows sclera – iris – sclera along the line between its corners; a closed eye
    shows lid skin, or a lash line that is equally dark from corner to corner. A thin strip
    (±3 % of the eye width) is sampled along the mid-line between the lids; its luminance
    profile inside the iris (within 0.6 iris radius of the iris centre) is compared with the
    brighter outer parts (80th percentile beyond 1.1 radius), relative to the lid skin
    (median luminance of the box around the eye, ±35 % of its width). ICAO 9303-3 asks for
    eyes open and clearly visible; this tells a narrow open eye from a closed one whose lids
    still look apart.

    Parameters
    ----------
    bgr : numpy.ndarray
        uint8 BGR image holding the eye (only a small crop is read).
    contour : numpy.ndarray
        ``(>= 16, 2)`` Iris-model eye contour in the image's px (0, 8 the corners).
    iris : numpy.ndarray
        ``(5, 2)`` iris centre and four edge points in the image's px.

    Returns
    -------
    float
        ``(outer − iris) / skin`` luminance; open eyes ≳ 0.2, closed eyes ≈ 0 (nan when the
        eye is degenerate or off the image).
    """
    c = np.asarray(contour, np.float64)[:16]
    ir = np.asarray(iris, np.float64)
    a, b = c[0], c[8]
    width = float(np.hypot(*(b - a)))
    if width < 4.0 or bgr.size == 0:
        return math.nan
    h, w = bgr.shape[:2]
    margin = 0.35 * width
    x0, y0 = (int(max(0.0, v - margin)) for v in c.min(axis=0))
    x1, y1 = int(min(w, c[:, 0].max() + margin + 1)), int(min(h, c[:, 1].max() + margin + 1))
    if x1 - x0 < 3 or y1 - y0 < 3:
        return math.nan
    grey = cv2.cvtColor(bgr[y0:y1, x0:x1], cv2.COLOR_BGR2GRAY)
    skin = max(float(np.median(grey)), 16.0)
    ux = (b - a) / width
    uy = np.array([-ux[1], ux[0]])
    mid = float(((c[1:16] - a) @ uy).mean())  # lid mid-line offset from the corner line
    n = max(8, int(round(width)))
    along = np.linspace(0.05, 0.95, n) * width
    across = mid + np.linspace(-0.03, 0.03, 5) * width
    xs = a[0] - x0 + along[None, :] * ux[0] + across[:, None] * uy[0]
    ys = a[1] - y0 + along[None, :] * ux[1] + across[:, None] * uy[1]
    strip = cv2.remap(grey, xs.astype(np.float32), ys.astype(np.float32), cv2.INTER_LINEAR,
                      borderMode=cv2.BORDER_REPLICATE)
    profile = strip.astype(np.float64).mean(axis=0)
    radius = float(np.hypot(*(ir[1:] - ir[0]).T).mean())
    centre = float((ir[0] - a) @ ux)
    inside = np.abs(along - centre) <= 0.6 * radius
    outside = np.abs(along - centre) >= 1.1 * radius
    if not inside.any() or not outside.any():
        return math.nan
    return float((np.percentile(profile[outside], 80) - profile[inside].mean()) / skin)


def mouth_opening(points: np.ndarray) -> float:
    """Inner-lip gap (13–14) over the inner mouth width (78–308); ~0 closed, > 0.1 open."""
    p = np.asarray(points, np.float64)[:, :2]
    width = float(np.hypot(*(p[308] - p[78])))
    return float(np.hypot(*(p[14] - p[13])) / width) if width > 1e-6 else 0.0


def polygon_mask(shape: tuple[int, int], polygon: np.ndarray) -> np.ndarray:
    """Boolean mask ``(h, w)`` of a filled polygon (px, sub-pixel precision)."""
    mask = np.zeros(shape, np.uint8)
    pts = np.round(np.asarray(polygon, np.float64) * 16).astype(np.int32)
    cv2.fillPoly(mask, [pts], 1, lineType=cv2.LINE_8, shift=4)
    return mask.view(bool)  # 0 / 1 bytes are already bools: no copy


# Skin whose median HSV saturation is below this (of 255) is from a greyscale image.
GREY_SKIN_SAT = 10.0


def teeth_area(bgr: np.ndarray, lips: np.ndarray, mouth_width_px: float,
               skin_bgr: np.ndarray | None = None) -> float:
    """Area of visible teeth inside the inner-lip polygon over the mouth width squared.

    Teeth are bright, low-saturation pixels: HSV saturation below 0.35 (or below 60 % of the
    skin's) and value above 0.8× the skin's median value (or above 140 when no skin reference;
    above 1.05× when the skin has no colour: a greyscale image, whose lips are colourless too).

    Parameters
    ----------
    bgr : numpy.ndarray
        uint8 BGR crop holding the mouth.
    lips : numpy.ndarray
        ``(N, 2)`` inner-lip polygon in the crop's px.
    mouth_width_px : float
        Mouth-corner distance in the crop's px.
    skin_bgr : numpy.ndarray, optional
        uint8 BGR pixels of cheek skin (reference brightness / saturation).
    """
    if mouth_width_px <= 1e-6:
        return 0.0
    inside = polygon_mask(bgr.shape[:2], lips)
    # the ufunc reductions themselves (``.any`` and ``flatnonzero`` add Python wrappers)
    rows = np.nonzero(np.logical_or.reduce(inside, axis=1))[0]
    cols = np.nonzero(np.logical_or.reduce(inside, axis=0))[0]
    if not rows.size:
        return 0.0
    # HSV of the polygon's bounding box only (a per-pixel conversion): the same pixels, read
    # in the same row-major order
    box = (slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1))
    inside = inside[box]
    hsv = cv2.cvtColor(np.ascontiguousarray(bgr[box]), cv2.COLOR_BGR2HSV)
    picked = hsv[inside].astype(np.float64)  # (n, 3): one masked read for both channels
    sat, val = picked[:, 1], picked[:, 2]
    max_sat, min_val = 0.35 * 255.0, 140.0
    if skin_bgr is not None and skin_bgr.size:
        skin = cv2.cvtColor(skin_bgr.reshape(-1, 1, 3), cv2.COLOR_BGR2HSV).reshape(-1, 3)
        # np.median's figures (the middle pair's float64 mean) by one partition each
        skin_sat = median(skin[:, 1].astype(np.float64))
        skin_val = median(skin[:, 2].astype(np.float64))
        max_sat = max(0.6 * skin_sat, 0.12 * 255.0)
        min_val = 0.8 * skin_val
        if skin_sat < GREY_SKIN_SAT:
            # a greyscale image (a greyscale scan): lips are as colourless as teeth, so only
            # brightness tells them apart — teeth are brighter than the skin, lips are not
            min_val = 1.05 * skin_val
    teeth = (sat <= max_sat) & (val >= min_val)
    return float(np.count_nonzero(teeth) / mouth_width_px**2)


def red_fraction(bgr: np.ndarray, centre: np.ndarray, radius_px: float) -> float:
    """Fraction of the pupil disc (``radius_px``) whose red dominates: R > 2·max(G, B) and
    R > 100 (red-eye, ICAO "no red eye"; a dark brown iris stays below both).

    Parameters
    ----------
    bgr : numpy.ndarray
        uint8 BGR image or crop.
    centre : numpy.ndarray
        Pupil centre ``(2,)`` in its px.
    """
    h, w = bgr.shape[:2]
    r = max(1.0, float(radius_px))
    x0, x1 = max(0, int(centre[0] - r)), min(w, int(math.ceil(centre[0] + r)) + 1)
    y0, y1 = max(0, int(centre[1] - r)), min(h, int(math.ceil(centre[1] + r)) + 1)
    if x1 <= x0 or y1 <= y0:
        return 0.0
    # the squared distances of np.mgrid's grid, built from one row and one column (the same
    # per-axis terms, summed per pixel)
    dx2 = (np.arange(x0, x1) + 0.5 - centre[0]) ** 2
    dy2 = (np.arange(y0, y1) + 0.5 - centre[1]) ** 2
    disc = dx2[None, :] + dy2[:, None] <= r * r
    n = np.count_nonzero(disc)
    if not n:
        return 0.0
    px = bgr[y0:y1, x0:x1][disc].astype(np.float64)  # (n, 3): one masked read
    b, g, red = px[:, 0], px[:, 1], px[:, 2]
    # the mean of the bools is their count over n (both exact, one rounding)
    return float(np.count_nonzero((red > 2.0 * np.maximum(g, b)) & (red > 100.0)) / n)


def gaze_offset(iris_centre: np.ndarray, outer: np.ndarray, inner: np.ndarray,
                upper: np.ndarray, lower: np.ndarray) -> tuple[float, float]:
    """Iris centre offset from the eye centre, as fractions of the eye width.

    Returns
    -------
    horizontal : float
        Along the corner line, positive towards the image right.
    vertical : float
        Perpendicular to it (after subtracting the lid mid-point), positive down.
    """
    a, b = np.asarray(outer, np.float64), np.asarray(inner, np.float64)
    left, right = (a, b) if a[0] <= b[0] else (b, a)
    pts = _aligned(np.array([iris_centre, upper, lower]), left, right)
    width = float(np.hypot(*(right - left)))
    if width <= 1e-6:
        return 0.0, 0.0
    horizontal = (pts[0, 0] - width / 2.0) / width
    vertical = (pts[0, 1] - (pts[1, 1] + pts[2, 1]) / 2.0) / width
    return float(horizontal), float(vertical)


def keypoint_yaw_deg(keypoints: np.ndarray) -> float:
    """Rough yaw from the 6 BlazeFace keypoints when no mesh is available (profile views).

    The nose tip's offset from the eye mid-point along the eye line, relative to half the
    ear-to-ear (tragion) distance, read as the sine of the turn; positive: turned towards the
    image right.
    """
    k = np.asarray(keypoints, np.float64)
    eye_mid = (k[0] + k[1]) / 2.0
    ears = k[5] - k[4]
    half = float(np.hypot(*ears)) / 2.0
    if half <= 1e-6:
        return 0.0
    axis = ears / (2.0 * half)
    off = float((k[2] - eye_mid) @ axis)
    return math.degrees(math.asin(float(np.clip(off / (0.6 * half), -1.0, 1.0))))
