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
