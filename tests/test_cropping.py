"""photocheck.cropping: the digital crop path (library and CLI), exact cuts, capture date."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

import photocheck
from benchmarks.scan_synth import drawn_portrait
from photocheck import cropping
from photocheck.metadata import parse_metadata
from photocheck.report import Status
from photocheck.validator import Validator
from tests.filefixtures import with_exif
from tests.helpers import make_jpeg, shared_photos

COMPLIANT = "a_compliant_plain_bg/london_002_03.jpg"


@pytest.fixture(scope="module")
def drawn_jpeg() -> bytes:
    ok, buf = cv2.imencode(".jpg", drawn_portrait(900, 1200).bgr, [cv2.IMWRITE_JPEG_QUALITY, 95])
    assert ok
    return buf.tobytes()


def test_out_size_is_35_by_45_at_the_box_resolution() -> None:
    assert cropping.out_size(700.0, 900.0) == (700, 900)
    assert cropping.out_size(608.7, 782.5) == (609, 783)
    assert cropping.out_size(900.0, 700.0, quarter_turns=3) == (700, 900)
    assert cropping.out_size(3500.0, 4500.0, max_width_px=2000) == (2000, 2571)


def test_cut_takes_exactly_the_box_pixels() -> None:
    rng = np.random.default_rng(1)
    image = rng.integers(0, 256, (1000, 800, 3), dtype=np.uint8)
    out = cropping.cut(image, (100.0, 120.0, 450.0, 570.0))
    assert out.shape == (450, 350, 3)
    assert np.array_equal(out, image[120:570, 100:450])  # 1:1 → the very pixels
    # a quarter turn clockwise: the crop was solved on the turned image
    turned = cropping.cut(image, (100.0, 120.0, 550.0, 470.0), quarter_turns=1)
    assert np.array_equal(turned, np.rot90(image[120:470, 100:550], -1))


def test_capture_date_is_carried_over() -> None:
    when = dt.datetime(2026, 9, 1, 10, 30, 5, tzinfo=dt.timezone(dt.timedelta(hours=9)))
    jpeg = cropping.with_capture_date(make_jpeg(64, 80), when)
    assert parse_metadata(jpeg).datetime_original == when
    assert Image.open(io.BytesIO(jpeg)).size == (64, 80)
    naive = dt.datetime(2026, 9, 1, 10, 30, 5)
    assert parse_metadata(cropping.with_capture_date(make_jpeg(), naive)).datetime_original \
        == naive
    assert cropping.with_capture_date(b"not a jpeg", when) == b"not a jpeg"


def test_a_generated_portrait_is_cropped_to_its_standard_box(online, drawn_jpeg) -> None:
    result = cropping.crop(drawn_jpeg, validator=online)
    assert result.jpeg is not None
    source_box = result.source_report.crop["box"]
    assert result.box == pytest.approx(tuple(source_box))
    out = Image.open(io.BytesIO(result.jpeg))
    # the box's own resolution, 35:45 (±2 px: the int8 matte's crown may move a pixel)
    assert out.size == pytest.approx((609, 783), abs=2)
    assert abs(out.size[0] * 45 - out.size[1] * 35) <= 35
    assert out.info["dpi"][0] == pytest.approx(out.size[0] / (35 / 25.4), abs=0.5)
    codes = {f.code: f for f in result.report.findings}
    assert not any(code.startswith("trim.") for code in codes)
    # the cropped photo's own geometry: the standard head height and top margin
    assert codes["geometry.head_height"].status is Status.PASS
    assert codes["geometry.head_height"].measured == pytest.approx(34.0, abs=0.7)
    assert codes["geometry.top_margin"].measured == pytest.approx(4.0, abs=0.7)
    cropped_from = result.report.extra["cropped_from"]
    assert cropped_from["out_size_px"] == list(out.size)
    assert cropped_from["source_verdict"] == str(result.source_report.verdict)


def test_the_crop_keeps_the_sources_metadata_findings(online, drawn_jpeg) -> None:
    edited = with_exif(drawn_jpeg, software="Adobe Photoshop 25.0 (Windows)",
                       original=dt.datetime(2026, 11, 1, 9, 0, 0))
    result = cropping.crop(edited, validator=online, applied_on="2026-12-01")
    assert result.source_report.status_of("metadata.edited") is Status.FAIL
    # the cropped file itself has no editor tag, but the crop inherits the source's finding
    assert result.report.status_of("metadata.edited") is Status.FAIL
    assert result.report.verdict == "reject"
    assert result.report.status_of("metadata.capture_too_old") is Status.PASS
    assert parse_metadata(result.jpeg).datetime_original == dt.datetime(2026, 11, 1, 9, 0, 0)


def test_a_photo_without_a_crop_keeps_its_report(online) -> None:
    result = photocheck.crop(make_jpeg(700, 900, noise=False), validator=online)
    assert result.jpeg is None and result.box is None
    assert result.report is result.source_report
    codes = {f.code: f.status for f in result.report.findings}
    assert codes["face.not_found"] is Status.FAIL


def test_an_unreadable_path_gets_the_checks_report(online, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.jpg"
    result = cropping.crop(missing, validator=online)
    assert result.jpeg is None and result.report is result.source_report
    assert result.report.status_of("file.unreadable") is Status.FAIL
    assert result.report.source == str(missing)


def test_the_crop_decodes_the_source_once(online, drawn_jpeg, monkeypatch) -> None:
    # a 900×1200 photo is analysed at full size: the crop cuts that decode, and decodes
    # only its own output again when it checks it
    calls: list[int] = []
    plain = cropping.decode.decode

    def counting(data: bytes, header: object, reduction: int = 1) -> object:
        calls.append(len(data))
        return plain(data, header, reduction)

    monkeypatch.setattr(cropping.decode, "decode", counting)
    result = cropping.crop(drawn_jpeg, validator=online, applied_on="2026-12-01")
    assert result.jpeg is not None
    assert calls == [len(drawn_jpeg), len(result.jpeg)]


def test_cli_crop_writes_the_jpeg_and_json(tmp_path: Path, drawn_jpeg, capsys) -> None:
    from photocheck.cli import main

    photo = tmp_path / "portrait.jpg"
    photo.write_bytes(drawn_jpeg)
    code = main(["crop", str(photo), str(tmp_path / "missing.jpg"), "--out",
                 str(tmp_path / "out"), "--json"])
    assert code == 2  # a missing file is a usage error
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rows[0]["output"] == str(tmp_path / "out" / "portrait_45x35.jpg")
    assert rows[1]["output"] is None
    assert Image.open(rows[0]["output"]).size == pytest.approx((609, 783), abs=2)
    assert not any(f["code"].startswith("trim.") for f in rows[0]["findings"])
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["portrait_45x35.jpg"]


@pytest.mark.shared
def test_a_compliant_portrait_crops_to_an_acceptable_report(models) -> None:
    path = shared_photos() / COMPLIANT
    if not path.exists():
        pytest.skip(f"{path} is absent")
    result = photocheck.crop(path, validator=Validator("online", models=models))
    assert result.jpeg is not None
    failing = {f.code for f in result.report.failing()}
    # only the capture date keeps it from accept (the source has no EXIF date); no scan findings
    assert failing <= {"metadata.capture_date_missing"}
    assert not any(f.code.startswith("trim.") for f in result.report.findings)
    w, h = Image.open(io.BytesIO(result.jpeg)).size
    assert abs(w / h - 35 / 45) < 0.002
