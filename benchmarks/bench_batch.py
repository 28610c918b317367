"""Batch throughput: the same generated scans with 1 worker and with 2 workers, in one run.

Run: ``python -m benchmarks.bench_batch [--scans 500] [--workers 1 2] [--cache DIR]``.

Scans are generated once (into ``--cache``, default a temporary folder) with
:mod:`benchmarks.scan_synth`: a few compliant portraits of ``../shared/photos`` (face geometry from
photocheck's own pipeline; a drawn portrait when ../shared is absent) rendered as prints with
varied size, face height, position, rotation (±4°), dpi (300/600), paper tint and noise. Each
worker count then processes all of them into a fresh output folder with the real default
processor (:func:`photocheck.trim.trim`, models loaded once per worker, onnxruntime and OpenCV
single-threaded). Reported: wall time including worker start-up, steady-state throughput (first
to last result), their ratios to 1 worker, the load average (the machine may be shared), and
whether every run gave the same verdicts. Results go to ``benchmarks/results/bench_batch.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
PHOTOS = REPO.parent / "shared" / "photos" / "a_compliant_plain_bg"
RESULTS = Path(__file__).resolve().parent / "results" / "bench_batch.json"


def portraits(count: int = 4) -> list:
    """Compliant portraits with their crown/chin/nose from photocheck (or a drawn one)."""
    from benchmarks.scan_synth import Portrait, drawn_portrait
    from photocheck.trim import pipeline_geometry
    from photocheck.validator import Validator

    out = []
    files = sorted(PHOTOS.glob("*.jpg"))
    files = files[:: max(1, len(files) // count)]  # spread over the folder
    validator = Validator("mail")
    for path in files[:count]:
        data = path.read_bytes()
        try:
            geom = pipeline_geometry(validator.context(data))
        except Exception:  # no usable face: skip this portrait
            continue
        bgr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
        out.append(Portrait(bgr, geom.crown, geom.chin, geom.nose, path.stem))
    return out or [drawn_portrait(seed=s) for s in range(2)]


def generate(folder: Path, n: int, seed: int = 0) -> list[Path]:
    """``n`` scans in ``folder`` (reused when already there)."""
    from benchmarks.scan_synth import PrintSpec, render_scan

    folder.mkdir(parents=True, exist_ok=True)
    existing = sorted(folder.glob("scan_*.jpg"))
    if len(existing) >= n:
        return existing[:n]
    rng = np.random.default_rng(seed)
    faces = portraits()
    sizes = [(45.0, 35.0)] * 6 + [(40.0, 30.0), (50.0, 40.0)]
    paths = []
    for i in range(n):
        path = folder / f"scan_{i:04d}.jpg"
        paths.append(path)
        if path.is_file():
            continue
        h, w = sizes[int(rng.integers(len(sizes)))]
        k = h / 45.0
        spec = PrintSpec(
            height_mm=h, width_mm=w, face_mm=float(rng.uniform(31, 35)) * k,
            crown_mm=float(rng.uniform(3.5, 5.0)) * k, nose_dx_mm=float(rng.uniform(-1, 1)),
            dpi=float(rng.choice([300.0, 600.0])), rotation_deg=float(rng.uniform(-4, 4)),
            margin_mm=float(rng.uniform(6, 15)),
            paper_tint=tuple(float(t) for t in rng.uniform(0.95, 1.02, 3)),  # type: ignore[arg-type]
            seed=i,
        )
        scan = render_scan(faces[i % len(faces)], spec)
        path.write_bytes(scan.data)
    return paths


def measure(scans: Path, workers: int, out: Path) -> dict[str, float | int | dict]:
    """Process every scan with ``workers`` local processes; timings and verdict counts."""
    from batch import Options, discover, run

    items = discover(str(scans))
    stamps: list[float] = []
    load_before = os.getloadavg()[0]
    cpu_before = _cpu_s()
    start = time.perf_counter()
    outcome = run(items, Options(out=out, workers=workers, progress=False),
                  on_progress=lambda done, total: stamps.append(time.perf_counter()))
    wall = time.perf_counter() - start
    cpu = _cpu_s() - cpu_before  # parent + its (joined) workers
    steady = (len(stamps) - 1) / (stamps[-1] - stamps[0]) if len(stamps) > 1 else 0.0
    verdicts: dict[str, int] = {}
    for _, rec, _ in outcome.rows:
        key = "error" if rec is None or rec.error else rec.verdict
        verdicts[key] = verdicts.get(key, 0) + 1
    return {
        "workers": workers, "scans": len(items), "wall_s": round(wall, 2),
        "throughput_per_s": round(len(items) / wall, 3),
        "steady_per_s": round(steady, 3), "first_result_s": round(stamps[0] - start, 2),
        "cpu_s": round(cpu, 1), "cpu_s_per_scan": round(cpu / max(1, len(items)), 3),
        "cores_obtained": round(cpu / wall, 2),
        "loadavg_1min_before": round(load_before, 2),
        "loadavg_1min_after": round(os.getloadavg()[0], 2), "verdicts": verdicts,
    }


def main(argv: list[str] | None = None) -> int:
    """Generate, run each worker count, print and save the ratios."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--scans", type=int, default=500)
    p.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    p.add_argument("--cache", type=Path, help="folder for the generated scans (kept)")
    args = p.parse_args(argv)
    cv2.setNumThreads(1)
    with tempfile.TemporaryDirectory(prefix="bench_batch_") as tmp:
        scans_dir = args.cache or Path(tmp) / "scans"
        t0 = time.perf_counter()
        generate(scans_dir, args.scans)
        print(f"{args.scans} scans ready in {scans_dir} ({time.perf_counter() - t0:.0f} s)",
              file=sys.stderr)
        if len(list(scans_dir.glob("scan_*.jpg"))) > args.scans:
            scans_dir = _subset(scans_dir, Path(tmp) / "subset", args.scans)
        runs = []
        for workers in args.workers:
            res = measure(scans_dir, workers, Path(tmp) / f"out_{workers}")
            print(json.dumps(res), file=sys.stderr)
            runs.append(res)
        same = _same_verdicts([Path(tmp) / f"out_{w}" for w in args.workers])
    base = runs[0]
    summary = {
        "scans": args.scans, "cpu_count": os.cpu_count(), "runs": runs,
        "ratio_wall": {r["workers"]: round(r["throughput_per_s"] / base["throughput_per_s"], 3)
                       for r in runs},
        "ratio_steady": {r["workers"]: round(r["steady_per_s"] / base["steady_per_s"], 3)
                         for r in runs if base["steady_per_s"]},
        # CPU per scan does not depend on how much of the machine others take: equal values
        # mean the workers scale without overhead; the wall ratio also depends on the share
        "cpu_per_scan_ratio": {r["workers"]: round(r["cpu_s_per_scan"] / base["cpu_s_per_scan"],
                                                   3) for r in runs},
        "identical_verdicts": same,
        "when": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(summary, indent=2))
    return 0


def _cpu_s() -> float:
    """User + system CPU seconds of this process and its terminated, joined children."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _subset(src: Path, dst: Path, n: int) -> Path:
    dst.mkdir(parents=True, exist_ok=True)
    for path in sorted(src.glob("scan_*.jpg"))[:n]:
        (dst / path.name).symlink_to(path)
    return dst


def _same_verdicts(outs: list[Path]) -> bool:
    from batch.store import read_results

    seen = [{ln["sha256"]: (ln["verdict"], ln["output"]) for ln in
             read_results(o / "results.jsonl")} for o in outs]
    return all(s == seen[0] for s in seen[1:])


if __name__ == "__main__":
    sys.exit(main())
