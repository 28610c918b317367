"""The page's server side: ``/`` and its files, ``/v1/check?annotate=``, ``/v1/crop``."""

from __future__ import annotations

import base64
import io
from typing import Any

import cv2
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from benchmarks.scan_synth import drawn_portrait
from photocheck.service import page
from tests.helpers import make_jpeg
from tests.service.fakes import AUTH, JPEG, fake_client, make_settings


@pytest.fixture(scope="module")
def portrait_jpeg() -> bytes:
    ok, buf = cv2.imencode(".jpg", drawn_portrait(900, 1200).bgr, [cv2.IMWRITE_JPEG_QUALITY, 95])
    assert ok
    return buf.tobytes()


def test_the_page_and_its_files_are_served_without_a_key() -> None:
    with fake_client() as c:
        index = c.get("/")
        assert index.status_code == 200
        assert index.headers["content-type"] == "text/html; charset=utf-8"
        assert "default-src 'self'" in index.headers["content-security-policy"]
        html = index.text
        assert 'src="static/app.js"' in html and 'href="static/style.css"' in html
        assert 'accept="image/jpeg" capture' in html  # the device camera
        # nothing from another server
        assert "http://" not in html and "https://" not in html
        for name, media in page.FILES.items():
            r = c.get(f"/static/{name}")
            assert r.status_code == 200 and r.headers["content-type"] == media
            assert "https://" not in r.text and "http://" not in r.text
        assert c.get("/static/secret.py").status_code == 404
        assert c.get("/static/../settings.py").status_code == 404
        # the page's script talks only to the API's own endpoints
        script = c.get("/static/app.js").text
        for endpoint in ("v1/check?annotate=", "v1/crop", "v1/trim", "healthz"):
            assert endpoint in script


def test_check_with_annotate_returns_the_cli_picture(client: TestClient, portrait_jpeg,
                                                     online: Any) -> None:
    from photocheck import annotate

    r = client.post("/v1/check?annotate=en", content=portrait_jpeg, headers={**JPEG, **AUTH})
    assert r.status_code == 200
    body = r.json()
    info = body.pop("annotation")
    assert info["lang"] == "en" and info["media_type"] == "image/png"
    png = base64.b64decode(info["base64"])
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.width == 900 and image.height > 1200  # + panel
    # the very picture the CLI draws from the same photo's report
    assert png == annotate.render_png(portrait_jpeg, online.check(portrait_jpeg), "en")
    plain = client.post("/v1/check", content=portrait_jpeg, headers={**JPEG, **AUTH}).json()
    assert "annotation" not in plain
    assert plain["verdict"] == body["verdict"]


def test_annotate_takes_ja_or_en_and_null_for_an_undrawable_body(client: TestClient) -> None:
    bad = client.post("/v1/check?annotate=fr", content=make_jpeg(), headers={**JPEG, **AUTH})
    assert bad.status_code == 422
    garbage = client.post("/v1/check?annotate=ja", content=b"not a photo",
                          headers={**JPEG, **AUTH})
    assert garbage.status_code == 200
    assert garbage.json()["annotation"] is None
    assert garbage.json()["verdict"] == "reject"


def test_crop_returns_the_standard_35_45_jpeg(client: TestClient, portrait_jpeg) -> None:
    r = client.post("/v1/crop", content=portrait_jpeg, headers={**JPEG, **AUTH})
    assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
    image = Image.open(io.BytesIO(r.content))
    assert image.size == pytest.approx((609, 783), abs=2)  # the int8 matte: ±1 px
    failing = r.headers["x-photocheck-failing"].split(",")
    assert not any(code.startswith("trim.") for code in failing)
    report = client.post("/v1/crop", content=portrait_jpeg,
                         headers={**JPEG, **AUTH, "Accept": "application/json"}).json()
    assert report["output"] == {"bytes": len(r.content)}
    assert report["verdict"] == r.headers["x-photocheck-verdict"]
    assert report["crop"]["frame_is_35x45"] is True  # the cropped photo's own report
    assert report["cropped_from"]["out_size_px"] == list(image.size)
    assert not any(f["code"].startswith("trim.") for f in report["findings"])


def test_crop_of_a_photo_without_a_face_is_422_with_its_report(client: TestClient) -> None:
    r = client.post("/v1/crop", content=make_jpeg(700, 900, noise=False),
                    headers={**JPEG, **AUTH})
    assert r.status_code == 422
    codes = {f["code"]: f["status"] for f in r.json()["findings"]}
    assert codes["face.not_found"] == "fail"


@pytest.mark.parametrize("path", ["/v1/check?annotate=ja", "/v1/crop", "/v1/trim"])
def test_the_page_endpoints_answer_401_and_413_as_the_api(path: str) -> None:
    settings: Any = make_settings(max_body_bytes=10 * 1024 * 1024)
    with fake_client(settings) as c:
        assert c.post(path, content=make_jpeg(), headers=JPEG).status_code == 401
        big = c.post(path, content=b"\xff" * (12 * 1024 * 1024), headers={**JPEG, **AUTH})
        assert big.status_code == 413
