"""Order statistics of small samples, the same figures as ``np.median`` / ``np.percentile``.

On the few hundred pixels of a box numpy's own overhead (15–40 µs a call: argument checks,
a partition at extra ranks, a NaN probe) is most of the time; these give numpy's figures bit for
bit (its own float steps, in the same dtypes) from one partition. Finite values only.
"""

from __future__ import annotations

import math

import numpy as np


def median(values: np.ndarray) -> float:
    """``float(np.median(values))`` of finite values, from one partition.

    numpy averages the two middle values of an even count in the array's dtype (their sum in
    that dtype, halved); an odd count gives the middle value.

    Parameters
    ----------
    values : numpy.ndarray
        Finite numbers, any shape (read flat).

    Returns
    -------
    float
        The median; NaN (with numpy's warning) when there are no values.
    """
    v = np.asarray(values).ravel()
    n = v.size
    if n == 0:
        return float(np.median(v))  # numpy's NaN and warning
    k = n // 2
    if n % 2:
        return float(np.partition(v, k)[k])
    part = np.partition(v, [k - 1, k])
    return float((part[k - 1] + part[k]) / 2)


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
    part = np.partition(v, ranks)
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
