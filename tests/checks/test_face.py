"""face.* on real photos (skipped when ../shared/photos is absent)."""

from __future__ import annotations

import numpy as np

from photocheck.checks import face
from tests.checks._face_helpers import run_check


def test_compliant_single_face(models) -> None:
    out = run_check(face.CHECK, models, "a_compliant_plain_bg/london_011_03.jpg")
    assert {c: s for c, (s, _) in out.items()} == {
        "face.not_found": "pass", "face.multiple": "pass", "face.too_small": "pass",
        "face.cut_off": "pass"}
    assert out["face.multiple"][1] == 1


def test_other_people_found(models) -> None:
    out = run_check(face.CHECK, models, "h_multi_person/facerec_two_people.jpg")
    assert out["face.multiple"] == ("fail", 2.0)
    # two people cheek to cheek: the second face is not taken for the applicant's own
    out = run_check(face.CHECK, models, "h_multi_person/azure_detection6.jpg")
    assert out["face.multiple"][0] == "fail"


def test_outside_ratio_exact() -> None:
    pts = np.array([[10.0, -5.0], [90.0, 50.0]])
    assert face.outside_ratio(pts, 100, 100, 50.0) == 0.1
    assert face.outside_ratio(pts + [0, 5.0], 100, 100, 50.0) == 0.0
    assert face.outside_ratio(pts + [20.0, 5.0], 100, 100, 50.0) == 0.2
