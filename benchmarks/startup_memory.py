"""Cold start (import + every model loaded), peak RSS after checking 200 photos, and check_many
scaling from 1 to 2 threads over 100 photos (issue 9).

Usage: ``python benchmarks/startup_memory.py [--photos N]``; prints a small table.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

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


def check_many_scaling(n: int = 100) -> dict[str, float]:
    """Throughput of check_many on 1 and 2 threads (photos/s) and their ratio."""
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
    out = {}
    for threads in (1, 2):
        start = time.perf_counter()
        validator.check_many(photos, threads=threads, applied_on="2026-11-21")
        out[f"{threads}_thread_photos_per_s"] = n / (time.perf_counter() - start)
    out["speedup"] = out["2_thread_photos_per_s"] / out["1_thread_photos_per_s"]
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=int, default=200)
    parser.add_argument("--many", type=int, default=100)
    args = parser.parse_args()
    result = {"cold_start_s": cold_start_s(), "peak_rss_mb": peak_rss_mb(args.photos),
              **check_many_scaling(args.many)}
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
