"""Tests of the HTTP API (api.py): auth, limits, parameters, pool, privacy, metrics."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import logging
import tempfile
import threading
import time
from collections.abc import Iterator
from typing import Any

import piexif
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from photocheck.report import Finding, Report, Status
from photocheck.service import server as api
from tests.helpers import make_jpeg

KEY = "booth-key-0001"
OTHER_KEY = "booth-key-0002"
AUTH = {"Authorization": f"Bearer {KEY}"}
JPEG = {"content-type": "image/jpeg"}


def jpeg_with_exif() -> bytes:
    """A small JPEG whose EXIF carries a camera make and a GPS position (must never be logged)."""
    image = Image.new("RGB", (640, 800), (200, 190, 180))
    exif = {
        "0th": {piexif.ImageIFD.Make: b"SecretCamMaker", piexif.ImageIFD.Software: b"BoothOS 1"},
        "GPS": {piexif.GPSIFD.GPSLatitudeRef: b"N",
                piexif.GPSIFD.GPSLatitude: ((35, 1), (41, 1), (2231, 100)),
                piexif.GPSIFD.GPSLongitudeRef: b"E",
                piexif.GPSIFD.GPSLongitude: ((139, 1), (46, 1), (1234, 100))},
    }
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=85, exif=piexif.dump(exif))
    return buf.getvalue()


class FakeValidator:
    """Stands in for photocheck.Validator: records what it got, can block until released."""

    def __init__(self, *, gate: threading.Event | None = None, verdict_fail: bool = False) -> None:
        self.gate = gate
        self.verdict_fail = verdict_fail
        self.calls: list[dict[str, Any]] = []
        self.started = threading.Semaphore(0)
        self.lock = threading.Lock()

    def check(self, source: bytes, *, exceptions: Any = (), applied_on: Any = None) -> Report:
        with self.lock:
            self.calls.append({"data": source, "exceptions": tuple(exceptions),
                               "applied_on": applied_on})
        self.started.release()
        if self.gate is not None:
            self.gate.wait(timeout=30)
        status = Status.FAIL if self.verdict_fail else Status.PASS
        found = Finding(code="file.format", check="file", status=status, measured="jpeg")
        return Report(source="<bytes>", profile="online", profile_digest="0" * 16,
                      exceptions=list(exceptions), findings=[found])


def make_settings(**kwargs: Any) -> api.Settings:
    base: dict[str, Any] = {"api_keys": f"{KEY},{OTHER_KEY}", "profiles": "online",
                            "default_profile": "online", "workers": 2}
    base.update(kwargs)
    return api.Settings(**base)


def fake_client(settings: api.Settings | None = None, **kwargs: Any) -> TestClient:
    validator = kwargs.pop("validator", None) or FakeValidator()
    app = api.create_app(settings or make_settings(), validators={"online": validator}, **kwargs)
    return TestClient(app)


@pytest.fixture(scope="module")
def client(models: Any) -> Iterator[TestClient]:
    """The real app (real Validator, real models) with the online profile."""
    app = api.create_app(make_settings(), models=models)
    with TestClient(app) as c:
        yield c


# --------------------------------------------------------------------------- auth


def test_check_requires_a_valid_key(client: TestClient) -> None:
    photo = make_jpeg(640, 800)
    missing = client.post("/v1/check", content=photo, headers=JPEG)
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    assert "Bearer" in missing.json()["detail"]
    wrong = client.post("/v1/check", content=photo,
                        headers={**JPEG, "Authorization": "Bearer not-a-key"})
    assert wrong.status_code == 401
    basic = client.post("/v1/check", content=photo,
                        headers={**JPEG, "Authorization": f"Basic {KEY}"})
    assert basic.status_code == 401
    ok = client.post("/v1/check", content=photo,
                     headers={**JPEG, "Authorization": f"Bearer {OTHER_KEY}"})
    assert ok.status_code == 200
    assert client.get("/v1/profiles").status_code == 401


def test_key_ring_and_key_id() -> None:
    ring = api.KeyRing(["alpha", "beta"])
    assert api.key_id("beta") == hashlib.sha256(b"beta").hexdigest()[:8]
    assert ring.verify("beta") == api.key_id("beta")
    assert ring.verify("alpha") == api.key_id("alpha")
    assert ring.verify("gamma") is None
    assert ring.verify("") is None


def test_auth_disabled_needs_no_key() -> None:
    with fake_client(make_settings(api_keys="", auth="DISABLED")) as c:
        r = c.post("/v1/check", content=b"\xff\xd8", headers=JPEG)
    assert r.status_code == 200
    assert r.json()["verdict"] == "accept"


def test_refuses_to_start_without_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(api.ConfigError, match="PHOTOCHECK_API_KEYS"):
        api.create_app(api.Settings(api_keys="", auth="enabled"))
    # the module-level app imports fine and refuses at start-up instead
    for name in ("PHOTOCHECK_API_KEYS", "PHOTOCHECK_API_KEYS_FILE", "PHOTOCHECK_AUTH"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(api.ConfigError, match="PHOTOCHECK_AUTH=disabled"), TestClient(api.app):
        pass


def test_refuses_to_start_with_a_default_profile_it_does_not_serve() -> None:
    app = api.create_app(make_settings(default_profile="booth"),
                         validators={"online": FakeValidator()})
    with pytest.raises(api.ConfigError, match="'booth' is not served; served profiles: online"), \
            TestClient(app):
        pass


def test_keys_from_env_and_file(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    keyfile = tmp_path / "keys.txt"
    keyfile.write_text("# booth keys\nfile-key-1\n\n  file-key-2  # shop 2\nenv-key\n")
    monkeypatch.setenv("PHOTOCHECK_API_KEYS", "env-key, other-env-key")
    monkeypatch.setenv("PHOTOCHECK_API_KEYS_FILE", str(keyfile))
    monkeypatch.setenv("PHOTOCHECK_WORKERS", "3")
    monkeypatch.setenv("PHOTOCHECK_MAX_BODY_BYTES", "12345")
    conf = api.Settings()
    assert conf.keys() == ("env-key", "other-env-key", "file-key-1", "file-key-2")
    assert (conf.workers, conf.queue_length, conf.max_body_bytes) == (3, 12, 12345)
    missing = api.Settings(api_keys_file=tmp_path / "absent.txt")
    with pytest.raises(api.ConfigError, match="cannot read"):
        missing.keys()


# --------------------------------------------------------------------------- body limits


def test_413_by_content_length_without_reading_the_body() -> None:
    validator = FakeValidator()
    with fake_client(make_settings(max_body_bytes=1000), validator=validator) as c:
        r = c.post("/v1/check", content=b"\xff" * 1001, headers={**JPEG, **AUTH})
        assert r.status_code == 413
        assert "1000-byte limit" in r.json()["detail"]
        at_limit = c.post("/v1/check", content=b"\xff" * 1000, headers={**JPEG, **AUTH})
        assert at_limit.status_code == 200
    assert len(validator.calls) == 1


def _asgi_post(app: Any, chunks: list[bytes], headers: list[tuple[bytes, bytes]]
               ) -> tuple[int, bytes, int]:
    """POST a chunked body straight through the ASGI app; (status, body, chunks consumed)."""
    sent: list[dict[str, Any]] = []
    consumed = 0

    async def receive() -> dict[str, Any]:
        nonlocal consumed
        if consumed < len(chunks):
            consumed += 1
            return {"type": "http.request", "body": chunks[consumed - 1],
                    "more_body": consumed < len(chunks)}
        await asyncio.sleep(0)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "POST", "scheme": "http", "path": "/v1/check", "raw_path": b"/v1/check",
             "query_string": b"", "root_path": "", "headers": headers,
             "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80)}

    async def run() -> None:
        async with app.router.lifespan_context(app):
            await app(scope, receive, send)

    asyncio.run(run())
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], body, consumed


def test_413_for_a_streamed_body_stops_reading() -> None:
    validator = FakeValidator()
    app = api.create_app(make_settings(max_body_bytes=1000), validators={"online": validator})
    chunks = [b"\xff" * 300] * 50  # 15000 bytes, no Content-Length (chunked)
    headers = [(b"content-type", b"image/jpeg"), (b"authorization", f"Bearer {KEY}".encode()),
               (b"transfer-encoding", b"chunked")]
    status, body, consumed = _asgi_post(app, chunks, headers)
    assert status == 413
    assert b"1000-byte limit" in body
    assert consumed == 4  # 1200 bytes read: the 4th chunk passes the limit, the rest is never read
    assert validator.calls == []
    # under the limit the same path streams through to the validator intact
    status, _, consumed = _asgi_post(app, [b"ab"] * 3, headers)
    assert (status, consumed) == (200, 3)
    assert validator.calls[0]["data"] == b"ababab"


def test_body_limit_middleware_counts_bytes_directly() -> None:
    reads: list[int] = []

    async def reader(scope: Any, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            reads.append(len(message.get("body", b"")))
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    middleware = api.BodyLimitMiddleware(reader, limit=lambda: 10)
    sent: list[Any] = []
    pending = [b"12345", b"67890", b"X", b"never"]

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": pending.pop(0), "more_body": bool(pending)}

    async def send(message: Any) -> None:
        sent.append(message)

    asyncio.run(middleware({"type": "http", "headers": []}, receive, send))
    assert sent[0]["status"] == 413
    assert reads == [5, 5]  # the 11th byte raised inside receive; b"never" stayed unread
    assert pending == [b"never"]


# --------------------------------------------------------------------------- content and params


def test_415_for_unsupported_content_types() -> None:
    with fake_client() as c:
        for headers in ({"content-type": "text/plain"}, {"content-type": "image/png"}, {}):
            r = c.post("/v1/check", content=b"abc", headers={**headers, **AUTH})
            assert r.status_code == 415, headers
            assert "multipart/form-data" in r.json()["detail"]
        for ctype in ("application/octet-stream", "image/jpeg; charset=binary", "IMAGE/JPG"):
            r = c.post("/v1/check", content=b"abc", headers={"content-type": ctype, **AUTH})
            assert r.status_code == 200, ctype


@pytest.mark.parametrize(("query", "message"), [
    ("profile=passport", "unknown profile 'passport'; valid profiles: online"),
    ("exception=hat_day", "unknown exception 'hat_day'; valid exceptions are: infant, "
                          "head_covering, medical_eyewear, eyes_cannot_open, gaze_unfixed"),
    ("applied_on=2024-13-01", "applied_on must be a date YYYY-MM-DD, got '2024-13-01'"),
    ("applied_on=20240101", "applied_on must be a date YYYY-MM-DD, got '20240101'"),
    ("exceptions=infant", "unknown query parameter(s) 'exceptions'"),
    ("profile=online&profile=booth", "'profile' was given more than once with different values"),
])
def test_422_for_bad_parameters(query: str, message: str) -> None:
    validator = FakeValidator()
    with fake_client(validator=validator) as c:
        r = c.post(f"/v1/check?{query}", content=b"x", headers={**JPEG, **AUTH})
    assert r.status_code == 422
    assert message in r.json()["detail"]
    assert validator.calls == []


def test_parameters_reach_the_validator() -> None:
    validator = FakeValidator()
    with fake_client(validator=validator) as c:
        r = c.post("/v1/check?exception=Infant&exception=gaze-unfixed,infant&applied_on=2025-01-31",
                   content=b"raw", headers={**JPEG, **AUTH})
        assert r.status_code == 200
        form = c.post("/v1/check", headers=AUTH,
                      files={"photo": ("p.jpg", b"multi", "image/jpeg")},
                      data={"profile": "online", "exception": ["medical_eyewear"],
                            "applied_on": "2025-02-01"})
        assert form.status_code == 200
    import datetime as dt

    assert validator.calls[0] == {"data": b"raw", "exceptions": ("infant", "gaze_unfixed"),
                                  "applied_on": dt.date(2025, 1, 31)}
    assert validator.calls[1] == {"data": b"multi", "exceptions": ("medical_eyewear",),
                                  "applied_on": dt.date(2025, 2, 1)}


def test_malformed_multipart_forms() -> None:
    with fake_client() as c:
        no_photo = c.post("/v1/check", headers=AUTH, data={"profile": "online"},
                          files={"other": ("x", b"y")})
        assert no_photo.status_code == 422
        assert "unknown form field 'other'" in no_photo.json()["detail"]
        none = c.post("/v1/check", headers=AUTH, files={"profile": (None, b"online")})
        assert none.status_code == 422
        assert "exactly one 'photo' field (found 0)" in none.json()["detail"]
        truncated = c.post("/v1/check", content=b'--b\r\nContent-Disposition: form-data; name="p',
                           headers={**AUTH, "content-type": "multipart/form-data; boundary=b"})
        assert truncated.status_code == 400
        assert "closing boundary" in truncated.json()["detail"]
        no_boundary = c.post("/v1/check", content=b"--b--",
                             headers={**AUTH, "content-type": "multipart/form-data"})
        assert no_boundary.status_code == 400
        garbage = c.post("/v1/check", content=b"garbage",
                         headers={**AUTH, "content-type": "multipart/form-data; boundary=b"})
        assert garbage.status_code == 400


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
    assert set(report["versions"]["models"]) >= {"blazeface_front_128", "facemesh_468"}


def test_eight_megabyte_body_is_a_reject_not_an_error(client: TestClient) -> None:
    big = make_jpeg(2000, 2000, quality=100)
    body = big + b"\x00" * (8 * 1000 * 1000 - len(big))
    r = client.post("/v1/check", content=body, headers={**JPEG, **AUTH})
    assert r.status_code == 200
    too_large = next(f for f in r.json()["findings"] if f["code"] == "file.bytes_too_large")
    assert too_large["status"] == "fail"
    assert too_large["measured"] == 8_000_000


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


def test_docs_and_openapi_are_served() -> None:
    with fake_client() as c:
        assert c.get("/docs").status_code == 200
        spec = c.get("/openapi.json").json()
    body = spec["paths"]["/v1/check"]["post"]["requestBody"]["content"]
    assert set(body) == {"multipart/form-data", "image/jpeg", "application/octet-stream"}
    assert {"/v1/check", "/v1/trim", "/v1/profiles", "/healthz", "/metrics"} <= set(spec["paths"])


# --------------------------------------------------------------------------- pool limits


def _wait_for(predicate: Any, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(0.01)


def test_503_with_retry_after_when_pool_and_queue_are_full() -> None:
    gate = threading.Event()
    validator = FakeValidator(gate=gate)
    app = api.create_app(make_settings(workers=1, queue=1, retry_after_s=2),
                         validators={"online": validator})
    results: list[int] = []
    with TestClient(app) as c:
        holder = app.state.holder

        def post() -> None:
            results.append(c.post("/v1/check", content=b"a", headers={**JPEG, **AUTH}).status_code)

        threads = [threading.Thread(target=post) for _ in range(2)]
        for t in threads:
            t.start()
        _wait_for(lambda: holder.runtime.pool.admitted == 2)  # one running, one queued
        assert validator.started.acquire(timeout=10)
        r = c.post("/v1/check", content=b"b", headers={**JPEG, **AUTH})
        assert r.status_code == 503
        assert r.headers["retry-after"] == "2"
        assert "busy" in r.json()["detail"]
        gate.set()
        for t in threads:
            t.join(timeout=20)
        assert sorted(results) == [200, 200]
        assert holder.runtime.pool.admitted == 0
        assert c.post("/v1/check", content=b"c", headers={**JPEG, **AUTH}).status_code == 200
        text = c.get("/metrics").text
    assert "photocheck_pool_rejected_total 1.0" in text
    assert [call["data"] for call in validator.calls] == [b"a", b"a", b"c"]


def test_504_after_the_time_limit_and_the_slot_is_freed_later() -> None:
    gate = threading.Event()
    validator = FakeValidator(gate=gate)
    app = api.create_app(make_settings(workers=1, queue=0, timeout_s=0.2),
                         validators={"online": validator})
    with TestClient(app) as c:
        r = c.post("/v1/check", content=b"a", headers={**JPEG, **AUTH})
        assert r.status_code == 504
        assert "0.2 s" in r.json()["detail"]
        # the thread still works on it: its slot stays taken until it finishes
        busy = c.post("/v1/check", content=b"b", headers={**JPEG, **AUTH})
        assert busy.status_code == 503
        gate.set()
        _wait_for(lambda: app.state.holder.runtime.pool.admitted == 0)
        assert c.post("/v1/check", content=b"c", headers={**JPEG, **AUTH}).status_code == 200


# --------------------------------------------------------------------------- privacy


def test_no_temporary_file_is_created_for_large_uploads(tmp_path: Any,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    created: list[str] = []

    def refuse(name: str) -> Any:
        def _refuse(*args: Any, **kwargs: Any) -> Any:
            created.append(name)
            raise AssertionError(f"tempfile.{name} called")
        return _refuse

    for name in ("SpooledTemporaryFile", "TemporaryFile", "NamedTemporaryFile", "mkstemp",
                 "mkdtemp"):
        monkeypatch.setattr(tempfile, name, refuse(name))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    import starlette.formparsers

    monkeypatch.setattr(starlette.formparsers, "SpooledTemporaryFile", refuse("starlette"))
    photo = make_jpeg(1500, 1500, quality=98)  # > 1 MB: starlette would spool this to disk
    assert len(photo) > 2 * 1024 * 1024
    validator = FakeValidator()
    with fake_client(validator=validator) as c:
        r = c.post("/v1/check", headers=AUTH, files={"photo": ("p.jpg", photo, "image/jpeg")})
        raw = c.post("/v1/check", headers={**AUTH, **JPEG}, content=photo)
    assert (r.status_code, raw.status_code) == (200, 200)
    assert validator.calls[0]["data"] == photo  # intact, from memory
    assert validator.calls[1]["data"] == photo
    assert created == []
    assert list(tmp_path.iterdir()) == []


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
    assert line.endswith(f"key={api.key_id(KEY)}")
    assert KEY not in line and "applied_on" not in line
    everything = "\n".join(rec.getMessage() for rec in caplog.records)
    for secret in ("SecretCamMaker", "BoothOS", "GPS", "Exif", "Make"):
        assert secret not in everything, secret
    assert photo[:64].hex() not in everything
    assert repr(photo[:32])[2:-1] not in everything


# --------------------------------------------------------------------------- trim


class FakeTrim:
    def __init__(self, jpeg: bytes | None) -> None:
        self.jpeg = jpeg
        self.kwargs: dict[str, Any] = {}

    def __call__(self, source: bytes, *, dpi: float | None = None, out_dpi: int = 600,
                 exceptions: tuple[str, ...] = ()) -> Any:
        self.kwargs = {"dpi": dpi, "out_dpi": out_dpi, "exceptions": exceptions}
        status = Status.PASS if self.jpeg else Status.FAIL
        found = Finding(code="trim.not_trimmable", check="trim", status=status)
        report = Report(source="<bytes>", profile="mail", profile_digest="0" * 16,
                        exceptions=list(exceptions), findings=[found])
        return type("TrimResult", (), {"report": report, "jpeg": self.jpeg})()


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
        assert trimmer.kwargs == {"dpi": 600.0, "out_dpi": 300, "exceptions": ("infant",)}
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


def test_trim_is_501_while_photocheck_trim_is_absent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(api, "_load_trim", lambda: None)
    with fake_client() as c:
        r = c.post("/v1/trim", content=b"scan", headers={**JPEG, **AUTH})
    assert r.status_code == 501
    assert "photocheck.trimming" in r.json()["detail"]


def test_real_trim_of_garbage_is_a_report(client: TestClient) -> None:
    if api._load_trim() is None:
        pytest.skip("photocheck.trimming is absent")
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


# --------------------------------------------------------------------------- fuzzing


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    body=st.binary(max_size=2048),
    ctype=st.sampled_from(["image/jpeg", "application/octet-stream", "multipart/form-data",
                           "multipart/form-data; boundary=xyz", "text/html", ""]),
    query=st.dictionaries(st.sampled_from(["profile", "exception", "applied_on", "junk"]),
                          st.text(max_size=12), max_size=3),
)
def test_fuzzed_requests_never_give_server_errors(client: TestClient, body: bytes, ctype: str,
                                                  query: dict[str, str]) -> None:
    headers = {**AUTH, "content-type": ctype} if ctype else AUTH
    r = client.post("/v1/check", content=body, params=query, headers=headers)
    assert r.status_code in (200, 400, 415, 422), r.text
    if r.status_code == 200:
        assert r.json()["verdict"] in ("accept", "review", "reject")
    else:
        assert isinstance(r.json()["detail"], str)


def test_schemathesis_finds_no_server_errors(client: TestClient) -> None:
    schemathesis = pytest.importorskip("schemathesis")
    from schemathesis.checks import not_a_server_error

    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app)
    failures: list[str] = []

    def fuzz(op: Any) -> None:
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck),
                  database=None)
        @given(case=op.as_strategy())
        def run(case: Any) -> None:
            response = case.call(headers=AUTH)
            if response.status_code >= 500:
                failures.append(f"{op.method} {op.path}: {response.status_code} "
                                f"{response.text[:200]}")
            case.validate_response(response, checks=[not_a_server_error])

        run()

    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/v1/check", "/v1/trim", "/v1/profiles"}
    for op in operations:
        fuzz(op)
    assert failures == []


def test_report_json_round_trips(client: TestClient) -> None:
    r = client.post("/v1/check", content=make_jpeg(640, 800), headers={**JPEG, **AUTH})
    assert json.loads(r.content.decode("utf-8")) == r.json()
