"""benchmarks.scan_synth: the placement and print geometry scan_synth and form_synth share."""

from __future__ import annotations

import numpy as np

from benchmarks.scan_synth import Portrait, print_placement, print_to_scan


def test_an_upright_print_maps_mm_to_scan_px_by_scale_and_offset() -> None:
    # 35×45 mm at 10 px/mm centred on (200, 300) px: its top-left corner at (25, 75) px
    mm_to_scan, quad = print_to_scan(0.0, 10.0, 35.0, 45.0, np.array([200.0, 300.0]))
    assert np.array_equal(mm_to_scan, [[10.0, 0.0, 25.0], [0.0, 10.0, 75.0]])
    assert np.array_equal(quad, [[25.0, 75.0], [375.0, 75.0], [375.0, 525.0], [25.0, 525.0]])


def test_a_quarter_turn_is_counter_clockwise_on_screen() -> None:
    # the top-left corner of a 10×20 mm print turned 90° lands bottom-left of the centre
    _, quad = print_to_scan(90.0, 1.0, 10.0, 20.0, np.array([0.0, 0.0]))
    assert np.allclose(quad, [[-10.0, 5.0], [-10.0, -5.0], [10.0, -5.0], [10.0, 5.0]])


def test_the_portrait_is_placed_by_its_crown_chin_and_nose() -> None:
    portrait = Portrait(np.zeros((400, 300, 3), np.uint8), crown=np.array([100.0, 50.0]),
                        chin=np.array([100.0, 390.0]), nose=np.array([110.0, 300.0]))
    # 340 px crown to chin on a 34 mm face: 10 px/mm; the nose 1 mm right of the centre line
    # of a 35 mm print, the crown 4 mm below its top
    scale, origin = print_placement(portrait, 34.0, 4.0, 1.0, 35.0)
    assert scale == 10.0
    assert np.array_equal(origin, [110.0 - 18.5 * 10, 50.0 - 40.0])
