"""Cold start (import + every model loaded), peak RSS after checking 200 photos, and check_many
scaling from 1 to 2 threads over 100 photos, interleaved chunk by chunk, beside the ceiling the
host allows 2 threads that share no GIL (issues 9 and 20).

Usage: ``python benchmarks/startup_memory.py [--photos N] [--many N] [--rounds N] [--chunk N]``;
prints the figures as JSON.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

COLD = (
    "import time; t=time.perf_counter(); import photocheck; from photocheck.validator import "
    "Validator; v=Validator('online'); v.models.warm_up(); print(time.perf_counter()-t)"
)
RSS = """
import resource, sys, itertools
sys.path.insert(0, {repo!r})
from benchmarks.photos import phone_jpeg
from photocheck.validator import Validator
v = Validator('online')
photos = [phone_jpeg(1200, 1600, seed=i % 4) for i in range(4)] + [phone_jpeg(3024, 4032)]
for data in itertools.islice(itertools.cycle(photos), {n}):
    v.check(data, applied_on='2026-11-21')
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def cold_start_s(repeats: int = 3) -> float:
    """Best-of wall time of a fresh interpreter importing photocheck and loading every model."""
    times = []
    for _ in range(repeats):
        out = subprocess.run([sys.executable, "-c", COLD], capture_output=True, text=True,
                             cwd=REPO, check=True)
        times.append(float(out.stdout.strip().splitlines()[-1]))
    return min(times)


def peak_rss_mb(n: int) -> float:
    """Peak RSS (MB) of a process that checked ``n`` photos."""
    out = subprocess.run([sys.executable, "-c", RSS.format(repo=str(REPO), n=n)],
                         capture_output=True, text=True, cwd=REPO, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def _decode_loop(data: bytes, count: int) -> None:
    import cv2
    import numpy as np

    buf = np.frombuffer(data, np.uint8)
    for _ in range(count):
        cv2.imdecode(buf, cv2.IMREAD_COLOR)


# a process of its own with the same warmed validator and photos, checking the chunk it is told
# on one thread and printing the seconds it took: two of these share caches, memory and the
# hypervisor as two check threads do, but no GIL
_CHECKER = """
import sys
sys.path.insert(0, {repo!r})
from benchmarks.startup_memory import check_many_s, many_workload
validator, _, chunks = many_workload({n}, {chunk})
print("ready", flush=True)
for line in sys.stdin:
    print(check_many_s(validator, chunks[int(line)], 1), flush=True)
"""


class CheckProcess:
    """A separate process that checks chunks of :func:`many_workload`'s photos on command, on
    one thread: two of them at once give the ceiling of ``check_many``'s 2-thread scaling on
    this host for this very workload (everything two threads share but the GIL).

    Parameters
    ----------
    n, chunk : int
        :func:`many_workload`'s photo count and chunk size (the same photos as this process's).
    """

    def __init__(self, n: int, chunk: int) -> None:
        self._script = _CHECKER.format(repo=str(REPO), n=n, chunk=chunk)
        self._proc: subprocess.Popen[str] | None = None

    def __enter__(self) -> CheckProcess:
        proc = subprocess.Popen([sys.executable, "-c", self._script], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True, cwd=REPO)
        self._proc = proc
        if self._read() != "ready":
            self.__exit__()
            raise RuntimeError("the checking process did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        assert proc.stdin is not None
        proc.stdin.close()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def _read(self) -> str:
        assert self._proc is not None and self._proc.stdout is not None
        return self._proc.stdout.readline().strip()

    def start(self, index: int) -> None:
        """Start checking chunk ``index`` (returns at once)."""
        assert self._proc is not None and self._proc.stdin is not None
        self._proc.stdin.write(f"{index}\n")
        self._proc.stdin.flush()

    def seconds(self) -> float:
        """Wait for the chunk started last and return the seconds it took."""
        line = self._read()
        try:
            return float(line)
        except ValueError:
            raise RuntimeError(f"the checking process failed: {line!r}") from None

    @property
    def running(self) -> bool:
        """Whether the process is alive."""
        return self._proc is not None and self._proc.poll() is None


def many_workload(n: int, chunk: int, validator_class: type | None = None
                  ) -> tuple[Any, list[bytes], list[list[bytes]]]:
    """``check_many``'s workload: a warmed validator (``validator_class``, default
    :class:`~photocheck.validator.Validator`) on single-threaded model sessions and OpenCV, ``n``
    2 MP photos (4 distinct) and their chunks of ``chunk``."""
    import cv2

    from benchmarks.photos import phone_jpeg
    from photocheck.inference import Models
    from photocheck.validator import Validator

    cv2.setNumThreads(1)
    models = Models.load(threads=1)
    models.warm_up()
    validator = (validator_class or Validator)("online", models=models)
    photos = [phone_jpeg(1200, 1600, seed=i % 4) for i in range(n)]
    validator.check_many(photos[:4], threads=1)  # warm
    return validator, photos, [photos[i : i + chunk] for i in range(0, n, chunk)]


def check_many_s(validator: Any, batch: list[bytes], threads: int) -> float:
    """Seconds ``validator.check_many`` takes over ``batch`` on ``threads`` threads."""
    start = time.perf_counter()
    validator.check_many(batch, threads=threads, applied_on="2026-11-21")
    return time.perf_counter() - start


def check_many_scaling(n: int = 100, rounds: int = 3, chunk: int = 20) -> dict[str, Any]:
    """Throughput of check_many on 1 and 2 threads and their ratio; beside it the ceiling this
    host allows that ratio for the same work when no GIL is shared.

    Each of ``rounds`` passes checks the ``n`` photos in chunks of ``chunk``, each chunk on 1
    thread and then on 2, so a host whose speed drifts moves both alike (seconds apart, not a
    pass apart); a pass's ratio is its 1-thread time over its 2-thread time. After each chunk
    one :class:`CheckProcess` checks it alone and then two check it at once:
    ``process_ceiling`` is ``2 × time alone / time of the pair`` (what two threads would reach
    if they shared no GIL) and ``share_of_ceiling`` the threads' ratio over it. A plain
    ``cv2.imdecode`` loop on 1 and 2 threads is the ceiling for C code alone.
    """
    import statistics
    import threading

    validator, photos, chunks = many_workload(n, chunk)

    def check_s(batch: list[bytes], threads: int) -> float:
        return check_many_s(validator, batch, threads)

    def decode_rate(threads: int, count: int = 4 * n) -> float:
        workers = [threading.Thread(target=_decode_loop, args=(photos[0], count))
                   for _ in range(threads)]
        start = time.perf_counter()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        return threads * count / (time.perf_counter() - start)

    passes: list[dict[str, float]] = []
    with CheckProcess(n, chunk) as first, CheckProcess(n, chunk) as second:
        for _ in range(rounds):
            one = two = alone = pair = 0.0
            for index, batch in enumerate(chunks):
                one += check_s(batch, 1)
                two += check_s(batch, 2)
                first.start(index)
                alone += first.seconds()
                first.start(index)
                second.start(index)
                pair += max(first.seconds(), second.seconds())
            d_one, d_two = decode_rate(1), decode_rate(2)
            ceiling = 2 * alone / pair
            passes.append({"1_thread_photos_per_s": round(n / one, 2),
                           "2_thread_photos_per_s": round(n / two, 2),
                           "speedup": round(one / two, 3),
                           "process_ceiling": round(ceiling, 3),
                           "share_of_ceiling": round(one / two / ceiling, 3),
                           "decode_speedup": round(d_two / d_one, 3)})
    keys = ("speedup", "process_ceiling", "share_of_ceiling", "decode_speedup")
    return {key: statistics.median(p[key] for p in passes) for key in keys} | {"passes": passes}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=int, default=200)
    parser.add_argument("--many", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--chunk", type=int, default=20)
    args = parser.parse_args()
    result = {"cold_start_s": cold_start_s(), "peak_rss_mb": peak_rss_mb(args.photos),
              "check_many": check_many_scaling(args.many, args.rounds, args.chunk)}
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
