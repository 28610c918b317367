"""expression.* on labelled real photos (skipped when ../shared/photos is absent)."""

from __future__ import annotations

import pytest

from photocheck.checks import expression
from tests.checks._face_helpers import run_check


@pytest.mark.parametrize("path", ["a_compliant_plain_bg/london_011_03.jpg",
                                  "a_compliant_plain_bg/canada_019f.jpg"])
def test_neutral_passes(models, path: str) -> None:
    out = run_check(expression.CHECK, models, path)
    assert out["expression.mouth_open"][0] == "pass"
    assert out["expression.teeth"] == ("pass", 0.0)


@pytest.mark.parametrize("path", ["a_compliant_plain_bg/interfaces_089.jpg",
                                  "d_glasses/interfaces_034.jpg"])
def test_smiling_teeth_fail(models, path: str) -> None:
    out = run_check(expression.CHECK, models, path)
    assert out["expression.teeth"][0] == "fail"
    assert out["expression.teeth"][1] > 0.05


def test_tiny_mouth_not_assessed(models) -> None:
    out = run_check(expression.CHECK, models,
                    "small/j_format_edge/pillow_hopper_orientation_6.jpg")
    assert out == {"cause": ("not_assessed", "face.too_small")}


@pytest.mark.parametrize("path", ["f_busy_background/interfaces_022.jpg",
                                  "f_busy_background/interfaces_071.jpg"])
def test_bearded_smiles_show_teeth_against_cheek_and_nostril_skin(models, path: str) -> None:
    # against the cheeks alone (a smiling cheek lifted into the light) 0.0029 and 0.0069
    out = run_check(expression.CHECK, models, path)
    assert out["expression.teeth"][0] in ("warn", "fail")
    assert out["expression.teeth"][1] >= 0.02


def test_the_skin_points_are_the_ones_the_fold_choice_keeps() -> None:
    from benchmarks.teeth_reference import CANDIDATES

    assert next(iter(CANDIDATES.values())) == expression._SKIN_POINTS  # noqa: SLF001
