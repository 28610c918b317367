"""Cold start (import + every model loaded), peak RSS after checking 200 photos, and check_many
scaling from 1 to 2 threads over 100 photos, in alternating passes beside the same scaling of a
plain decode (issue 9).

Usage: ``python benchmarks/startup_memory.py [--photos N] [--many N] [--rounds N]``; prints the
figures as JSON.
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


def check_many_scaling(n: int = 100, rounds: int = 3) -> dict[str, Any]:
    """Throughput of check_many on 1 and 2 threads (photos/s) and their ratio, in ``rounds``
    alternating passes (1 thread, then 2, again and again: a noisy host moves both alike); the
    same for plain ``cv2.imdecode`` of the same photos on 1 and 2 threads, the ceiling two busy
    vCPUs of this host allow (C code without the GIL)."""
    import statistics
    import threading

    import cv2

    from benchmarks.photos import phone_jpeg
    from photocheck.inference import Models
    from photocheck.validator import Validator

    cv2.setNumThreads(1)
    models = Models.load(threads=1)
    models.warm_up()
    validator = Validator("online", models=models)
    photos = [phone_jpeg(1200, 1600, seed=i % 4) for i in range(n)]
    validator.check_many(photos[:4], threads=1)  # warm

    def check_rate(threads: int) -> float:
        start = time.perf_counter()
        validator.check_many(photos, threads=threads, applied_on="2026-11-21")
        return n / (time.perf_counter() - start)

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
    for _ in range(rounds):
        one, two = check_rate(1), check_rate(2)
        d_one, d_two = decode_rate(1), decode_rate(2)
        passes.append({"1_thread_photos_per_s": round(one, 2),
                       "2_thread_photos_per_s": round(two, 2), "speedup": round(two / one, 3),
                       "decode_speedup": round(d_two / d_one, 3)})
    return {
        "speedup": statistics.median(p["speedup"] for p in passes),
        "decode_speedup": statistics.median(p["decode_speedup"] for p in passes),
        "passes": passes,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=int, default=200)
    parser.add_argument("--many", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    result = {"cold_start_s": cold_start_s(), "peak_rss_mb": peak_rss_mb(args.photos),
              "check_many": check_many_scaling(args.many, args.rounds)}
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
