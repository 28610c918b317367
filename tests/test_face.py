"""photocheck.face on real photos (skipped when ../shared/photos is absent)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from photocheck import face
from photocheck.checks import face as face_check
from photocheck.checks import pose as pose_check
from photocheck.context import NotAssessable
from photocheck.validator import Validator
from tests.helpers import encode_jpeg, shared_photos

COMPLIANT = ("a_compliant_plain_bg/london_011_03.jpg", "a_compliant_plain_bg/canada_003f.jpg",
             "a_compliant_plain_bg/interfaces_074.jpg")


@pytest.fixture(scope="module")
def validator(models) -> Validator:
    return Validator("online", models=models)


def _small(path: str, long_side: int = 800) -> np.ndarray:
    img = cv2.imread(str(shared_photos() / path))
    f = long_side / max(img.shape[:2])
    return cv2.resize(img, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)


def _jpeg(bgr: np.ndarray) -> bytes:
    return encode_jpeg(bgr, 92)


def _rotate(bgr: np.ndarray, angle_deg: float) -> np.ndarray:
    """Rotate counter-clockwise by ``angle_deg`` on an expanded canvas, edges replicated."""
    h, w = bgr.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle_deg, 1.0)
    c, s = abs(m[0, 0]), abs(m[0, 1])
    nw, nh = int(h * s + w * c), int(h * c + w * s)
    m[:, 2] += [(nw - w) / 2, (nh - h) / 2]
    return cv2.warpAffine(bgr, m, (nw, nh), borderMode=cv2.BORDER_REPLICATE)


@pytest.mark.parametrize("path", COMPLIANT)
def test_one_face_in_plausible_place(validator: Validator, path: str) -> None:
    full = shared_photos() / path
    ctx = validator.context(full)
    found = face.detections(ctx)
    assert len(found) == 1
    w, h = cv2.imread(str(full)).shape[1::-1]
    det = found[0]
    assert abs(det.centre[0] - w / 2) < 0.12 * w  # centred portrait
    assert 0.2 * h < det.centre[1] < 0.75 * h
    assert 0.25 * w < det.width < 0.8 * w
    pts = face.landmarks(ctx)
    assert det.box[0] < pts[1, 0] < det.box[2] and det.box[1] < pts[1, 1] < det.box[3]
    pose = face.pose(ctx)
    assert abs(pose.yaw_deg) < 11 and abs(pose.pitch_deg) < 14 and abs(pose.roll_deg) < 8
    assert ctx.face_info["box"] == [round(float(v), 1) for v in det.box]
    assert set(ctx.face_info["pose_deg"]) == {"yaw", "pitch", "roll"}


def test_roll_follows_rotation(validator: Validator) -> None:
    base = _small(COMPLIANT[0])
    roll0 = face.pose(validator.context(_jpeg(base))).roll_deg
    for angle in (-20.0, -10.0, 10.0, 20.0):
        roll = face.pose(validator.context(_jpeg(_rotate(base, angle)))).roll_deg
        # a counter-clockwise image rotation lifts the image-right eye: roll decreases
        assert abs((roll - roll0) + angle) < 2.0, (angle, roll, roll0)


@pytest.mark.parametrize("turn", [90.0, 180.0, 30.0])
def test_infant_rotation_normalised(validator: Validator, turn: float) -> None:
    image = _jpeg(_rotate(_small(COMPLIANT[0], 640), turn))
    infant = validator.context(image, exceptions=["infant"])
    assert abs(face.pose(infant).roll_deg) < 8.0
    assert abs(abs(face.upright_rotation_deg(infant)) - turn) < 8.0
    plain = validator.context(image)
    try:
        roll = face.pose(plain).roll_deg
    except NotAssessable:  # not found upright is also a failure of the photo
        return
    assert abs(roll) > 8.0
    params = validator.profile.section("pose")
    assert _statuses(pose_check.run(plain, params))["pose.roll"] == "fail"
    assert _statuses(pose_check.run(infant, params))["pose.roll"] == "pass"


def _statuses(findings) -> dict[str, str]:
    return {f.code: str(f.status) for f in findings}


def test_no_face_on_plain_image(validator: Validator) -> None:
    ctx = validator.context(_jpeg(np.full((600, 480, 3), 200, np.uint8)))
    assert face.detections(ctx) == []
    with pytest.raises(NotAssessable) as exc:
        face.applicant(ctx)
    assert exc.value.cause == "face.not_found"
    findings = []
    with pytest.raises(NotAssessable):
        for f in face_check.run(ctx, validator.profile.section("face")):
            findings.append(f)
    assert _statuses(findings) == {"face.not_found": "fail"}
    with pytest.raises(NotAssessable):
        list(pose_check.run(ctx, validator.profile.section("pose")))


@pytest.mark.parametrize(("w", "h"), [(50, 50), (1000, 1), (40, 3000), (1, 1)])
def test_noise_and_odd_shapes_find_no_face(validator: Validator, w: int, h: int) -> None:
    rng = np.random.default_rng(0)
    ctx = validator.context(_jpeg(rng.integers(0, 255, (h, w, 3), dtype=np.uint8)))
    assert face.detections(ctx) == []
