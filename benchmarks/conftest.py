"""Benchmark fixtures and the ratio report: every timing is divided by a plain full-resolution
``cv2.imdecode`` of the same bytes measured in the same run, so figures hold on any machine."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

RESULTS = Path(__file__).resolve().parent / "results"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "speed: speed benchmark")


def _medians(config: pytest.Config) -> dict[str, dict[str, float]]:
    session = getattr(config, "_benchmarksession", None)
    out: dict[str, dict[str, float]] = {}
    for bench in getattr(session, "benchmarks", []) or []:
        stats = bench.stats  # pytest-benchmark Metadata -> Stats
        median = getattr(stats, "median", None)
        if median is None and hasattr(stats, "stats"):
            median = stats.stats.median
        if median is None:
            continue
        group = bench.group or "default"
        out.setdefault(group, {})[bench.name.split("[")[0]] = float(median)
    return out


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    medians = _medians(config)
    if not medians:
        return
    tr = terminalreporter
    tr.section("ratios against a plain full-resolution cv2.imdecode of the same file")
    table: dict[str, dict[str, float]] = {}
    for group, entries in sorted(medians.items()):
        decode = entries.get("test_decode_full")
        if not decode:
            continue
        table[group] = {}
        for name, median in sorted(entries.items()):
            ratio = median / decode
            table[group][name] = ratio
            tr.write_line(f"{group:28s} {name:32s} {median * 1000:8.1f} ms  {ratio:5.2f}×")
    # ratios a benchmark measured itself, round by round (e.g. bench_trim's interleaved test)
    session = getattr(config, "_benchmarksession", None)
    own: dict[str, dict[str, Any]] = {}
    for bench in getattr(session, "benchmarks", []) or []:
        info = getattr(bench, "extra_info", None) or {}
        ratios = {k: v for k, v in info.items() if "_over_" in k}
        if ratios:
            own[bench.name] = dict(info)
            for key, value in ratios.items():
                tr.write_line(f"{bench.group or 'default':28s} {key:32s} {'':8s}    {value:5.2f}×")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "ratios.json").write_text(json.dumps(
        {"medians_s": medians, "ratios": table, "interleaved": own}, indent=1))
