"""Exact tests of the 45×35 mm arithmetic and the standard crop solver."""

from __future__ import annotations

import math

import pytest

from photocheck import geometry as geo


def test_mm_px_conversions() -> None:
    assert geo.px_per_mm(254.0) == pytest.approx(10.0)
    assert geo.mm_to_px(45.0, 300.0) == pytest.approx(531.496, abs=1e-3)
    assert geo.mm_to_px(35.0, 300.0) == pytest.approx(413.386, abs=1e-3)
    assert geo.px_to_mm(827.0, 600.0) == pytest.approx(35.00967, abs=1e-4)
    # the default minimum crop is 35×45 mm at 300 dpi, rounded down
    assert math.floor(geo.mm_to_px(35.0, 300.0)) == geo.MIN_CROP_W_PX
    assert math.floor(geo.mm_to_px(45.0, 300.0)) == geo.MIN_CROP_H_PX


def test_standard_aspect() -> None:
    assert geo.is_standard_aspect(350, 450)
    assert geo.is_standard_aspect(827, 1063)
    assert not geo.is_standard_aspect(1350, 1800)  # 3:4 is 3.6 % off
    assert geo.is_standard_aspect(1350, 1800, tolerance=0.04)
    assert not geo.is_standard_aspect(0, 450)


def test_frame_geometry_exact() -> None:
    fg = geo.frame_geometry((180.0, 30.0), (180.0, 350.0), 185.0, (0.0, 0.0, 350.0, 450.0))
    assert fg.px_per_mm == 10.0
    assert fg.head_mm == 32.0
    assert fg.top_margin_mm == 3.0
    assert fg.centre_offset_mm == 1.0


def test_ideal_crop_when_it_fits() -> None:
    # head 680 px → 20 px/mm; crown 4 mm (80 px) below the top; nose line centred
    sol = geo.standard_crop((1000, 600), (1000, 1280), 1000, 2000, 2400)
    assert sol.trimmable and sol.reason is None
    assert sol.box == (650.0, 520.0, 1350.0, 1420.0)
    assert (sol.px_per_mm, sol.head_mm, sol.top_margin_mm, sol.centre_offset_mm) == (
        20.0, 34.0, 4.0, 0.0)
    assert sol.size_px == (700.0, 900.0)


def test_crop_moves_with_the_face() -> None:
    a = geo.standard_crop((1000, 600), (1000, 1280), 1000, 2000, 2400)
    b = geo.standard_crop((900, 650), (900, 1330), 900, 2000, 2400)
    assert b.box[0] - a.box[0] == pytest.approx(-100.0)
    assert b.box[1] - a.box[1] == pytest.approx(50.0)


def test_near_top_uses_a_smaller_margin() -> None:
    # crown 50 px from the top: 4 mm (80 px) does not fit, 2.5 mm does (head stays 34 mm)
    sol = geo.standard_crop((1000, 50), (1000, 730), 1000, 2000, 2400)
    assert sol.trimmable
    assert sol.head_mm == 34.0
    assert sol.top_margin_mm == pytest.approx(2.5)
    assert sol.box[1] == pytest.approx(0.0)


def test_near_top_needs_a_bigger_head() -> None:
    # crown 30 px below the top, head 680 px: a 2 mm margin needs q ≥ 2/30 mm/px, i.e. a
    # head of at least 45.3 mm > 36 → too close to the top edge
    sol = geo.standard_crop((1000, 30), (1000, 710), 1000, 2000, 2400)
    assert not sol.trimmable
    assert sol.reason == geo.TOO_CLOSE_TO_EDGE and sol.edge == "top"
    # crown 38 px below: q ≥ 2/38 → head ≥ 35.79 mm: trimmable at the smallest scale
    sol = geo.standard_crop((1000, 38), (1000, 718), 1000, 2000, 2400)
    assert sol.trimmable
    assert sol.head_mm == pytest.approx(680 * 2 / 38)
    assert sol.top_margin_mm == pytest.approx(2.0)


def test_head_too_large_for_the_image() -> None:
    # head 1000 px in a 1200 px high image: a 36 mm head needs a 1250 px frame
    sol = geo.standard_crop((500, 100), (500, 1100), 500, 1000, 1200)
    assert not sol.trimmable and sol.reason == geo.HEAD_TOO_LARGE


def test_too_close_to_a_side() -> None:
    # nose line 100 px from the left: even 36 mm (ppm 18.9) needs 15.5 mm = 293 px
    sol = geo.standard_crop((100, 600), (100, 1280), 100, 2000, 2400)
    assert not sol.trimmable and sol.reason == geo.TOO_CLOSE_TO_EDGE and sol.edge == "left"


def test_off_centre_face_is_recentred_within_tolerance() -> None:
    # nose line 330 px from the left at 20 px/mm: 17.5 mm needs 350 px → shift by 1 mm
    sol = geo.standard_crop((330, 600), (330, 1280), 330, 2000, 2400)
    assert sol.trimmable
    assert sol.box[0] == pytest.approx(0.0)
    assert sol.centre_offset_mm == pytest.approx(-1.0)
    assert sol.head_mm == 34.0


def test_resolution_too_low() -> None:
    # head 300 px: a 34 mm head gives 8.8 px/mm → 309×397 px < 413×531
    sol = geo.standard_crop((500, 300), (500, 600), 500, 1000, 1200)
    assert not sol.trimmable and sol.reason == geo.RESOLUTION_TOO_LOW
    ok = geo.standard_crop((500, 300), (500, 600), 500, 1000, 1200,
                           min_crop_w_px=300, min_crop_h_px=380)
    assert ok.trimmable


def test_resolution_limit_picks_a_larger_head() -> None:
    # head 470 px: 34 mm → 13.8 px/mm → 484×622 px, fine; head 400 px: 34 mm → 411.8 px wide,
    # just under 413: the solver takes a slightly larger head (400·35/413 = 33.90 mm)
    sol = geo.standard_crop((1000, 600), (1000, 1000), 1000, 2000, 2400)
    assert sol.trimmable
    assert sol.head_mm == pytest.approx(400 * 35 / 413)
    assert sol.size_px[0] == pytest.approx(413.0)


def test_head_cut_off() -> None:
    sol = geo.standard_crop((500, 0), (500, 700), 500, 1000, 1200)
    assert not sol.trimmable and sol.reason == geo.HEAD_CUT_OFF
    sol = geo.standard_crop((500, 300), (500, 700), 500, 1000, 1200, crown_at_edge=True)
    assert not sol.trimmable and sol.reason == geo.HEAD_CUT_OFF
    sol = geo.standard_crop((500, 300), (500, 1300), 500, 1000, 1200)
    assert not sol.trimmable and sol.reason == geo.HEAD_CUT_OFF and sol.edge == "bottom"


def test_bad_input_is_a_reason_not_a_crash() -> None:
    assert geo.standard_crop((500, 700), (500, 300), 500, 1000, 1200).reason == \
        geo.BAD_LANDMARKS
    assert geo.standard_crop((500, math.nan), (500, 300), 500, 1000, 1200).reason == \
        geo.BAD_LANDMARKS


def test_wider_tolerances_make_more_crops_conform() -> None:
    args = ((1000, 30), (1000, 710), 1000, 2000, 2400)
    assert not geo.standard_crop(*args).trimmable
    infant = geo.Tolerances(28.0, 38.0, 1.0, 8.0, 3.0)
    sol = geo.standard_crop(*args, tolerances=infant)
    assert sol.trimmable and sol.top_margin_mm == pytest.approx(1.5)


def test_nearest_fit_crop_explains_refusals() -> None:
    # crown 10 px from the top: the nearest box starts at the top → margin 1 mm
    box = geo.nearest_fit_crop((500, 10), (500, 350), 500, 1000, 1200)
    assert box == (325.0, 0.0, 675.0, 450.0)
    fg = geo.frame_geometry((500, 10), (500, 350), 500, box)
    assert fg.top_margin_mm == pytest.approx(1.0)
    # a head taller than the image allows: the box shrinks to the image height
    box = geo.nearest_fit_crop((500, 100), (500, 1100), 500, 1000, 1200)
    assert box[3] - box[1] == pytest.approx(1200.0)
    assert geo.frame_geometry((500, 100), (500, 1100), 500, box).head_mm == pytest.approx(37.5)


def test_estimated_crown_is_the_proportion_model_above_the_border() -> None:
    # border well below the model's crown: the model's truncated mean, just above the median
    x, y = geo.estimate_crown((100.0, 300.0), (100.0, 1300.0), (100.0, 0.0),
                              ratio=0.4, ratio_sd=0.1)
    a = (0.3 - 0.4) / 0.1
    k = 0.4 + 0.1 * math.exp(-a * a / 2) / math.sqrt(2 * math.pi) / (
        0.5 * math.erfc(a / math.sqrt(2)))
    assert (x, y) == pytest.approx((100.0, 300.0 - 1000.0 * k))
    # hair running out far above the model's crown: at least at the border
    assert geo.estimate_crown((100.0, 300.0), (100.0, 1300.0), (100.0, -900.0),
                              ratio=0.4, ratio_sd=0.1)[1] <= -900.0
    # a face lying sideways (chin to the left): the crown is estimated to the right
    x, y = geo.estimate_crown((500.0, 200.0), (100.0, 200.0), (700.0, 200.0),
                              ratio=0.4, ratio_sd=0.1)
    assert y == pytest.approx(200.0) and x > 700.0
    # degenerate landmarks: the border point itself
    assert geo.estimate_crown((5.0, 5.0), (5.0, 5.0), (1.0, 2.0)) == (1.0, 2.0)
