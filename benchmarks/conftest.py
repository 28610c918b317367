"""Benchmark fixtures and the ratio report: every timing is divided by a plain full-resolution
``cv2.imdecode`` of the same bytes measured in the same run, so figures hold on any machine."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

RESULTS = Path(__file__).resolve().parent / "results"


class CpuTimed:
    """A benchmarked callable that also records the process CPU time of every call (all
    threads: a check's overlap thread counts), so one run gives both wall and CPU medians.

    Parameters
    ----------
    benchmark : pytest-benchmark fixture
        Its ``extra_info["cpu_median_s"]`` gets the median after :meth:`record`.
    fn : callable
        What is timed.
    """

    def __init__(self, benchmark: Any, fn: Callable[..., Any]) -> None:
        self.benchmark = benchmark
        self.fn = fn
        self.samples_s: list[float] = []

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        start = time.process_time()
        try:
            return self.fn(*args, **kwargs)
        finally:
            self.samples_s.append(time.process_time() - start)

    def record(self) -> float:
        """Store the median CPU seconds per call in the benchmark's ``extra_info``."""
        median = statistics.median(self.samples_s)
        self.benchmark.extra_info["cpu_median_s"] = median
        return median


def cpu_timed(benchmark: Any, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``benchmark(fn, *args, **kwargs)`` that also records the median process CPU time per
    call (``extra_info["cpu_median_s"]``); returns what ``fn`` returned."""
    timed = CpuTimed(benchmark, fn)
    result = benchmark(timed, *args, **kwargs)
    timed.record()
    return result


# A plain process that decodes one file with cv2.imdecode on request, for yardsticks timed in
# alternation with work of the benchmark process: OpenCV alone, glibc's default allocator (a
# process of photocheck keeps freed memory mapped, which makes a decode's output cheaper or not
# depending on what its heap happens to hold).
_PLAIN_DECODER = """
import resource, sys, time
import cv2
import numpy as np
cv2.setNumThreads(1)
stdin = sys.stdin.buffer
buf = np.frombuffer(stdin.read(int(stdin.readline())), np.uint8)
while stdin.readline():
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    start, start_cpu = time.perf_counter(), time.process_time()
    image = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    wall, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults
    print(wall, cpu, faults, 0 if image is None else image.size, flush=True)
"""


class PlainDecoder:
    """``cv2.imdecode`` of one file in a separate plain Python process (OpenCV only, glibc's
    default allocator), one decode per call, timed there.

    Calling it returns ``(wall_s, cpu_s, page_faults)`` of one decode. Use as a context manager
    (the process ends on exit).

    Parameters
    ----------
    data : bytes
        The encoded file.
    """

    def __init__(self, data: bytes) -> None:
        import subprocess
        import sys

        self._proc = subprocess.Popen([sys.executable, "-c", _PLAIN_DECODER],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        assert self._proc.stdin is not None
        self._proc.stdin.write(b"%d\n" % len(data) + data)
        self._proc.stdin.flush()

    def __call__(self) -> tuple[float, float, int]:
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._proc.stdin.write(b"\n")
        self._proc.stdin.flush()
        wall, cpu, faults, size = self._proc.stdout.readline().split()
        if int(size) == 0:
            raise RuntimeError("the plain process could not decode the file")
        return float(wall), float(cpu), int(faults)

    def __enter__(self) -> PlainDecoder:
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._proc.stdin is not None
        self._proc.stdin.close()
        self._proc.wait(timeout=30)


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


def _cpu_medians(config: pytest.Config) -> dict[str, dict[str, float]]:
    """Median process CPU seconds per call of the benchmarks that recorded it
    (:func:`cpu_timed`)."""
    session = getattr(config, "_benchmarksession", None)
    out: dict[str, dict[str, float]] = {}
    for bench in getattr(session, "benchmarks", []) or []:
        cpu = (getattr(bench, "extra_info", None) or {}).get("cpu_median_s")
        if cpu is not None:
            out.setdefault(bench.group or "default", {})[bench.name.split("[")[0]] = float(cpu)
    return out


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    medians = _medians(config)
    if not medians:
        return
    tr = terminalreporter
    cpu = _cpu_medians(config)
    tr.section("ratios against a plain full-resolution cv2.imdecode of the same file "
               "(wall, then process CPU)")
    table: dict[str, dict[str, float]] = {}
    cpu_table: dict[str, dict[str, float]] = {}
    for group, entries in sorted(medians.items()):
        decode = entries.get("test_decode_full")
        if not decode:
            continue
        table[group] = {}
        cpu_decode = cpu.get(group, {}).get("test_decode_full")
        for name, median in sorted(entries.items()):
            ratio = median / decode
            table[group][name] = ratio
            line = f"{group:28s} {name:32s} {median * 1000:8.1f} ms  {ratio:5.2f}×"
            cpu_s = cpu.get(group, {}).get(name)
            if cpu_s is not None and cpu_decode:
                cpu_table.setdefault(group, {})[name] = cpu_s / cpu_decode
                line += f"   CPU {cpu_s * 1000:8.1f} ms  {cpu_s / cpu_decode:5.2f}×"
            tr.write_line(line)
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
        {"medians_s": medians, "ratios": table, "cpu_medians_s": cpu, "cpu_ratios": cpu_table,
         "interleaved": own}, indent=1))
