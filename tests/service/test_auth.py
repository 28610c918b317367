"""API keys: the Bearer check on every keyed endpoint, the key ring, auth disabled."""

from __future__ import annotations

import hashlib

from fastapi.testclient import TestClient

from photocheck.service.auth import KeyRing, key_id
from tests.helpers import make_jpeg
from tests.service.fakes import JPEG, KEY, OTHER_KEY, fake_client, make_settings


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
    ring = KeyRing(["alpha", "beta"])
    assert key_id("beta") == hashlib.sha256(b"beta").hexdigest()[:8]
    assert ring.verify("beta") == key_id("beta")
    assert ring.verify("alpha") == key_id("alpha")
    assert ring.verify("gamma") is None
    assert ring.verify("") is None
    assert len(ring) == 2


def test_auth_disabled_needs_no_key() -> None:
    with fake_client(make_settings(api_keys="", auth="DISABLED")) as c:
        r = c.post("/v1/check", content=b"\xff\xd8", headers=JPEG)
    assert r.status_code == 200
    assert r.json()["verdict"] == "accept"
