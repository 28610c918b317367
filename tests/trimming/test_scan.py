"""photocheck.trimming.scan: the scan decoded once."""

from __future__ import annotations

import numpy as np

from benchmarks.scan_synth import PrintSpec, drawn_portrait, render_scan
from photocheck import decode
from photocheck.trimming.scan import decode_once


def test_decoding_once_derives_the_small_copy(validator) -> None:
    scan = render_scan(drawn_portrait(), PrintSpec(dpi=600, bed_mm=(105, 148), seed=2))
    ctx = validator.context(scan.data)
    images = decode_once(ctx)
    assert images is not None and images.factor == 8
    full = images.full.bgr
    assert full.shape[:2] == (3496, 2480)
    assert images.small.bgr.shape[:2] == (437, 310) and images.small.scale == 310 / 2480
    # each small pixel is the mean of the central 2×2 of its 8×8 block (bilinear at 1/8)
    for y, x in ((0, 0), (200, 150), (436, 309)):
        block = full[8 * y + 3: 8 * y + 5, 8 * x + 3: 8 * x + 5].astype(float).mean(axis=(0, 1))
        assert np.abs(images.small.bgr[y, x] - block).max() <= 1.0
    # it is the scan's analysis image (the file check reads it): no second decode
    assert decode.analysis_image(ctx) is images.small
    assert not ctx.has("decode_1_2") and not ctx.has("decode_1_8")
