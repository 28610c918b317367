"""photocheck.trimming.form_sides: a form's printed strokes painted over in the paper's colour,
and a side found again where the print departs from the paper — tiny arrays with known answers
(the whole form path is tested in test_forms)."""

from __future__ import annotations

import numpy as np
import pytest

from photocheck.trimming.form_sides import _relocate_sides, deinked_region


def test_deinking_paints_the_box_line_in_paper_and_keeps_the_print_edge() -> None:
    # paper 230, a print (120) from x = 40, a 3-px black box line at x = 34..36 (4 mm/px)
    img = np.full((80, 80, 3), 230, np.uint8)
    img[:, 40:] = 120
    img[:, 34:37] = 20
    quad = np.array([[40.0, 10.0], [79.0, 10.0], [79.0, 70.0], [40.0, 70.0]])
    out, origin = deinked_region(img, quad, 4.0, 1.0, np.array([230.0, 230.0, 230.0]))
    # 1 mm (4 px) and the 5-px closing around the quad
    assert origin.tolist() == [31.0, 1.0]
    row = out[40, :, 0].astype(int)
    assert (row[: 40 - 31] == 230).all()  # the line is paper now
    assert (row[40 - 31:] == 120).all()   # the print is untouched, its edge where it was


def test_a_side_is_found_again_where_the_print_departs_from_the_paper() -> None:
    # paper 232 with noise, a print (grey 150, a dark band 1 mm inside its top edge) with its
    # top edge at y = 40.0 (10 px/mm); the quad's top side starts 1.5 mm out, at y = 25
    rng = np.random.default_rng(0)
    img = np.clip(rng.normal(232.0, 2.0, (200, 160, 3)), 0, 255).astype(np.uint8)
    img[40:170, 30:130] = 150
    img[50:56, 40:120] = 40
    quad = np.array([[30.0, 25.0], [129.0, 25.0], [129.0, 169.0], [30.0, 169.0]]) - 0.5
    moved = _relocate_sides(img, quad, 10.0, np.array([True, False, False, False]))
    # the departure is the first pixel row of the print; the other sides stay where they were
    assert moved[0, 1] == pytest.approx(39.5, abs=0.6) and moved[1, 1] == pytest.approx(39.5,
                                                                                        abs=0.6)
    assert np.allclose(moved[2:], quad[2:], atol=1e-6)
    assert np.allclose(moved[:2, 0], quad[:2, 0], atol=0.6)


def test_deinking_paints_a_stroke_in_the_paper_colour_around_it() -> None:
    # paper whose colour drifts from 210 (left) to 250 (right), a black line at x = 60..62:
    # painted over, it leaves no step against the paper beside it
    ramp = np.linspace(210.0, 250.0, 120)
    img = np.repeat(np.repeat(ramp[None, :, None], 100, axis=0), 3, axis=2).astype(np.uint8)
    img[:, 60:63] = 20
    quad = np.array([[90.0, 20.0], [115.0, 20.0], [115.0, 80.0], [90.0, 80.0]])
    out, origin = deinked_region(img, quad, 4.0, 12.0, np.array([230.0, 230.0, 230.0]))
    x = 61 - int(origin[0])
    row = out[50, :, 0].astype(int)
    assert abs(row[x] - int(ramp[61])) <= 2
    assert abs(row[x - 3] - row[x]) <= 2 and abs(row[x + 3] - row[x]) <= 2
