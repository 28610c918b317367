"""Declared exceptions: validation of names and waivers applied by the validator (issue 5)."""

from __future__ import annotations

import pytest

from photocheck.exceptions import VALID, UnknownExceptionError, normalise, waiver_for
from photocheck.validator import Validator
from tests.helpers import shared_photos


def test_normalise_accepts_valid_names_in_any_spelling_and_dedupes():
    assert normalise(["Infant", "head-covering", "infant"]) == ("infant", "head_covering")
    assert normalise("medical_eyewear,gaze_unfixed") == ("medical_eyewear", "gaze_unfixed")
    assert normalise(None) == ()


def test_unknown_exception_lists_the_valid_ones():
    with pytest.raises(UnknownExceptionError) as err:
        normalise(["sunglasses_ok"])
    for name in VALID:
        assert name in str(err.value)


@pytest.mark.parametrize(
    ("code", "exceptions", "expected"),
    [
        ("headwear.hat", ["head_covering"], "head_covering"),
        ("headwear.headband", ["head_covering"], "head_covering"),
        ("headwear.covering_hides_face", ["head_covering"], None),
        ("eyewear.sunglasses", ["medical_eyewear"], "medical_eyewear"),
        ("eyewear.glare", ["medical_eyewear"], "medical_eyewear"),
        ("eyes.closed", ["eyes_cannot_open"], "eyes_cannot_open"),
        ("eyes.gaze", ["eyes_cannot_open"], None),
        ("eyes.gaze", ["gaze_unfixed"], "gaze_unfixed"),
        ("eyes.closed", ["infant"], "infant"),
        ("expression.teeth", ["infant"], "infant"),
        ("pose.roll", ["infant"], None),  # normalised, not waived
        ("helper.visible", ["infant"], None),
        ("background.not_plain", ["infant"], None),
        ("pose.yaw", list(VALID), None),
    ],
)
def test_waiver_table(code, exceptions, expected):
    assert waiver_for(code, exceptions) == expected


def test_waived_findings_keep_their_measure_and_name_the_exception():
    photos = shared_photos()
    photo = photos / "a_compliant_plain_bg" / "london_001_03.jpg"
    validator = Validator("online")
    plain = validator.check(photo, applied_on="2026-11-21")
    waived = validator.check(photo, exceptions=["infant", "medical_eyewear"],
                             applied_on="2026-11-21")
    out = waived.to_dict()
    assert out["exceptions"] == ["infant", "medical_eyewear"]
    by_code = {f["code"]: f for f in out["findings"]}
    for code in ("eyes.closed", "eyes.gaze", "expression.teeth", "expression.mouth_open",
                 "eyewear.sunglasses", "eyewear.glare"):
        assert by_code[code]["status"] == "waived", code
        assert by_code[code]["waived_by"] in ("infant", "medical_eyewear")
        assert "infant" in by_code[code]["message"]["en"] or "medical_eyewear" in \
            by_code[code]["message"]["en"]
        # still measured: the same number as without the exception
        assert by_code[code]["measured"] == plain.by_code(code).to_dict()["measured"]
    # rules no exception touches are unchanged
    assert by_code["pose.yaw"]["status"] == plain.status_of("pose.yaw")
    # the verdict ignores waived findings
    from photocheck.report import Status, verdict_of

    assert waived.verdict == verdict_of([f for f in waived.findings if f.status != Status.WAIVED])
