"""The page in a real headless Chromium (Debian's chromium + chromedriver, driven by Selenium)
against the real service in its own process: choose a photo, see the verdict, the marked
picture and the rule list, switch the language, download the crop; 401 without a key, 413 for
a 12 MB file. Screenshots of each state go to ``out/page/`` (git-ignored): look at them.

Skips (with the reason) when chromium, chromedriver or selenium is missing; ``.ci/run``
installs them. Selenium is pointed at ``/usr/bin/chromedriver`` and never downloads anything
(``SE_OFFLINE``).
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import pytest
from PIL import Image

from benchmarks.scan_synth import PrintSpec, drawn_portrait, render_scan
from photocheck.profiles import load_profile
from tests.helpers import shared_photos

REPO = Path(__file__).resolve().parents[2]
SHOTS = REPO / "out" / "page"
CHROMIUM = os.environ.get("PHOTOCHECK_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("PHOTOCHECK_CHROMEDRIVER", "/usr/bin/chromedriver")
KEY = "page-test-key-1"
PHONE = (412, 915)  # a common phone viewport (CSS px)
COMPLIANT = "a_compliant_plain_bg/london_002_03.jpg"
HAT = "b_hat/interfaces_002.jpg"

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
    pytest.skip(f"needs {CHROMIUM} and {CHROMEDRIVER} (apt-get install chromium "
                "chromium-driver)", allow_module_level=True)

from selenium.common.exceptions import TimeoutException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_server(env_extra: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {**os.environ, "PHOTOCHECK_PROFILES": "online,booth,mail",
           "PHOTOCHECK_DEFAULT_PROFILE": "online", "PHOTOCHECK_WORKERS": "1", **env_extra}
    proc = subprocess.Popen([sys.executable, "-m", "photocheck", "serve", "--port", str(port)],
                            cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the service exited: {proc.stderr.read().decode()[-2000:]}")
        try:
            with urllib.request.urlopen(url + "healthz", timeout=2) as r:
                if r.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError("the service did not start within 120 s")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """The service with an API key, in its own process (``photocheck serve``)."""
    proc, url = _start_server({"PHOTOCHECK_API_KEYS": KEY, "PHOTOCHECK_AUTH": "enabled"})
    try:
        yield url
    finally:
        _stop(proc)


@pytest.fixture(scope="module")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(downloads: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must never download a driver
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium')}",
                 f"--window-size={PHONE[0]},{PHONE[1]}", "--lang=ja"):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {
        "download.default_directory": str(downloads), "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior",
                           {"behavior": "allow", "downloadPath": str(downloads)})
    driver.set_window_size(*PHONE)
    try:
        yield driver
    finally:
        driver.quit()


# --- helpers -------------------------------------------------------------------------------------


def _open(driver: Any, url: str, *, key: str | None = KEY) -> None:
    driver.get(url)
    driver.execute_script("sessionStorage.clear()")
    driver.get(url)
    WebDriverWait(driver, 20).until(
        lambda d: d.execute_script("return document.body.dataset.ready") == "1")
    field = driver.find_element(By.ID, "key")
    if not field.is_displayed():  # kiosk mode: no key field
        return
    field.clear()
    if key:
        field.send_keys(key)


def _status(driver: Any) -> tuple[str, str]:
    el = driver.find_element(By.ID, "status")
    return el.get_attribute("class") or "", el.text


def _wait_status(driver: Any, timeout_s: float = 90) -> tuple[str, str]:
    def settled(d: Any) -> tuple[str, str] | None:
        kind, text = _status(d)
        return (kind, text) if kind in ("ok", "error") else None

    return WebDriverWait(driver, timeout_s).until(settled)


def _send(driver: Any, photo: Path, *, kind: str = "online") -> tuple[str, str]:
    driver.execute_script("document.getElementById('status').className = ''")
    driver.find_element(By.ID, "photo").send_keys(str(photo))
    Select(driver.find_element(By.ID, "kind")).select_by_value(kind)
    driver.find_element(By.ID, "send").click()
    return _wait_status(driver)


def _shot(driver: Any, name: str) -> Path:
    """A full-page screenshot at phone width."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(PHONE[0], max(PHONE[1], min(int(height) + 140, 6000)))
    path = SHOTS / f"{name}.png"
    driver.save_screenshot(str(path))
    driver.set_window_size(*PHONE)
    return path


def _picture(driver: Any) -> tuple[int, int]:
    """Natural size of the marked picture once it has loaded."""
    WebDriverWait(driver, 20).until(lambda d: d.execute_script(
        "const i = document.getElementById('annotated'); return i.complete && i.naturalWidth"))
    return tuple(driver.execute_script(  # type: ignore[return-value]
        "const i = document.getElementById('annotated'); return [i.naturalWidth, "
        "i.naturalHeight]"))


def _rules(driver: Any) -> list[tuple[str, str, str]]:
    """(number, status text, code) of the rows in the rule list."""
    rows = driver.find_elements(By.CSS_SELECTOR, "#rules tbody tr")
    out = []
    for row in rows:
        cells = row.find_elements(By.TAG_NAME, "td")
        code = row.find_elements(By.TAG_NAME, "code")
        out.append((cells[0].text, cells[1].text if len(cells) > 1 else "",
                    code[0].text if code else ""))
    return out


def _download_crop(driver: Any, downloads: Path, name: str) -> Path:
    for old in downloads.iterdir():
        old.unlink()
    driver.find_element(By.ID, "crop").click()
    WebDriverWait(driver, 90).until(
        lambda d: d.find_element(By.ID, "crop-link").is_displayed())
    WebDriverWait(driver, 20).until(lambda d: d.execute_script(
        "const i = document.getElementById('crop-preview'); return i.complete && i.naturalWidth"))
    _shot(driver, f"{name}-crop")
    driver.find_element(By.ID, "crop-link").click()
    # Chromium may show the final name before the bytes are all there: wait for no partial
    # download and a non-empty file whose size holds over one poll
    deadline = time.monotonic() + 30
    last_size = -1
    while time.monotonic() < deadline:
        partial = [p for p in downloads.iterdir() if p.suffix == ".crdownload"]
        done = [p for p in downloads.iterdir() if p.suffix == ".jpg"]
        if done and not partial:
            size = done[0].stat().st_size
            if size > 0 and size == last_size:
                return done[0]
            last_size = size
        time.sleep(0.2)
    raise AssertionError("the crop was not downloaded")


def _assert_35_45(path: Path) -> None:
    with Image.open(path) as image:
        w, h = image.size
        assert image.format == "JPEG"
    assert abs(w / h - 35 / 45) < 0.002, (w, h)
    assert w >= 413  # at least 35 mm at 300 dpi


# --- tests ---------------------------------------------------------------------------------------


def test_a_generated_portrait_end_to_end(server: str, browser: Any, downloads: Path,
                                         tmp_path: Path) -> None:
    photo = tmp_path / "generated.jpg"
    cv2.imwrite(str(photo), drawn_portrait(900, 1200).bgr, [cv2.IMWRITE_JPEG_QUALITY, 95])
    _open(browser, server)
    assert browser.find_element(By.TAG_NAME, "h1").text == "マイナンバーカード 顔写真チェック"
    kind, text = _send(browser, photo)
    assert kind == "ok", text
    verdict = browser.find_element(By.ID, "verdict")
    assert verdict.text.startswith("判定: ")
    assert verdict.get_attribute("class").split()[-1] in ("accept", "review", "reject")
    width, height = _picture(browser)
    assert width == 900 and height > 1200  # the photo and the panel below it
    rules = _rules(browser)
    assert rules and rules[0][0] == "1"
    _shot(browser, "generated-ja")
    # switch the language: texts, rule list and the picture's labels
    before = browser.find_element(By.ID, "annotated").get_attribute("src")
    browser.find_element(By.ID, "lang-en").click()
    assert browser.find_element(By.ID, "verdict").text.startswith("Verdict: ")
    assert browser.find_element(By.TAG_NAME, "h1").text == "My Number card photo check"
    WebDriverWait(browser, 60).until(
        lambda d: d.find_element(By.ID, "annotated").get_attribute("src") != before)
    _picture(browser)
    _shot(browser, "generated-en")
    _assert_35_45(_download_crop(browser, downloads, "generated"))
    # a counter's desktop screen: the picture beside the rule list
    browser.set_window_size(1280, 1000)
    left = browser.find_element(By.ID, "annotated").rect
    table = browser.find_element(By.ID, "rules").rect
    assert table["x"] > left["x"] + left["width"] - 1  # side by side
    SHOTS.mkdir(parents=True, exist_ok=True)
    browser.execute_script("window.scrollTo(0, 0)")
    browser.save_screenshot(str(SHOTS / "generated-desktop.png"))
    browser.set_window_size(*PHONE)
    browser.find_element(By.ID, "lang-ja").click()


def test_a_scan_is_trimmed_through_the_page(server: str, browser: Any, downloads: Path,
                                            tmp_path: Path) -> None:
    scan = render_scan(drawn_portrait(), PrintSpec(height_mm=50, width_mm=40, face_mm=30,
                                                   crown_mm=6, rotation_deg=3, dpi=300))
    photo = tmp_path / "scan.jpg"
    photo.write_bytes(scan.data)
    _open(browser, server)
    kind, text = _send(browser, photo, kind="mail")
    assert kind == "ok", text
    button = browser.find_element(By.ID, "crop")
    assert button.is_displayed() and "スキャン" in button.text  # /v1/trim, not /v1/crop
    trimmed = _download_crop(browser, downloads, "scan")
    _assert_35_45(trimmed)
    with Image.open(trimmed) as image:
        assert image.size == (827, 1063)  # 600 dpi, trim's default output
    assert "trim.print_size" in browser.find_element(By.ID, "crop-note").text  # 50×40 mm


def test_without_a_key_the_page_gets_401_and_a_12_mb_file_413(server: str, browser: Any,
                                                              tmp_path: Path) -> None:
    small = tmp_path / "small.jpg"
    cv2.imwrite(str(small), drawn_portrait(600, 800).bgr)
    _open(browser, server, key=None)
    kind, text = _send(browser, small)
    assert kind == "error" and "HTTP 401" in text, text
    assert "APIキー" in text
    _shot(browser, "no-key-401")
    big = tmp_path / "big.jpg"
    big.write_bytes(small.read_bytes() + b"\0" * (12 * 1024 * 1024))
    browser.find_element(By.ID, "key").send_keys(KEY)
    kind, text = _send(browser, big)
    assert kind == "error" and "HTTP 413" in text, text
    _shot(browser, "too-large-413")
    # the API itself answers the same (the 413 comes before the body is sent)
    host, port = server.split("//")[1].rstrip("/").split(":")
    for size, headers, status in ((small.stat().st_size, {}, 401),
                                  (big.stat().st_size, {"Authorization": f"Bearer {KEY}"}, 413)):
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        conn.putrequest("POST", "/v1/check")
        for name, value in {"Content-Type": "image/jpeg", "Content-Length": str(size),
                            **headers}.items():
            conn.putheader(name, value)
        conn.endheaders()
        if status == 401:
            conn.send(small.read_bytes())
        assert conn.getresponse().status == status
        conn.close()


@pytest.mark.shared
def test_real_photos_compliant_and_hat(server: str, browser: Any, downloads: Path) -> None:
    photos = shared_photos()
    _open(browser, server)
    kind, text = _send(browser, photos / COMPLIANT)
    assert kind == "ok", text
    verdict = browser.find_element(By.ID, "verdict")
    assert verdict.get_attribute("class").split()[-1] in ("accept", "review")
    _picture(browser)
    codes = [code for _, _, code in _rules(browser)]
    assert codes in ([], ["metadata.capture_date_missing"])
    _shot(browser, "compliant-ja")
    _assert_35_45(_download_crop(browser, downloads, "compliant"))
    note = browser.find_element(By.ID, "crop-note").text
    assert "trim." not in note  # the digital crop: no scan-only findings

    kind, text = _send(browser, photos / HAT)
    assert kind == "ok", text
    verdict = browser.find_element(By.ID, "verdict")
    assert verdict.text == "判定: 不適合"
    assert "reject" in verdict.get_attribute("class")
    _picture(browser)
    rules = _rules(browser)
    hat = [r for r in rules if r[2] == "headwear.hat"]
    assert hat and hat[0][1] == "不適合"
    assert browser.find_element(By.ID, "crop-link").is_displayed() is False
    _shot(browser, "hat-ja")
    browser.find_element(By.ID, "lang-en").click()
    WebDriverWait(browser, 60).until(lambda d: _status(d)[0] == "ok"
                                     and d.find_element(By.ID, "verdict").text
                                     == "Verdict: reject")
    try:
        WebDriverWait(browser, 60).until(
            lambda d: d.execute_script("return document.documentElement.lang") == "en"
            and not d.find_element(By.ID, "send").get_attribute("disabled"))
    except TimeoutException:  # pragma: no cover - diagnostic
        _shot(browser, "hat-en-timeout")
        raise
    _picture(browser)
    assert [r for r in _rules(browser) if r[2] == "headwear.hat"][0][1] == "fail"
    # a rule on several figures: each figure with its review limit, as the message gives it
    shadow = [row for row in browser.find_elements(By.CSS_SELECTOR, "#rules tbody tr")
              if "lighting.face_shadow" in row.text]
    assert shadow, "the side-lit hat photo fails lighting.face_shadow"
    limit = shadow[0].find_element(By.CSS_SELECTOR, "td[data-col=col_limit]").text
    light = load_profile("online").section("lighting")
    assert limit == (f"left_right ≤ {light['warn_max_lr_stops']:g}, "
                     f"top_bottom ≤ {light['warn_max_tb_stops']:g}")
    _shot(browser, "hat-en")
    browser.find_element(By.ID, "lang-ja").click()


def test_kiosk_mode_needs_no_key(browser: Any, tmp_path: Path) -> None:
    proc, url = _start_server({"PHOTOCHECK_AUTH": "disabled", "PHOTOCHECK_API_KEYS": ""})
    try:
        photo = tmp_path / "kiosk.jpg"
        cv2.imwrite(str(photo), drawn_portrait(600, 800).bgr)
        _open(browser, url, key=None)
        assert not browser.find_element(By.ID, "key").is_displayed()
        kind, text = _send(browser, photo)
        assert kind == "ok", text
        _picture(browser)
    finally:
        _stop(proc)

