"""eyes.* on labelled real photos (skipped when ../shared/photos is absent)."""

from __future__ import annotations

import numpy as np
import pytest

from photocheck.checks import eyes
from photocheck.face import Eye, EyeLandmarks
from tests.checks._face_helpers import run_check


@pytest.mark.parametrize("path", ["a_compliant_plain_bg/london_011_03.jpg",
                                  "a_compliant_plain_bg/canada_019f.jpg"])
def test_open_eyes_pass(models, path: str) -> None:
    out = run_check(eyes.CHECK, models, path)
    assert {c: s for c, (s, _) in out.items()} == {
        "eyes.closed": "pass", "eyes.red_eye": "pass", "eyes.gaze": "pass"}
    assert out["eyes.closed"][1]["openness"] > 0.17
    assert out["eyes.closed"][1]["iris_contrast"] is None  # wide open: contrast not needed


def test_closed_eyes_fail(models) -> None:
    status, measured = run_check(eyes.CHECK, models,
                                 "x_other_defects/human_stock-emotions-b-1.jpg")["eyes.closed"]
    assert status == "fail"
    assert measured["openness"] < 0.05


def test_closed_smiling_eyes_warn_squint_passes(models) -> None:
    """Both as narrow (0.12–0.13): the closed eye shows an even dark lash line (no iris:
    nearly closed, a warning — the lids do not meet), the squinting open eye a dark iris
    between lighter sclera/lid."""
    status, measured = run_check(eyes.CHECK, models,
                                 "small/e_pose_turned_tilted/insightface_left_wryneck.png"
                                 )["eyes.closed"]
    assert status == "warn"
    assert 0.08 < measured["openness"] < 0.14
    assert measured["iris_contrast"] < 0.1
    status, measured = run_check(eyes.CHECK, models,
                                 "small/a_compliant_plain_bg/deepface_img21.jpg")["eyes.closed"]
    assert status == "pass"
    assert 0.08 < measured["openness"] < 0.14
    assert measured["iris_contrast"] > 0.3


def test_eye_closed_rule() -> None:
    params = {"warn_min_eye_openness": 0.14, "fail_min_eye_openness": 0.08,
              "min_iris_contrast": 0.15}
    assert eyes.eye_closed(0.05, 0.9, params) == "fail"  # lids together, whatever the contrast
    assert eyes.eye_closed(0.0799, 0.9, params) == "fail"
    assert eyes.eye_closed(0.08, 0.05, params) == "warn"  # at the fail limit, no iris: nearly
    assert eyes.eye_closed(0.12, 0.05, params) == "warn"  # narrow, no iris
    assert eyes.eye_closed(0.12, float("nan"), params) == "warn"  # narrow, contrast unknown
    assert eyes.eye_closed(0.12, 0.15, params) == "pass"  # narrow squint showing the iris
    assert eyes.eye_closed(0.14, 0.0, params) == "pass"  # at the warn limit
    assert eyes.eye_closed(0.25, float("nan"), params) == "pass"  # wide open


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


def test_gaze_is_the_larger_component_of_both_eyes_mean_offset() -> None:
    def eye(x0: float, iris_xy: tuple[float, float]) -> Eye:
        # corners 40 px apart on y = 100, lids at y = 90 (point 12) and 110 (point 4)
        contour = np.zeros((71, 2))
        contour[0], contour[8] = (x0, 100.0), (x0 + 40.0, 100.0)
        contour[12], contour[4] = (x0 + 20.0, 90.0), (x0 + 20.0, 110.0)
        return Eye(contour=contour, iris=np.array([iris_xy] * 5))

    # left iris 4 px right of its eye centre and 2 px down, right iris centred: the mean is
    # (0.05, 0.025) of the 40-px width
    both = EyeLandmarks(image_left=eye(0.0, (24.0, 102.0)), image_right=eye(100.0, (120.0, 100.0)))
    assert eyes.gaze(both) == 0.05
