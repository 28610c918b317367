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
