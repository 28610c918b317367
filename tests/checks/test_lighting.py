"""Lighting check on real compliant photos (skipped without ../shared/photos) and synthetic
degradations with known answers: each clear degradation is detected, each mild one is not."""

from __future__ import annotations

import cv2
import pytest

from photocheck.checks import lighting
from photocheck.validator import Validator
from tests.helpers import make_jpeg, shared_photos
from tests.synthetic import DEGRADATIONS, Prepared, degrade, prepare, run_check

PHOTOS = (
    "a_compliant_plain_bg/london_041_03.jpg",
    "a_compliant_plain_bg/canada_095m.jpg",
    "a_compliant_plain_bg/interfaces_057.jpg",
)
FLAGGED = {"fail", "warn"}
NAMES = [n for n, d in DEGRADATIONS.items() if d.code.startswith("lighting.")]


@pytest.fixture(scope="module")
def validator(models) -> Validator:
    return Validator("online", models=models)


@pytest.fixture(scope="module")
def photos(validator: Validator) -> list[Prepared]:
    root = shared_photos()
    return [prepare(validator, name, (root / name).read_bytes()) for name in PHOTOS]


def test_compliant_photos_pass(validator: Validator, photos: list[Prepared]) -> None:
    for photo in photos:
        statuses = run_check(validator, lighting.CHECK, photo.data)
        assert set(statuses) == set(lighting.CODES)
        assert set(statuses.values()) == {"pass"}, (photo.name, statuses)


@pytest.mark.parametrize("name", NAMES)
def test_clear_degradation_is_detected(validator: Validator, photos: list[Prepared],
                                       name: str) -> None:
    codes = DEGRADATIONS[name].codes
    for i, photo in enumerate(photos):
        statuses = run_check(validator, lighting.CHECK, degrade(photo, name, "clear", i))
        assert any(statuses[c] in FLAGGED for c in codes), (photo.name, statuses)


@pytest.mark.parametrize("name", NAMES)
def test_mild_degradation_passes(validator: Validator, photos: list[Prepared],
                                 name: str) -> None:
    for i, photo in enumerate(photos):
        statuses = run_check(validator, lighting.CHECK, degrade(photo, name, "mild", i))
        assert set(statuses.values()) == {"pass"}, (photo.name, statuses)


def test_without_a_face_nothing_is_assessed(validator: Validator) -> None:
    statuses = run_check(validator, lighting.CHECK, make_jpeg(640, 800, noise=False))
    assert set(statuses.values()) == {"not_assessed"}


def test_black_and_white_photo_passes(validator: Validator, photos: list[Prepared]) -> None:
    from photocheck.checks import background
    from tests.synthetic import encode

    grey = cv2.cvtColor(cv2.cvtColor(photos[0].bgr, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)
    data = encode(grey)
    for check in (lighting.CHECK, background.CHECK):
        statuses = run_check(validator, check, data)
        assert set(statuses.values()) == {"pass"}, statuses
