"""Helpers shared by the trimming tests."""

from __future__ import annotations

import cv2
import numpy as np

from benchmarks.scan_synth import PrintSpec, drawn_portrait, render_scan


def scan_with_known_print(rotation_deg: float, shadow: float = 0.25):
    spec = PrintSpec(rotation_deg=rotation_deg, dpi=600, margin_mm=8.0, shadow=shadow,
                     noise_sigma=1.5, seed=4)
    scan = render_scan(drawn_portrait(), spec)
    return scan, cv2.imdecode(np.frombuffer(scan.data, np.uint8), cv2.IMREAD_COLOR)
