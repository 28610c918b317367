"""Headwear measures: hats, headbands and coverings that hide the face outline.

J-LIS refuses a hat ("無帽": no hat), a wide headband that hides the head, and any covering or
accessory that hides the face outline; with a declared religious or medical covering the face
from the forehead to the chin and both cheeks must stay visible (ICAO 9303-3 §3.8: the face
outline from the bottom of the chin to the top of the forehead and both edges of the face).

Whether a hat or scarf is worn at all is read by a classifier on image features
(:mod:`photocheck.classifiers`); these are the geometric and colour measures of the headband
and of the face outline, in a face-aligned *head canvas*: the image and the head matte are
warped so that the eyes are level, the inter-ocular distance (IOD) is :data:`IOD_PX` and the
eye midpoint sits at (:data:`EYE_X`, :data:`EYE_Y`). Lengths below are in IOD units unless
stated. Pure functions: numbers out, no thresholds.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from photocheck.landmarks import EYE_LEFT_IDX, EYE_RIGHT_IDX
from photocheck.measures.bounds import floor_within
from photocheck.measures.colour import lab_u8
from photocheck.measures.face import eye_level_affine
from photocheck.measures.order import mean, median
from photocheck.measures.silhouette import component_at

IOD_PX = 64.0
CANVAS_W, CANVAS_H = 384, 448
EYE_X, EYE_Y = CANVAS_W / 2.0, 4.0 * IOD_PX

# FaceMesh indices.
FOREHEAD_TOP = 10
CHIN = 152
OVAL_LEFT, OVAL_RIGHT = 234, 454
EYE_CORNERS_LEFT, EYE_CORNERS_RIGHT = EYE_LEFT_IDX, EYE_RIGHT_IDX  # (33, 133), (362, 263)
BROWS = (70, 63, 105, 66, 107, 336, 296, 334, 293, 300)
BROW_OUTER_LEFT, BROW_OUTER_RIGHT = 70, 300
# Face-oval segments (MediaPipe FACEMESH_FACE_OVAL), image-left = subject's right.
OVAL_CHEEK_LEFT = (234, 93, 132, 58, 172)
OVAL_CHEEK_RIGHT = (454, 323, 361, 288, 397)
OVAL_CHIN = (136, 150, 149, 176, 148, 152, 377, 400, 378, 379, 365)

# The points face_like's window covers; the oval points oval_visibility samples, by segment.
_FACE_WINDOW_IDX = list(OVAL_CHEEK_LEFT + OVAL_CHEEK_RIGHT + OVAL_CHIN + BROWS)
_OVAL_SEGMENTS = (("cheek_left", OVAL_CHEEK_LEFT), ("cheek_right", OVAL_CHEEK_RIGHT),
                  ("chin", OVAL_CHIN))
_OVAL_IDX = [i for _, idx in _OVAL_SEGMENTS for i in idx]
# index arrays and constants built once (a list or literal turns into an array every call)
_EYE_ROWS = np.array(EYE_CORNERS_LEFT + EYE_CORNERS_RIGHT)
_OVAL_SIDES = np.array([OVAL_LEFT, OVAL_RIGHT])
_BROW_ROWS = np.array(BROWS)
_LAST_ROW = np.array([[0.0, 0.0, 1.0]])
_LEVELS = np.arange(256, dtype=np.float32)[:, None]
_L_WIDER = np.array([1.2, 1.0, 1.0], np.float32)
_OPEN_KERNEL = np.ones((3, 3), np.uint8)

# Oval samples sit this far inside the outline (toward the nose tip), IOD units: the mesh
# outline itself often lies on hair or a covering's edge.
INSET_IOD = 0.18

@dataclass(frozen=True)
class HeadCanvas:
    """The head in the face-aligned canvas.

    Attributes
    ----------
    bgr : numpy.ndarray
        uint8 ``(CANVAS_H, CANVAS_W, 3)`` BGR.
    alpha : numpy.ndarray
        float32 ``(CANVAS_H, CANVAS_W)`` person/head matte in [0, 1].
    points : numpy.ndarray
        ``(468, 2)`` FaceMesh points in canvas px.
    """

    bgr: np.ndarray
    alpha: np.ndarray
    points: np.ndarray


@dataclass(frozen=True)
class HeadwearMeasures:
    """Numbers measured on one head (IOD units unless stated).

    Attributes
    ----------
    band_contrast : float
        Largest colour difference (ΔE, 8-bit Lab) of a thin horizontal band across the top of
        the head from the hair both above and below it (a headband).
    band_height_iod : float
        Height of that band.
    oval_visibility : dict
        Fraction of face (skin or beard) samples along each face-oval segment: ``forehead``,
        ``cheek_left``, ``cheek_right``, ``chin``.
    """

    band_contrast: float
    band_height_iod: float
    oval_visibility: dict[str, float]


def canvas_affine(points_xy: np.ndarray) -> np.ndarray:
    """Affine ``(2, 3)`` from the landmarks' pixel frame to the head canvas.

    Parameters
    ----------
    points_xy : numpy.ndarray
        ``(468, 2+)`` FaceMesh points in some image's px.
    """
    return eye_level_affine(points_xy, IOD_PX, (EYE_X, EYE_Y))


def compose(outer: np.ndarray, inner: np.ndarray) -> np.ndarray:
    """The affine ``outer ∘ inner`` (apply ``inner`` first), both ``(2, 3)``."""
    o = np.concatenate([outer, _LAST_ROW])
    i = np.concatenate([inner, _LAST_ROW])
    return (o @ i)[:2]


def head_canvas(bgr: np.ndarray, image_to_canvas: np.ndarray, alpha: np.ndarray,
                alpha_to_canvas: np.ndarray, points_canvas: np.ndarray) -> HeadCanvas:
    """Warp an image and a matte into the head canvas.

    Parameters
    ----------
    bgr : numpy.ndarray
        uint8 BGR image.
    image_to_canvas, alpha_to_canvas : numpy.ndarray
        ``(2, 3)`` affines from each array's px to canvas px.
    alpha : numpy.ndarray
        float ``(h, w)`` matte in [0, 1].
    points_canvas : numpy.ndarray
        ``(468, 2)`` landmarks already in canvas px.
    """
    size = (CANVAS_W, CANVAS_H)
    img = cv2.warpAffine(np.asarray(bgr, dtype=np.uint8), image_to_canvas, size,
                         flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE)
    al = cv2.warpAffine(np.asarray(alpha, dtype=np.float32), alpha_to_canvas, size,
                        flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    return HeadCanvas(bgr=img, alpha=np.clip(al, 0.0, 1.0, out=al),
                      points=np.asarray(points_canvas, dtype=np.float64)[:, :2])


def cheek_stats(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Median and spread of the cheek skin colour, the reference of :func:`skin_mask`.

    Parameters
    ----------
    values : numpy.ndarray
        ``(n, 3)`` Lab (OpenCV 8-bit scaling) of the cheek pixels (:func:`cheek_pixels`).

    Returns
    -------
    (mu, sd) : tuple of numpy.ndarray
        ``(3,)`` each; ``sd`` has floors (8 in L, 3 in a and b) so uniform skin is not
        over-tight. Fewer than 8 pixels give a generic skin (150, 145, 150) ± (20, 8, 8).
    """
    if len(values) < 8:
        return np.array([150.0, 145.0, 150.0]), np.array([20.0, 8.0, 8.0])
    # np.median(values, axis=0), one column at a time (numpy's figures, less overhead)
    mu = np.array([median(values[:, i]) for i in range(values.shape[1])])
    sd = np.maximum(values.std(axis=0), [8.0, 3.0, 3.0])
    return mu, sd.astype(np.float64)


def skin_mask(lab: np.ndarray, mu: np.ndarray, sd: np.ndarray, z: float = 2.5,
              window: tuple[int, int, int, int] | None = None) -> np.ndarray:
    """Pixels whose colour is within ``z`` spreads of the skin in a, b (and 1.2 z in L).

    The headband search (J-LIS: no wide headband) reads the non-skin head pixels only
    (:func:`band_rows`), so bare forehead is not taken for a band. Each test
    ``|level − mu| < limit`` (float32, strict) is made once for each of the 256 levels of a
    channel and looked up per pixel. Small specks are removed with a 3×3 opening.

    Parameters
    ----------
    lab : numpy.ndarray
        uint8 ``(h, w, 3)`` Lab in OpenCV's 8-bit scaling.
    mu, sd : numpy.ndarray
        ``(3,)`` skin colour and spread (:func:`cheek_stats`).
    z : float
        Spreads allowed.
    window : tuple of int, optional
        ``(r0, r1, c0, c1)`` limits the mask to those rows and columns (False elsewhere), the
        only part a caller reads: computed there with a 2-px margin, the reach of the opening,
        so its pixels there are those of the whole mask.

    Returns
    -------
    numpy.ndarray
        bool ``(h, w)``.
    """
    if window is not None:
        full = np.asarray(lab)
        h, w = full.shape[:2]
        r0, r1 = min(max(window[0], 0), h), min(max(window[1], 0), h)
        c0, c1 = min(max(window[2], 0), w), min(max(window[3], 0), w)
        out = np.zeros((h, w), bool)
        if r1 > r0 and c1 > c0:
            y0, x0 = max(r0 - 2, 0), max(c0 - 2, 0)
            part = skin_mask(full[y0 : min(r1 + 2, h), x0 : min(c1 + 2, w)], mu, sd, z)
            out[r0:r1, c0:c1] = part[r0 - y0 : r1 - y0, c0 - x0 : c1 - x0]
        return out
    lim = (np.asarray(sd, dtype=np.float32) * np.float32(z)) * _L_WIDER
    table = (np.abs(_LEVELS - np.asarray(mu, dtype=np.float32)) < lim).astype(np.uint8)
    ok_l, ok_a, ok_b = cv2.split(cv2.LUT(lab, table.reshape(256, 1, 3)))  # level → 0 / 1
    skin = cv2.bitwise_and(cv2.bitwise_and(ok_a, ok_b), ok_l)
    opened = cv2.morphologyEx(skin, cv2.MORPH_OPEN, _OPEN_KERNEL)
    return opened.view(bool)  # 0 / 1 bytes are already bools: no copy


def crown_row(alpha: np.ndarray, points: np.ndarray, threshold: float = 0.5) -> float:
    """First canvas row where the matte covers half of the central face column.

    The column is the middle 60 % of the face width (oval sides 234 / 454). Returns 0 when the
    head reaches the canvas top, and the forehead row when the matte holds nothing above it.
    """
    x0, x1 = points[OVAL_LEFT, 0], points[OVAL_RIGHT, 0]
    cx, fw = (x0 + x1) / 2.0, abs(x1 - x0)
    c0 = floor_within(cx - 0.3 * fw, 0, alpha.shape[1] - 1)
    c1 = floor_within(cx + 0.3 * fw, c0 + 1, alpha.shape[1])
    # each row's share: an exact count over the width, as the float64 mean of the bools
    # (the bool sums are ``np.count_nonzero``'s intp counts, without its Python wrapper)
    cover = np.add.reduce(alpha[:, c0:c1] > threshold, axis=1) / (c1 - c0)
    rows = (cover > 0.5).nonzero()[0]
    if len(rows) == 0:
        return float(points[FOREHEAD_TOP, 1])
    return float(min(rows[0], points[FOREHEAD_TOP, 1]))


def head_component(alpha: np.ndarray, points: np.ndarray, threshold: float = 0.5
                   ) -> np.ndarray:
    """The matte's connected region that holds the forehead (drops other people and objects).

    The seed is 15 % of the way from the mesh forehead top to the chin. Returns the thresholded
    matte unchanged when the seed is not on it.
    """
    binary = (alpha > threshold).astype(np.uint8)
    seed = points[FOREHEAD_TOP] + 0.15 * (points[CHIN] - points[FOREHEAD_TOP])
    sx = min(max(round(seed[0]), 0), alpha.shape[1] - 1)
    sy = min(max(round(seed[1]), 0), alpha.shape[0] - 1)
    if not binary[sy, sx]:
        return binary.astype(bool)
    return component_at(binary, sx, sy)


def band_box(shape: tuple[int, ...], crown_y: float,
             points: np.ndarray) -> tuple[int, int, int, int]:
    """Rows ``r0:r1`` (crown to brows) and columns ``c0:c1`` (the middle 60 % of the face
    width) that :func:`band_rows` reads."""
    x0, x1 = points[OVAL_LEFT, 0], points[OVAL_RIGHT, 0]
    cx, fw = (x0 + x1) / 2.0, abs(x1 - x0)
    c0, c1 = int(max(cx - 0.3 * fw, 0)), int(min(cx + 0.3 * fw, shape[1]))
    r0 = int(max(crown_y, 0))
    r1 = int(min(np.minimum.reduce(points[_BROW_ROWS, 1]), shape[0]))
    return r0, r1, c0, c1


def band_rows(lab: np.ndarray, alpha: np.ndarray, skin: np.ndarray, crown_y: float,
              points: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """The row profile :func:`headband` searches: cumulative sums of the row-mean colours of
    the non-skin head pixels in the central columns between the crown and the brows (a row
    counts when at least 30 % of its columns do), and of the counted rows; ``(n + 1, 3)`` and
    ``(n + 1,)``, or None when there is no room. ``lab`` is float, or uint8 (8-bit Lab): the
    same figures as from its float32 copy."""
    r0, r1, c0, c1 = band_box(lab.shape, crown_y, points)
    if r1 - r0 < 8 or c1 - c0 < 4:
        return None
    sub = lab[r0:r1, c0:c1]
    keep = (alpha[r0:r1, c0:c1] > 0.5) & ~skin[r0:r1, c0:c1]
    counts = np.add.reduce(keep, axis=1)  # ``.sum``'s int64 counts, without its wrapper
    valid = counts >= 0.3 * (c1 - c0)
    if np.count_nonzero(valid) < 8:
        return None
    if sub.dtype == np.uint8:
        # integer sums (OpenCV's row reduction, numpy's sum over a middle axis is slow): exact,
        # as are the float32 sums of the float32 copy (integers below 2^24), so the same
        masked = cv2.bitwise_and(sub, sub, mask=keep.view(np.uint8))
        sums = cv2.reduce(masked, 1, cv2.REDUCE_SUM, dtype=cv2.CV_32S).reshape(len(sub), -1)
    else:
        # the mask repeated per channel (numpy broadcasts a trailing axis of 1 slowly): the
        # same products in the same layout, so the same sums
        sums = (sub * cv2.merge([keep.view(np.uint8)] * sub.shape[2])).sum(axis=1)
    rows = np.where(valid[:, None], sums / np.maximum(counts, 1)[:, None], 0.0)
    return (np.concatenate([np.zeros((1, 3)), np.cumsum(rows, axis=0)]),
            np.concatenate([[0.0], np.cumsum(valid.astype(np.float64))]))


def headband(lab: np.ndarray, alpha: np.ndarray, skin: np.ndarray, crown_y: float,
             points: np.ndarray) -> tuple[float, float]:
    """A horizontal band of another colour across the top of the head, with hair above it.

    Works on the row-mean colour of the non-skin head pixels in the central columns between
    the crown and the brows. For every band (about 0.08–0.6 IOD high, even px) it takes the
    smaller colour difference to the rows above and to the rows below; a headband differs
    from both, a hat (nothing above) or a hairline (hair above only) does not.

    Returns
    -------
    (contrast, height_iod) : tuple of float
        ΔE of the best band (8-bit Lab) and its height; ``(0, 0)`` when there is no room.
    """
    profile = band_rows(lab, alpha, skin, crown_y, points)
    if profile is None:
        return 0.0, 0.0
    csum, ccount = profile
    n = len(csum) - 1
    margin = max(2, int(0.1 * IOD_PX))
    # every band height × every top row at once (a top too low for a height is masked out)
    heights = np.arange(2 * max(1, int(0.04 * IOD_PX)), int(0.6 * IOD_PX) + 1, 2)[:, None]
    tops = np.arange(2 * margin, n - 2 * margin + 1)[None, :]
    if tops.size == 0:
        return 0.0, 0.0

    def window(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        lo, hi = np.minimum(lo, n), np.minimum(hi, n)  # masked positions only
        cnt = ccount[hi] - ccount[lo]
        return (csum[hi] - csum[lo]) / np.maximum(cnt, 1.0)[..., None], cnt

    band, n_band = window(tops, tops + heights)
    above, n_above = window(tops - 2 * margin, tops)
    below, n_below = window(tops + heights, tops + heights + 2 * margin)
    ok = ((tops <= n - heights - 2 * margin) & (n_band >= 0.7 * heights)
          & (n_above >= margin) & (n_below >= margin))
    contrast = np.minimum(_norm3(band - above), _norm3(band - below))
    per_height = np.maximum.reduce(np.where(ok, contrast, 0.0), axis=1)
    # the first height reaching the largest contrast (none when no band differs at all)
    i = int(np.argmax(per_height))
    if per_height[i] <= 0.0:
        return 0.0, 0.0
    return float(per_height[i]), float(heights[i, 0]) / IOD_PX


def _norm3(v: np.ndarray) -> np.ndarray:
    """``np.linalg.norm(v, axis=-1)`` over a last axis of 3, bit for bit: the squares summed
    in numpy's order, first two then the third (its reduction over a 3-long axis is slow)."""
    x, y, z = v[..., 0], v[..., 1], v[..., 2]
    return np.sqrt(x * x + y * y + z * z)


def face_like(bgr: np.ndarray, points: np.ndarray, z: float = 3.0,
              min_value: float = 20.0, cheek: np.ndarray | None = None) -> np.ndarray:
    """Skin (lit or in shadow) or beard: pixels whose chromaticity matches the cheek skin.

    Computed in a window around the face oval and brows (False elsewhere).

    Chromaticity (r, g over r + g + b) barely changes between lit and shaded skin, so a cheek
    in shadow still counts; a cloth of another colour does not. Near-black pixels (max channel
    below ``min_value``) carry no usable chromaticity and count as not face. Dark, weakly
    saturated pixels darker than the skin (beard, stubble) count as face: a beard does not
    hide the outline.

    Parameters
    ----------
    bgr : numpy.ndarray
        uint8 BGR canvas.
    points : numpy.ndarray
        ``(468, 2)`` canvas px (the cheek patches give the skin sample).
    cheek : numpy.ndarray, optional
        ``cheek_pixels(bgr, points)`` when the caller has them already.
    """
    full = np.asarray(bgr)
    out = np.zeros(full.shape[:2], dtype=bool)
    # only the face (oval and brows ± 0.4 IOD) is ever sampled: work on that window
    pad = 0.4 * IOD_PX
    face_pts = points[_FACE_WINDOW_IDX]
    (xmin, ymin), (xmax, ymax) = (np.minimum.reduce(face_pts, axis=0),
                                  np.maximum.reduce(face_pts, axis=0))
    x0 = floor_within(xmin - pad, 0, full.shape[1] - 1)
    x1 = floor_within(xmax + pad, x0 + 1, full.shape[1])
    y0 = floor_within(ymin - pad, 0, full.shape[0] - 1)
    y1 = floor_within(ymax + pad, y0 + 1, full.shape[0])
    if cheek is None:
        cheek = cheek_pixels(full, points)
    if len(cheek) < 8:
        out[:] = True
        return out
    win = full[y0:y1, x0:x1]
    # per channel (integer-valued float32 sums are exact, so the order does not matter)
    b, g, r = (win[..., i].astype(np.float32) for i in range(3))
    cheek_rgb = cheek[:, ::-1].astype(np.float32)
    # the channels added column by column (exact integer sums; numpy's reduction over a
    # 3-long last axis is slow)
    cheek_total = cheek_rgb[:, 0] + cheek_rgb[:, 1] + cheek_rgb[:, 2] + np.float32(1.0)
    cheek_chroma = cheek_rgb[:, :2] / cheek_total[:, None]
    total = r + g + b + np.float32(1.0)
    chroma_r, chroma_g = r / total, g / total
    value = np.maximum(np.maximum(r, g), b)
    spread = value - np.minimum(np.minimum(r, g), b)
    mu = np.array([median(cheek_chroma[:, 0]), median(cheek_chroma[:, 1])], np.float32)
    # shaded skin drifts warmer: never tighter than ±0.035 in chromaticity
    tol = np.maximum(z * cheek_chroma.std(axis=0), 0.035)
    # the brightest channel (numpy's max over a 3-long last axis is slow)
    skin_value = median(np.maximum(np.maximum(cheek_rgb[:, 0], cheek_rgb[:, 1]), cheek_rgb[:, 2]))
    # ... and redder the deeper the shade (warm inter-reflection): allow up to +0.12 in r
    shade = 1.0 - value / max(skin_value, 1.0)
    np.clip(shade, 0.0, 1.0, out=shade)
    dr = chroma_r - mu[0]
    skin = ((dr > -tol[0]) & (dr < tol[0] + 0.2 * shade)
            & (np.abs(chroma_g - mu[1]) < tol[1]) & (value >= min_value))
    beard = (value >= min_value) & (value < skin_value) & (spread < 0.35 * value + 8.0)
    out[y0:y1, x0:x1] = skin | beard
    return out


def cheek_pixels(image: np.ndarray, points: np.ndarray) -> np.ndarray:
    """The pixels of both cheeks below the eyes and beside the nose (the skin sample), in
    row-major order: ``(n, channels)`` (``(n,)`` for a 2-D image).

    The patch is a band of rows times two runs of columns, so it is read rows first, then
    columns: the same pixels as a 2-D mask, which numpy reads several times slower from a
    colour image.
    """
    cx, eye_y = float(mean(points[_OVAL_SIDES, 0])), float(mean(points[_EYE_ROWS, 1]))
    h, w = image.shape[:2]
    dx = np.abs(np.arange(w) - cx)
    cols = (dx > 0.25 * IOD_PX) & (dx < 0.8 * IOD_PX)
    yy = np.arange(h)
    rows = (yy > eye_y + 0.35 * IOD_PX) & (yy < eye_y + 0.9 * IOD_PX)
    return image[rows][:, cols].reshape((-1,) + image.shape[2:])


def oval_visibility(face_mask: np.ndarray, points: np.ndarray) -> dict[str, float]:
    """Fraction of the face outline that shows face (skin or beard), per segment.

    Samples 5×5-px patches just inside the face oval (moved :data:`INSET_IOD` toward the
    nose) for the cheeks and the chin, and a band 0.05–0.35 IOD above the brows for the
    forehead.

    Parameters
    ----------
    face_mask : numpy.ndarray
        bool ``(h, w)`` from :func:`face_like`.
    points : numpy.ndarray
        ``(468, 2)`` canvas px.
    """
    h, w = face_mask.shape
    centre = points[1]
    out: dict[str, float] = {}
    # every patch's count at once from the mask's integral image (the counts and sizes that
    # the 5×5 slices give, one patch per point, in the segments' order)
    integral = cv2.integral(face_mask.view(np.uint8))
    pts = points[_OVAL_IDX]
    vec = centre - pts
    inner = pts + vec / np.maximum(np.hypot(vec[:, 0], vec[:, 1]), 1e-6)[:, None] * (
        INSET_IOD * IOD_PX)
    xi, yi = np.rint(inner).astype(np.int64).T  # round half to even, as round()
    y0, y1 = _slice_bounds(yi - 2, yi + 3, h)
    x0, x1 = _slice_bounds(xi - 2, xi + 3, w)
    count = integral[y1, x1] - integral[y0, x1] - integral[y1, x0] + integral[y0, x0]
    size = (y1 - y0) * (x1 - x0)
    fractions = np.where(size > 0, count / np.maximum(size, 1), 0.0)  # an empty patch: 0
    start = 0
    for name, idx in _OVAL_SEGMENTS:
        out[name] = float(mean(fractions[start : start + len(idx)]))
        start += len(idx)
    xa, xb = sorted((int(points[BROW_OUTER_LEFT, 0]), int(points[BROW_OUTER_RIGHT, 0])))
    brow_y = float(np.minimum.reduce(points[_BROW_ROWS, 1]))
    ya = floor_within(brow_y - 0.35 * IOD_PX, 0, h - 1)
    yb = floor_within(brow_y - 0.05 * IOD_PX, ya + 1, h)
    band = face_mask[ya:yb, max(xa, 0):min(xb, w)]
    out["forehead"] = int(np.count_nonzero(band)) / band.size if band.size else 0.0
    return out


def _slice_bounds(start: np.ndarray, stop: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The bounds ``[max(start, 0):min(stop, n)]`` reads on an axis of length ``n``, as Python
    slicing resolves them (a negative stop counts from the end), with ``stop >= start``."""
    lo = np.minimum(np.maximum(start, 0), n)
    hi = np.minimum(stop, n)
    hi = np.where(hi < 0, np.maximum(hi + n, 0), hi)
    return lo, np.maximum(hi, lo)


def measure_headwear(canvas: HeadCanvas) -> HeadwearMeasures:
    """The headband and face-outline measures of one head canvas."""
    bgr, alpha, pts = canvas.bgr, canvas.alpha, canvas.points
    # Lab only where it is read, the cheek sample and the headband's window (a per-pixel
    # conversion: the same values as the whole canvas's, whatever the layout)
    cheek = cheek_pixels(bgr, pts)  # the skin sample of both the Lab stats and face_like
    mu, sd = cheek_stats(lab_u8(cheek[None])[0].astype(np.float32))
    crown_y = crown_row(head_component(alpha, pts).astype(np.float32), pts)
    window = band_box(bgr.shape, crown_y, pts)
    # the window and the 2 px the skin mask's opening reaches beyond it; zeros elsewhere,
    # where neither the skin mask nor the headband search reads
    r0, r1, c0, c1 = (max(window[0] - 2, 0), max(window[1] + 2, 0),
                      max(window[2] - 2, 0), max(window[3] + 2, 0))
    lab8 = np.zeros(bgr.shape, np.uint8)
    lab8[r0:r1, c0:c1] = lab_u8(bgr[r0:r1, c0:c1])
    skin = skin_mask(lab8, mu, sd, window=window)  # only where the headband search reads it
    contrast, height = headband(lab8, alpha, skin, crown_y, pts)  # 8-bit: float32 figures
    return HeadwearMeasures(band_contrast=contrast, band_height_iod=height,
                            oval_visibility=oval_visibility(face_like(bgr, pts, cheek=cheek), pts))
