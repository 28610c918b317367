"""`photocheck check --json` output validates against the docs/report.md report schema."""

from __future__ import annotations

import copy
import datetime as dt
import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from photocheck import cli
from tests.filefixtures import (
    HEIC_HEADER,
    HTML,
    encode,
    file_metadata_profile,
    forge_size,
    scene,
    thumb_of,
    with_exif,
)
from tests.helpers import make_jpeg, shared_photos


@pytest.fixture(scope="module")
def schema() -> dict:
    text = resources.files("photocheck").joinpath("report_schema.json").read_text("utf-8")
    loaded = json.loads(text)
    jsonschema.Draft202012Validator.check_schema(loaded)
    return loaded


def _json_lines(args: list[str], capsys) -> list[dict]:
    try:
        cli.main(["check", *args, "--json"])
    except SystemExit:  # pragma: no cover - usage errors are not expected here
        raise
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_every_kind_of_input_yields_a_valid_report(tmp_path: Path, schema, capsys) -> None:
    rgb = scene(800, 1000)
    files = {
        "good.jpg": with_exif(encode(rgb, quality=90), software="iOS 17.1",
                              original=dt.datetime(2026, 3, 1), thumbnail=thumb_of(rgb)),
        "edited.jpg": with_exif(make_jpeg(700, 900), software="Adobe Photoshop CC 2019",
                                original=dt.datetime(2020, 1, 1),
                                modified=dt.datetime(2020, 5, 1)),
        "png.jpg": encode(scene(300, 300), "PNG"),
        "page.jpg": HTML,
        "empty.jpg": b"",
        "photo.heic": HEIC_HEADER,
        "truncated.jpg": make_jpeg(800, 1000)[:30000],
        "bomb.jpg": forge_size(make_jpeg(600, 600), 20000, 14000),
        "gray.jpg": make_jpeg(600, 600, mode="L"),
        "cmyk.jpg": make_jpeg(600, 600, mode="CMYK"),
    }
    paths = []
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        paths.append(str(tmp_path / name))
    paths.append(str(tmp_path / "missing.jpg"))
    profile = file_metadata_profile(tmp_path)
    reports = _json_lines([*paths, "--profile", profile, "--applied-on", "2026-03-31",
                           "--exception", "infant"], capsys)
    assert len(reports) == len(paths)
    for report in reports:
        jsonschema.validate(report, schema)
    verdicts = {Path(r["source"]).name: r["verdict"] for r in reports}
    assert verdicts["good.jpg"] == "accept"
    assert verdicts["edited.jpg"] == verdicts["png.jpg"] == verdicts["missing.jpg"] == "reject"


def test_schema_rejects_broken_reports(tmp_path: Path, schema, capsys) -> None:
    path = tmp_path / "p.png"
    path.write_bytes(encode(scene(300, 300), "PNG"))
    (report,) = _json_lines([str(path), "--profile", file_metadata_profile(tmp_path)], capsys)
    jsonschema.validate(report, schema)
    bad_verdict = copy.deepcopy(report)
    bad_verdict["verdict"] = "accept"  # a failing finding must make it reject
    bad_status = copy.deepcopy(report)
    bad_status["findings"][0]["status"] = "maybe"
    no_message = copy.deepcopy(report)
    del no_message["findings"][0]["message"]["ja"]
    na_without_cause = copy.deepcopy(report)
    na_without_cause["findings"][0].update(status="not_assessed", cause=None)
    for broken in (bad_verdict, bad_status, no_message, na_without_cause):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(broken, schema)


@pytest.mark.shared
def test_full_online_report_on_a_real_portrait_is_valid(schema, capsys) -> None:
    """The full pipeline (face, geometry …) fills face/crop: they must match the contract."""
    photo = shared_photos() / "a_compliant_plain_bg" / "london_001_03.jpg"
    (report,) = _json_lines([str(photo), "--applied-on", "2021-01-01"], capsys)
    jsonschema.validate(report, schema)
    assert report["profile"] == "online"
