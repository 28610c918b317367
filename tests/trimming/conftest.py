"""Fixtures of the trimming tests: the ``mail`` validator and a drawn portrait."""

from __future__ import annotations

import pytest

from benchmarks.scan_synth import drawn_portrait
from photocheck.validator import Validator


@pytest.fixture(scope="module")
def validator(models):  # noqa: ANN001 - pytest fixture
    return Validator("mail", models=models)


@pytest.fixture(scope="module")
def portrait():
    return drawn_portrait()
