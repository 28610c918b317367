"""Quality check on real compliant photos (skipped without ../shared/photos) and synthetic
degradations with known answers: each clear degradation is detected, each mild one is not."""

from __future__ import annotations

from photocheck.checks import quality
from photocheck.validator import Validator
from tests.checks.scene_cases import SceneCases, pytest_generate_tests  # noqa: F401
from tests.helpers import make_jpeg
from tests.synthetic import run_check


class TestQuality(SceneCases):
    check = quality

    def test_without_a_face_nothing_is_assessed(self, validator: Validator) -> None:
        statuses = run_check(validator, quality.CHECK, make_jpeg(640, 800, noise=False))
        assert set(statuses.values()) == {"not_assessed"}
