"""PhotoContext: one photo's lazily computed, memoised intermediates (failures memoised too)."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

if TYPE_CHECKING:
    from photocheck.inference import Models
    from photocheck.profiles import Profile

T = TypeVar("T")
P = ParamSpec("P")


class NotAssessable(Exception):  # noqa: N818 - it is a condition, not an error
    """An intermediate could not be computed; checks that need it become ``not_assessed``.

    Parameters
    ----------
    cause : str
        The finding code that explains why (e.g. ``face.not_found``, ``file.corrupt``).
    detail : str
        Human-readable detail for logs.
    """

    def __init__(self, cause: str, detail: str = "") -> None:
        super().__init__(f"{cause}: {detail}" if detail else cause)
        self.cause = cause
        self.detail = detail


@dataclass
class PhotoContext:
    """Everything known about one photo while it is being checked.

    Intermediates are functions of the context decorated with :func:`intermediate`; each is
    computed at most once per photo, its wall time is recorded in ``timings_ms`` and an exception
    it raised is re-raised on every later request instead of recomputing. Two threads may work
    on one context (a check overlaps its model calls with its measures): a thread asking for an
    intermediate another thread is computing waits for that result instead of computing it
    again (no deadlock: intermediates depend on each other without cycles).
    """

    data: bytes
    source: str
    profile: Profile
    exceptions: frozenset[str] = frozenset()
    applied_on: dt.date = field(default_factory=dt.date.today)
    models: Models | None = None
    timings_ms: dict[str, float] = field(default_factory=dict)
    face_info: dict[str, Any] | None = None
    crop_info: dict[str, Any] | None = None
    # classifier name → a classifier to use instead of the packaged one (held-out evaluation)
    classifiers: dict[str, Any] | None = None
    _memo: dict[str, tuple[bool, Any]] = field(default_factory=dict, repr=False)
    # key → the Event its first waiter made (None while no other thread waits for it)
    _inflight: dict[str, threading.Event | None] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def memo(self, key: str, compute: Callable[[], T]) -> T:
        """Return the memoised value of ``key``, computing it once with ``compute`` (a thread
        asking while another computes it waits for that answer)."""
        hit = self._memo.get(key)
        if hit is None:
            event = None
            with self._lock:
                hit = self._memo.get(key)
                owner = hit is None and key not in self._inflight
                if owner:
                    self._inflight[key] = None
                elif hit is None:
                    # the Event is made by the first waiter, not by every computation: most
                    # intermediates are never waited for, and an Event costs microseconds of
                    # Python holding the GIL
                    event = self._inflight[key]
                    if event is None:
                        event = self._inflight[key] = threading.Event()
            if owner:
                try:
                    hit = self._compute(key, compute)
                finally:  # also on KeyboardInterrupt: a waiting thread must not hang
                    with self._lock:
                        waiting = self._inflight.pop(key)
                    if waiting is not None:
                        waiting.set()
            elif event is not None:
                event.wait()
                hit = self._memo.get(key)
                if hit is None:  # the computing thread was interrupted: try again here
                    return self.memo(key, compute)
        ok, value = hit
        if not ok:
            raise value
        return value

    def _compute(self, key: str, compute: Callable[[], T]) -> tuple[bool, Any]:
        start = time.perf_counter()
        try:
            hit: tuple[bool, Any] = (True, compute())
        except Exception as exc:  # memoise the failure: later callers get the same answer
            hit = (False, exc)
        self.timings_ms[key] = self.timings_ms.get(key, 0.0) + (
            time.perf_counter() - start
        ) * 1000.0
        self._memo[key] = hit
        return hit

    def started(self, key: str) -> bool:
        """Whether ``key`` has been computed or another thread is computing it."""
        with self._lock:
            return key in self._memo or key in self._inflight

    def has(self, key: str) -> bool:
        """Whether ``key`` has been computed (successfully or not)."""
        return key in self._memo

    def peek(self, key: str) -> Any | None:
        """The memoised value of ``key`` if it was computed successfully, else None."""
        hit = self._memo.get(key)
        return hit[1] if hit and hit[0] else None

    def params(self, section: str) -> dict[str, Any]:
        """The profile's parameters of one section (check or stage)."""
        return self.profile.section(section)


def intermediate(fn: Callable[[PhotoContext], T]) -> Callable[[PhotoContext], T]:
    """Make ``fn(ctx)`` a memoised intermediate of the context, keyed and timed by its name."""
    key = fn.__name__

    @wraps(fn)
    def wrapper(ctx: PhotoContext) -> T:
        return ctx.memo(key, lambda: fn(ctx))

    wrapper.key = key  # type: ignore[attr-defined]  # for PhotoContext.started
    return wrapper
