"""Prometheus metrics and the access log (key id, never photo content)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from fastapi.staticfiles import StaticFiles
from fastapi.testclient import TestClient

from photocheck.service import create_app, routes
from photocheck.service.auth import key_id
from photocheck.service.metrics import route_paths
from tests.service.fakes import (
    AUTH,
    JPEG,
    KEY,
    FakeValidator,
    fake_client,
    jpeg_with_exif,
    make_settings,
)


def test_metrics_count_requests_verdicts_and_findings(client: TestClient) -> None:
    client.post("/v1/check", content=b"not a jpeg", headers={**JPEG, **AUTH})
    client.post("/v1/check", content=b"x", headers=JPEG)  # 401
    r = client.get("/metrics")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain")
    text = r.text
    lines = {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
             for line in text.splitlines() if line and not line.startswith("#")}
    key = 'photocheck_http_requests_total{endpoint="/v1/check",method="POST",status="200"}'
    assert lines[key] >= 1
    assert lines['photocheck_http_requests_total{endpoint="/v1/check",method="POST",'
                 'status="401"}'] >= 1
    assert lines['photocheck_verdicts_total{endpoint="check",profile="online",'
                 'verdict="reject"}'] >= 1
    assert lines['photocheck_findings_total{code="file.format",status="fail"}'] >= 1
    assert 'photocheck_http_request_duration_seconds_bucket{endpoint="/v1/check",le="0.5"}' \
        in lines
    assert lines["photocheck_http_in_flight"] == 1.0  # this /metrics request itself
    assert lines["photocheck_pool_capacity"] == 10.0
    assert "process_resident_memory_bytes" in lines


def test_unknown_paths_share_one_metrics_label() -> None:
    with fake_client() as c:
        c.get("/random/abc")
        c.get("/random/def")
        text = c.get("/metrics").text
    assert 'photocheck_http_requests_total{endpoint="other",method="GET",status="404"} 2.0' in text
    assert "/random" not in text


def test_access_log_has_key_id_and_no_photo_content(client: TestClient,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    photo = jpeg_with_exif()
    caplog.set_level(logging.DEBUG)
    r = client.post("/v1/check?applied_on=2025-01-01", content=photo, headers={**JPEG, **AUTH})
    assert r.status_code == 200
    access = [rec for rec in caplog.records if rec.name == "photocheck.access"]
    assert len(access) == 1
    line = access[0].getMessage()
    assert line.startswith("method=POST path='/v1/check' status=200 latency_ms=")
    assert line.endswith(f"key={key_id(KEY)}")
    assert KEY not in line and "applied_on" not in line
    everything = "\n".join(rec.getMessage() for rec in caplog.records)
    for secret in ("SecretCamMaker", "BoothOS", "GPS", "Exif", "Make"):
        assert secret not in everything, secret
    assert photo[:64].hex() not in everything
    assert repr(photo[:32])[2:-1] not in everything


def test_each_route_is_its_own_label_mounts_and_unknown_paths_are_other(tmp_path: Path) -> None:
    (tmp_path / "page.css").write_text("body {}")
    app = create_app(make_settings(), validators={"online": FakeValidator()})

    @app.get("/extra")  # a route added after the factory is labelled as itself too
    async def extra() -> dict[str, str]:
        return {"ok": "yes"}

    app.mount("/assets", StaticFiles(directory=tmp_path), name="assets")
    with TestClient(app) as c:
        for path in ("/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect", "/healthz",
                     "/extra", "/assets/page.css", "/assets/absent.css", "/static/app.js"):
            c.get(path)
        c.get("/v1/profiles", headers=AUTH)
        text = c.get("/metrics").text
    labels = {line.split('endpoint="')[1].split('"')[0]: line.rsplit(" ", 1)[1]
              for line in text.splitlines() if line.startswith("photocheck_http_requests_total")
              and 'status="200"' in line}
    assert labels == {"/docs": "1.0", "/redoc": "1.0", "/openapi.json": "1.0",
                      "/docs/oauth2-redirect": "1.0", "/healthz": "1.0", "/extra": "1.0",
                      "/v1/profiles": "1.0",
                      "other": "2.0"}  # /assets/page.css, and the page's /static/app.js
    assert 'endpoint="other",method="GET",status="404"} 1.0' in text  # /assets/absent.css


def test_route_paths_leave_mounts_out(tmp_path: Path) -> None:
    app = create_app(make_settings(), validators={"online": FakeValidator()})
    app.mount("/assets", StaticFiles(directory=tmp_path), name="assets")
    assert route_paths(app.routes) == {"/openapi.json", "/docs", "/docs/oauth2-redirect",
                                       "/redoc"}
    assert route_paths(routes.router.routes) == {"/v1/check", "/v1/trim", "/v1/crop",
                                                 "/v1/profiles", "/healthz", "/metrics"}
