"""pose.* on labelled real photos (skipped when ../shared/photos is absent)."""

from __future__ import annotations

import pytest

from photocheck.checks import pose
from tests.checks._face_helpers import run_check


@pytest.mark.parametrize("path", ["a_compliant_plain_bg/london_011_03.jpg",
                                  "a_compliant_plain_bg/canada_019f.jpg"])
def test_frontal_passes(models, path: str) -> None:
    out = run_check(pose.CHECK, models, path)
    assert {c: s for c, (s, _) in out.items()} == {
        "pose.yaw": "pass", "pose.pitch": "pass", "pose.roll": "pass"}


@pytest.mark.parametrize(("path", "code", "sign"), [
    ("e_pose_turned_tilted/insightface_left_face.jpeg", "pose.yaw", -1),  # turned
    ("e_pose_turned_tilted/insightface_rise_face.jpeg", "pose.pitch", 1),  # head up
    ("e_pose_turned_tilted/insightface_lower_face.jpeg", "pose.pitch", -1),  # head down
    ("e_pose_turned_tilted/lisa_lisa3.jpg", "pose.roll", -1),  # tilted sideways
])
def test_labelled_pose_fails(models, path: str, code: str, sign: int) -> None:
    status, measured = run_check(pose.CHECK, models, path)[code]
    assert status == "fail"
    assert measured * sign > 0


def test_no_mesh_reports_turned_from_keypoints(models) -> None:
    from photocheck.context import NotAssessable
    from photocheck.validator import Validator
    from tests.helpers import shared_photos

    validator = Validator("online", models=models)
    ctx = validator.context(shared_photos() / "e_pose_turned_tilted/insightface_left_face.jpeg")
    # as when FaceMesh rejects a profile view: the detector's keypoints must still speak
    ctx._memo["_mesh"] = (False, NotAssessable("face.not_found", "mesh presence 0.1"))
    out = {f.code: (str(f.status), f.measured, f.cause)
           for f in pose.run(ctx, validator.profile.section("pose"))}
    assert out["pose.yaw"][0] == "fail"
    assert out["pose.yaw"][1] < -11.0  # the same side as the mesh says
    assert out["pose.pitch"] == ("not_assessed", None, "pose.yaw")
    assert out["pose.roll"][0] == "pass"


POSE = {"warn_max_yaw_deg": 11.0, "fail_max_yaw_deg": 16.0, "warn_max_pitch_deg": 14.0,
        "fail_max_pitch_deg": 20.0, "warn_max_roll_deg": 8.0, "fail_max_roll_deg": 12.0}


@pytest.mark.parametrize(("code", "angle", "status"), [
    ("pose.yaw", 11.0, "pass"), ("pose.yaw", -11.01, "warn"), ("pose.yaw", 16.0, "warn"),
    ("pose.yaw", -16.01, "fail"), ("pose.pitch", 14.5, "warn"), ("pose.pitch", -20.5, "fail"),
    ("pose.roll", 7.99, "pass"), ("pose.roll", -8.5, "warn"), ("pose.roll", 12.01, "fail"),
])
def test_signed_angle_is_graded_on_its_magnitude(code: str, angle: float, status: str) -> None:
    found = pose.signed(code, angle, POSE)
    assert (str(found.status), found.measured) == (status, angle)
    axis = code.split(".")[1]
    warn, fail = POSE[f"warn_max_{axis}_deg"], POSE[f"fail_max_{axis}_deg"]
    assert found.threshold == {"min": -warn, "max": warn, "fail_min": -fail, "fail_max": fail}
