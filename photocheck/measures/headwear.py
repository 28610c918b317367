"""Headwear measures: hats, headbands and coverings that hide the face outline.

J-LIS refuses a hat ("無帽": no hat), a wide headband that hides the head, and any covering or
accessory that hides the face outline; with a declared religious or medical covering the face
from the forehead to the chin and both cheeks must stay visible (ICAO 9303-3 §3.8: the face
outline from the bottom of the chin to the top of the forehead and both edges of the face).

No redistributable model segments hats or hair, so these are geometric and colour measures in a
face-aligned *head canvas*: the image and the head matte are warped so that the eyes are level,
the inter-ocular distance (IOD) is :data:`IOD_PX` and the eye midpoint sits at
(:data:`EYE_X`, :data:`EYE_Y`). Lengths below are in IOD units unless stated. Pure functions:
numbers out, no thresholds.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

IOD_PX = 64.0
CANVAS_W, CANVAS_H = 384, 448
EYE_X, EYE_Y = CANVAS_W / 2.0, 4.0 * IOD_PX

# FaceMesh indices.
FOREHEAD_TOP = 10
CHIN = 152
OVAL_LEFT, OVAL_RIGHT = 234, 454
EYE_CORNERS_LEFT = (33, 133)
EYE_CORNERS_RIGHT = (362, 263)
BROWS = (70, 63, 105, 66, 107, 336, 296, 334, 293, 300)
BROW_OUTER_LEFT, BROW_OUTER_RIGHT = 70, 300
# Face-oval segments (MediaPipe FACEMESH_FACE_OVAL), image-left = subject's right.
OVAL_CHEEK_LEFT = (234, 93, 132, 58, 172)
OVAL_CHEEK_RIGHT = (454, 323, 361, 288, 397)
OVAL_CHIN = (136, 150, 149, 176, 148, 152, 377, 400, 378, 379, 365)

# Oval samples sit this far inside the outline (toward the nose tip), IOD units: the mesh
# outline itself often lies on hair or a covering's edge.
INSET_IOD = 0.18

# Hat evidence: each cue contributes (value − onset) / span when beyond its onset. Onsets sit
# near the top of the range of bare heads in the labelled compliant photos (London/Canada
# sets, interfaces portraits), spans are about one "clearly beyond" step.
HAT_CUES: dict[str, tuple[float, float, int, float]] = {
    # name: (onset, span, direction (+1 = larger is hat-like), largest contribution)
    "top_width_ratio": (1.35, 0.25, +1, np.inf),  # silhouette above the forehead wider than face
    "crown_rise": (1.20, 0.25, +1, np.inf),  # crown far above the eyes relative to eye-to-chin
    # forehead covered low above the brows; capped: a low hairline or a skin model that missed
    # the forehead gives it too, so it needs the support of another cue
    "forehead_visible_iod": (0.40, 0.25, -1, 1.4),
    "top_chroma": (15.0, 15.0, +1, np.inf),  # saturated colour on top of the head (hair is not)
    # skin-coloured surface reaching higher above the brows than any forehead does (brow to
    # hairline ≲ 1.1 IOD; compliant photos: max 1.05): a skin-toned hat (straw, beige felt) or
    # a bald scalp, so capped and needing the support of another cue (a brim's width, a rise)
    "skin_height_iod": (1.3, 0.5, +1, 1.0),
    # a hard silhouette edge on top (fabric, a brim); hair leaves a soft, semi-transparent
    # matte edge (compliant photos: 1st percentile 0.31)
    "top_edge_softness": (0.25, 0.1, -1, 1.0),
    # a light, skin-toned surface on top of the head above a band of darker hair that runs
    # down to the forehead: a beige/fur/straw hat worn over the hair (a bald scalp has no hair
    # band between it and the forehead). Counted only when both layers are present (see
    # :func:`light_top_over_hair`). Bare heads of the labelled set: measured on 3 of 320, at
    # most 38; overexposed 1.5× (clipping) up to 111 (a bearded man's highlighted light-brown
    # hair, the beard widening the skin model), gamma 0.6 up to 74; interfaces_037's fur: 159
    "top_over_hair_dl": (90.0, 30.0, +1, 2.0),
}

# A fringe is hair combed down: vertical strands, so horizontal gradients dominate in the band
# above the visible forehead. Above this ratio (|∂L/∂x| over |∂L/∂y|) the covering of the
# forehead is taken for a fringe and the forehead cue does not count toward a hat.
FRINGE_ANISOTROPY = 1.1

# When most of the top of the head has the cheek skin's colour it is a scalp (or a skin-toned
# hat): its chroma is the skin's and says nothing about a hat.
SKIN_TOP_FRACTION = 0.5


@dataclass(frozen=True)
class HeadCanvas:
    """The head in the face-aligned canvas.

    Attributes
    ----------
    bgr : numpy.ndarray
        uint8 ``(CANVAS_H, CANVAS_W, 3)`` BGR.
    lab : numpy.ndarray
        float32 ``(CANVAS_H, CANVAS_W, 3)`` CIELAB in OpenCV's 8-bit scaling (L, a, b in 0–255,
        a = b = 128 neutral).
    alpha : numpy.ndarray
        float32 ``(CANVAS_H, CANVAS_W)`` person/head matte in [0, 1].
    points : numpy.ndarray
        ``(468, 2)`` FaceMesh points in canvas px.
    """

    bgr: np.ndarray
    lab: np.ndarray
    alpha: np.ndarray
    points: np.ndarray


@dataclass(frozen=True)
class HeadwearMeasures:
    """Numbers measured on one head (IOD units unless stated).

    Attributes
    ----------
    crown_rise : float
        (eye line − crown) / (chin − eye line).
    top_width_ratio : float
        Widest silhouette row between the crown and the mesh forehead top, over face width.
    forehead_visible_iod : float
        Median height of skin above the brows before the first non-skin run.
    top_chroma : float
        Chroma (8-bit Lab units) of the median colour of the top of the head.
    hat_score : float
        Sum of the cues of :data:`HAT_CUES` beyond their onsets.
    band_contrast : float
        Largest colour difference (ΔE, 8-bit Lab) of a thin horizontal band across the top of
        the head from the hair both above and below it (a headband).
    band_height_iod : float
        Height of that band.
    oval_visibility : dict
        Fraction of face (skin or beard) samples along each face-oval segment: ``forehead``,
        ``cheek_left``, ``cheek_right``, ``chin``.
    covering_anisotropy : float
        Horizontal over vertical gradient energy in the band just above the visible forehead
        (high for a fringe's vertical strands, low for a hat's edge and fabric).
    top_edge_softness : float
        Fraction of semi-transparent matte pixels (0.1 < alpha < 0.9) within ±6 px of the top
        silhouette edge over the middle 90 % of the face width.
    top_skin_fraction : float
        Fraction of the top-of-head region coloured like the cheek skin (a bald scalp, or a
        skin-toned hat); above :data:`SKIN_TOP_FRACTION` the chroma cue does not count.
    top_over_hair_dl : float
        Lightness (8-bit L) of a skin-toned top of the head over the hair band just above the
        visible forehead (:func:`light_top_over_hair`); NaN when either layer is missing.
    """

    crown_rise: float
    top_width_ratio: float
    forehead_visible_iod: float
    top_chroma: float
    hat_score: float
    band_contrast: float
    band_height_iod: float
    oval_visibility: dict[str, float]
    covering_anisotropy: float
    top_edge_softness: float
    top_skin_fraction: float = 0.0
    top_over_hair_dl: float = float("nan")


def canvas_affine(points_xy: np.ndarray) -> np.ndarray:
    """Affine ``(2, 3)`` from the landmarks' pixel frame to the head canvas.

    Parameters
    ----------
    points_xy : numpy.ndarray
        ``(468, 2+)`` FaceMesh points in some image's px.
    """
    pts = np.asarray(points_xy, dtype=np.float64)[:, :2]
    left = pts[list(EYE_CORNERS_LEFT)].mean(axis=0)
    right = pts[list(EYE_CORNERS_RIGHT)].mean(axis=0)
    centre = (left + right) / 2.0
    vec = right - left
    iod = max(float(np.hypot(*vec)), 1e-6)
    scale = IOD_PX / iod
    angle = np.arctan2(vec[1], vec[0])
    cos, sin = np.cos(-angle) * scale, np.sin(-angle) * scale
    lin = np.array([[cos, -sin], [sin, cos]])
    return np.column_stack([lin, np.array([EYE_X, EYE_Y]) - lin @ centre])


def compose(outer: np.ndarray, inner: np.ndarray) -> np.ndarray:
    """The affine ``outer ∘ inner`` (apply ``inner`` first), both ``(2, 3)``."""
    o = np.vstack([outer, [0.0, 0.0, 1.0]])
    i = np.vstack([inner, [0.0, 0.0, 1.0]])
    return (o @ i)[:2]


def to_lab(bgr: np.ndarray) -> np.ndarray:
    """uint8 BGR → float32 Lab (OpenCV 8-bit scaling)."""
    return cv2.cvtColor(np.asarray(bgr, dtype=np.uint8), cv2.COLOR_BGR2LAB).astype(np.float32)


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
    return HeadCanvas(bgr=img, lab=to_lab(img), alpha=np.clip(al, 0.0, 1.0),
                      points=np.asarray(points_canvas, dtype=np.float64)[:, :2])


def skin_stats(lab: np.ndarray, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Median and spread of the cheek skin colour (below the eyes, beside the nose).

    Returns
    -------
    (mu, sd) : tuple of numpy.ndarray
        ``(3,)`` each; ``sd`` has floors (8 in L, 3 in a and b) so uniform skin is not
        over-tight.
    """
    values = lab[_cheek_patch(lab.shape, points)]
    if len(values) < 8:
        return np.array([150.0, 145.0, 150.0]), np.array([20.0, 8.0, 8.0])
    mu = np.median(values, axis=0)
    sd = np.maximum(values.std(axis=0), [8.0, 3.0, 3.0])
    return mu.astype(np.float64), sd.astype(np.float64)


def skin_mask(lab: np.ndarray, mu: np.ndarray, sd: np.ndarray, z: float = 2.5) -> np.ndarray:
    """Pixels whose colour is within ``z`` spreads of the skin in a, b (and 1.2 z in L).

    Small specks are removed with a 3×3 opening.
    """
    lab32 = np.asarray(lab, dtype=np.float32)
    lim = (np.asarray(sd, dtype=np.float32) * np.float32(z)) * np.array([1.2, 1.0, 1.0],
                                                                         np.float32)
    dev = np.abs(lab32 - np.asarray(mu, dtype=np.float32))
    skin = (dev[..., 1] < lim[1]) & (dev[..., 2] < lim[2]) & (dev[..., 0] < lim[0])
    opened = cv2.morphologyEx(skin.astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    return opened.astype(bool)


def crown_row(alpha: np.ndarray, points: np.ndarray, threshold: float = 0.5) -> float:
    """First canvas row where the matte covers half of the central face column.

    The column is the middle 60 % of the face width (oval sides 234 / 454). Returns 0 when the
    head reaches the canvas top, and the forehead row when the matte holds nothing above it.
    """
    x0, x1 = points[OVAL_LEFT, 0], points[OVAL_RIGHT, 0]
    cx, fw = (x0 + x1) / 2.0, abs(x1 - x0)
    c0 = int(np.clip(cx - 0.3 * fw, 0, alpha.shape[1] - 1))
    c1 = int(np.clip(cx + 0.3 * fw, c0 + 1, alpha.shape[1]))
    cover = (alpha[:, c0:c1] > threshold).mean(axis=1)
    rows = np.nonzero(cover > 0.5)[0]
    if len(rows) == 0:
        return float(points[FOREHEAD_TOP, 1])
    return float(min(rows[0], points[FOREHEAD_TOP, 1]))


def crown_rise(crown_y: float, points: np.ndarray) -> float:
    """(eye line − crown) / (chin − eye line), both along the canvas vertical."""
    eye_y = float(points[list(EYE_CORNERS_LEFT + EYE_CORNERS_RIGHT), 1].mean())
    return float((eye_y - crown_y) / max(points[CHIN, 1] - eye_y, 1.0))


def head_component(alpha: np.ndarray, points: np.ndarray, threshold: float = 0.5
                   ) -> np.ndarray:
    """The matte's connected region that holds the forehead (drops other people and objects).

    The seed is 15 % of the way from the mesh forehead top to the chin. Returns the thresholded
    matte unchanged when the seed is not on it.
    """
    binary = (alpha > threshold).astype(np.uint8)
    seed = points[FOREHEAD_TOP] + 0.15 * (points[CHIN] - points[FOREHEAD_TOP])
    sx = int(np.clip(round(seed[0]), 0, alpha.shape[1] - 1))
    sy = int(np.clip(round(seed[1]), 0, alpha.shape[0] - 1))
    if not binary[sy, sx]:
        return binary.astype(bool)
    _, labels = cv2.connectedComponents(binary, connectivity=4)
    return labels == labels[sy, sx]


def top_width_ratio(head: np.ndarray, crown_y: float, points: np.ndarray) -> float:
    """Widest row of the head region between the crown and the mesh forehead top, over the
    face width; in each row only the run that contains the face's centre column counts.

    A brim or a wide hat makes the silhouette above the forehead much wider than the face.

    Parameters
    ----------
    head : numpy.ndarray
        bool head region (:func:`head_component`).
    """
    x0, x1 = points[OVAL_LEFT, 0], points[OVAL_RIGHT, 0]
    fw = max(abs(x1 - x0), 1.0)
    cx = int(np.clip(round((x0 + x1) / 2.0), 0, head.shape[1] - 1))
    r0 = int(np.clip(crown_y, 0, head.shape[0] - 1))
    r1 = int(np.clip(points[FOREHEAD_TOP, 1], r0 + 1, head.shape[0]))
    rows = head[r0:r1]
    if rows.size == 0:
        return 0.0
    # distance from the centre column to the first gap on each side, per row
    left = rows[:, cx::-1]
    right = rows[:, cx:]
    run_left = np.where((~left).any(axis=1), (~left).argmax(axis=1), left.shape[1])
    run_right = np.where((~right).any(axis=1), (~right).argmax(axis=1), right.shape[1])
    widths = np.where(rows[:, cx], run_left + run_right - 1, 0)
    return float(widths.max() / fw)


def forehead_visible(skin: np.ndarray, crown_y: float, points: np.ndarray,
                     min_run_px: int = 4) -> float:
    """Median height (IOD units) of visible skin above the brows, across the brow width.

    For each column between the outer brow ends, walk up from just above the brows to the
    crown and stop at the first run of ``min_run_px`` non-skin rows (hairline, fringe, hat).
    """
    xa, xb = sorted((int(points[BROW_OUTER_LEFT, 0]), int(points[BROW_OUTER_RIGHT, 0])))
    xa, xb = max(xa, 0), min(xb, skin.shape[1])
    brow_y = float(points[list(BROWS), 1].min())
    y1 = int(np.clip(brow_y - 0.1 * IOD_PX, 1, skin.shape[0]))
    y0 = int(np.clip(crown_y, 0, y1 - 1))
    if xb - xa < 2 or y1 - y0 < min_run_px:
        return 0.0
    upward = ~skin[y0:y1, xa:xb][::-1]  # rows from the brows upward, True = not skin
    csum = np.cumsum(np.vstack([np.zeros((1, upward.shape[1])), upward]), axis=0)
    runs = (csum[min_run_px:] - csum[:-min_run_px]) >= min_run_px
    first = np.where(runs.any(axis=0), runs.argmax(axis=0), upward.shape[0])
    return float(np.median(first) / IOD_PX)


def covering_anisotropy(lab: np.ndarray, points: np.ndarray, visible_iod: float) -> float:
    """|∂L/∂x| over |∂L/∂y| (means) in the band 0.05–0.4 IOD above the visible forehead.

    The band spans ±0.6 IOD around the face centre; NaN when it leaves the canvas.
    """
    brow_y = float(points[list(BROWS), 1].min())
    edge = brow_y - 0.1 * IOD_PX - visible_iod * IOD_PX
    y0, y1 = int(edge - 0.4 * IOD_PX), int(edge - 0.05 * IOD_PX)
    cx = float(points[[OVAL_LEFT, OVAL_RIGHT], 0].mean())
    x0, x1 = int(max(cx - 0.6 * IOD_PX, 0)), int(min(cx + 0.6 * IOD_PX, lab.shape[1]))
    if y0 < 1 or y1 <= y0 + 2 or x1 <= x0 + 2:
        return float("nan")
    light = cv2.GaussianBlur(np.ascontiguousarray(lab[y0 - 1:y1 + 1, x0:x1, 0]), (0, 0), 0.8)
    gx = np.abs(cv2.Sobel(light, cv2.CV_32F, 1, 0))[1:-1]
    gy = np.abs(cv2.Sobel(light, cv2.CV_32F, 0, 1))[1:-1]
    return float(gx.mean() / (gy.mean() + 1e-3))


def top_edge_softness(alpha: np.ndarray, head: np.ndarray, points: np.ndarray,
                      half_px: int = 6) -> float:
    """Fraction of semi-transparent matte pixels (0.1 < alpha < 0.9) within ``half_px`` rows
    of the top edge of the head region, over the columns within ±0.45 face widths of the face
    centre. NaN when the head region is missing in more than a fifth of those columns.
    """
    x0, x1 = points[OVAL_LEFT, 0], points[OVAL_RIGHT, 0]
    cx, fw = (x0 + x1) / 2.0, abs(x1 - x0)
    c0 = int(max(cx - 0.45 * fw, 0))
    c1 = int(min(cx + 0.45 * fw, head.shape[1]))
    if c1 <= c0:
        return float("nan")
    sub = head[:, c0:c1]
    present = sub.any(axis=0)
    if present.mean() < 0.8:
        return float("nan")
    tops = sub.argmax(axis=0)[present]
    cols = np.arange(c0, c1)[present]
    offsets = np.arange(-half_px, half_px)
    rows = np.clip(tops[:, None] + offsets[None, :], 0, alpha.shape[0] - 1)
    band = alpha[rows, cols[:, None]]
    return float(((band > 0.1) & (band < 0.9)).mean())


def top_region(alpha: np.ndarray, crown_y: float, points: np.ndarray) -> np.ndarray:
    """Mask of the top of the head: between the crown and the forehead top, central columns."""
    h, w = alpha.shape
    yy, xx = np.arange(h)[:, None], np.arange(w)[None, :]  # broadcast, no full index grids
    x0, x1 = points[OVAL_LEFT, 0], points[OVAL_RIGHT, 0]
    cx, fw = (x0 + x1) / 2.0, abs(x1 - x0)
    p10 = float(points[FOREHEAD_TOP, 1])
    span = max(p10 - crown_y, 1.0)
    return ((yy > crown_y + 0.15 * span) & (yy < p10 - 0.3 * span)
            & (np.abs(xx - cx) < 0.35 * fw) & (alpha > 0.5))


def light_top_over_hair(lab: np.ndarray, skin: np.ndarray, head: np.ndarray,
                        top: np.ndarray, points: np.ndarray, visible_iod: float) -> float:
    """Lightness of a skin-toned top of the head over a band of hair above the forehead.

    J-LIS 無帽 (no hat): a hat worn over the hair leaves the hair showing between the
    forehead and the hat. When the hat is light and of the skin's hue (fur, beige felt,
    straw) the other cues read it as a scalp or as soft hair; what no bare head shows is a
    skin-toned top *above* a band of dark hair in the face column (a bald scalp reaches the
    forehead without a hair band; hair is one material from the hairline to the crown).

    The hair band spans 0.05–0.4 IOD above the visible forehead (``visible_iod`` above the
    brows, :func:`forehead_visible`), the top is ``top`` above that band; both within
    ±0.35 face widths of the face centre and on the head region.

    Parameters
    ----------
    lab : numpy.ndarray
        float32 canvas Lab.
    skin : numpy.ndarray
        bool skin mask (:func:`skin_mask`).
    head : numpy.ndarray
        bool head region (:func:`head_component`).
    top : numpy.ndarray
        bool top-of-head region (:func:`top_region`).
    points : numpy.ndarray
        ``(468, 2)`` canvas px.
    visible_iod : float
        Visible forehead height above the brows, IOD units.

    Returns
    -------
    float
        Median L of the top minus median L of the band's non-skin (hair) pixels, 8-bit L
        units; NaN unless more than :data:`SKIN_TOP_FRACTION` of the top is skin-toned and
        more than half of the band is not (or either holds under 50 px).
    """
    if not np.isfinite(visible_iod):
        return float("nan")
    x0, x1 = points[OVAL_LEFT, 0], points[OVAL_RIGHT, 0]
    cx, fw = (x0 + x1) / 2.0, abs(x1 - x0)
    brow_y = float(points[list(BROWS), 1].min())
    edge = brow_y - 0.1 * IOD_PX - visible_iod * IOD_PX
    h, w = head.shape
    # only the central columns above the forehead's edge are read: slice them (cheap)
    c0 = int(np.clip(np.floor(cx - 0.35 * fw), 0, w))
    c1 = int(np.clip(np.ceil(cx + 0.35 * fw) + 1, c0, w))
    r1 = int(np.clip(np.ceil(edge), 0, h))
    yy = np.arange(r1)[:, None]
    xx = np.arange(c0, c1)[None, :]
    central = np.abs(xx - cx) < 0.35 * fw
    rows, cols = slice(0, r1), slice(c0, c1)
    band = (yy > edge - 0.4 * IOD_PX) & (yy < edge - 0.05 * IOD_PX) & central & head[rows, cols]
    upper = top[rows, cols] & (yy <= edge - 0.4 * IOD_PX)
    if band.sum() < 50 or upper.sum() < 50:
        return float("nan")
    sub_skin = skin[rows, cols]
    hair = band & ~sub_skin
    if sub_skin[upper].mean() <= SKIN_TOP_FRACTION or hair.sum() <= 0.5 * band.sum():
        return float("nan")
    light = lab[rows, cols, 0]
    return float(np.median(light[upper]) - np.median(light[hair]))


def top_chroma(lab: np.ndarray, region: np.ndarray) -> float:
    """Chroma of the median colour of a region (8-bit Lab units; 0 for an empty region)."""
    values = lab[region]
    if len(values) < 10:
        return 0.0
    med = np.median(values, axis=0)
    return float(np.hypot(med[1] - 128.0, med[2] - 128.0))


def hat_score(cues: dict[str, float],
              table: dict[str, tuple[float, float, int, float]] | None = None) -> float:
    """Sum of the hat cues beyond their onsets (``table``, default :data:`HAT_CUES`); 0 for a
    bare head. Missing or NaN cues count 0."""
    total = 0.0
    for name, (onset, span, direction, cap) in (HAT_CUES if table is None else table).items():
        value = cues.get(name)
        if value is None or not np.isfinite(value):
            continue
        total += min(max(0.0, direction * (value - onset) / span), cap)
    return float(total)


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
    x0, x1 = points[OVAL_LEFT, 0], points[OVAL_RIGHT, 0]
    cx, fw = (x0 + x1) / 2.0, abs(x1 - x0)
    c0, c1 = int(max(cx - 0.3 * fw, 0)), int(min(cx + 0.3 * fw, lab.shape[1]))
    r0 = int(max(crown_y, 0))
    r1 = int(min(points[list(BROWS), 1].min(), lab.shape[0]))
    if r1 - r0 < 8 or c1 - c0 < 4:
        return 0.0, 0.0
    sub = lab[r0:r1, c0:c1]
    keep = (alpha[r0:r1, c0:c1] > 0.5) & ~skin[r0:r1, c0:c1]
    counts = keep.sum(axis=1)
    valid = counts >= 0.3 * (c1 - c0)
    if valid.sum() < 8:
        return 0.0, 0.0
    sums = (sub * keep[..., None]).sum(axis=1)
    rows = np.where(valid[:, None], sums / np.maximum(counts, 1)[:, None], 0.0)
    # window means from cumulative sums over valid rows (vectorised over window positions)
    csum = np.vstack([np.zeros((1, 3)), np.cumsum(rows, axis=0)])
    ccount = np.concatenate([[0.0], np.cumsum(valid.astype(np.float64))])
    n = len(rows)
    margin = max(2, int(0.1 * IOD_PX))
    best, best_h = 0.0, 0.0
    for height in range(2 * max(1, int(0.04 * IOD_PX)), int(0.6 * IOD_PX) + 1, 2):
        tops = np.arange(2 * margin, n - height - 2 * margin + 1)
        if len(tops) == 0:
            continue

        def window(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            cnt = ccount[hi] - ccount[lo]
            return (csum[hi] - csum[lo]) / np.maximum(cnt, 1.0)[:, None], cnt

        band, n_band = window(tops, tops + height)
        above, n_above = window(tops - 2 * margin, tops)
        below, n_below = window(tops + height, tops + height + 2 * margin)
        ok = (n_band >= 0.7 * height) & (n_above >= margin) & (n_below >= margin)
        contrast = np.minimum(np.linalg.norm(band - above, axis=1),
                              np.linalg.norm(band - below, axis=1))
        contrast = np.where(ok, contrast, 0.0)
        i = int(np.argmax(contrast))
        if contrast[i] > best:
            best, best_h = float(contrast[i]), height / IOD_PX
    return best, best_h


def face_like(bgr: np.ndarray, points: np.ndarray, z: float = 3.0,
              min_value: float = 20.0) -> np.ndarray:
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
    """
    full = np.asarray(bgr)
    out = np.zeros(full.shape[:2], dtype=bool)
    # only the face (oval and brows ± 0.4 IOD) is ever sampled: work on that window
    pad = 0.4 * IOD_PX
    face_pts = points[list(OVAL_CHEEK_LEFT + OVAL_CHEEK_RIGHT + OVAL_CHIN + BROWS)]
    x0 = int(np.clip(face_pts[:, 0].min() - pad, 0, full.shape[1] - 1))
    x1 = int(np.clip(face_pts[:, 0].max() + pad, x0 + 1, full.shape[1]))
    y0 = int(np.clip(face_pts[:, 1].min() - pad, 0, full.shape[0] - 1))
    y1 = int(np.clip(face_pts[:, 1].max() + pad, y0 + 1, full.shape[0]))
    cheek_full = _cheek_patch(full.shape[:2], points)
    if cheek_full.sum() < 8:
        out[:] = True
        return out
    win = full[y0:y1, x0:x1]
    # per channel (integer-valued float32 sums are exact, so the order does not matter)
    b, g, r = (win[..., i].astype(np.float32) for i in range(3))
    cheek_rgb = full[cheek_full][:, ::-1].astype(np.float32)
    cheek_chroma = cheek_rgb[:, :2] / (cheek_rgb.sum(axis=-1, keepdims=True) + 1.0)
    total = r + g + b + np.float32(1.0)
    chroma_r, chroma_g = r / total, g / total
    value = np.maximum(np.maximum(r, g), b)
    spread = value - np.minimum(np.minimum(r, g), b)
    mu = np.median(cheek_chroma, axis=0)
    # shaded skin drifts warmer: never tighter than ±0.035 in chromaticity
    tol = np.maximum(z * cheek_chroma.std(axis=0), 0.035)
    skin_value = float(np.median(cheek_rgb.max(axis=-1)))
    # ... and redder the deeper the shade (warm inter-reflection): allow up to +0.12 in r
    shade = np.clip(1.0 - value / max(skin_value, 1.0), 0.0, 1.0)
    dr = chroma_r - mu[0]
    skin = ((dr > -tol[0]) & (dr < tol[0] + 0.2 * shade)
            & (np.abs(chroma_g - mu[1]) < tol[1]) & (value >= min_value))
    beard = (value >= min_value) & (value < skin_value) & (spread < 0.35 * value + 8.0)
    out[y0:y1, x0:x1] = skin | beard
    return out


def _cheek_patch(shape: tuple[int, ...], points: np.ndarray) -> np.ndarray:
    """Mask of both cheeks below the eyes and beside the nose (skin sample)."""
    cx = float(points[[OVAL_LEFT, OVAL_RIGHT], 0].mean())
    eye_y = float(points[list(EYE_CORNERS_LEFT + EYE_CORNERS_RIGHT), 1].mean())
    h, w = shape[:2]
    dx = np.abs(np.arange(w) - cx)
    cols = (dx > 0.25 * IOD_PX) & (dx < 0.8 * IOD_PX)
    yy = np.arange(h)
    rows = (yy > eye_y + 0.35 * IOD_PX) & (yy < eye_y + 0.9 * IOD_PX)
    return rows[:, None] & cols[None, :]


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
    for name, idx in (("cheek_left", OVAL_CHEEK_LEFT), ("cheek_right", OVAL_CHEEK_RIGHT),
                      ("chin", OVAL_CHIN)):
        pts = points[list(idx)]
        vec = centre - pts
        inner = pts + vec / np.maximum(np.hypot(vec[:, 0], vec[:, 1]), 1e-6)[:, None] * (
            INSET_IOD * IOD_PX)
        fractions = []
        for x, y in inner:
            xi, yi = int(round(x)), int(round(y))
            patch = face_mask[max(yi - 2, 0):min(yi + 3, h), max(xi - 2, 0):min(xi + 3, w)]
            fractions.append(float(patch.mean()) if patch.size else 0.0)
        out[name] = float(np.mean(fractions))
    xa, xb = sorted((int(points[BROW_OUTER_LEFT, 0]), int(points[BROW_OUTER_RIGHT, 0])))
    brow_y = float(points[list(BROWS), 1].min())
    ya = int(np.clip(brow_y - 0.35 * IOD_PX, 0, h - 1))
    yb = int(np.clip(brow_y - 0.05 * IOD_PX, ya + 1, h))
    band = face_mask[ya:yb, max(xa, 0):min(xb, w)]
    out["forehead"] = float(band.mean()) if band.size else 0.0
    return out


def measure_headwear(canvas: HeadCanvas) -> HeadwearMeasures:
    """Every headwear measure of one head canvas."""
    lab, alpha, pts = canvas.lab, canvas.alpha, canvas.points
    mu, sd = skin_stats(lab, pts)
    skin = skin_mask(lab, mu, sd)
    head = head_component(alpha, pts)
    crown_y = crown_row(head.astype(np.float32), pts)
    top = top_region(head.astype(np.float32), crown_y, pts)
    skin_on_top = float(skin[top].mean()) if top.any() else 0.0
    cues = {
        "top_width_ratio": top_width_ratio(head, crown_y, pts),
        "crown_rise": crown_rise(crown_y, pts),
        "forehead_visible_iod": forehead_visible(skin, crown_y, pts),
        "top_chroma": top_chroma(lab, top),
        "top_edge_softness": top_edge_softness(alpha, head, pts),
    }
    # the same walk up from the brows, read the other way: skin reaching implausibly high
    cues["skin_height_iod"] = cues["forehead_visible_iod"]
    cues["top_over_hair_dl"] = light_top_over_hair(lab, skin, head, top, pts,
                                                   cues["forehead_visible_iod"])
    anisotropy = covering_anisotropy(lab, pts, cues["forehead_visible_iod"])
    scored = dict(cues)
    if np.isfinite(anisotropy) and anisotropy > FRINGE_ANISOTROPY:
        scored["forehead_visible_iod"] = float("nan")  # a fringe, not a hat brim
    if skin_on_top > SKIN_TOP_FRACTION:
        scored["top_chroma"] = float("nan")  # the skin's own colour (a bald scalp) is no hat
    contrast, height = headband(lab, alpha, skin, crown_y, pts)
    return HeadwearMeasures(
        crown_rise=cues["crown_rise"], top_width_ratio=cues["top_width_ratio"],
        forehead_visible_iod=cues["forehead_visible_iod"], top_chroma=cues["top_chroma"],
        hat_score=hat_score(scored), band_contrast=contrast, band_height_iod=height,
        oval_visibility=oval_visibility(face_like(canvas.bgr, pts), pts),
        covering_anisotropy=anisotropy,
        top_edge_softness=cues["top_edge_softness"],
        top_skin_fraction=skin_on_top,
        top_over_hair_dl=cues["top_over_hair_dl"],
    )


# --- faceless heads --------------------------------------------------------------------------
# When FaceMesh rejects the face (a camera or a hand in front of it) the detector's box is all
# that places the head. The *box canvas* scales the box to BOX_PX wide, centred on the canvas
# column, its top edge on row BOX_TOP_Y (1.5 box widths of room above for the head and a hat).
BOX_PX = 128.0
BOX_TOP_Y = 200.0

# Faceless hat evidence, same form as HAT_CUES. Only the colour of the top of the head: the
# silhouette cues (rise, width, edge softness) measured from a box instead of landmarks also
# fire on crowds and merged heads (calibrated by running this path on all 336 detections of
# the labelled set as if the mesh had failed: the top of a non-hat head at most chroma 33 —
# red hair — when it is not skin-toned; saturated hats and hoods 40–53).
FACELESS_HAT_CUES: dict[str, tuple[float, float, int, float]] = {
    "top_chroma": (30.0, 10.0, +1, np.inf),
}


@dataclass(frozen=True)
class FacelessHatMeasures:
    """Hat measures of a head placed by a face-detector box only (box-width units).

    Attributes
    ----------
    crown_rise_box : float
        (box top − crown) / box width.
    top_chroma : float
        Chroma (8-bit Lab) of the median colour of the top of the head.
    top_skin_fraction : float
        Fraction of that region coloured like the skin inside the box's lower half; above
        :data:`SKIN_TOP_FRACTION` the chroma does not count (a scalp, a skin-toned hat).
    hat_score : float
        Sum of :data:`FACELESS_HAT_CUES` beyond their onsets.
    """

    crown_rise_box: float
    top_chroma: float
    top_skin_fraction: float
    hat_score: float


def box_canvas_affine(box_xyxy: np.ndarray) -> np.ndarray:
    """Affine ``(2, 3)`` from a detection box's pixel frame to the box canvas (no rotation).

    Parameters
    ----------
    box_xyxy : numpy.ndarray
        ``(4,)`` ``[x0, y0, x1, y1]`` in some image's px.
    """
    x0, y0, x1, _ = (float(v) for v in np.asarray(box_xyxy, dtype=np.float64)[:4])
    scale = BOX_PX / max(x1 - x0, 1e-6)
    cx = (x0 + x1) / 2.0
    return np.array([[scale, 0.0, CANVAS_W / 2.0 - scale * cx],
                     [0.0, scale, BOX_TOP_Y - scale * y0]])


def faceless_hat(bgr: np.ndarray, alpha: np.ndarray) -> FacelessHatMeasures | None:
    """Hat evidence of a head whose face the landmarks could not read (J-LIS 無帽).

    Parameters
    ----------
    bgr : numpy.ndarray
        uint8 ``(CANVAS_H, CANVAS_W, 3)`` box canvas (:func:`box_canvas_affine`).
    alpha : numpy.ndarray
        float ``(CANVAS_H, CANVAS_W)`` person matte in the same canvas.

    Returns
    -------
    FacelessHatMeasures or None
        None when the matte does not hold the box centre (no person where the face was
        found) or the top of the head is too small to read.
    """
    lab = to_lab(bgr)
    h, w = alpha.shape
    cx = w / 2.0
    binary = (np.asarray(alpha) > 0.5).astype(np.uint8)
    _, labels = cv2.connectedComponents(binary, connectivity=4)
    seed = labels[int(BOX_TOP_Y + 0.5 * BOX_PX), int(cx)]
    if seed == 0:
        return None
    head = labels == seed
    c0, c1 = int(cx - 0.3 * BOX_PX), int(cx + 0.3 * BOX_PX)
    rows = np.nonzero(head[:, c0:c1].mean(axis=1) > 0.5)[0]
    crown_y = float(min(rows[0], BOX_TOP_Y)) if len(rows) else BOX_TOP_Y
    yy, xx = np.arange(h)[:, None], np.arange(w)[None, :]
    dx = np.abs(xx - cx)
    # the top of the head: 0.1–0.45 box widths below the crown, above the box
    top = ((yy > crown_y + 0.1 * BOX_PX) & (yy < crown_y + 0.45 * BOX_PX)
           & (yy < BOX_TOP_Y) & (dx < 0.35 * BOX_PX) & head)
    if top.sum() < 10:
        return None
    # skin sample: the cheeks' rows of the box (hands in front of a face are skin too)
    cheeks = ((yy > BOX_TOP_Y + 0.55 * BOX_PX) & (yy < BOX_TOP_Y + 0.85 * BOX_PX)
              & (dx > 0.1 * BOX_PX) & (dx < 0.35 * BOX_PX))
    values = lab[cheeks]
    mu = np.median(values, axis=0)
    sd = np.maximum(values.std(axis=0), [8.0, 3.0, 3.0])
    skin_on_top = float(skin_mask(lab, mu, sd)[top].mean())
    chroma = top_chroma(lab, top)
    cues = {"top_chroma": chroma if skin_on_top <= SKIN_TOP_FRACTION else float("nan")}
    return FacelessHatMeasures(crown_rise_box=float((BOX_TOP_Y - crown_y) / BOX_PX),
                               top_chroma=chroma, top_skin_fraction=skin_on_top,
                               hat_score=hat_score(cues, FACELESS_HAT_CUES))
