"""eyes.* on labelled real photos (skipped when ../shared/photos is absent)."""

from __future__ import annotations

import pytest

from photocheck.checks import eyes
from tests.checks._face_helpers import run_check


@pytest.mark.parametrize("path", ["a_compliant_plain_bg/london_011_03.jpg",
                                  "a_compliant_plain_bg/canada_019f.jpg"])
def test_open_eyes_pass(models, path: str) -> None:
    out = run_check(eyes.CHECK, models, path)
    assert {c: s for c, (s, _) in out.items()} == {
        "eyes.closed": "pass", "eyes.red_eye": "pass", "eyes.gaze": "pass"}
    assert out["eyes.closed"][1] > 0.17


def test_closed_eyes_fail(models) -> None:
    status, measured = run_check(eyes.CHECK, models,
                                 "x_other_defects/human_stock-emotions-b-1.jpg")["eyes.closed"]
    assert status == "fail"
    assert measured < 0.05
