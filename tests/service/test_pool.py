"""The worker pool: 503 with Retry-After when it is full, 504 after the time limit."""

from __future__ import annotations

import threading

from fastapi.testclient import TestClient

from photocheck.service import create_app
from tests.service.fakes import AUTH, JPEG, FakeValidator, make_settings, wait_for


def test_503_with_retry_after_when_pool_and_queue_are_full() -> None:
    gate = threading.Event()
    validator = FakeValidator(gate=gate)
    app = create_app(make_settings(workers=1, queue=1, retry_after_s=2),
                         validators={"online": validator})
    results: list[int] = []
    with TestClient(app) as c:
        holder = app.state.holder

        def post() -> None:
            results.append(c.post("/v1/check", content=b"a", headers={**JPEG, **AUTH}).status_code)

        threads = [threading.Thread(target=post) for _ in range(2)]
        for t in threads:
            t.start()
        wait_for(lambda: holder.runtime.pool.admitted == 2)  # one running, one queued
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
    app = create_app(make_settings(workers=1, queue=0, timeout_s=0.2),
                         validators={"online": validator})
    with TestClient(app) as c:
        r = c.post("/v1/check", content=b"a", headers={**JPEG, **AUTH})
        assert r.status_code == 504
        assert "0.2 s" in r.json()["detail"]
        # the thread still works on it: its slot stays taken until it finishes
        busy = c.post("/v1/check", content=b"b", headers={**JPEG, **AUTH})
        assert busy.status_code == 503
        gate.set()
        wait_for(lambda: app.state.holder.runtime.pool.admitted == 0)
        assert c.post("/v1/check", content=b"c", headers={**JPEG, **AUTH}).status_code == 200
