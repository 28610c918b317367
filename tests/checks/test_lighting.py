"""Lighting check on real compliant photos (skipped without ../shared/photos) and synthetic
degradations with known answers: each clear degradation is detected, each mild one is not."""

from __future__ import annotations

import cv2

from photocheck.checks import lighting
from photocheck.validator import Validator
from tests.checks.scene_cases import SceneCases, pytest_generate_tests  # noqa: F401
from tests.helpers import make_jpeg
from tests.synthetic import Prepared, run_check


class TestLighting(SceneCases):
    check = lighting

    def test_without_a_face_nothing_is_assessed(self, validator: Validator) -> None:
        statuses = run_check(validator, lighting.CHECK, make_jpeg(640, 800, noise=False))
        assert set(statuses.values()) == {"not_assessed"}

    def test_black_and_white_photo_passes(
        self, validator: Validator, photos: list[Prepared]
    ) -> None:
        from photocheck.checks import background
        from tests.synthetic import encode

        grey = cv2.cvtColor(cv2.cvtColor(photos[0].bgr, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)
        data = encode(grey)
        for check in (lighting.CHECK, background.CHECK):
            statuses = run_check(validator, check, data)
            assert set(statuses.values()) == {"pass"}, statuses
