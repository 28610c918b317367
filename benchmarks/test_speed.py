"""Speed of a whole check against a plain full-resolution decode of the same bytes (issue 9).

Run: ``python -m pytest benchmarks/test_speed.py --benchmark-only`` — the terminal summary prints
each median as a ratio to ``test_decode_full`` of the same group (same file, same run), and writes
``benchmarks/results/ratios.json`` and ``stages.json`` (per-stage medians of the checks).
Single thread: OpenCV and onnxruntime are limited to one thread. On a shared, loaded machine add
``--benchmark-timer time.process_time``: the ratios are then of CPU time, which the load barely
moves (wall-clock ratios swing by 2× there).
"""

from __future__ import annotations

import json
import statistics
from collections import defaultdict

import cv2
import numpy as np
import pytest

from benchmarks.conftest import RESULTS
from benchmarks.photos import phone_jpeg
from photocheck.inference import Models
from photocheck.validator import Validator

INPUTS = {
    "12mp_phone_4032x3024": lambda: phone_jpeg(3024, 4032),
    "2mp_1200x1600": lambda: phone_jpeg(1200, 1600, seed=1),
}
_stages: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))


@pytest.fixture(scope="module")
def validator() -> Validator:
    cv2.setNumThreads(1)
    models = Models.load(threads=1)
    models.warm_up()
    return Validator("online", models=models)


@pytest.fixture(params=sorted(INPUTS), scope="module")
def photo(request: pytest.FixtureRequest) -> tuple[str, bytes]:
    return request.param, INPUTS[request.param]()


def test_decode_full(benchmark, photo: tuple[str, bytes]) -> None:
    group, data = photo
    benchmark.group = group
    buf = np.frombuffer(data, np.uint8)
    image = benchmark(cv2.imdecode, buf, cv2.IMREAD_COLOR)
    assert image is not None and image.shape[0] * image.shape[1] > 1_000_000


def test_check(benchmark, validator: Validator, photo: tuple[str, bytes]) -> None:
    group, data = photo
    benchmark.group = group

    def run() -> dict[str, float]:
        report = validator.check(data, applied_on="2026-11-21")
        for key, ms in report.timings_ms.items():
            _stages[group][key].append(ms)
        return report

    report = benchmark(run)
    assert report.status_of("file.format") == "pass"


def teardown_module() -> None:
    RESULTS.mkdir(exist_ok=True)
    table = {g: {k: statistics.median(v) for k, v in sorted(d.items())} for g, d in _stages.items()}
    (RESULTS / "stages.json").write_text(json.dumps(table, indent=1))
