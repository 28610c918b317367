"""photocheck.trimming.standard: the standard crop planned from the face geometry."""

from __future__ import annotations

import numpy as np
import pytest

from photocheck.trimming.standard import FaceGeometry, plan_crop

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
