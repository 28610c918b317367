"""Validator.check_many: single-threaded sessions and OpenCV while the pool runs (issue 9)."""

from __future__ import annotations

import cv2

from photocheck.inference import Models
from photocheck.validator import Validator


def test_parallel_worker_uses_single_threaded_sessions_once() -> None:
    validator = Validator("online", models=Models.load(threads=0))
    twin = validator._parallel_worker()
    assert twin is not validator
    assert twin.models.threads == 1
    assert twin.profile is validator.profile
    assert validator._parallel_worker() is twin  # created once


def test_parallel_worker_is_itself_when_sessions_are_single_threaded() -> None:
    validator = Validator("online", models=Models.load(threads=1))
    assert validator._parallel_worker() is validator


def test_check_many_on_two_threads_keeps_order_and_restores_opencv_threads() -> None:
    validator = Validator("online", models=Models.load(threads=0))
    before = cv2.getNumThreads()
    sources = [b"<html>not a photo</html>", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, b""]
    reports = validator.check_many(sources, threads=2)
    assert [r.status_of("file.format") for r in reports] == ["fail", "fail", "fail"]
    measured = [next(f.measured for f in r.findings if f.code == "file.format")
                for r in reports]
    assert measured[:2] == ["html", "png"]
    assert cv2.getNumThreads() == before
