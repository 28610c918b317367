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
    assert out["face.multiple"][1] == {"faces": 1, "other_score": 0.0}


def test_other_people_found(models) -> None:
    out = run_check(face.CHECK, models, "h_multi_person/facerec_two_people.jpg")
    status, measured = out["face.multiple"]
    assert (status, measured["faces"]) == ("fail", 2)
    assert measured["other_score"] > 0.9
    # two people cheek to cheek: the second face is not taken for the applicant's own
    out = run_check(face.CHECK, models, "h_multi_person/azure_detection6.jpg")
    assert out["face.multiple"][0] == "fail"


def test_outside_ratio_exact() -> None:
    pts = np.array([[10.0, -5.0], [90.0, 50.0]])
    assert face.outside_ratio(pts, 100, 100, 50.0) == 0.1
    assert face.outside_ratio(pts + [0, 5.0], 100, 100, 50.0) == 0.0
    assert face.outside_ratio(pts + [20.0, 5.0], 100, 100, 50.0) == 0.2
    # a mesh's (N, 3) points: only x and y count (z far outside changes nothing)
    mesh = np.array([[10.0, 20.0, -900.0], [30.0, 125.0, 900.0], [-4.0, 60.0, 0.0]])
    assert face.outside_ratio(mesh, 100, 100, 50.0) == 0.5


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


PARAMS = {"other_min_score": 0.5, "fail_other_min_score": 0.75,
          "warn_min_face_height_ratio": 0.12, "fail_min_face_height_ratio": 0.08,
          "warn_min_face_height_px": 120.0, "fail_min_face_height_px": 80.0}


def test_multiple_graded_on_the_best_other_face() -> None:
    def verdict(scores: list[float]) -> tuple[str, object]:
        found = face.multiple_finding(scores, PARAMS)
        return str(found.status), found.measured

    assert verdict([]) == ("pass", {"faces": 1, "other_score": 0.0})
    assert verdict([0.5]) == ("warn", {"faces": 2, "other_score": 0.5})  # a weak find
    assert verdict([0.66, 0.52]) == ("warn", {"faces": 3, "other_score": 0.66})
    assert verdict([0.6, 0.75]) == ("fail", {"faces": 3, "other_score": 0.75})
    assert verdict([0.84]) == ("fail", {"faces": 2, "other_score": 0.84})


def test_too_small_worse_of_ratio_and_px() -> None:
    def status(ratio: float, px: float) -> str:
        return str(face.too_small_finding(ratio, px, PARAMS).status)

    assert status(0.3, 400.0) == "pass"
    assert status(0.12, 120.0) == "pass"  # at both warn limits
    assert status(0.11, 400.0) == "warn"
    assert status(0.3, 100.0) == "warn"
    assert status(0.079, 400.0) == "fail"
    assert status(0.3, 79.0) == "fail"
    assert status(0.1, 79.0) == "fail"
    found = face.too_small_finding(0.1, 100.0, PARAMS)
    assert found.threshold == {"min": 0.12, "fail_min": 0.08, "min_px": 120.0,
                               "fail_min_px": 80.0}
