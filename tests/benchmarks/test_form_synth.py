"""benchmarks.form_synth: the glued print is drawn where its ground truth says."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.form_synth import quad_coverage


def test_the_print_mask_covers_exactly_its_quad() -> None:
    # a 100×60 px rectangle turned 2.3°: its area, and half a pixel on its true edge
    t = np.deg2rad(2.3)
    rot = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    quad = np.array([[-50, -30], [50, -30], [50, 30], [-50, 30]], float) @ rot.T + [100.3, 80.7]
    assert float(quad_coverage(quad, 200, 200).sum()) == pytest.approx(6000.0, abs=0.01)
    # an upright edge at x = 10.3: pixel 10 (9.5–10.5) is 20 % inside
    upright = np.array([[10.3, 10.0], [60.3, 10.0], [60.3, 50.0], [10.3, 50.0]])
    row = quad_coverage(upright, 70, 70)[30, 8:13]
    assert np.allclose(row, [0.0, 0.0, 0.2, 1.0, 1.0], atol=1e-6)
