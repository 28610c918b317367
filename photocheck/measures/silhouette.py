"""Silhouette regions and profiles: the region holding a seed, where its top edge lies column
by column."""

from __future__ import annotations

import cv2
import numpy as np


def component_at(binary: np.ndarray, x: int, y: int) -> np.ndarray:
    """The 4-connected region of a 0/1 ``binary``'s 1-pixels holding ``(x, y)``, as a bool mask
    (all False when that pixel is 0).

    The same pixels as ``labels == labels[y, x]`` of ``cv2.connectedComponents(binary,
    connectivity=4)`` (when that label is not the background's 0), by a flood fill from the seed:
    it visits that region only instead of labelling the whole image (a fifth of the time on a
    head canvas).
    """
    image = np.asarray(binary, np.uint8)
    h, w = image.shape
    mask = np.zeros((h + 2, w + 2), np.uint8)
    if image[y, x]:
        cv2.floodFill(image, mask, (int(x), int(y)), 0, 0, 0,
                      flags=4 | cv2.FLOODFILL_MASK_ONLY | (1 << 8))
    return mask[1:-1, 1:-1].view(bool)


def top_edge_profile(columns: np.ndarray, missing_row: float, window: int = 5) -> np.ndarray | None:
    """Row of the first True pixel in each column, smoothed by a running median.

    The running median over ``window`` columns ignores single stray hairs standing up from the
    head, so the minimum of the profile is the crown (top of the hair or covering).

    Parameters
    ----------
    columns : numpy.ndarray
        Boolean ``(H, W)`` region, one column per image column of the face.
    missing_row : float
        Value for columns with no True pixel.
    window : int
        Running-median width in columns (applied when at least 3 columns exist).

    Returns
    -------
    numpy.ndarray or None
        ``(W,)`` float rows, or None when no column holds the region.
    """
    has = columns.any(axis=0)
    if not has.any():
        return None
    tops = np.where(has, columns.argmax(axis=0), missing_row).astype(np.float64)
    k = min(window, tops.size)
    if k >= 3:
        # ``np.median(sliding_window_view(np.pad(tops, k // 2, mode="edge"), k), axis=1)``
        # with fewer numpy calls: the windows gathered by clipped indices (edge padding), each
        # sorted; the middle value, or the float64 mean (a + b) / 2 of the two middle ones
        starts = np.arange(tops.size + 2 * (k // 2) - k + 1) - k // 2
        windows = tops.take(starts[:, None] + np.arange(k), mode="clip")
        windows.sort(axis=1)
        m = k // 2
        tops = windows[:, m] if k % 2 else (windows[:, m - 1] + windows[:, m]) / 2
    return tops
