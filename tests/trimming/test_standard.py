"""photocheck.trimming.standard: the standard crop planned from the face geometry."""

from __future__ import annotations

import numpy as np
import pytest

from photocheck.geometry import Tolerances, standard_crop
from photocheck.trimming.standard import FaceGeometry, balanced_crop, pad_bands, plan_crop

# --- pure helpers ---------------------------------------------------------------------------------


def test_plan_crop_solves_the_exact_standard_box() -> None:
    # 10 px per mm: crown 60 px from the top, head 340 px, nose line at 200 px of a 400 px print
    geom = FaceGeometry(crown=np.array([200.0, 60.0]), chin=np.array([200.0, 400.0]),
                        nose=np.array([200.0, 300.0]))
    plan = plan_crop(geom, 400.0, 500.0, tolerance_mm=0.5, min_source_dpi=200.0)
    assert plan.trimmable
    assert plan.box == pytest.approx((25.0, 20.0, 375.0, 470.0))
    assert plan.px_per_mm == pytest.approx(10.0)
    # the same face, centred on a print 34 mm wide: 35 mm at this scale would need a head
    # smaller than 34 - 0.5 mm
    centred = FaceGeometry(crown=np.array([170.0, 60.0]), chin=np.array([170.0, 400.0]),
                           nose=np.array([170.0, 300.0]))
    tight = plan_crop(centred, 340.0, 500.0, tolerance_mm=0.5, min_source_dpi=200.0)
    assert not tight.trimmable and tight.reason == "head_too_large"
    # 1 % narrower is within the 0.5 mm tolerance: trimmed with a head of 34 · 350/346.5 mm
    fits = plan_crop(centred, 346.5, 500.0, tolerance_mm=0.5, min_source_dpi=200.0)
    assert fits.trimmable and fits.head_mm == pytest.approx(34.0 * 350 / 346.5)
    # the resolution limit: 10 px per mm is 254 dpi
    assert plan_crop(geom, 400.0, 500.0, tolerance_mm=0.5,
                     min_source_dpi=300.0).reason == "resolution_too_low"


def test_a_conforming_print_short_of_45x35_is_given_its_size_back_not_refused() -> None:
    # 10 px per mm: a print 34.3 × 44.3 mm (0.35 mm short on each side) with a 35.5-mm head
    # 4 mm below its top, nose line centred: no crop inside it gives a head ≤ 35.9 mm
    geom = FaceGeometry(crown=np.array([171.5, 40.0]), chin=np.array([171.5, 395.0]),
                        nose=np.array([171.5, 300.0]))
    inside = plan_crop(geom, 343.0, 443.0, tolerance_mm=0.5, min_source_dpi=170.0,
                       conforming_margin_mm=0.1)
    assert not inside.trimmable and inside.reason == "head_too_large"
    # reaching 0.65 mm beyond each side: the print's full height at 10.13 px/mm, the head
    # 35.03 mm (worst figure 1.03 mm from its ideal, the top margin 0.59)
    padded = plan_crop(geom, 343.0, 443.0, tolerance_mm=0.5, min_source_dpi=170.0,
                       conforming_margin_mm=0.1, pad_px=6.5, print_px_per_mm=10.0)
    assert padded.trimmable
    assert padded.box == pytest.approx((-5.8333, -6.5, 348.8333, 449.5), abs=1e-3)
    assert (padded.head_mm, padded.top_margin_mm, padded.centre_offset_mm) == pytest.approx(
        (35.0329, 4.5888, 0.0), abs=1e-3)
    # the output bands beyond the print (827 × 1063 px at 600 dpi): top, bottom, left, right
    assert pad_bands(padded.box, 343.0, 443.0, (827, 1063)) == (16, 16, 14, 14)
    assert pad_bands((0.0, 0.0, 343.0, 443.0), 343.0, 443.0, (827, 1063)) == (0, 0, 0, 0)
    # padding gives a conforming print its room back, not room for a face printed off centre:
    # a 33-mm head with its nose line 3.15 mm right of centre (14 mm from the right edge: it
    # would fit with 0.65 mm more there, the head enlarged to 35.9) stays refused
    off = FaceGeometry(crown=np.array([203.0, 40.0]), chin=np.array([203.0, 370.0]),
                       nose=np.array([203.0, 300.0]))
    refused = plan_crop(off, 343.0, 443.0, tolerance_mm=0.5, min_source_dpi=170.0,
                        conforming_margin_mm=0.1, pad_px=6.5, print_px_per_mm=10.0)
    assert not refused.trimmable and refused.reason == "too_close_to_edge"


def test_the_fallback_crop_keeps_every_figure_away_from_its_limit() -> None:
    # a print that meets the standard: head 35 mm, crown 5.3 mm below the top (10 px/mm): the
    # head-first solver leaves it as printed (1.0 and 1.3 mm from the ideal); here both end
    # 1.14 mm from it
    crown_y, head_px = 53.0, 350.0
    tol = Tolerances(32.1, 35.9, 2.1, 5.9, 1.9)
    sol = balanced_crop(crown_y, head_px, 175.0, 350.0, 450.0, tol, 297.0, 382.0)
    assert sol.trimmable
    assert (sol.head_mm, sol.top_margin_mm, sol.centre_offset_mm) == pytest.approx(
        (35.1395, 5.1418, 0.0), abs=1e-3)
    worst = max(abs(sol.head_mm - 34.0), abs(sol.top_margin_mm - 4.0))
    head_first = standard_crop((175.0, crown_y), (175.0, crown_y + head_px), 175.0, 350.0,
                               450.0, tolerances=tol, min_crop_w_px=297.0,
                               min_crop_h_px=382.0)
    assert worst <= max(abs(head_first.head_mm - 34.0), abs(head_first.top_margin_mm - 4.0))
