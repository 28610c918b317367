"""uint8 BGR pixels → the float32 RGB inputs of the models, through 256-entry look-up tables.

Each table holds the very float32 numbers the model's formula gives for the 256 grey levels
(the same float32 operations on the same values), so one look-up per pixel stands for the
formula's float passes over the image, with the same result bit for bit.
"""

from __future__ import annotations

import cv2
import numpy as np

_LEVELS = np.arange(256, dtype=np.float32)
UNIT = _LEVELS / np.float32(255.0)  # x / 255: MediaPipe FaceMesh, Iris, selfie segmentation
SIGNED = _LEVELS / np.float32(127.5) - np.float32(1.0)  # x / 127.5 − 1: BlazeFace
CENTRED = (_LEVELS - np.float32(127.5)) / np.float32(127.5)  # (x − 127.5) / 127.5: MODNet
HALF = (_LEVELS / np.float32(255.0) - np.float32(0.5)) / np.float32(0.5)  # EfficientNet-Lite0


def rgb_float(bgr: np.ndarray, table: np.ndarray) -> np.ndarray:
    """``bgr`` (uint8 ``(H, W, 3)``) as float32 RGB through ``table`` (one of this module's).

    Examples
    --------
    >>> rgb_float(np.array([[[0, 128, 255]]], np.uint8), UNIT).tolist()
    [[[1.0, 0.501960813999176, 0.0]]]
    """
    return cv2.LUT(cv2.cvtColor(np.asarray(bgr, np.uint8), cv2.COLOR_BGR2RGB), table)
