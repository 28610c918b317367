"""Fixtures of the service tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from photocheck.service import create_app
from tests.service.fakes import make_settings


@pytest.fixture(scope="module")
def client(models: Any) -> Iterator[TestClient]:
    """The real app (real Validator, real models) with the online profile."""
    app = create_app(make_settings(), models=models)
    with TestClient(app) as c:
        yield c
