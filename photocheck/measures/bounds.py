"""Whole-pixel bounds of a float coordinate clamped into an image: ``int(np.clip(np.floor(x),
lo, hi))`` and its ceiling in plain Python, since numpy's calls cost microseconds on one number.
"""

from __future__ import annotations

import math


def floor_within(v: float, lo: int, hi: int) -> int:
    """``int(np.clip(np.floor(v), lo, hi))`` in plain floats: with integer bounds, flooring
    the clipped number gives the same integer (NaN raises ValueError, as ``int`` of it does).

    Examples
    --------
    >>> floor_within(3.7, 0, 10), floor_within(-2.5, 0, 10), floor_within(float("inf"), 0, 10)
    (3, 0, 10)
    """
    return int(math.floor(min(max(v, lo), hi)))


def ceil_within(v: float, lo: int, hi: int) -> int:
    """``int(np.clip(np.ceil(v), lo, hi))`` in plain floats (see :func:`floor_within`).

    Examples
    --------
    >>> ceil_within(3.2, 0, 10), ceil_within(12.0, 0, 10), ceil_within(-float("inf"), 1, 10)
    (4, 10, 1)
    """
    return int(math.ceil(min(max(v, lo), hi)))
