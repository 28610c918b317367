"""Shared real-photo cases of the scene checks (background, lighting, quality): compliant photos
pass, each clear synthetic degradation of the check is detected and each mild one is not.

A test module subclasses :class:`SceneCases`, sets ``check`` and imports
``pytest_generate_tests`` from here (it parametrises ``name`` with the check's degradations).
"""

from __future__ import annotations

from types import ModuleType

import pytest

from photocheck.validator import Validator
from tests.helpers import shared_photos
from tests.synthetic import DEGRADATIONS, Prepared, degrade, prepare, run_check

PHOTOS = (
    "a_compliant_plain_bg/london_041_03.jpg",
    "a_compliant_plain_bg/canada_095m.jpg",
    "a_compliant_plain_bg/interfaces_057.jpg",
)
FLAGGED = {"fail", "warn"}


def degradations_of(check: ModuleType) -> list[str]:
    """Names of the synthetic degradations that target this check's codes."""
    prefix = check.CHECK.name + "."
    return [n for n, d in DEGRADATIONS.items() if d.code.startswith(prefix)]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "name" in metafunc.fixturenames and metafunc.cls is not None:
        metafunc.parametrize("name", degradations_of(metafunc.cls.check))


class SceneCases:
    """Known answers common to the scene checks."""

    check: ModuleType

    @pytest.fixture(scope="class")
    def validator(self, models) -> Validator:
        return Validator("online", models=models)

    @pytest.fixture(scope="class")
    def photos(self, validator: Validator) -> list[Prepared]:
        root = shared_photos()
        return [prepare(validator, name, (root / name).read_bytes()) for name in PHOTOS]

    def test_compliant_photos_pass(self, validator: Validator, photos: list[Prepared]) -> None:
        for photo in photos:
            statuses = run_check(validator, self.check.CHECK, photo.data)
            assert set(statuses) == set(self.check.CODES)
            assert set(statuses.values()) == {"pass"}, (photo.name, statuses)

    def test_clear_degradation_is_detected(self, validator: Validator, photos: list[Prepared],
                                           name: str) -> None:
        if DEGRADATIONS[name].clear is None:
            pytest.skip(f"{name} is only ever acceptable")
        if not DEGRADATIONS[name].every_photo:
            pytest.skip(f"{name}: a rate, measured by benchmarks/synthetic_degradations.py")
        codes = DEGRADATIONS[name].codes
        for i, photo in enumerate(photos):
            statuses = run_check(validator, self.check.CHECK, degrade(photo, name, "clear", i))
            assert any(statuses[c] in FLAGGED for c in codes), (photo.name, statuses)

    def test_mild_degradation_passes(self, validator: Validator, photos: list[Prepared],
                                     name: str) -> None:
        for i, photo in enumerate(photos):
            statuses = run_check(validator, self.check.CHECK, degrade(photo, name, "mild", i))
            assert set(statuses.values()) == {"pass"}, (photo.name, statuses)
