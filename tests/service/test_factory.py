"""The app factory: the root entry point, and routers added to ROUTERS are served and labelled."""

from __future__ import annotations

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient

import photocheck.service
from photocheck.service import factory
from photocheck.service.auth import ApiKeyId
from tests.service.fakes import AUTH, FakeValidator, make_settings


def test_the_root_entry_point_is_the_service_app() -> None:
    import api

    assert api.app is photocheck.service.app
    assert api.create_app is photocheck.service.create_app
    assert [r.path for r in factory.ROUTERS[0].routes] == [
        "/v1/check", "/v1/trim", "/v1/crop", "/v1/profiles", "/healthz", "/metrics"]
    assert [r.path for r in factory.ROUTERS[1].routes] == ["/", "/static/{name}"]


def test_a_router_added_to_routers_is_served_keyed_and_labelled(
        monkeypatch: pytest.MonkeyPatch) -> None:
    extra = APIRouter()

    @extra.get("/v1/echo")
    async def echo(key: ApiKeyId) -> dict[str, str]:
        return {"key": key}

    monkeypatch.setattr(factory, "ROUTERS", (*factory.ROUTERS, extra))
    app = factory.create_app(make_settings(), validators={"online": FakeValidator()})
    with TestClient(app) as c:
        assert c.get("/v1/echo").status_code == 401
        r = c.get("/v1/echo", headers=AUTH)
        text = c.get("/metrics").text
        spec = c.get("/openapi.json").json()
    assert (r.status_code, r.json()) == (200, {"key": "bdbfbcaf"})
    assert 'photocheck_http_requests_total{endpoint="/v1/echo",method="GET",status="200"} 1.0' \
        in text
    assert "/v1/echo" in spec["paths"] and "/v1/check" in spec["paths"]
