"""photocheck.trimming.rect: the print rectangle."""

from __future__ import annotations

import numpy as np
import pytest

from photocheck.trimming.rect import PrintRect, inset


def test_inset_shrinks_every_side() -> None:
    rect = PrintRect(np.array([[0, 0], [100, 0], [100, 200], [0, 200]], float), 0.0, 100, 200)
    small = inset(rect, 2.0)
    assert small.width_px == 96 and small.height_px == 196
    assert small.quad == pytest.approx(np.array([[2, 2], [98, 2], [98, 198], [2, 198]]))
