"""Shared fixtures."""

from __future__ import annotations

import pytest

from tests.helpers import make_jpeg


@pytest.fixture
def jpeg_factory():
    """The :func:`tests.helpers.make_jpeg` helper as a fixture."""
    return make_jpeg


@pytest.fixture(scope="session")
def models():
    """One set of model sessions for the whole test run."""
    from photocheck.inference import Models

    return Models.load()


@pytest.fixture(scope="session")
def online(models):
    """A Validator of the ``online`` profile on the shared model sessions."""
    from photocheck.validator import Validator

    return Validator("online", models=models)
