"""The command line: readable output, JSON Lines, exit codes 0 / 1 / 2."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

from photocheck import cli
from tests.filefixtures import HTML, encode, file_metadata_profile, scene, with_exif
from tests.helpers import REPO, make_jpeg

APPLIED = "2026-03-31"


@pytest.fixture
def profile(tmp_path: Path) -> str:
    """file + metadata only (fast, no models)."""
    return file_metadata_profile(tmp_path)


@pytest.fixture
def good(tmp_path: Path) -> Path:
    """A photo that passes file and metadata rules on 2026-03-31."""
    path = tmp_path / "good.jpg"
    path.write_bytes(with_exif(make_jpeg(800, 1000), software="iOS 17.1",
                               original=dt.datetime(2026, 3, 1, 10, 0)))
    return path


@pytest.fixture
def bad(tmp_path: Path) -> Path:
    """A PNG named .jpg."""
    path = tmp_path / "bad.jpg"
    path.write_bytes(encode(scene(300, 300), "PNG"))
    return path


def test_accepted_photo_exits_0_and_prints_a_block(good, profile, capsys) -> None:
    code = cli.main(["check", str(good), "--profile", profile, "--applied-on", APPLIED])
    out = capsys.readouterr().out
    assert code == 0
    assert f"{good}: ACCEPT (profile fm)" in out
    assert "0 fail, 0 warn, 0 not assessed" in out


def test_rejected_photo_exits_1_with_numbers(bad, good, profile, capsys) -> None:
    code = cli.main(["check", str(good), str(bad), "--profile", profile,
                     "--applied-on", APPLIED])
    out = capsys.readouterr().out
    assert code == 1
    assert f"{bad}: REJECT" in out
    assert "FAIL   file.format" in out
    assert "(measured png; limit accepted jpeg)" in out
    assert "(measured 300 px; limit ≥ 480)" in out
    assert f"{good}: ACCEPT" in out


def test_review_exits_1_and_groups_not_assessed(tmp_path, profile, capsys) -> None:
    path = tmp_path / "nodate.jpg"
    path.write_bytes(make_jpeg(800, 1000))
    assert cli.main(["check", str(path), "--profile", profile]) == 1
    out = capsys.readouterr().out
    assert "REVIEW" in out
    assert "WARN   metadata.capture_date_missing" in out
    assert "not assessed (cause: metadata.capture_date_missing)" in out


def test_json_lines_one_object_per_photo(good, bad, profile, capsys) -> None:
    code = cli.main(["check", str(good), str(bad), "--profile", profile, "--json",
                     "--applied-on", APPLIED, "--exception", "infant"])
    lines = capsys.readouterr().out.splitlines()
    assert code == 1
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert (first["source"], first["verdict"]) == (str(good), "accept")
    assert (second["source"], second["verdict"]) == (str(bad), "reject")
    assert second["exceptions"] == ["infant"]
    fmt = next(f for f in second["findings"] if f["code"] == "file.format")
    assert (fmt["status"], fmt["measured"]) == ("fail", "png")


def test_japanese_output(bad, profile, capsys) -> None:
    cli.main(["check", str(bad), "--profile", profile, "--lang", "ja"])
    assert "JPEG形式ではありません" in capsys.readouterr().out


def test_html_and_missing_file(tmp_path, profile, capsys) -> None:
    page = tmp_path / "page.jpg"
    page.write_bytes(HTML)
    code = cli.main(["check", str(page), str(tmp_path / "missing.jpg"), "--profile", profile,
                     "--json"])
    captured = capsys.readouterr()
    reports = [json.loads(line) for line in captured.out.splitlines()]
    assert code == 2  # a missing input is an input error
    assert reports[0]["findings"][0]["measured"] == "html"
    assert reports[1]["findings"][0]["code"] == "file.unreadable"
    assert "no such file" in captured.err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--profile", "nope"], "unknown profile 'nope'"),
        (["--exception", "hat"], "unknown exception 'hat'"),
        (["--applied-on", "2026-02-30"], "not a date YYYY-MM-DD"),
    ],
)
def test_usage_errors_exit_2_without_traceback(good, args, message, capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["check", str(good), *args])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_no_command_is_a_usage_error(capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main([])
    assert exit_info.value.code == 2


def test_subcommands_are_a_registry() -> None:
    parser = cli.build_parser()
    assert parser.parse_args(["check", "a.jpg"]).handler is cli.cmd_check

    def add_hello(subparsers):
        p = subparsers.add_parser("hello")
        p.set_defaults(handler=lambda args: 0)
        return p

    cli.SUBCOMMANDS.append(add_hello)
    try:
        assert cli.main(["hello"]) == 0
    finally:
        cli.SUBCOMMANDS.remove(add_hello)


def test_python_dash_m_runs_the_cli(good, profile) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "photocheck", "check", str(good), "--profile", profile,
         "--applied-on", APPLIED, "--json"],
        capture_output=True, text=True, cwd=REPO, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["verdict"] == "accept"


# --- serve and batch subcommands ---------------------------------------------------------------

def test_batch_subcommand_runs_the_batch_runner(tmp_path: Path, good: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """``photocheck batch`` is the batch runner itself (its own options, exit codes, outputs)."""
    out = tmp_path / "out"
    code = cli.main(["batch", str(good), "--out", str(out), "--workers", "1", "--no-progress",
                     "--processor", "tests.batch.fake:fake_processor"])
    assert code in (0, 1)
    lines = (out / "results.jsonl").read_text().splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["input"] == str(good)
    assert (out / "summary.csv").is_file()


def test_batch_subcommand_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        cli.main(["batch", "somewhere"])  # --out is required
    assert info.value.code == 2
    assert "photocheck batch" in capsys.readouterr().err


@pytest.mark.parametrize("port", ["0", "70000"])
def test_serve_refuses_a_port_out_of_range(port: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        cli.main(["serve", "--port", port])
    assert info.value.code == 2
    assert "--port must be 1..65535" in capsys.readouterr().err


def test_help_lists_every_subcommand() -> None:
    proc = subprocess.run([sys.executable, "-m", "photocheck", "--help"], capture_output=True,
                          text=True, check=True, cwd=REPO)
    for name in ("check", "trim", "crop", "serve", "batch"):
        assert f"    {name}" in proc.stdout
