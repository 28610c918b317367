"""photocheck.trimming.edges: the sides measured on the full-resolution scan."""

from __future__ import annotations

import numpy as np
import pytest

from photocheck.trimming.edges import refine_sides_full
from photocheck.trimming.rect import rect_from_quad
from tests.trimming.helpers import scan_with_known_print


@pytest.mark.parametrize("rotation_deg, shadow", [(3.1, 0.25), (-4.2, 0.0)])
def test_refine_sides_full_puts_a_coarse_quad_on_the_edges(rotation_deg, shadow) -> None:
    scan, full = scan_with_known_print(rotation_deg, shadow)
    truth = np.asarray(scan.quad_px, float)
    # a coarse quad as the small copy gives it: ~1 px of an 1/8 copy off, outward, a bit turned
    centre = truth.mean(axis=0)
    coarse = centre + (truth - centre) * 1.012 + np.array([[5, -3], [-2, 4], [6, 2], [-4, -5]])
    quad, measured = refine_sides_full(full, coarse, reach_px=24.0)
    assert measured.all()
    # every corner within 1 px (0.04 mm at 600 dpi) of the truth (the sides come out ~0.5 px
    # outside the rendered quad: the anti-aliased polygon fill covers that much more); rotation
    # within 0.02°
    assert np.abs(quad - truth).max() < 1.0
    assert abs(rect_from_quad(quad).rotation_deg - rotation_deg) < 0.02


def test_refine_sides_full_keeps_sides_without_an_edge() -> None:
    flat = np.full((600, 500, 3), 200, np.uint8)
    coarse = np.array([[100.0, 100.0], [400.0, 110.0], [390.0, 500.0], [95.0, 490.0]])
    quad, measured = refine_sides_full(flat, coarse, reach_px=12.0)
    assert not measured.any()
    assert np.allclose(quad, coarse)
