"""Order statistics, the same figures as ``np.median`` / ``np.percentile``, bit for bit, and
the mean by numpy's own steps.

On the few hundred pixels of a box numpy's own overhead (15–40 µs a call: argument checks,
a partition at extra ranks, a NaN probe) is most of the time, and on a background's tens of
thousands of values its partition is slow on runs of equal values; these give numpy's figures
(its own float steps, in the same dtypes) from one partition, a radix select or two counts.
Finite values only.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence

import cv2
import numpy as np


def mean(values: np.ndarray, axis: int | None = None) -> np.ndarray:
    """``np.add.reduce(values, axis) / count``: numpy's ``.mean`` steps for float values (its
    pairwise sum, then the division by the count), without the Python wrapper that costs
    microseconds holding the GIL on the small arrays of landmarks and patches. Bool and integer
    values give their exact counts or sums over the count, as float64."""
    v = np.asarray(values)
    return np.add.reduce(v, axis=axis) / (v.size if axis is None else v.shape[axis])


def median(values: np.ndarray) -> float:
    """``float(np.median(values))`` of finite values, by one partition (of one bin of the
    values for many float32 ones, :func:`float32_ranks`), or by two counts when one value fills
    the middle; no values give numpy's NaN (and its warning).

    ``np.median`` partitions at two ranks plus a NaN probe, several times the cost of one
    selection; the lower middle value of an even count is the largest of the lower part. A
    plain background's a* or b* is often one value over much of the wall, and introselect
    slows down 5–10× on such a run of equal values (2 ms against 0.2 ms for 37 000 values,
    half of them equal): when a sample of the values repeats its own median, that value is
    the median if the values below it and equal to it straddle the middle rank(s), which two
    counts tell.
    """
    v = np.asarray(values).ravel()
    n = v.size
    if n == 0:
        return float(np.median(v))  # numpy's NaN and warning
    k = n // 2
    if n >= 4096:
        # the strided sample is copied and partitioned in place: np.partition's own steps
        # without its Python wrapper (each numpy call costs microseconds holding the GIL)
        sample = v[:: n // 255].copy()
        sample.partition(sample.size // 2)
        guess = sample[sample.size // 2]
        if np.count_nonzero(sample == guess) * 8 >= sample.size:  # ≥ 1/8 of the sample
            below = int(np.count_nonzero(v < guess))
            equal = int(np.count_nonzero(v == guess))
            if below <= k - (1 - n % 2) and k < below + equal:
                return float(guess)  # the middle value(s) are all ``guess``
        # no NaN (``np.isnan(v).any()`` without the wrapper of ``.any()``): the radix select
        if v.dtype == np.float32 and not np.logical_or.reduce(np.isnan(v)):
            lower, upper = float32_ranks(v, (k - 1 + n % 2, k))
            return float(upper) if n % 2 else float((lower + upper) / 2)
    part = v.copy()
    part.partition(k)
    if n % 2:
        return float(part[k])
    # the largest of the lower part by the ufunc itself (``.max()`` goes through a wrapper)
    return float((np.maximum.reduce(part[:k]) + part[k]) / 2)


def _sortable_bins() -> np.ndarray:
    """The radix bin (0–4095) of each 16-bit high half of a float32: the top 12 bits of the
    float's bits with the negative values' magnitude bits flipped and the sign bit inverted,
    integers that sort as the floats do."""
    high = np.arange(1 << 16, dtype=np.uint32).astype(np.uint16)
    bins = np.where(high >= 0x8000, ~high, high | 0x8000).astype(np.uint16) >> 4
    bins.flags.writeable = False
    return bins


_SORTABLE_BIN = _sortable_bins()
# which uint16 of a float32 holds its sign, exponent and top mantissa bits
_HIGH_HALF = 1 if sys.byteorder == "little" else 0


def float32_ranks(values: np.ndarray, ranks: Sequence[int]) -> list[np.float32]:
    """The values at the given 0-based ranks of a 1-D float32 array without NaN (the values a
    partition puts there), by a radix select.

    The float bits, with the negative values' magnitude bits flipped, are integers that sort as
    the floats do; a histogram of their top 12 bits tells which bin holds each rank, and only
    that bin is partitioned (on a background's 37 000 residuals a bin holds a few percent of
    them: 0.09 ms against 0.25 ms for one partition of all). The bins are read from each
    value's high 16 bits through one table (:data:`_SORTABLE_BIN`): one pass over the values
    instead of five integer operations, which hold the GIL.
    """
    v = np.ascontiguousarray(values, dtype=np.float32)
    # (methods and ufuncs rather than np.take / np.cumsum: no dispatch through wrappers)
    high = _SORTABLE_BIN.take(v.view(np.uint16)[_HIGH_HALF::2])
    below = np.zeros(4097, np.int64)
    # the bin counts by OpenCV's histogram (exact float32 counts below 2²⁴ values, without
    # the GIL; np.bincount holds it over every value)
    if v.size < 1 << 24:
        counts = cv2.calcHist([high], [0], None, [4096], (0, 4096)).reshape(-1).astype(np.int64)
    else:
        counts = np.bincount(high, minlength=4096)
    np.add.accumulate(counts, out=below[1:])
    # the bin of each rank: below[b] ≤ rank < below[b + 1]
    bins = (below.searchsorted(ranks, side="right") - 1).tolist()
    found: dict[int, np.float32] = {}
    for b in sorted(set(bins)):
        inside = [r - int(below[b]) for r, rb in zip(ranks, bins, strict=True) if rb == b]
        part = v[high == b]  # a fresh array: partitioned in place, not copied again
        part.partition(inside)
        found.update({r + int(below[b]): part[r] for r in inside})
    return [found[r] for r in ranks]


def percentiles(values: np.ndarray, qs: tuple[float, ...], weak: bool = False) -> list[float]:
    """``np.percentile(values, q)`` (method ``linear``) of finite values for each ``q`` in
    ``qs``, from one partition at the ranks they read.

    numpy takes the difference of the two neighbours in the array's dtype and interpolates in
    float64 when ``q`` is a list (``weak=False``), in the array's dtype when it is one Python
    number (``weak=True``, one ``q`` per call to numpy).

    Parameters
    ----------
    values : numpy.ndarray
        Finite numbers, any shape (read flat).
    qs : tuple of float
        Percentiles in [0, 100].
    weak : bool
        Give ``np.percentile(values, q)`` for each Python-number ``q`` alone rather than
        ``np.percentile(values, list(qs))``.

    Returns
    -------
    list of float
        One figure per ``q``; no values raise numpy's ``IndexError``.
    """
    v = np.asarray(values).ravel()
    n = v.size
    if n == 0:
        return [float(np.percentile(v, q)) for q in qs]  # numpy's IndexError
    virtual = [(n - 1) * (q / 100) for q in qs]
    ranks = sorted({min(math.floor(x) + d, n - 1) for x in virtual for d in (0, 1)})
    part = v.copy()  # np.partition's own copy and partition, without its wrapper
    part.partition(ranks)
    out = []
    for x in virtual:
        if x >= n - 1:  # the largest value
            out.append(float(part[n - 1]))
            continue
        lo = math.floor(x)
        a, b = part[lo], part[lo + 1]
        diff = b - a  # in the array's dtype
        gamma = x - lo
        if not weak:
            a, b, diff = float(a), float(b), float(diff)
        out.append(float(b - diff * (1 - gamma) if gamma >= 0.5 else a + diff * gamma))
    return out
