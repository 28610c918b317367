"""How much ``check_many``'s 2-thread scaling loses per millisecond of GIL-held work a check
(issue 20): the figure behind the choice between cutting more Python from the measures,
compiling them, or checking in processes.

Each chunk of 20 photos is checked on 1 thread and on 2 threads once per added load, so a host
whose speed drifts moves every load alike; a load is that many milliseconds of pure Python
(holding the GIL) after each check. On the 2-vCPU host, 2026-12-07, a quiet hour: +0 ms 1.751,
+4 ms 1.656, +8 ms 1.596 (0.01–0.02 of the ratio per ms; a check holds the GIL ~23 ms of ~70);
when the host is busy its own noise (±0.08 a pass) hides the slope at two passes.

Usage: ``python benchmarks/gil_sensitivity.py [--photos N] [--rounds N] [--added-ms 0,4,8]``;
prints JSON.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def hold_gil(ms: float) -> int:
    """Run pure Python (which holds the GIL) for ``ms`` of this thread's CPU time; returns the
    loop count."""
    end = time.thread_time() + ms / 1000.0
    count = 0
    while time.thread_time() < end:
        for _ in range(200):
            count += 1
    return count


def sensitivity(n: int = 100, rounds: int = 3, added_ms: tuple[float, ...] = (0.0, 4.0, 8.0),
                chunk: int = 20) -> dict[str, Any]:
    """2-thread over 1-thread ``check_many`` throughput per added GIL-held load (median of
    ``rounds`` passes, and every pass)."""
    from benchmarks.startup_memory import check_many_s, many_workload
    from photocheck.validator import Validator

    class Loaded(Validator):
        added_ms = 0.0

        def check(self, *args: Any, **kwargs: Any) -> Any:
            report = super().check(*args, **kwargs)
            if self.added_ms:
                hold_gil(self.added_ms)
            return report

    validator, _, chunks = many_workload(n, chunk, Loaded)

    passes: dict[float, list[float]] = {ms: [] for ms in added_ms}
    for _ in range(rounds):
        one = dict.fromkeys(added_ms, 0.0)
        two = dict.fromkeys(added_ms, 0.0)
        for batch in chunks:
            for ms in added_ms:
                validator.added_ms = ms
                one[ms] += check_many_s(validator, batch, 1)
                two[ms] += check_many_s(validator, batch, 2)
        for ms in added_ms:
            passes[ms].append(round(one[ms] / two[ms], 3))
    return {f"+{ms:g} ms": {"speedup": round(statistics.median(p), 3), "passes": p}
            for ms, p in passes.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--added-ms", default="0,4,8",
                        help="comma-separated GIL-held milliseconds added after each check")
    args = parser.parse_args(argv)
    try:
        added = tuple(float(x) for x in args.added_ms.split(","))
    except ValueError:
        parser.error(f"--added-ms: numbers separated by commas, not {args.added_ms!r}")
    if args.photos < 1 or args.rounds < 1 or any(ms < 0 for ms in added):
        parser.error("--photos and --rounds must be positive, --added-ms not negative")
    print(json.dumps(sensitivity(args.photos, args.rounds, added), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
