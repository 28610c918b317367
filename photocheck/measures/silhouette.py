"""Silhouette profiles (pure numpy): where a region's top edge lies, column by column."""

from __future__ import annotations

import numpy as np


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
        pad = np.pad(tops, (k // 2, k // 2), mode="edge")
        tops = np.median(np.lib.stride_tricks.sliding_window_view(pad, k), axis=1)
    return tops
