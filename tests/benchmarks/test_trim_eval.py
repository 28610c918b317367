"""benchmarks.trim_eval: the options and output trim_eval and form_eval share."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pytest

from benchmarks.trim_eval import add_run_options, emit


def test_run_options_and_their_defaults() -> None:
    parser = argparse.ArgumentParser()
    add_run_options(parser, seed=3)
    args = parser.parse_args([])
    assert vars(args) == {"portraits": 12, "seed": 3, "drawn": False, "json": None,
                          "verbose": False}
    args = parser.parse_args(["--portraits", "2", "--seed", "5", "--drawn", "--json", "o.json",
                              "-v"])
    assert vars(args) == {"portraits": 2, "seed": 5, "drawn": True, "json": Path("o.json"),
                          "verbose": True}


def test_emit_writes_rows_and_prints_the_summary(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    result = {"rows": [{"x": np.float32(0.5)}], "summary": {"n": np.int64(2)}}
    out = tmp_path / "r.json"
    emit(result, out)
    assert json.loads(out.read_text("utf-8")) == {"rows": [{"x": 0.5}], "summary": {"n": 2}}
    assert capsys.readouterr().out == '{\n "n": 2\n}\n'
    emit(result, None)
    assert capsys.readouterr().out == '{\n "n": 2\n}\n'
