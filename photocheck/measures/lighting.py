"""Lighting measures on the face: exposure, clipping and left/right or top/bottom imbalance.

Pure numpy/OpenCV functions (numbers out, no thresholds). J-LIS refuses photos that are too
dark or too bright or have a shadow on the face; ICAO 9303-3 asks for even illumination with
no shadows and no over- or under-exposed areas. Imbalances are ratios of linear luminance
between face regions of the same person, so skin tone cancels out.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import NamedTuple

import cv2
import numpy as np

from photocheck.measures.colour import to_lab
from photocheck.measures.order import mean, median, percentiles

# Skin sample patches in the face frame: (u, v, radius). u runs along the eye line in units of
# the inter-ocular distance (eye centres at u = ∓0.5), v downwards in units of the eye-to-mouth
# distance (eye line v = 0, mouth v = 1). Chosen to avoid eyes, brows, nostrils, lips and beard.
PATCHES: dict[str, tuple[float, float, float]] = {
    "forehead_left": (-0.3, -0.45, 0.12),
    "forehead_centre": (0.0, -0.4, 0.12),
    "forehead_right": (0.3, -0.45, 0.12),
    "cheek_left": (-0.55, 0.55, 0.18),
    "cheek_right": (0.55, 0.55, 0.18),
    "nose": (0.0, 0.35, 0.1),
}

# Mirrored skin patches for the left/right balance (u of the image-right patch; the image-left
# one sits at −u): side of the forehead, outer cheek, cheek below the eye, beside the nose.
SIDE_PAIRS: dict[str, tuple[float, float, float]] = {
    "forehead": (0.3, -0.45, 0.12),
    "cheek": (0.55, 0.55, 0.18),
    "midcheek": (0.45, 0.25, 0.12),
    "nose_side": (0.22, 0.45, 0.08),
}

# Patches for the top/bottom balance (same units as PATCHES). Upper: forehead, below the eyes,
# nose bridge; lower: lower cheeks, beside the lips, jaw, chin. A light from above shades the
# whole lower face, so the *brightest* lower patch falls with it; a beard, a moustache or dark
# lips darken some lower patches only, and a fringe some upper ones only (hence maxima).
UPPER_PATCHES: dict[str, tuple[float, float, float]] = {
    "up_forehead_l": (-0.3, -0.45, 0.12),
    "up_forehead_c": (0.0, -0.4, 0.12),
    "up_forehead_r": (0.3, -0.45, 0.12),
    "up_under_eye_l": (-0.45, 0.25, 0.12),
    "up_under_eye_r": (0.45, 0.25, 0.12),
    "up_bridge": (0.0, -0.05, 0.08),
}
LOWER_PATCHES: dict[str, tuple[float, float, float]] = {
    "lo_cheek_l": (-0.55, 0.85, 0.12),
    "lo_cheek_r": (0.55, 0.85, 0.12),
    "lo_lip_l": (-0.3, 0.75, 0.08),
    "lo_lip_r": (0.3, 0.75, 0.08),
    "lo_jaw_l": (-0.4, 1.2, 0.1),
    "lo_jaw_r": (0.4, 1.2, 0.1),
    "lo_chin": (0.0, 1.4, 0.12),
}


def srgb_to_linear(values: np.ndarray) -> np.ndarray:
    """sRGB-encoded values in [0, 255] → linear light in [0, 1] (IEC 61966-2-1)."""
    v = np.asarray(values, dtype=np.float32) / 255.0
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4).astype(np.float32)


# the 256 linear values of the uint8 sRGB codes: a table lookup replaces the power per pixel
_SRGB_LUT = srgb_to_linear(np.arange(256))
_SRGB_LUT.flags.writeable = False
# Rec. 709 luminance weights in OpenCV's BGR channel order
_Y_WEIGHTS_BGR = np.array([[0.0722, 0.7152, 0.2126]], dtype=np.float32)


def linear_luminance(bgr: np.ndarray) -> np.ndarray:
    """Relative luminance Y (Rec. 709 weights on linear sRGB), float32 in [0, 1]."""
    arr = np.asarray(bgr)
    if arr.dtype == np.uint8 and arr.ndim == 3 and arr.shape[2] == 3 and arr.size:
        lin = cv2.LUT(arr, _SRGB_LUT)
        return cv2.transform(lin, _Y_WEIGHTS_BGR).reshape(arr.shape[:2])
    lin = srgb_to_linear(arr)
    return (0.0722 * lin[..., 0] + 0.7152 * lin[..., 1] + 0.2126 * lin[..., 2]).astype(np.float32)


# one BGR pixel as a single 3-byte item
_PIXEL = np.dtype((np.void, 3))


def every_nth_pixel(bgr: np.ndarray, step: int) -> np.ndarray:
    """``np.ascontiguousarray(bgr[::step, ::step])`` of a uint8 ``(H, W, 3)`` image.

    Each pixel is copied as one 3-byte item: numpy copies a strided image channel by channel
    several times slower, holding the GIL. Other arrays are copied plainly.
    """
    image = np.asarray(bgr)
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        return np.ascontiguousarray(image[::step, ::step])
    pixels = np.ascontiguousarray(image).view(_PIXEL)  # (H, W, 1)
    return np.ascontiguousarray(pixels[::step, ::step]).view(np.uint8)


def lightness(bgr: np.ndarray) -> np.ndarray:
    """CIE L* (0–100) of uint8 BGR pixels ``(H, W, 3)``, as a contiguous ``(H, W)`` plane
    (copied out by OpenCV without the GIL, not later by numpy's strided copy holding it)."""
    lab = to_lab(bgr, scaling="cie")
    return cv2.extractChannel(lab, 0) if lab.ndim == 3 and lab.size else lab[..., 0]


@dataclass(frozen=True)
class FaceFrame:
    """A face-aligned frame from the landmarks, in the pixels of the image it is used on.

    Attributes
    ----------
    origin : numpy.ndarray
        ``(2,)`` midpoint of the eye centres.
    u_axis : numpy.ndarray
        ``(2,)`` vector from the image-left to the image-right eye centre (length = IOD).
    v_axis : numpy.ndarray
        ``(2,)`` vector from the eye midpoint to the mouth centre.
    """

    origin: np.ndarray
    u_axis: np.ndarray
    v_axis: np.ndarray

    @classmethod
    def from_points(cls, eye_left: np.ndarray, eye_right: np.ndarray,
                    mouth: np.ndarray) -> FaceFrame:
        """Frame from the two eye centres and the mouth centre."""
        el, er, m = (np.asarray(p, dtype=np.float64)[:2] for p in (eye_left, eye_right, mouth))
        origin = (el + er) / 2.0
        return cls(origin=origin, u_axis=er - el, v_axis=m - origin)

    @cached_property
    def iod_px(self) -> float:
        """Inter-ocular distance in pixels (worked out once per frame: it is read often)."""
        return float(np.hypot(*self.u_axis))

    def to_image(self, u: float, v: float) -> np.ndarray:
        """Face-frame coordinates → image pixels."""
        return self.origin + u * self.u_axis + v * self.v_axis

    def scaled(self, factor: float) -> FaceFrame:
        """The same frame in an image resized by ``factor``."""
        return FaceFrame(self.origin * factor, self.u_axis * factor, self.v_axis * factor)


class Disc(NamedTuple):
    """A patch drawn within its own bounding box: ``mask`` covers ``image[rows, cols]``."""

    rows: slice
    cols: slice
    mask: np.ndarray

    def values(self, image: np.ndarray) -> np.ndarray:
        """The patch's pixels of ``image``, in row-major order."""
        return image[self.rows, self.cols][self.mask]


def patch_discs(shape: tuple[int, int], frame: FaceFrame,
                patches: dict[str, tuple[float, float, float]] | None = None
                ) -> dict[str, Disc]:
    """The skin patches (ellipses, radius in IOD units), each drawn in its bounding box only.

    Patches of the same place and size under several names (a forehead patch feeds the skin's
    L*, the left/right and the top/bottom balance) share one disc.
    """
    h, w = shape
    out: dict[str, Disc] = {}
    made: dict[tuple[float, float, float], Disc] = {}
    # the frame as Python floats, read once: :meth:`FaceFrame.to_image`'s float64 steps
    # (origin + u·u_axis, then + v·v_axis) without three tiny numpy operations per patch
    iod = frame.iod_px
    (ox, oy), (ux, uy), (vx, vy) = frame.origin.tolist(), frame.u_axis.tolist(), \
        frame.v_axis.tolist()
    for name, geometry in (patches or PATCHES).items():
        if geometry not in made:
            u, v, radius = geometry
            r = max(1, int(round(radius * iod)))
            cx, cy = int(round(ox + u * ux + v * vx)), int(round(oy + u * uy + v * vy))
            # a filled circle reaches r px from its centre: its box, clipped to the image
            y0, y1 = min(max(cy - r, 0), h), min(max(cy + r + 1, 0), h)
            x0, x1 = min(max(cx - r, 0), w), min(max(cx + r + 1, 0), w)
            if y1 <= y0 or x1 <= x0:  # off the image
                made[geometry] = Disc(slice(0, 0), slice(0, 0), np.zeros((0, 0), bool))
            else:
                # the part of the whole disc inside the image (integer circles are drawn the
                # same wherever their centre lies, and clipping only cuts them)
                mask = _disc(r)[y0 - (cy - r): y1 - (cy - r), x0 - (cx - r): x1 - (cx - r)]
                made[geometry] = Disc(slice(y0, y1), slice(x0, x1), mask)
        out[name] = made[geometry]
    return out


@lru_cache(maxsize=512)  # radii of a few hundred px at most in practice
def _disc(radius_px: int) -> np.ndarray:
    """bool ``(2r + 1, 2r + 1)``: OpenCV's filled circle of radius ``r`` at the centre, made
    once per radius (read-only) instead of drawn on a fresh array per patch and photo."""
    canvas = np.zeros((2 * radius_px + 1, 2 * radius_px + 1), np.uint8)
    cv2.circle(canvas, (radius_px, radius_px), radius_px, 1, -1)
    disc = canvas.view(bool)
    disc.flags.writeable = False
    return disc


def robust_mean(values: np.ndarray) -> float:
    """Mean of the 20th–80th percentile range (ignores spots, hair strands, highlights).

    The same figure as ``np.percentile(v, [20, 80])`` and the mean between them (finite
    values), with one partition at the four ranks the two percentiles read
    (:func:`photocheck.measures.order.percentiles`): most of
    ``np.percentile``'s time on a patch of a few thousand pixels is its own overhead, and a
    face's lighting takes 17 of these means.
    """
    v = np.asarray(values, dtype=np.float64).ravel()
    n = v.size
    if n == 0:
        return float("nan")
    lo, hi = percentiles(v, (20.0, 80.0))
    mid = v[(v >= lo) & (v <= hi)]
    return float(mean(mid)) if mid.size else float(np.median(v))


@dataclass(frozen=True)
class FaceLight:
    """Lighting figures of one face.

    Attributes
    ----------
    lightness : float
        Median L* (0–100) of the skin patches.
    scene_highlight : float
        98th percentile L* of the whole image (whites of eyes, background, clothes).
    lr_stops, tb_stops : float
        ``|log2|`` of the luminance ratio image-left vs image-right half, and upper vs lower
        face (:func:`imbalance_stops`).
    clipped_high, clipped_low : float
        Fraction of face-oval pixels with grey level ≥ 248 or ≤ 5.
    """

    lightness: float
    scene_highlight: float
    lr_stops: float
    tb_stops: float
    clipped_high: float
    clipped_low: float


def side_patches() -> dict[str, tuple[float, float, float]]:
    """:data:`SIDE_PAIRS` as named patches ``<pair>_l`` / ``<pair>_r``."""
    out: dict[str, tuple[float, float, float]] = {}
    for name, (u, v, radius) in SIDE_PAIRS.items():
        out[f"{name}_l"] = (-u, v, radius)
        out[f"{name}_r"] = (u, v, radius)
    return out


def imbalance_stops(lum: np.ndarray, patches: Mapping[str, Disc]) -> tuple[float, float]:
    """Left/right and top/bottom luminance imbalance in stops (``|log2|`` of the ratios).

    J-LIS refuses a shadow on the face and ICAO 9303-3 asks for even illumination: a side or
    an overhead light darkens one half of the face against the other, by the same ratio
    whatever the skin tone.

    Left/right is the median, over the mirrored :data:`SIDE_PAIRS`, of each pair's log ratio
    (image-left over image-right): a side light darkens every pair of one half alike, while a
    strand of hair, a mole or a turned cheek moves one pair only. It is measured on the face's
    own landmarks, so it does not depend on how much of the frame the face fills. Top/bottom
    compares the brightest :data:`UPPER_PATCHES` patch with the brightest
    :data:`LOWER_PATCHES` one (a light from above shades every lower patch; a beard, dark lips
    or a fringe only some).

    Parameters
    ----------
    lum : numpy.ndarray
        float ``(h, w)`` linear luminance (:func:`linear_luminance`).
    patches : Mapping[str, Disc]
        The patches in ``lum``'s pixels by name (:func:`patch_discs`): ``<pair>_l`` /
        ``<pair>_r`` of :func:`side_patches` and the names of :data:`UPPER_PATCHES` and
        :data:`LOWER_PATCHES`. Names that share a disc share its mean; a missing name, or a
        disc off the image, does not count.

    Returns
    -------
    (lr_stops, tb_stops) : tuple of float
        Each ``|log2((a + 1e-4) / (b + 1e-4))|`` of the robust means (:func:`robust_mean`);
        0 when a side has no patch on the image.
    """
    means: dict[int, float] = {}  # by disc: patches sharing a disc share its mean

    def mean(name: str) -> float:
        d = patches.get(name)
        if d is None:
            return float("nan")
        if id(d) not in means:
            values = d.values(lum)
            means[id(d)] = robust_mean(values) if values.size else float("nan")
        return means[id(d)]

    def brightest(names: list[str]) -> float:
        values = [v for v in (mean(n) for n in names) if math.isfinite(v)]
        return max(values) if values else float("nan")

    eps = 1e-4
    # one log2 call for the four pairs (numpy's, element by element the same as one at a time)
    logs = np.log2([(mean(f"{n}_l") + eps) / (mean(f"{n}_r") + eps) for n in SIDE_PAIRS])
    pairs = sorted(p for p in logs.tolist() if math.isfinite(p))
    # np.median of these few floats: the middle one, or the mean (a + b) / 2 of the two
    half = len(pairs) // 2
    lr = abs(pairs[half] if len(pairs) % 2 else (pairs[half - 1] + pairs[half]) / 2) \
        if pairs else 0.0
    top, bottom = brightest(list(UPPER_PATCHES)), brightest(list(LOWER_PATCHES))
    tb = abs(float(np.log2((top + eps) / (bottom + eps))))
    return lr, (tb if np.isfinite(tb) else 0.0)


def clipped_fractions(bgr: np.ndarray, mask: np.ndarray, high: int = 248,
                      low: int = 5) -> tuple[float, float]:
    """Fractions of ``mask`` pixels that are blown or crushed: grey level ≥ ``high`` or ≤ ``low``.

    Grey level, not the largest channel: the red channel of well-lit pale skin nears 255
    without the skin looking blown.
    """
    m = np.asarray(mask, bool)
    if not m.any():
        return float("nan"), float("nan")
    grey = cv2.cvtColor(np.asarray(bgr, np.uint8), cv2.COLOR_BGR2GRAY)[m]
    # ``(grey >= high).mean()``: an exact count over the size, as numpy's float64 sum of ones
    return (int(np.count_nonzero(grey >= high)) / grey.size,
            int(np.count_nonzero(grey <= low)) / grey.size)


def face_light(bgr: np.ndarray, frame: FaceFrame, oval: np.ndarray) -> FaceLight:
    """All lighting figures of a face.

    Parameters
    ----------
    bgr : numpy.ndarray
        uint8 ``(H, W, 3)`` image.
    frame : FaceFrame
        The face frame in this image's pixels.
    oval : numpy.ndarray
        bool ``(H, W)`` face-oval mask (for clipping).
    """
    h, w = bgr.shape[:2]
    # work on a box around the face only: the colour conversions are per pixel
    reach = 1.6 * frame.iod_px
    cx, cy = frame.to_image(0.0, 0.3)
    x0, x1 = int(max(0, cx - reach)), int(min(w, cx + reach + 1))
    y0, y1 = int(max(0, cy - reach)), int(min(h, cy + reach + 1))
    if x1 <= x0 or y1 <= y0:
        x0, y0, x1, y1 = 0, 0, w, h
    box = np.ascontiguousarray(bgr[y0:y1, x0:x1])
    local = FaceFrame(frame.origin - np.array([x0, y0], np.float64), frame.u_axis, frame.v_axis)
    # the side pairs and the upper/lower patches only feed the balances (the skin's L* stays
    # on the main patches)
    discs = patch_discs(box.shape[:2], local,
                        {**PATCHES, **side_patches(), **UPPER_PATCHES, **LOWER_PATCHES})
    drawn = [d for d in {id(d): d for d in discs.values()}.values() if d.mask.size]
    # luminance only over the patches' bounding box (about a quarter of the face box)
    r0 = min((d.rows.start for d in drawn), default=0)
    r1 = max((d.rows.stop for d in drawn), default=0)
    c0 = min((d.cols.start for d in drawn), default=0)
    c1 = max((d.cols.stop for d in drawn), default=0)
    patched = box[r0:r1, c0:c1]
    lum = linear_luminance(patched)
    moved = {id(d): Disc(slice(d.rows.start - r0, d.rows.stop - r0),
                         slice(d.cols.start - c0, d.cols.stop - c0), d.mask) if d.mask.size
             else d for d in discs.values()}  # a shared disc stays shared
    in_box = {name: moved[id(d)] for name, d in discs.items()}
    skin = np.zeros(lum.shape, bool)
    for name in PATCHES:
        d = in_box[name]
        skin[d.rows, d.cols] |= d.mask
    # L* of the skin pixels only, as one row (OpenCV converts row by row: a row per pixel costs
    # 10× more; the same values, every one of the 2²⁴ colours checked); the pixels read by flat
    # index (numpy's 2-D boolean read of a colour image is several times slower)
    skin_px = np.ascontiguousarray(patched).reshape(-1, 3)[np.flatnonzero(skin)]
    # np.median's and np.percentile's figures without their wrappers (photocheck.measures.order)
    face_l = median(lightness(skin_px[None])) if len(skin_px) else float("nan")
    step = max(1, max(h, w) // 320)
    scene_l = lightness(every_nth_pixel(bgr, step))
    lr, tb = imbalance_stops(lum, in_box)
    hi, lo = clipped_fractions(box, np.asarray(oval, bool)[y0:y1, x0:x1])
    return FaceLight(lightness=face_l, scene_highlight=percentiles(scene_l, (98,), weak=True)[0],
                     lr_stops=lr, tb_stops=tb, clipped_high=hi, clipped_low=lo)
