"""Prometheus metrics and the access log (key id, never photo content)."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from photocheck.service.auth import key_id
from tests.service.fakes import AUTH, JPEG, KEY, fake_client, jpeg_with_exif


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
