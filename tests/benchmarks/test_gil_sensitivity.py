"""benchmarks.gil_sensitivity: the added GIL-held load, and the ratios it is measured by."""

from __future__ import annotations

import threading
import time

import pytest

from benchmarks import gil_sensitivity


def test_hold_gil_runs_python_for_the_thread_cpu_time_asked() -> None:
    start = time.thread_time()
    count = gil_sensitivity.hold_gil(30.0)
    spent_ms = (time.thread_time() - start) * 1000.0
    assert 30.0 <= spent_ms < 30.0 + 15.0
    assert count > 0 and gil_sensitivity.hold_gil(0.0) == 0


def test_hold_gil_keeps_another_python_thread_waiting() -> None:
    # two threads of pure Python share one GIL: together they take about the sum of their CPU
    # time in wall time, not the larger of the two
    threads = [threading.Thread(target=gil_sensitivity.hold_gil, args=(60.0,)) for _ in range(2)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert time.perf_counter() - start >= 0.110


def test_a_small_run_gives_a_ratio_per_load() -> None:
    out = gil_sensitivity.sensitivity(n=4, rounds=1, added_ms=(0.0, 2.0))
    assert list(out) == ["+0 ms", "+2 ms"]
    for figures in out.values():
        assert len(figures["passes"]) == 1
        assert 0.5 < figures["speedup"] < 2.5  # 4 photos on 1 and 2 threads of a shared host


@pytest.mark.parametrize("argv", [["--added-ms", "4,x"], ["--added-ms", "-1"], ["--rounds", "0"]])
def test_bad_parameters_are_refused(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        gil_sensitivity.main(argv)
    assert exc.value.code == 2
