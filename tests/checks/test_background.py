"""Background check on real compliant photos (skipped without ../shared/photos) and synthetic
degradations with known answers: each clear degradation is detected, each mild one is not."""

from __future__ import annotations

from photocheck.checks import background
from photocheck.validator import Validator
from tests.checks.scene_cases import SceneCases, pytest_generate_tests  # noqa: F401
from tests.helpers import make_jpeg
from tests.synthetic import run_check


class TestBackground(SceneCases):
    check = background

    def test_without_a_face_the_background_is_still_judged(self, validator: Validator) -> None:
        statuses = run_check(validator, background.CHECK, make_jpeg(640, 800, noise=False))
        assert set(statuses) == set(background.CODES)
        assert "not_assessed" not in statuses.values()
