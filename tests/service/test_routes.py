"""The endpoints with the real models: reports of /v1/check, /v1/profiles, /healthz, /v1/trim."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from tests.helpers import make_jpeg
from tests.service.fakes import AUTH, JPEG, FakeTrim, fake_client

# --------------------------------------------------------------------------- real checks


@pytest.mark.parametrize("body", [b"", b"<html><body>not a photo</body></html>",
                                  b"\xff\xd8\xff\xe0" + b"\x00" * 50, bytes(range(256)) * 40])
def test_empty_and_garbage_bodies_get_a_reject_report(client: TestClient, body: bytes) -> None:
    r = client.post("/v1/check", content=body, headers={**JPEG, **AUTH})
    assert r.status_code == 200
    report = r.json()
    assert report["verdict"] == "reject"
    failing = {f["code"] for f in report["findings"] if f["status"] == "fail"}
    assert failing and all(code.startswith("file.") for code in failing), failing


def test_multipart_photo_gets_the_report_contract(client: TestClient) -> None:
    r = client.post("/v1/check?exception=infant", headers=AUTH,
                    files={"photo": ("p.jpg", make_jpeg(640, 800), "image/jpeg")})
    assert r.status_code == 200
    report = r.json()
    assert report["profile"] == "online"
    assert report["exceptions"] == ["infant"]
    assert {"source", "verdict", "findings", "face", "crop", "timings_ms",
            "versions"} <= set(report)
    fmt = next(f for f in report["findings"] if f["code"] == "file.format")
    assert (fmt["status"], fmt["measured"]) == ("pass", "jpeg")
    assert set(fmt["message"]) == {"ja", "en"}


def test_profiles_lists_served_profiles(client: TestClient) -> None:
    r = client.get("/v1/profiles", headers=AUTH)
    assert r.status_code == 200
    body = r.json()
    assert body["default"] == "online"
    assert [p["name"] for p in body["profiles"]] == ["online"]
    assert body["profiles"][0]["sections"]["decode"]["max_read_bytes"] == 268435456
    assert body["exceptions"] == ["infant", "head_covering", "medical_eyewear",
                                  "eyes_cannot_open", "gaze_unfixed"]


def test_healthz_reports_models_without_a_key(client: TestClient) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok"
    assert body["models_loaded"] is True
    assert set(body["models"]["loaded"]) == set(body["models"]["versions"])
    assert "facemesh_468" in body["models"]["versions"]
    assert body["pool"] == {"workers": 2, "capacity": 10, "admitted": 0}


def test_trim_returns_the_jpeg_or_the_report() -> None:
    out = make_jpeg(827, 1063)
    trimmer = FakeTrim(out)
    with fake_client(trimmer=trimmer) as c:
        r = c.post("/v1/trim?dpi=600&out_dpi=300&exception=infant", content=b"scan",
                   headers={**JPEG, **AUTH})
        assert r.status_code == 200
        assert r.headers["content-type"] == "image/jpeg"
        assert r.headers["x-photocheck-verdict"] == "accept"
        assert r.content == out
        assert trimmer.kwargs == {"dpi": 600.0, "out_dpi": 300, "profile": "mail",
                                  "exceptions": ("infant",), "applied_on": None,
                                  "validator": None}
        js = c.post("/v1/trim", content=b"scan", headers={**JPEG, **AUTH,
                                                          "Accept": "application/json"})
        assert js.status_code == 200
        assert js.json()["output"] == {"bytes": len(out)}
        assert js.json()["profile"] == "mail"
        bad = c.post("/v1/trim?out_dpi=5", content=b"scan", headers={**JPEG, **AUTH})
        assert bad.status_code == 422
        other = c.post("/v1/trim?profile=online", content=b"scan", headers={**JPEG, **AUTH})
        assert other.status_code == 422
        assert "always uses the 'mail' profile" in other.json()["detail"]
    with fake_client(trimmer=FakeTrim(None)) as c:
        r = c.post("/v1/trim", content=b"scan", headers={**JPEG, **AUTH})
    assert r.status_code == 422
    assert r.json()["verdict"] == "reject"
    assert r.json()["output"] is None


def test_real_trim_of_garbage_is_a_report(client: TestClient) -> None:
    r = client.post("/v1/trim", content=b"not a scan", headers={**JPEG, **AUTH})
    assert r.status_code == 422
    assert r.json()["output"] is None
    assert r.json()["verdict"] == "reject"
    found = {f["code"]: f["status"] for f in r.json()["findings"]}
    assert found["trim.photo_not_found"] == "fail"
    js = client.post("/v1/trim", content=b"not a scan",
                     headers={**JPEG, **AUTH, "Accept": "application/json"})
    assert js.status_code == 200
    assert js.json()["output"] is None


def test_report_json_round_trips(client: TestClient) -> None:
    r = client.post("/v1/check", content=make_jpeg(640, 800), headers={**JPEG, **AUTH})
    assert r.status_code == 200
    assert json.loads(r.content.decode("utf-8")) == r.json()
