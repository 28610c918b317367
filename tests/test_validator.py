"""Validator.check_many: single-threaded sessions and OpenCV while the pool runs (issue 9);
one check overlapping its model chain with its measures (issue 20)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from photocheck.inference import Models
from photocheck.validator import Validator
from tests.helpers import shared_photos


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


def test_check_many_never_overlaps_one_check_even_on_one_thread(monkeypatch) -> None:
    # one core per photo: with overlap the 1-thread baseline used both cores (scaling 1.18x)
    validator = Validator("online", models=Models.load(threads=1))
    seen: list[object] = []
    real = Validator.check

    def spy(self: Validator, source: object, **kwargs: object):  # noqa: ANN202
        seen.append(kwargs.get("overlap"))
        return real(self, source, **kwargs)

    monkeypatch.setattr(Validator, "check", spy)
    monkeypatch.setenv("PHOTOCHECK_OVERLAP", "1")
    sources = [b"<html>not a photo</html>", b""]
    for threads in (1, 2):
        seen.clear()
        validator.check_many(sources, threads=threads)
        assert seen == [False, False]


def test_overlap_gives_the_same_report_and_runs_the_models_once(online, monkeypatch) -> None:
    path = shared_photos() / "a_compliant_plain_bg" / "london_002_03.jpg"
    if not path.is_file():
        pytest.skip("london_002_03 is not in ../shared/photos")
    runs: list[str] = []
    session = online.models.session

    def counting(name: str):
        runs.append(name)
        return session(name)

    monkeypatch.setattr(online.models, "session", counting)
    plain = online.check(path, applied_on="2026-11-21", overlap=False)
    alone = sorted(runs)
    runs.clear()
    overlapped = online.check(path, applied_on="2026-11-21", overlap=True)
    assert {"facemesh_468", "efficientnet_lite0"} <= set(alone)
    assert {"modnet", "modnet_fp32"} & set(alone)
    assert sorted(runs) == alone  # every model call once, whichever thread made it
    assert [(f.code, f.status, f.measured) for f in overlapped.findings] == [
        (f.code, f.status, f.measured) for f in plain.findings]
    assert overlapped.face == plain.face


def test_overlap_default_follows_the_environment(monkeypatch) -> None:
    from photocheck.validator import overlap_default

    monkeypatch.setenv("PHOTOCHECK_OVERLAP", "0")
    assert overlap_default(12.2) is False
    monkeypatch.setenv("PHOTOCHECK_OVERLAP", "1")
    assert overlap_default() is True and overlap_default(2.0) is True


def test_overlap_default_takes_large_photos_on_two_cores_only(monkeypatch) -> None:
    from photocheck import validator

    monkeypatch.delenv("PHOTOCHECK_OVERLAP", raising=False)
    monkeypatch.setattr(validator.os, "sched_getaffinity", lambda pid: {0, 1})
    assert validator.overlap_default(4032 * 3024 / 1e6) is True  # 12.2 MP
    assert validator.overlap_default(validator.OVERLAP_MIN_MEGAPIXELS) is True
    assert validator.overlap_default(1200 * 1600 / 1e6) is False  # 1.9 MP
    assert validator.overlap_default(None) is False  # unreadable header
    monkeypatch.setattr(validator.os, "sched_getaffinity", lambda pid: {0})
    assert validator.overlap_default(12.2) is False


def test_a_check_overlaps_by_the_photos_size(online, monkeypatch) -> None:
    from photocheck import validator

    monkeypatch.delenv("PHOTOCHECK_OVERLAP", raising=False)
    monkeypatch.setattr(validator.os, "sched_getaffinity", lambda pid: {0, 1})
    started: list[str] = []
    real = validator.threading.Thread

    def spy(*args: object, **kwargs: object):  # noqa: ANN202
        started.append(str(kwargs.get("name")))
        return real(*args, **kwargs)

    monkeypatch.setattr(validator.threading, "Thread", spy)
    small = cv2.imencode(".jpg", np.full((640, 480, 3), 200, np.uint8))[1].tobytes()
    online.check(small, applied_on="2026-11-21")
    online.check(b"garbage", applied_on="2026-11-21")
    assert started == []
    monkeypatch.setattr(validator, "OVERLAP_MIN_MEGAPIXELS", 0.3)  # 640×480 = 0.31 MP
    online.check(small, applied_on="2026-11-21")
    assert started == ["photocheck-overlap"]


def test_prefetch_chain_takes_the_late_measures_of_the_checks_the_profile_runs() -> None:
    from photocheck import face, person, semantic
    from photocheck.checks import eyewear, headwear
    from photocheck.profiles import Profile, load_profile
    from photocheck.validator import prefetch_chain

    online = load_profile("online")
    assert prefetch_chain(online) == [
        person.crown_info, semantic.semantic_cues, headwear.headwear_measures,
        face.eye_landmarks, eyewear.eyewear_measures]
    sections = {k: dict(v) for k, v in online.sections.items()}
    sections["headwear"]["enabled"] = sections["eyewear"]["enabled"] = False
    bare = Profile(online.name, online.description, online.upload_rules, sections,
                   online.digest + "-bare")
    # a check the profile does not run costs the helper thread nothing
    assert prefetch_chain(bare) == [person.crown_info, semantic.semantic_cues,
                                    face.eye_landmarks]


def test_overlap_computes_the_late_measures_once(online, monkeypatch) -> None:
    path = shared_photos() / "a_compliant_plain_bg" / "london_002_03.jpg"
    if not path.is_file():
        pytest.skip("london_002_03 is not in ../shared/photos")
    from photocheck.checks import eyewear, headwear
    from photocheck.measures import eyewear as me
    from photocheck.measures import headwear as mh

    calls: list[str] = []
    for module, name in ((mh, "measure_headwear"), (me, "measure_eyewear")):
        real = getattr(module, name)
        monkeypatch.setattr(module, name,
                            lambda *a, _real=real, _name=name: calls.append(_name) or _real(*a))
    ctx = online.context(path, applied_on="2026-11-21")
    report = online.run(ctx, overlap=True)
    assert sorted(calls) == ["measure_eyewear", "measure_headwear"]
    assert ctx.has("headwear_measures") and ctx.has("eyewear_measures")
    assert report.status_of("headwear.hat") == "pass"
    assert headwear.headwear_measures(ctx) is ctx.peek("headwear_measures")
    assert eyewear.eyewear_measures(ctx) is ctx.peek("eyewear_measures")


def test_work_through_skips_what_another_thread_started_and_memoises_failures() -> None:
    import threading

    from photocheck.context import NotAssessable, PhotoContext, intermediate
    from photocheck.profiles import load_profile
    from photocheck.validator import _work_through

    calls: list[str] = []
    holding, release = threading.Event(), threading.Event()

    @intermediate
    def busy(ctx: PhotoContext) -> str:  # computed by the other thread
        holding.set()
        release.wait()
        return "busy"

    @intermediate
    def done(ctx: PhotoContext) -> str:
        calls.append("done")
        return "done"

    @intermediate
    def failing(ctx: PhotoContext) -> str:
        calls.append("failing")
        raise NotAssessable("face.not_found")

    @intermediate
    def fresh(ctx: PhotoContext) -> str:
        calls.append("fresh")
        return "fresh"

    ctx = PhotoContext(data=b"", source="<test>", profile=load_profile("online"))
    done(ctx)
    other = threading.Thread(target=busy, args=(ctx,))
    other.start()
    holding.wait()
    _work_through(ctx, [busy, done, failing, fresh])  # returns while `busy` is still held
    assert calls == ["done", "failing", "fresh"] and not ctx.has("busy")
    assert ctx.has("failing") and ctx.peek("fresh") == "fresh"
    release.set()
    other.join()
    assert ctx.peek("busy") == "busy"


def test_overlap_splits_the_work_and_computes_each_intermediate_once(online,
                                                                    monkeypatch) -> None:
    import threading

    from photocheck.context import PhotoContext

    path = shared_photos() / "a_compliant_plain_bg" / "london_002_03.jpg"
    if not path.is_file():
        pytest.skip("london_002_03 is not in ../shared/photos")
    computed: list[tuple[str, str]] = []
    real = PhotoContext._compute

    def spy(self: PhotoContext, key: str, compute):  # noqa: ANN001, ANN202
        computed.append((key, threading.current_thread().name))
        return real(self, key, compute)

    monkeypatch.setattr(PhotoContext, "_compute", spy)
    online.check(path, applied_on="2026-11-21", overlap=True)
    keys = [k for k, _ in computed]
    assert len(keys) == len(set(keys))  # nothing computed twice
    where = dict(computed)
    # the main thread starts on the person mask and the background while the helper decodes
    # and searches the face
    assert where["person_mask"] == where["background_measures"] == "MainThread"
    assert where["crown_info"] == where["landmarks"] == "photocheck-overlap"
