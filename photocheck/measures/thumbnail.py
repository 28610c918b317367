"""Compare an embedded EXIF thumbnail with the main image (pure numpy/OpenCV, no thresholds)."""

from __future__ import annotations

import cv2
import numpy as np

_COMPARE_PX = 24


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
