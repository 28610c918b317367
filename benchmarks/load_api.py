"""Load test of the HTTP API (issue 7): latency vs the library, concurrency, overload, memory.

Starts ``uvicorn api:app`` on 127.0.0.1 (loopback only) in a subprocess with a throw-away API key,
then measures, in one run:

(a) median ``POST /v1/check`` latency on a booth-size JPEG vs the library's own
    ``Validator.check`` time for the same bytes, interleaved so both see the same machine load
    (target ratio ≤ 1.2);
(b) ``--clients`` (8) concurrent clients for ``--duration`` (60) s: errors, p50, p99, p99/p50
    (target: no errors, p99 ≤ 5 × p50);
(c) overload: ``pool capacity + --overload-extra`` clients fire at once, for ``--overload-rounds``
    rounds: the excess must get 503 quickly, nobody may hang;
(d) server RSS sampled over ``--rss-requests`` (2,000) requests (target: flat);
(e) live 413s: a declared 20 MiB Content-Length, and a 20 MiB chunked stream (how much was sent
    before the 413 came back).

The photo is a compliant portrait from ../shared/photos when present (read into memory, never
copied), else a synthetic 1200×1600 JPEG. Everything is bounded: ``--max-seconds`` kills the
server and stops the run.

Usage: ``python benchmarks/load_api.py [--duration 60] [--rss-requests 2000] [--json OUT]``
"""

from __future__ import annotations

import argparse
import io
import json
import os
import select
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import psutil
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
PHOTOS = REPO.parent / "shared" / "photos"
HOST = "127.0.0.1"  # loopback only, never a public interface
KEY = "load-test-key"
AUTH = {"Authorization": f"Bearer {KEY}", "content-type": "image/jpeg"}


def booth_photo() -> tuple[bytes, str]:
    """A compliant booth-size JPEG: the first ../shared compliant photo, else a synthetic one."""
    folder = PHOTOS / "a_compliant_plain_bg"
    candidates = sorted(folder.glob("*.jpg")) if folder.is_dir() else []
    if candidates:
        return candidates[0].read_bytes(), f"../shared/photos/{folder.name}/{candidates[0].name}"
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:1600, 0:1200]
    pixels = np.full((1600, 1200, 3), 225, np.uint8)
    face = ((xx - 600) / 260.0) ** 2 + ((yy - 700) / 340.0) ** 2 <= 1.0
    pixels[face] = (200, 160, 130)
    pixels = np.clip(pixels + rng.normal(0, 3, pixels.shape), 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, "JPEG", quality=92)
    return buf.getvalue(), "synthetic 1200x1600"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


class Server:
    """``uvicorn api:app`` in a subprocess on loopback; always killed on exit."""

    def __init__(self, profile: str, workers: int, queue: int | None, log_path: Path) -> None:
        self.port = free_port()
        self.base = f"http://{HOST}:{self.port}"
        env = dict(os.environ)
        env.update({"PHOTOCHECK_API_KEYS": KEY, "PHOTOCHECK_PROFILES": profile,
                    "PHOTOCHECK_DEFAULT_PROFILE": profile, "PHOTOCHECK_WORKERS": str(workers)})
        env.pop("PHOTOCHECK_API_KEYS_FILE", None)
        env.pop("PHOTOCHECK_AUTH", None)
        if queue is not None:
            env["PHOTOCHECK_QUEUE"] = str(queue)
        self.log = log_path.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "api:app", "--host", HOST, "--port", str(self.port),
             "--log-level", "warning", "--no-access-log"],
            cwd=REPO, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout_s: float = 180.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"server exited with {self.proc.returncode}; see {self.log.name}")
            try:
                r = httpx.get(f"{self.base}/healthz", timeout=2.0)
                if r.status_code == 200:
                    return dict(r.json())
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        raise RuntimeError("server did not become ready")

    def rss_mib(self) -> float:
        return psutil.Process(self.proc.pid).memory_info().rss / 2**20

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.log.close()


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def post(client: httpx.Client, base: str, photo: bytes, profile: str) -> tuple[int, float, Any]:
    start = time.perf_counter()
    r = client.post(f"{base}/v1/check", params={"profile": profile}, content=photo, headers=AUTH)
    elapsed = time.perf_counter() - start
    return r.status_code, elapsed, r


def latency_vs_library(server: Server, photo: bytes, profile: str, n: int) -> dict[str, Any]:
    """(a) interleaved API and library timings of the same photo."""
    from photocheck.inference import Models
    from photocheck.validator import Validator

    validator = Validator(profile, models=Models.load())
    validator.models.warm_up()
    api_s: list[float] = []
    lib_s: list[float] = []
    server_total_ms: list[float] = []
    verdicts: set[str] = set()
    with httpx.Client(timeout=120.0) as client:
        for i in range(n + 2):
            t = time.perf_counter()
            report = validator.check(photo)
            lib = time.perf_counter() - t
            status, api, r = post(client, server.base, photo, profile)
            if status != 200:
                raise RuntimeError(f"POST /v1/check → {status}: {r.text[:200]}")
            body = r.json()
            if body["verdict"] != str(report.verdict):
                raise RuntimeError("API and library verdicts differ for the same photo")
            if i >= 2:  # the first two warm caches on both sides
                lib_s.append(lib)
                api_s.append(api)
                server_total_ms.append(float(body["timings_ms"]["total"]))
                verdicts.add(body["verdict"])
    lib_med, api_med = statistics.median(lib_s), statistics.median(api_s)
    return {"n": n, "library_median_ms": lib_med * 1000, "api_median_ms": api_med * 1000,
            "ratio": api_med / lib_med,
            "http_overhead_median_ms": statistics.median(
                [a * 1000 - s for a, s in zip(api_s, server_total_ms, strict=True)]),
            "verdict": sorted(verdicts)}


def run_clients(base: str, photo: bytes, profile: str, clients: int, *,
                until: float | None = None, requests_each: int | None = None,
                barrier: threading.Barrier | None = None,
                on_done: Callable[[], None] | None = None) -> list[tuple[int, float]]:
    """Each client loops (until a time, or for a count); returns (status, seconds) per request."""
    results: list[tuple[int, float]] = []
    lock = threading.Lock()

    def client_loop() -> None:
        with httpx.Client(timeout=120.0) as client:
            if barrier is not None:
                barrier.wait()
            done = 0
            while True:
                if until is not None and time.monotonic() >= until:
                    break
                if requests_each is not None and done >= requests_each:
                    break
                start = time.perf_counter()
                try:
                    status, elapsed, _ = post(client, base, photo, profile)
                except httpx.HTTPError:
                    status, elapsed = -1, time.perf_counter() - start
                with lock:
                    results.append((status, elapsed))
                done += 1
                if on_done is not None:
                    on_done()

    threads = [threading.Thread(target=client_loop, daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def concurrency(server: Server, photo: bytes, profile: str, clients: int,
                duration_s: float) -> dict[str, Any]:
    """(b) steady load."""
    results = run_clients(server.base, photo, profile, clients,
                          until=time.monotonic() + duration_s)
    ok = [s for status, s in results if status == 200]
    errors = sum(1 for status, _ in results if status != 200)
    p50, p99 = pct(ok, 50) * 1000, pct(ok, 99) * 1000
    return {"clients": clients, "duration_s": duration_s, "requests": len(results),
            "errors": errors, "statuses": _count(results), "p50_ms": p50, "p99_ms": p99,
            "p99_over_p50": p99 / p50 if p50 else float("nan"),
            "throughput_per_s": len(ok) / duration_s}


def overload(server: Server, photo: bytes, profile: str, capacity: int, extra: int,
             rounds: int) -> dict[str, Any]:
    """(c) a burst of capacity + extra simultaneous requests, ``rounds`` times."""
    results: list[tuple[int, float]] = []
    clients = capacity + extra
    for _ in range(rounds):
        barrier = threading.Barrier(clients)
        results += run_clients(server.base, photo, profile, clients, requests_each=1,
                               barrier=barrier)
    refused = [s for status, s in results if status == 503]
    ok = [s for status, s in results if status == 200]
    return {"clients": clients, "capacity": capacity, "rounds": rounds,
            "statuses": _count(results),
            "503_median_ms": pct(refused, 50) * 1000, "503_max_ms": pct(refused, 100) * 1000,
            "200_max_ms": pct(ok, 100) * 1000,
            "hung_or_failed": sum(1 for status, _ in results if status not in (200, 503))}


def memory(server: Server, photo: bytes, profile: str, total: int, clients: int
           ) -> dict[str, Any]:
    """(d) RSS sampled every 5 % of ``total`` requests."""
    samples: list[tuple[int, float]] = [(0, server.rss_mib())]
    count = 0
    lock = threading.Lock()
    step = max(1, total // 20)

    def on_done() -> None:
        nonlocal count
        with lock:
            count += 1
            if count % step == 0:
                samples.append((count, server.rss_mib()))

    each = -(-total // clients)
    results = run_clients(server.base, photo, profile, clients, requests_each=each,
                          on_done=on_done)
    rss = [r for _, r in samples]
    tenth = samples[min(2, len(samples) - 1)][1]  # after 10 %: allocator pools are warm
    return {"requests": len(results), "statuses": _count(results),
            "rss_start_mib": rss[0], "rss_after_10pct_mib": tenth, "rss_end_mib": rss[-1],
            "rss_max_mib": max(rss), "growth_after_10pct_mib": rss[-1] - tenth,
            "samples": [[n, round(r, 1)] for n, r in samples]}


def live_413(server: Server, limit: int) -> dict[str, Any]:
    """(e) 413 before the body is read: declared length, and a chunked stream."""
    out: dict[str, Any] = {}
    with socket.create_connection((HOST, server.port), timeout=30) as sock:
        start = time.perf_counter()
        sock.sendall((f"POST /v1/check HTTP/1.1\r\nHost: {HOST}\r\nAuthorization: Bearer {KEY}"
                      f"\r\nContent-Type: image/jpeg\r\nContent-Length: {20 * 2**20}\r\n\r\n"
                      ).encode())
        head = sock.recv(4096).split(b"\r\n", 1)[0].decode()
        out["declared_20MiB"] = {"status_line": head,
                                 "ms": (time.perf_counter() - start) * 1000, "body_sent": 0}
    with socket.create_connection((HOST, server.port), timeout=30) as sock:
        sock.sendall((f"POST /v1/check HTTP/1.1\r\nHost: {HOST}\r\nAuthorization: Bearer {KEY}"
                      "\r\nContent-Type: image/jpeg\r\nTransfer-Encoding: chunked\r\n\r\n"
                      ).encode())
        chunk = os.urandom(64 * 1024)
        frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
        sent = 0
        head = ""
        while sent < 20 * 2**20:
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                break
            try:
                sock.sendall(frame)
            except OSError:
                break
            sent += len(chunk)
        try:
            sock.settimeout(10)
            head = sock.recv(4096).split(b"\r\n", 1)[0].decode()
        except OSError as exc:
            head = f"no response: {exc}"
        out["chunked_20MiB"] = {"status_line": head, "body_sent": sent,
                                "limit": limit}
    return out


def _count(results: list[tuple[int, float]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for status, _ in results:
        counts[str(status)] = counts.get(str(status), 0) + 1
    return dict(sorted(counts.items()))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--profile", default="booth")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--queue", type=int, default=None, help="server queue (default: its own)")
    ap.add_argument("--latency-requests", type=int, default=15)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--duration", type=float, default=60.0, help="seconds of (b)")
    ap.add_argument("--overload-extra", type=int, default=8)
    ap.add_argument("--overload-rounds", type=int, default=3)
    ap.add_argument("--rss-requests", type=int, default=2000)
    ap.add_argument("--rss-clients", type=int, default=4)
    ap.add_argument("--rss-photo", choices=("booth", "small", "garbage"), default="booth",
                    help="body for (d): the booth photo, a 640x800 noise JPEG (no face), or "
                         "4 KiB of non-JPEG bytes (HTTP layer and report path only, fast)")
    ap.add_argument("--phases", default="abcde", help="which of (a)-(e) to run, e.g. 'd'")
    ap.add_argument("--max-seconds", type=float, default=3600.0, help="hard stop of the run")
    ap.add_argument("--json", type=Path, default=None, help="write the figures here")
    args = ap.parse_args(argv)

    photo, photo_name = booth_photo()
    workdir = Path(tempfile.mkdtemp(prefix="photocheck-load-"))
    server = Server(args.profile, args.workers, args.queue, workdir / "server.log")
    watchdog = threading.Timer(args.max_seconds, lambda: (server.proc.kill(), os._exit(3)))
    watchdog.daemon = True
    watchdog.start()
    # the machine's load average says how far absolute times can be trusted (ratios hold better)
    figures: dict[str, Any] = {"photo": photo_name, "photo_bytes": len(photo),
                               "profile": args.profile, "cpu_count": os.cpu_count(),
                               "loadavg_start": os.getloadavg()}
    try:
        health = server.wait_ready()
        figures["pool"] = health["pool"]
        figures["rss_ready_mib"] = server.rss_mib()
        print(f"server ready on {server.base}: pool {health['pool']}", flush=True)
        if "e" in args.phases:
            figures["e_413"] = live_413(server, 10 * 2**20)
            print("(e)", json.dumps(figures["e_413"]), flush=True)
        if "a" in args.phases:
            figures["a_latency"] = latency_vs_library(server, photo, args.profile,
                                                      args.latency_requests)
            print("(a)", json.dumps(figures["a_latency"]), flush=True)
        if "b" in args.phases:
            figures["b_concurrency"] = concurrency(server, photo, args.profile, args.clients,
                                                   args.duration)
            print("(b)", json.dumps(figures["b_concurrency"]), flush=True)
        if "c" in args.phases:
            figures["c_overload"] = overload(server, photo, args.profile,
                                             health["pool"]["capacity"], args.overload_extra,
                                             args.overload_rounds)
            print("(c)", json.dumps(figures["c_overload"]), flush=True)
        if "d" in args.phases:
            rss_photo = photo
            if args.rss_photo == "small":
                buf = io.BytesIO()
                noise = np.random.default_rng(1).integers(0, 256, (800, 640, 3), dtype=np.uint8)
                Image.fromarray(noise).save(buf, "JPEG", quality=90)
                rss_photo = buf.getvalue()
            elif args.rss_photo == "garbage":
                rss_photo = np.random.default_rng(2).bytes(4096)
            figures["d_memory"] = memory(server, rss_photo, args.profile, args.rss_requests,
                                         args.rss_clients)
            figures["d_memory"]["photo"] = args.rss_photo
            print("(d)", json.dumps(figures["d_memory"]), flush=True)
        figures["metrics_excerpt"] = [
            line for line in httpx.get(f"{server.base}/metrics", timeout=10).text.splitlines()
            if line.startswith(("photocheck_pool_rejected_total", "photocheck_timeouts_total",
                                "photocheck_verdicts_total"))]
    finally:
        server.stop()
        watchdog.cancel()
        figures["loadavg_end"] = os.getloadavg()
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
