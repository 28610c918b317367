"""Colour distances (pure numpy)."""

from __future__ import annotations

import numpy as np


def channel_norm(x: np.ndarray) -> np.ndarray:
    """Euclidean norm over the last axis of a 3-channel array (a colour difference per pixel).

    The very same values as ``np.linalg.norm(x, axis=-1)`` (the squares summed in the same
    order, in ``x``'s float type), about twice as fast: numpy reduces a 3-long strided axis
    slowly, so the three channel planes are added instead.

    Parameters
    ----------
    x : numpy.ndarray
        Float array whose last axis has length 3 (e.g. Lab or BGR differences).

    Returns
    -------
    numpy.ndarray
        ``x.shape[:-1]``, same float type.
    """
    sq = x * x
    total = sq[..., 0] + sq[..., 1]
    total += sq[..., 2]
    return np.sqrt(total, out=total)
