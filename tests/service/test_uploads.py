"""Request bodies: the 413 limit (declared and streamed), content types, parameters, the
in-memory multipart parser, no temporary files, and fuzzed requests."""

from __future__ import annotations

import asyncio
import datetime as dt
import tempfile
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from photocheck.service import create_app
from photocheck.service.uploads import BodyLimitMiddleware
from tests.helpers import make_jpeg
from tests.service.fakes import AUTH, JPEG, KEY, FakeValidator, fake_client, make_settings


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
    app = create_app(make_settings(max_body_bytes=1000), validators={"online": validator})
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

    middleware = BodyLimitMiddleware(reader, limit=lambda: 10)
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



def test_eight_megabyte_body_is_a_reject_not_an_error(client: TestClient) -> None:
    big = make_jpeg(2000, 2000, quality=100)
    body = big + b"\x00" * (8 * 1000 * 1000 - len(big))
    r = client.post("/v1/check", content=body, headers={**JPEG, **AUTH})
    assert r.status_code == 200
    too_large = next(f for f in r.json()["findings"] if f["code"] == "file.bytes_too_large")
    assert too_large["status"] == "fail"
    assert too_large["measured"] == 8_000_000


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
