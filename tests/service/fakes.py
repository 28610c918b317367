"""Stand-ins and helpers for the service tests: a validator and a trimmer without models,
settings with two keys, and a JPEG whose EXIF must never reach a log."""

from __future__ import annotations

import io
import threading
import time
from typing import Any

import piexif
from fastapi.testclient import TestClient
from PIL import Image

from photocheck.report import Finding, Report, Status
from photocheck.service import create_app
from photocheck.service.settings import Settings

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


class FakeTrim:
    """Stands in for photocheck.trimming.trim (same keyword arguments); records them."""

    def __init__(self, jpeg: bytes | None) -> None:
        self.jpeg = jpeg
        self.kwargs: dict[str, Any] = {}

    def __call__(self, source: bytes, *, dpi: float | None = None, out_dpi: float = 600.0,
                 profile: str = "mail", exceptions: tuple[str, ...] = (),
                 applied_on: Any = None, validator: Any = None) -> Any:
        self.kwargs = {"dpi": dpi, "out_dpi": out_dpi, "profile": profile,
                       "exceptions": exceptions, "applied_on": applied_on,
                       "validator": validator}
        status = Status.PASS if self.jpeg else Status.FAIL
        found = Finding(code="trim.not_trimmable", check="trim", status=status)
        report = Report(source="<bytes>", profile="mail", profile_digest="0" * 16,
                        exceptions=list(exceptions), findings=[found])
        return type("TrimResult", (), {"report": report, "jpeg": self.jpeg})()


def make_settings(**kwargs: Any) -> Settings:
    """Settings serving ``online`` with two keys and two workers, overridden by ``kwargs``."""
    base: dict[str, Any] = {"api_keys": f"{KEY},{OTHER_KEY}", "profiles": "online",
                            "default_profile": "online", "workers": 2}
    base.update(kwargs)
    return Settings(**base)


def fake_client(settings: Settings | None = None, **kwargs: Any) -> TestClient:
    """A client of an app with a :class:`FakeValidator` (or ``validator=``) for ``online``."""
    validator = kwargs.pop("validator", None) or FakeValidator()
    app = create_app(settings or make_settings(), validators={"online": validator}, **kwargs)
    return TestClient(app)


def wait_for(predicate: Any, timeout_s: float = 10.0) -> None:
    """Poll ``predicate`` until it is true (AssertionError after ``timeout_s``)."""
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(0.01)
