"""Person segmentation wrappers: MediaPipe selfie segmentation and MODNet portrait matting.

Pre- and post-processing are pure numpy/OpenCV; the sessions come from
:class:`photocheck.inference.Models` (``selfie_segmentation`` and ``modnet`` in the manifest).
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from photocheck.inference.pixels import CENTRED, UNIT, rgb_float
from photocheck.measures.resize import area_u8

SELFIE_SIZE_PX = 256
MODNET_STRIDE_PX = 32


def selfie_input(bgr: np.ndarray) -> np.ndarray:
    """The selfie model's input: the whole frame stretched to 256×256, RGB in [0, 1], NHWC.

    The frame is stretched (not letterboxed), as MediaPipe's own graph does, so the output maps
    back to the frame by a plain resize.
    """
    small = area_u8(bgr, (SELFIE_SIZE_PX, SELFIE_SIZE_PX))
    return rgb_float(small, UNIT)[None]


def selfie_output(raw: np.ndarray, height_px: int, width_px: int) -> np.ndarray:
    """Map the model's ``[1, 256, 256, 1]`` probability back to a ``(height, width)`` frame.

    Bilinear upsampling keeps the mask smooth; values are clipped to [0, 1].
    """
    prob = np.asarray(raw, dtype=np.float32).reshape(SELFIE_SIZE_PX, SELFIE_SIZE_PX)
    out = cv2.resize(prob, (int(width_px), int(height_px)), interpolation=cv2.INTER_LINEAR)
    # in place: a second frame-sized array costs its allocation, page faults and unmapping
    return np.clip(out, 0.0, 1.0, out=out)


def selfie_mask(models: Any, bgr: np.ndarray) -> np.ndarray:
    """Person probability of every pixel of ``bgr`` (float32 ``(H, W)`` in [0, 1]).

    Parameters
    ----------
    models : photocheck.inference.Models
        Shared sessions.
    bgr : numpy.ndarray
        uint8 ``(H, W, 3)`` BGR image (the whole frame).
    """
    session = models.session("selfie_segmentation")
    name = session.get_inputs()[0].name
    raw = session.run(None, {name: selfie_input(bgr)})[0]
    return selfie_output(raw, bgr.shape[0], bgr.shape[1])


def modnet_size(height_px: int, width_px: int, long_side_px: int = 320) -> tuple[int, int]:
    """(height, width) of the MODNet input: long side ``long_side_px``, both multiples of 32.

    Examples
    --------
    >>> modnet_size(1000, 800, 320)
    (320, 256)
    """
    scale = long_side_px / max(height_px, width_px, 1)

    def snap(n: float) -> int:
        return max(MODNET_STRIDE_PX, int(round(n / MODNET_STRIDE_PX)) * MODNET_STRIDE_PX)

    return snap(height_px * scale), snap(width_px * scale)


def modnet_input(bgr: np.ndarray, long_side_px: int = 320) -> np.ndarray:
    """MODNet input: ``bgr`` resized to multiples of 32, NCHW RGB in [-1, 1]."""
    h, w = modnet_size(bgr.shape[0], bgr.shape[1], long_side_px)
    small = area_u8(bgr, (w, h))
    return rgb_float(small, CENTRED).transpose(2, 0, 1)[None]


def modnet_output(raw: np.ndarray, height_px: int, width_px: int) -> np.ndarray:
    """Map MODNet's ``[1, 1, h, w]`` alpha back to ``(height, width)`` (float32, [0, 1])."""
    alpha = np.asarray(raw, dtype=np.float32)[0, 0]
    out = cv2.resize(alpha, (int(width_px), int(height_px)), interpolation=cv2.INTER_LINEAR)
    return np.clip(out, 0.0, 1.0, out=out)  # in place (see selfie_output)


def modnet_alpha(models: Any, bgr: np.ndarray, long_side_px: int = 320,
                 name: str = "modnet") -> np.ndarray:
    """Alpha matte (person = 1) of a head crop, at the crop's own size.

    Parameters
    ----------
    models : photocheck.inference.Models
        Shared sessions.
    bgr : numpy.ndarray
        uint8 ``(h, w, 3)`` BGR crop around the head (MODNet is slow: never the whole frame).
    long_side_px : int
        Inference size of the long side (rounded to a multiple of 32); 256–384 is plenty.
    name : str
        ``modnet`` (int8) or ``modnet_fp32``.
    """
    session = models.session(name)
    name = session.get_inputs()[0].name
    raw = session.run(None, {name: modnet_input(bgr, long_side_px)})[0]
    return modnet_output(raw, bgr.shape[0], bgr.shape[1])
