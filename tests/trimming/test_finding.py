"""photocheck.trimming.finding: the print found on the bed, refusals."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from benchmarks.scan_synth import PrintSpec, render_scan
from photocheck.trimming.finding import detection_factor, find_print


def test_the_print_quad_and_rotation_are_found_precisely(portrait) -> None:
    spec = PrintSpec(rotation_deg=-2.7, dpi=300, bed_bgr=(40, 40, 42), shadow=0.0)
    scan = render_scan(portrait, spec)
    img = cv2.imdecode(np.frombuffer(scan.data, np.uint8), cv2.IMREAD_COLOR)
    rect = find_print(img)
    assert rect is not None and not rect.whole_scan
    assert abs(rect.rotation_deg - spec.rotation_deg) < 0.1
    # corners within 0.25 mm (3 px at 300 dpi) of the truth
    assert np.abs(rect.quad - scan.quad_px).max() < 3.0


@pytest.mark.parametrize("bed, shadow, rotation_deg", [
    ((222, 212, 210), 0.15, -1.5),   # grey carrier, the print's background nearly the same
    ((224, 214, 213), 0.0, 2.4),     # exactly the top background colour, no shadow line
    ((224, 210, 210), 0.2, 1.3),
])
def test_a_print_on_a_bed_of_its_own_background_colour_is_found(
        portrait, bed, shadow, rotation_deg) -> None:
    # the drawing's background is (224, 214, 213) at the top: that side has no visible step, so
    # the print's top is closed from the corners where its sides' edges end
    spec = PrintSpec(rotation_deg=rotation_deg, dpi=600, bed_bgr=bed, shadow=shadow,
                     margin_mm=8.0, noise_sigma=1.5, seed=3)
    scan = render_scan(portrait, spec)
    img = cv2.imdecode(np.frombuffer(scan.data, np.uint8), cv2.IMREAD_COLOR)
    small = cv2.resize(img, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    rect = find_print(small)
    assert rect is not None and not rect.whole_scan
    assert abs(rect.rotation_deg - rotation_deg) < 0.2
    # every corner within 0.5 mm (12 px at 600 dpi) of the truth
    assert np.abs(rect.quad * 2.0 - scan.quad_px).max() < 0.5 * 600 / 25.4


def test_a_blob_without_straight_sides_is_not_a_print() -> None:
    bed = np.full((700, 560, 3), (200, 200, 198), np.uint8)
    rng = np.random.default_rng(0)
    noisy = np.clip(bed + rng.normal(0, 1.5, bed.shape), 0, 255).astype(np.uint8)
    cv2.ellipse(noisy, (280, 350), (150, 200), 0, 0, 360, (60, 80, 120), -1, cv2.LINE_AA)
    assert find_print(noisy) is None


@pytest.mark.parametrize("long_side, factor", [(3496, 8), (1748, 4), (7000, 16), (800, 2),
                                               (799, 1), (300, 1)])
def test_detection_factor_keeps_the_long_side_at_400_px(long_side: int, factor: int) -> None:
    assert detection_factor(long_side) == factor
