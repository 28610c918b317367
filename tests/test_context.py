"""PhotoContext memo: computed once, failures memoised, shared safely by two threads."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from photocheck.context import NotAssessable, PhotoContext
from photocheck.profiles import load_profile


def _ctx() -> PhotoContext:
    return PhotoContext(data=b"", source="<test>", profile=load_profile("online"))


def test_a_value_is_computed_once_and_timed() -> None:
    ctx, calls = _ctx(), []
    assert ctx.memo("k", lambda: calls.append(1) or 7) == 7
    assert ctx.memo("k", lambda: calls.append(1) or 8) == 7
    assert calls == [1] and ctx.has("k") and ctx.peek("k") == 7 and "k" in ctx.timings_ms


def test_a_failure_is_memoised_and_raised_again() -> None:
    ctx, calls = _ctx(), []

    def fail() -> None:
        calls.append(1)
        raise NotAssessable("face.not_found", "none")

    for _ in range(2):
        with pytest.raises(NotAssessable, match="face.not_found"):
            ctx.memo("k", fail)
    assert calls == [1] and ctx.peek("k") is None


def test_a_second_thread_waits_for_the_value_being_computed() -> None:
    ctx, calls = _ctx(), []
    started = threading.Event()

    def slow() -> int:
        calls.append(threading.current_thread().name)
        started.set()
        time.sleep(0.05)
        return 42

    got: list[int] = []
    helper = threading.Thread(target=lambda: got.append(ctx.memo("k", slow)), name="helper")
    helper.start()
    started.wait()
    assert ctx.memo("k", slow) == 42  # asked while the helper computes it: waits, no rerun
    helper.join()
    assert got == [42] and calls == ["helper"] and not ctx._inflight


@contextlib.contextmanager
def _in_flight(ctx: PhotoContext, finish: Callable[[], int],
               first: Callable[[], None] = lambda: None) -> Iterator[None]:
    """``ctx.memo("k", …)`` computing on a helper thread while the block runs: ``first`` runs
    as the computation starts, ``finish`` gives its answer (or raises) once the block ends."""
    computing, release = threading.Event(), threading.Event()

    def held() -> int:
        first()
        computing.set()
        release.wait()
        return finish()

    def work() -> None:
        with contextlib.suppress(KeyboardInterrupt):
            ctx.memo("k", held)

    helper = threading.Thread(target=work)
    helper.start()
    computing.wait()
    try:
        yield
    finally:
        release.set()
        helper.join()


def _until_a_waiter_made_the_event(ctx: PhotoContext) -> None:
    while ctx._inflight.get("k") is None:
        time.sleep(0.001)


def test_an_event_is_made_only_when_a_thread_waits() -> None:
    ctx = _ctx()
    seen: list[object] = []
    waiters = [threading.Thread(target=lambda: seen.append(ctx.memo("k", lambda: 0)))
               for _ in range(2)]
    # nobody waits as the computation starts: no Event
    with _in_flight(ctx, lambda: 7, first=lambda: seen.append(ctx._inflight["k"])):
        for waiter in waiters:
            waiter.start()
        _until_a_waiter_made_the_event(ctx)
    for waiter in waiters:
        waiter.join()
    assert seen == [None, 7, 7] and not ctx._inflight


def test_a_waiter_computes_when_the_computing_thread_is_interrupted() -> None:
    ctx = _ctx()
    got: list[int] = []
    waiter = threading.Thread(target=lambda: got.append(ctx.memo("k", lambda: 5)))

    def interrupted() -> int:
        raise KeyboardInterrupt  # not memoised: only Exceptions are

    with _in_flight(ctx, interrupted):
        waiter.start()
        _until_a_waiter_made_the_event(ctx)
    waiter.join()
    assert got == [5] and ctx.peek("k") == 5 and not ctx._inflight


def test_started_covers_the_value_being_computed_and_the_computed_one() -> None:
    ctx = _ctx()
    with _in_flight(ctx, lambda: 1):
        assert ctx.started("k") and not ctx.has("k")  # in flight on the helper
        assert not ctx.started("other")
    assert ctx.started("k") and ctx.has("k")


def test_an_intermediate_carries_its_memo_key() -> None:
    from photocheck.context import intermediate

    @intermediate
    def answer(ctx: PhotoContext) -> int:
        return 42

    ctx = _ctx()
    assert answer.key == "answer" and not ctx.started(answer.key)
    assert answer(ctx) == 42 and ctx.started("answer")
