"""helper.visible: only for declared infants; fires on composited hands/arms, not on compliant
photos (real photos, skipped when ../shared is absent)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from photocheck import face
from photocheck.report import Status
from photocheck.validator import Validator
from tests.helpers import encode_jpeg, shared_photos
from tests.synthetic_helper import composite_helper

PHOTOS = ("a_compliant_plain_bg/london_002_03.jpg", "a_compliant_plain_bg/canada_019f.jpg")


def _jpeg(image: np.ndarray) -> bytes:
    return encode_jpeg(image, 92)


def _status(validator: Validator, data: bytes | str, exceptions: tuple[str, ...]):
    from photocheck.checks import helper

    ctx = validator.context(data, exceptions=exceptions)
    params = validator.profile.section("helper")
    return [f for f in helper.run(ctx, params)]


def test_not_emitted_without_infant(online: Validator) -> None:
    path = shared_photos() / PHOTOS[0]
    assert _status(online, str(path), ()) == []
    report = online.check(path)
    assert report.by_code("helper.visible") is None


@pytest.mark.parametrize("rel", PHOTOS)
def test_compliant_photo_passes(online: Validator, rel: str) -> None:
    found = _status(online, str(shared_photos() / rel), ("infant",))
    assert [f.status for f in found] == [Status.PASS]
    assert found[0].measured == {"other_faces": 0, "detached_person_frac": 0,
                                 "border_skin_frac": 0}


def test_composited_hands_and_arms_are_seen(online: Validator) -> None:
    # 12 fixed composites (3 edges × arm/hand × 2 photos, one tightly cropped): measured 11/12
    # with the profile's thresholds (the miss: a hand from the top merging with the hair);
    # benchmarks/helper_visible.py measures the rate at scale
    results = []
    for rel in PHOTOS:
        path = shared_photos() / rel
        image = cv2.imread(str(path))
        box = face.applicant(online.context(str(path))).box
        rng = np.random.default_rng(7)
        for edge in ("left", "right", "top"):
            for kind in ("arm", "hand"):
                comp = composite_helper(image, box, rng, kind=kind, edge=edge)
                found = _status(online, _jpeg(comp.image), ("infant",))
                results.append(found[0].status == Status.FAIL)
    assert all(results[:6]), results  # the portrait with room around the head
    assert sum(results) >= 10, results


def test_another_face_is_a_helper(online: Validator) -> None:
    # paste a reduced copy of the whole portrait in a corner: a second face in the frame
    path = shared_photos() / PHOTOS[0]
    image = cv2.imread(str(path))
    h, w = image.shape[:2]
    small = cv2.resize(image, (w // 4, h // 4), interpolation=cv2.INTER_AREA)
    image[: h // 4, : w // 4] = small
    found = _status(online, _jpeg(image), ("infant",))
    assert found[0].status == Status.FAIL
    assert found[0].measured["other_faces"] >= 1 or found[0].measured["detached_person_frac"] > 0
