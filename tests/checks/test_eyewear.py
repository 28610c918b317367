"""Eyewear check (and ``eyes.hidden``) on small samples of labelled real photos (skipped
without ../shared/photos) and on synthetic lenses drawn over the eyes of compliant photos."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from photocheck import decode, face
from photocheck.checks import eyewear
from photocheck.validator import Validator
from tests.helpers import make_jpeg, shared_photos
from tests.synthetic import encode, run_check

COMPLIANT = (
    "a_compliant_plain_bg/london_011_03.jpg",
    "a_compliant_plain_bg/interfaces_047.jpg",
)
SUNGLASSES = ("d_glasses/interfaces_032.jpg", "d_glasses/interfaces_048.jpg",
              "d_glasses/interfaces_010.jpg")  # the last one has mirrored lenses
PLAIN_GLASSES = ("d_glasses/interfaces_062.jpg", "d_glasses/compreface_FACE_2.jpg")


@pytest.fixture(scope="module")
def validator(models) -> Validator:
    return Validator("online", models=models)


def _read(name: str) -> bytes:
    return (shared_photos() / name).read_bytes()


def _lenses(validator: Validator, data: bytes, factor: float, tint: tuple[float, float, float]
            = (1.0, 1.0, 1.0), frame_iod: float = 0.02) -> bytes:
    """The photo seen through lenses that pass ``factor`` of the light (per-channel ``tint``),
    with a dark frame ``frame_iod`` thick around each lens."""
    ctx = validator.context(data)
    bgr = decode.full_image(ctx).bgr.astype(np.float32)
    pts = face.landmarks(ctx)[:, :2]
    left, right = pts[[33, 133]].mean(0), pts[[362, 263]].mean(0)
    iod = float(np.hypot(*(right - left)))
    mask = np.zeros(bgr.shape[:2], np.uint8)
    axes = (int(0.3 * iod), int(0.22 * iod))
    for c in (left, right):
        cv2.ellipse(mask, (int(c[0]), int(c[1] + 0.05 * iod)), axes, 0, 0, 360, 1, -1)
    inside = mask.astype(bool)
    bgr[inside] *= factor * np.asarray(tint, np.float32)
    for c in (left, right):
        cv2.ellipse(bgr, (int(c[0]), int(c[1] + 0.05 * iod)), axes, 0, 0, 360, (30, 30, 30),
                    max(1, int(frame_iod * iod)))
    return encode(np.clip(bgr, 0, 255).astype(np.uint8))


def _frames(validator: Validator, data: bytes, part: str, bridge: bool = True) -> bytes:
    """Clear glasses (drawn lenses that pass 92 % of the light, a visible frame) whose frame
    crosses the eyes (``cross``: a rim along the eye line) or has very thick lower rims
    (``thick``), joined by a bridge across the nose (or, with ``bridge`` False, the same dark
    lines with nothing across the nose). The frame rules count only where glasses are seen."""
    ctx = validator.context(_lenses(validator, data, 0.92, frame_iod=0.04))
    bgr = decode.full_image(ctx).bgr.copy()
    pts = face.landmarks(ctx)[:, :2]
    left, right = pts[[33, 133]].mean(0), pts[[362, 263]].mean(0)
    iod = float(np.hypot(*(right - left)))
    for c in (left, right):
        x0, x1 = int(c[0] - 0.33 * iod), int(c[0] + 0.33 * iod)
        if part == "cross":
            y = int(c[1])
            cv2.line(bgr, (x0, y), (x1, y), (25, 25, 25), max(2, int(0.03 * iod)))
        else:
            y0 = int(c[1] + 0.3 * iod)
            cv2.rectangle(bgr, (x0, y0), (x1, y0 + int(0.22 * iod)), (20, 20, 20), -1)
    if bridge:
        y = int((left[1] + right[1]) / 2 - 0.1 * iod)
        cv2.line(bgr, (int(left[0] + 0.3 * iod), y), (int(right[0] - 0.3 * iod), y),
                 (25, 25, 25), max(2, int(0.03 * iod)))
    return encode(bgr)


def test_compliant_photos_pass(validator: Validator) -> None:
    for name in COMPLIANT:
        statuses = run_check(validator, eyewear.CHECK, _read(name))
        assert statuses == dict.fromkeys(eyewear.CODES, "pass"), (name, statuses)


def test_sunglasses_fail(validator: Validator) -> None:
    for name in SUNGLASSES:
        statuses = run_check(validator, eyewear.CHECK, _read(name))
        assert statuses["eyewear.sunglasses"] == "fail", (name, statuses)


def test_plain_glasses_pass_sunglasses(validator: Validator) -> None:
    for name in PLAIN_GLASSES:
        statuses = run_check(validator, eyewear.CHECK, _read(name))
        assert statuses["eyewear.sunglasses"] == "pass", (name, statuses)


def test_synthetic_dark_lenses_are_sunglasses(validator: Validator) -> None:
    for name in COMPLIANT:
        statuses = run_check(validator, eyewear.CHECK, _lenses(validator, _read(name), 0.12))
        assert statuses["eyewear.sunglasses"] == "fail", (name, statuses)


def test_synthetic_clear_lenses_pass(validator: Validator) -> None:
    for name in COMPLIANT:
        statuses = run_check(validator, eyewear.CHECK, _lenses(validator, _read(name), 0.92))
        assert statuses["eyewear.sunglasses"] == "pass", (name, statuses)
        assert statuses["eyes.hidden"] == "pass", (name, statuses)


def test_synthetic_blue_tint_is_flagged(validator: Validator) -> None:
    # lenses passing 80 % of the light, tinted blue: moderate evidence, at least a review
    tinted = _lenses(validator, _read(COMPLIANT[0]), 0.8, (1.3, 0.9, 0.55))
    statuses = run_check(validator, eyewear.CHECK, tinted)
    assert statuses["eyewear.sunglasses"] in ("warn", "fail"), statuses


def test_frame_and_glare_rules_need_glasses(validator: Validator) -> None:
    # the same crossing line drawn on a bare face is no frame: no glasses are seen
    ctx = validator.context(_read(COMPLIANT[0]))
    bgr = decode.full_image(ctx).bgr.copy()
    pts = face.landmarks(ctx)[:, :2]
    for c in (pts[[33, 133]].mean(0), pts[[362, 263]].mean(0)):
        cv2.line(bgr, (int(c[0] - 20), int(c[1])), (int(c[0] + 20), int(c[1])), (25, 25, 25), 3)
    found = {f.code: f for f in validator._run_check(  # noqa: SLF001
        eyewear.CHECK, validator.context(encode(bgr)))}
    frame = found["eyewear.frame_over_eyes"]
    assert str(frame.status) == "pass"
    assert frame.threshold["min_glasses_probability"] == validator.profile.section(
        "eyewear")["min_glasses_probability"]


def test_synthetic_frame_across_the_eyes_fails(validator: Validator) -> None:
    for name in COMPLIANT:
        statuses = run_check(validator, eyewear.CHECK, _frames(validator, _read(name), "cross"))
        assert statuses["eyewear.frame_over_eyes"] == "fail", (name, statuses)
        assert statuses["eyewear.sunglasses"] == "pass", (name, statuses)


def test_dark_lines_without_a_frame_bridge_are_not_a_frame(validator: Validator) -> None:
    # the same lines across the eyes and the same dark bands below them, nothing across the
    # nose: brows, lashes and shadows look like this, so no frame rule may fire
    for part in ("cross", "thick"):
        data = _frames(validator, _read(COMPLIANT[0]), part, bridge=False)
        statuses = run_check(validator, eyewear.CHECK, data)
        assert statuses["eyewear.frame_over_eyes"] == "pass", (part, statuses)
        assert statuses["eyewear.thick_frame"] == "pass", (part, statuses)
        ctx = validator.context(data)
        assert eyewear.eyewear_measures(ctx).frame_evidence < 0.3


def test_synthetic_thick_lower_rims_fail(validator: Validator) -> None:
    statuses = run_check(validator, eyewear.CHECK,
                         _frames(validator, _read(COMPLIANT[0]), "thick"))
    assert statuses["eyewear.thick_frame"] == "fail", statuses


def test_medical_eyewear_waives_the_eyewear_findings(validator: Validator) -> None:
    report = validator.check(_read(SUNGLASSES[0]), exceptions=("medical_eyewear",))
    found = {f.code: f for f in report.findings if f.code in eyewear.CODES}
    assert str(found["eyewear.sunglasses"].status) == "waived"
    assert found["eyewear.sunglasses"].waived_by == "medical_eyewear"


def test_without_a_face_nothing_is_assessed(validator: Validator) -> None:
    statuses = run_check(validator, eyewear.CHECK, make_jpeg(640, 800, noise=False))
    assert set(statuses.values()) == {"not_assessed"}


def test_eyes_hidden_levels_in_the_profile(validator: Validator) -> None:
    from photocheck.checks.base import grade

    p = validator.profile.section("eyewear")
    warn, fail = p["warn_min_eye_contrast"], p["fail_min_eye_contrast"]
    assert (warn, fail) == (0.08, 0.05)
    # clean compliant ≥ 0.111 pass; sunglasses 0.009–0.037 fail; between: review
    assert [str(grade(v, fail=fail, warn=warn, upper=False))
            for v in (0.111, 0.08, 0.073, 0.05, 0.037)] == ["pass", "pass", "warn", "warn",
                                                           "fail"]
