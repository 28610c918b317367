"""face.* on real photos (skipped when ../shared/photos is absent)."""

from __future__ import annotations

import numpy as np

from photocheck import face as face_mod
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


def test_head_cut_off_at_the_top(models) -> None:
    import cv2

    from photocheck.validator import Validator
    from tests.helpers import shared_photos

    img = cv2.imread(str(shared_photos() / "a_compliant_plain_bg/london_011_03.jpg"))
    img = cv2.resize(img, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    validator = Validator("online", models=models)
    params = validator.profile.section("face")
    ok, whole = cv2.imencode(".jpg", img)
    ctx = validator.context(whole.tobytes())
    brow_y = int(face_mod.landmarks(ctx)[105, 1])  # an eyebrow point
    ok, cut = cv2.imencode(".jpg", img[brow_y:])
    statuses = {f.code: (str(f.status), f.measured)
                for f in face.run(validator.context(cut.tobytes()), params)}
    assert statuses["face.cut_off"][0] == "fail"
    assert statuses["face.cut_off"][1] > 0.1
