"""Colour conversion and distances (numpy / OpenCV)."""

from __future__ import annotations

from typing import Literal

import cv2
import numpy as np

# each uint8 level as numpy's float32 ``level / 255.0`` (the pixels :func:`to_lab` converts)
_UNIT_LEVELS = np.arange(256, dtype=np.float32) / 255.0
_UNIT_LEVELS.flags.writeable = False


def to_lab(bgr: np.ndarray, *, scaling: Literal["cie", "uint8"]) -> np.ndarray:
    """BGR → float32 Lab, in one of OpenCV's two Lab scalings.

    Parameters
    ----------
    bgr : numpy.ndarray
        uint8 ``(..., 3)`` BGR.
    scaling : {"cie", "uint8"}
        ``"cie"``: CIE L*a*b* of the pixels as floats (``bgr / 255``): L* 0–100, a* and b*
        about −128…127, unrounded, so distances are CIE ΔE*ab. ``"uint8"``: OpenCV's 8-bit
        encoding, rounded to integers: L* · 255 / 100, a* + 128, b* + 128 (each 0–255), so a
        distance of 1 is about 0.4 L* or 1 a*/b*.

    Returns
    -------
    numpy.ndarray
        float32, ``bgr``'s shape.
    """
    if scaling == "cie":
        image = np.asarray(bgr)
        if image.dtype == np.uint8 and image.size:
            # ``image / 255`` in float32 from a table of the 256 levels: OpenCV's look-up
            # releases the GIL, numpy's cast and division (over every channel) hold it
            return cv2.cvtColor(cv2.LUT(image, _UNIT_LEVELS), cv2.COLOR_BGR2LAB)
        return cv2.cvtColor(np.asarray(image, dtype=np.float32) / 255.0, cv2.COLOR_BGR2LAB)
    if scaling == "uint8":
        return lab_u8(bgr).astype(np.float32)
    raise ValueError(f"unknown Lab scaling {scaling!r}: 'cie' or 'uint8'")


def lab_u8(bgr: np.ndarray) -> np.ndarray:
    """uint8 BGR → uint8 Lab in OpenCV's 8-bit encoding (``to_lab(…, scaling="uint8")`` before
    its float conversion), for per-level look-up tables; an empty image gives an empty one."""
    image = np.asarray(bgr, dtype=np.uint8)
    return cv2.cvtColor(image, cv2.COLOR_BGR2LAB) if image.size else image.copy()


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


def distance_u8(lab_u8: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """``channel_norm(lab_u8.astype(np.float32) − ref)`` of a uint8 3-channel image (e.g. Lab
    in OpenCV's 8-bit scaling) from a float32 colour ``ref``: the same values, the squared
    float32 difference of each of the 256 levels per channel taken from a table (about half
    the time: no float pass to subtract and square).

    Parameters
    ----------
    lab_u8 : numpy.ndarray
        uint8 ``(..., 3)``.
    ref : numpy.ndarray
        ``(3,)``, as float32.

    Returns
    -------
    numpy.ndarray
        float32, ``lab_u8.shape[:-1]``.
    """
    diff = np.arange(256, dtype=np.float32)[:, None] - np.asarray(ref, dtype=np.float32)
    sq = cv2.LUT(np.asarray(lab_u8, dtype=np.uint8), (diff * diff).reshape(256, 1, 3))
    total = sq[..., 0] + sq[..., 1]
    total += sq[..., 2]
    return np.sqrt(total, out=total)
