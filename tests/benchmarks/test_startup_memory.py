"""benchmarks.startup_memory: the separate checking processes behind check_many's ceiling."""

from __future__ import annotations

import pytest

from benchmarks.startup_memory import CheckProcess


def test_check_process_checks_the_chunk_it_is_told_and_ends_with_the_block() -> None:
    with CheckProcess(n=2, chunk=1) as checker:
        assert checker.running
        checker.start(0)
        first = checker.seconds()
        checker.start(1)
        second = checker.seconds()
        # one 2 MP check each: tens of milliseconds on the benchmark host, never minutes
        assert 0.005 < first < 30 and 0.005 < second < 30
        checker.start(2)  # there are two chunks: the process fails and says so
        with pytest.raises(RuntimeError, match="failed"):
            checker.seconds()
    assert not checker.running
