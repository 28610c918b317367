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


def test_painted_red_pupils_fail(models) -> None:
    import cv2
    import numpy as np

    from photocheck import face
    from photocheck.validator import Validator
    from tests.helpers import shared_photos

    img = cv2.imread(str(shared_photos() / "a_compliant_plain_bg/london_011_03.jpg"))
    validator = Validator("online", models=models)
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 95])
    marks = face.eye_landmarks(validator.context(buf.tobytes()))
    for eye in (marks.image_left, marks.image_right):
        radius = float(np.hypot(*(eye.iris[1:] - eye.iris[0]).T).mean())
        centre = tuple(int(round(v)) for v in eye.iris[0])
        cv2.circle(img, centre, int(radius * 0.55), (30, 30, 210), -1)  # a red pupil
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 95])
    ctx = validator.context(buf.tobytes())
    out = {f.code: (str(f.status), f.measured)
           for f in eyes.run(ctx, validator.profile.section("eyes"))}
    assert out["eyes.red_eye"][0] == "fail"
    assert out["eyes.red_eye"][1] > 0.5


def test_tiny_eyes_not_assessed(models) -> None:
    out = run_check(eyes.CHECK, models, "small/j_format_edge/pillow_hopper_orientation_6.jpg")
    assert out == {"cause": ("not_assessed", "face.too_small")}  # eyes ~9.5 px wide
