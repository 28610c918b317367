"""photocheck.cli: ``photocheck trim``."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.scan_synth import PrintSpec, render_scan

# --- CLI ------------------------------------------------------------------------------------------


def test_cli_trim_writes_named_outputs_and_json(tmp_path: Path, portrait, capsys) -> None:
    from photocheck.cli import main

    scan = tmp_path / "applicant_0042.jpg"
    scan.write_bytes(render_scan(portrait, PrintSpec(rotation_deg=2.0, dpi=300)).data)
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"<html></html>")
    out = tmp_path / "out"
    code = main(["trim", str(scan), str(bad), "--out", str(out), "--json"])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [Path(d["source"]).name for d in lines] == ["applicant_0042.jpg", "broken.jpg"]
    assert lines[1]["output"] is None
    assert code == 1  # the broken scan is flagged
    if lines[0]["output"] is not None:  # the models may or may not see the drawn face
        assert "applicant_0042" in Path(lines[0]["output"]).name
        assert Path(lines[0]["output"]).is_file()
    assert sorted(p.name for p in out.iterdir()) == (
        ["applicant_0042_45x35.jpg"] if lines[0]["output"] else [])
    codes = {f["code"] for f in lines[1]["findings"]}
    assert {"trim.photo_not_found", "trim.print_size", "trim.not_trimmable"} <= codes
