"""Speed of a whole check against a plain full-resolution decode of the same bytes (issue 9):
a 12 MP phone JPEG and a 2 MP JPEG (profile ``online``) and a 600-dpi A6 scan of a mailed print
(profile ``mail``, which judges quality at full resolution).

Run: ``python -m pytest benchmarks/test_speed.py --benchmark-only`` — the terminal summary prints
each median as a ratio to ``test_decode_full`` of the same group (same file, same run), and writes
``benchmarks/results/ratios.json`` and ``stages.json`` (per-stage medians of the checks).
``test_check_interleaved`` alternates the decode and the check round by round (both see the
same moment of the host) and reports the ratios of their medians.
``test_check_floor`` is the least a check with these models can cost: the ⅛-size DCT decode (the
Huffman pass every decode of the file makes) plus the model inferences the check of that photo
ran, replayed with the very same inputs; no measure, no resize, no Python of ours around them.
Single thread: OpenCV and onnxruntime are limited to one thread. On a shared, loaded machine add
``--benchmark-timer time.process_time``: the ratios are then of CPU time, which the load barely
moves (wall-clock ratios swing by 2× there).
"""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from typing import Any

import cv2
import numpy as np
import pytest

from benchmarks.conftest import RESULTS, PlainDecoder, cpu_timed
from benchmarks.photos import CACHE, phone_jpeg
from photocheck.inference import Models
from photocheck.validator import Validator


def scan_600dpi() -> bytes:
    """A 45×35 mm print of the benchmark portrait on an A6 bed at 600 dpi (2480×3496 px)."""
    from benchmarks.bench_trim import SPEC
    from benchmarks.photos import PHOTOS, PORTRAIT
    from benchmarks.scan_synth import drawn_portrait, portrait_from_photo, render_scan

    name = CACHE / "scan_a6_600dpi.jpg"
    if name.is_file():
        return name.read_bytes()
    path = PHOTOS / PORTRAIT
    portrait = portrait_from_photo(str(path)) if path.is_file() else None
    data = render_scan(portrait or drawn_portrait(), SPEC).data
    CACHE.mkdir(parents=True, exist_ok=True)
    name.write_bytes(data)
    return data


INPUTS = {
    "12mp_phone_4032x3024": (lambda: phone_jpeg(3024, 4032), "online"),
    "2mp_1200x1600": (lambda: phone_jpeg(1200, 1600, seed=1), "online"),
    "scan_a6_600dpi_2480x3496": (scan_600dpi, "mail"),
}
_stages: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))


@pytest.fixture(scope="module")
def validators() -> dict[str, Validator]:
    cv2.setNumThreads(1)
    models = Models.load(threads=1)
    models.warm_up()
    return {name: Validator(name, models=models) for name in ("online", "mail")}


@pytest.fixture(params=sorted(INPUTS), scope="module")
def photo(request: pytest.FixtureRequest) -> tuple[str, bytes]:
    return request.param, INPUTS[request.param][0]()


def test_decode_full(benchmark, photo: tuple[str, bytes]) -> None:
    group, data = photo
    benchmark.group = group
    buf = np.frombuffer(data, np.uint8)
    image = cpu_timed(benchmark, cv2.imdecode, buf, cv2.IMREAD_COLOR)
    assert image is not None and image.shape[0] * image.shape[1] > 1_000_000


def test_check(benchmark, validators: dict[str, Validator], photo: tuple[str, bytes]) -> None:
    group, data = photo
    benchmark.group = group
    validator = validators[INPUTS[group][1]]

    def run() -> dict[str, float]:
        report = validator.check(data, applied_on="2026-11-21")
        for key, ms in report.timings_ms.items():
            _stages[group][key].append(ms)
        return report

    report = cpu_timed(benchmark, run)
    assert report.status_of("file.format") == "pass"


class _RecordingModels(Models):
    """Models whose sessions remember every ``run`` (model name, input feed) of one check."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.calls: list[tuple[str, dict[str, np.ndarray]]] = []

    def session(self, name: str) -> Any:
        inner = super().session(name)
        calls = self.calls

        class Recorder:
            def run(self, outputs: Any, feed: dict[str, np.ndarray], *args: Any) -> Any:
                calls.append((name, {k: np.array(v, copy=True) for k, v in feed.items()}))
                return inner.run(outputs, feed, *args)

            def __getattr__(self, attr: str) -> Any:
                return getattr(inner, attr)

        return Recorder()


def test_check_floor(benchmark, validators: dict[str, Validator],
                     photo: tuple[str, bytes]) -> None:
    group, data = photo
    benchmark.group = group
    models: Models = validators["online"].models
    recording = _RecordingModels(models.directory, threads=1)
    Validator(INPUTS[group][1], models=recording).check(data, applied_on="2026-11-21")
    calls = [(models.session(name), feed) for name, feed in recording.calls]
    buf = np.frombuffer(data, np.uint8)

    def floor() -> int:
        small = cv2.imdecode(buf, cv2.IMREAD_REDUCED_COLOR_8)
        for session, feed in calls:
            session.run(None, feed)
        return small.shape[0]

    assert cpu_timed(benchmark, floor) > 0
    names = sorted({name for name, _ in recording.calls})
    assert "facemesh_468" in names and len(calls) >= 3, names


# rounds of the interleaved test (the first ones warm the caches and are dropped)
INTERLEAVED_ROUNDS = 24
INTERLEAVED_WARMUP = 3


def test_check_interleaved(benchmark, validators: dict[str, Validator],
                           photo: tuple[str, bytes]) -> None:
    """The plain decode and the whole check alternated round by round, so both see the same
    moment of a noisy host (``test_decode_full`` and ``test_check`` run seconds apart, and the
    decode's own cost swings by a third between runs there); the ratios of their medians, wall
    and process CPU, go to ``extra_info`` and the terminal summary.

    The decode runs in a plain process of its own (:class:`benchmarks.conftest.PlainDecoder`):
    in this one its output's cost depends on what the heap holds after the checks (a 12 MP
    decode took 34–37 ms there when a free 37 MB block was at hand, 56 ms when it was not)."""
    import time

    group, data = photo
    benchmark.group = f"{group}_interleaved"
    validator = validators[INPUTS[group][1]]
    wall: dict[str, list[float]] = {"decode": [], "check": []}
    cpu: dict[str, list[float]] = {"decode": [], "check": []}
    faults: list[int] = []

    with PlainDecoder(data) as plain_decode:
        def one_round() -> Any:
            decode_s, decode_cpu_s, decode_faults = plain_decode()
            start, start_cpu = time.perf_counter(), time.process_time()
            report = validator.check(data, applied_on="2026-11-21")
            wall["decode"].append(decode_s)
            cpu["decode"].append(decode_cpu_s)
            faults.append(decode_faults)
            wall["check"].append(time.perf_counter() - start)
            cpu["check"].append(time.process_time() - start_cpu)
            return report

        report = benchmark.pedantic(one_round, rounds=INTERLEAVED_ROUNDS,
                                    warmup_rounds=INTERLEAVED_WARMUP)
    assert report.status_of("file.format") == "pass"
    assert len(wall["check"]) == INTERLEAVED_ROUNDS + INTERLEAVED_WARMUP

    def median(values: list[float]) -> float:
        return statistics.median(values[INTERLEAVED_WARMUP:])

    benchmark.extra_info.update({
        "median_ms": {k: round(median(v) * 1000.0, 2) for k, v in wall.items()},
        "cpu_median_ms": {k: round(median(v) * 1000.0, 2) for k, v in cpu.items()},
        "decode_page_faults": int(statistics.median(faults[INTERLEAVED_WARMUP:])),
        "check_over_cv2_decode": round(median(wall["check"]) / median(wall["decode"]), 3),
        "check_cpu_over_cv2_decode_cpu": round(median(cpu["check"]) / median(cpu["decode"]), 3),
    })


def teardown_module() -> None:
    RESULTS.mkdir(exist_ok=True)
    table = {g: {k: statistics.median(v) for k, v in sorted(d.items())} for g, d in _stages.items()}
    (RESULTS / "stages.json").write_text(json.dumps(table, indent=1))
