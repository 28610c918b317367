"""Compare an embedded EXIF thumbnail with the main image (pure numpy/OpenCV, no thresholds)."""

from __future__ import annotations

import cv2
import numpy as np

_COMPARE_PX = 24
_STRUCTURE_PX = 96  # structure compared at most this long side (a thumbnail's own detail)


def trim_bars(gray: np.ndarray, *, max_level: float = 24.0, max_std: float = 10.0) -> np.ndarray:
    """Remove uniform dark (letterbox) bars that cameras add to thumbnails of another aspect.

    Parameters
    ----------
    gray : numpy.ndarray
        ``(H, W)`` uint8 thumbnail.
    max_level, max_std : float
        A border row/column is a bar when its mean and standard deviation are below these.

    Returns
    -------
    numpy.ndarray
        The thumbnail without its bars (unchanged when nothing would remain).
    """
    g = gray.astype(np.float32)
    rows = (g.mean(axis=1) <= max_level) & (g.std(axis=1) <= max_std)
    cols = (g.mean(axis=0) <= max_level) & (g.std(axis=0) <= max_std)
    keep_r, keep_c = np.flatnonzero(~rows), np.flatnonzero(~cols)
    if len(keep_r) < 4 or len(keep_c) < 4:
        return gray
    return gray[keep_r[0] : keep_r[-1] + 1, keep_c[0] : keep_c[-1] + 1]


def best_similarity(thumb: np.ndarray, main: np.ndarray) -> tuple[float, float]:
    """:func:`thumbnail_similarity` with and without letterbox bars removed; the better one.

    Trimming helps when the camera padded the thumbnail to its own aspect ratio, and hurts on a
    dark photo whose real border rows look like bars, so both are tried.
    """
    plain = thumbnail_similarity(thumb, main)
    trimmed = trim_bars(thumb)
    if trimmed.shape == thumb.shape:
        return plain
    other = thumbnail_similarity(trimmed, main)
    return other if other[0] > plain[0] else plain


def thumbnail_similarity(thumb: np.ndarray, main: np.ndarray) -> tuple[float, float]:
    """Similarity of a thumbnail and the main image, both grayscale and upright.

    Both are reduced to a small square by area averaging and compared by Pearson correlation,
    which ignores the brightness/contrast shifts of thumbnail encoders but not a changed scene,
    crop, flip or retouch large enough to show at thumbnail size.

    Parameters
    ----------
    thumb : numpy.ndarray
        ``(h, w)`` uint8 thumbnail, bars already removed.
    main : numpy.ndarray
        ``(H, W)`` uint8 main image (any size).

    Returns
    -------
    tuple of float
        (correlation in [-1, 1], aspect ratio difference ``|log(a_thumb / a_main)|``).
    """
    aspect_t = thumb.shape[1] / max(1, thumb.shape[0])
    aspect_m = main.shape[1] / max(1, main.shape[0])
    aspect_diff = float(abs(np.log(aspect_t / aspect_m)))
    size = (_COMPARE_PX, _COMPARE_PX)
    a = cv2.resize(thumb, size, interpolation=cv2.INTER_AREA).astype(np.float64).ravel()
    b = cv2.resize(main, size, interpolation=cv2.INTER_AREA).astype(np.float64).ravel()
    a -= a.mean()
    b -= b.mean()
    denom = float(np.sqrt((a * a).sum() * (b * b).sum()))
    if denom < 1e-6:  # a flat image: equal only if both are flat
        return (1.0 if np.allclose(a, 0) and np.allclose(b, 0) else 0.0), aspect_diff
    return float((a * b).sum() / denom), aspect_diff


def _crop_to_aspect(gray: np.ndarray, aspect: float) -> np.ndarray:
    """Centre crop to width/height ``aspect`` (unchanged within 2 %)."""
    h, w = gray.shape[:2]
    current = w / max(1, h)
    if abs(np.log(current / aspect)) < 0.02:
        return gray
    if current > aspect:
        new_w = max(1, int(round(h * aspect)))
        x0 = (w - new_w) // 2
        return gray[:, x0 : x0 + new_w]
    new_h = max(1, int(round(w / aspect)))
    y0 = (h - new_h) // 2
    return gray[y0 : y0 + new_h]


def structure_similarity(thumb: np.ndarray, main: np.ndarray, max_shift_px: int = 1) -> float:
    """How well the fine structure of a thumbnail matches the main image, in [-1, 1].

    The main image is cut to the thumbnail's aspect (centre) and both are brought to the
    thumbnail's size (at most :data:`_STRUCTURE_PX` on the long side), band-passed (difference
    of Gaussians, σ 0.7 and 3 px: JPEG noise and the overall layout — bright wall, dark hair,
    a face in the middle — both drop out) and compared by normalised cross-correlation, the
    best over shifts of up to ``max_shift_px``. A re-encoded, resized or re-toned copy keeps
    its edges (≥ 0.96 on the camera thumbnails of ../shared/photos, 0.98 for a 160-px q60
    thumbnail 15 % brighter); another photo with the same framing does not (≤ 0.72 between
    different people of the London set, aligned on the pupils, where the 24-px correlation of
    :func:`thumbnail_similarity` still reads 0.89–0.94).
    """
    th, tw = thumb.shape[:2]
    if min(th, tw) < 8 or min(main.shape[:2]) < 8:
        return float("nan")
    main = _crop_to_aspect(main, tw / th)
    scale = min(1.0, _STRUCTURE_PX / max(th, tw))
    size = (max(8, round(tw * scale)), max(8, round(th * scale)))

    def band(img: np.ndarray) -> np.ndarray:
        g = cv2.resize(img, size, interpolation=cv2.INTER_AREA).astype(np.float32)
        return cv2.GaussianBlur(g, (0, 0), 0.7) - cv2.GaussianBlur(g, (0, 0), 3.0)

    a, b = band(thumb), band(main)
    m = max_shift_px
    core = a[m : a.shape[0] - m, m : a.shape[1] - m]
    core = core - core.mean()
    best = -1.0
    for dy in range(-m, m + 1):
        for dx in range(-m, m + 1):
            other = b[m + dy : b.shape[0] - m + dy, m + dx : b.shape[1] - m + dx]
            other = other - other.mean()
            denom = float(np.sqrt((core * core).sum() * (other * other).sum()))
            if denom > 1e-6:
                best = max(best, float((core * other).sum() / denom))
    return best if best > -1.0 else (1.0 if np.allclose(a, b) else 0.0)


def best_structure(thumb: np.ndarray, main: np.ndarray) -> float:
    """:func:`structure_similarity` with and without letterbox bars removed; the better one."""
    plain = structure_similarity(thumb, main)
    trimmed = trim_bars(thumb)
    if trimmed.shape == thumb.shape:
        return plain
    other = structure_similarity(trimmed, main)
    return other if other > plain or not np.isfinite(plain) else plain
