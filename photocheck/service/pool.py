"""The bounded worker pool the checks run on: 503 when it is full, 504 after the time limit.

The thread of a timed-out check cannot be interrupted: it finishes in the background and its
slot is freed only then, so a stuck pool turns into 503s, never into unbounded memory.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from fastapi import HTTPException

if TYPE_CHECKING:
    from photocheck.service.metrics import Metrics
    from photocheck.service.state import Runtime


class PoolFull(Exception):
    """Every worker is busy and the queue is full."""


class WorkerPool:
    """A thread pool that admits at most ``workers + queue`` jobs and refuses the rest at once.

    A slot is released when the job *finishes* (not when the client gave up waiting), so the
    admission count always tells how much work the threads really have.
    """

    def __init__(self, workers: int, queue: int) -> None:
        self.workers = workers
        self.capacity = workers + queue
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="photocheck")
        self._lock = threading.Lock()
        self._admitted = 0

    @property
    def admitted(self) -> int:
        """Jobs running or waiting."""
        return self._admitted

    def submit(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Future[Any]:
        """Start ``fn`` on a worker, or raise :class:`PoolFull` without waiting."""
        with self._lock:
            if self._admitted >= self.capacity:
                raise PoolFull
            self._admitted += 1
        try:
            future = self._executor.submit(fn, *args, **kwargs)
        except BaseException:
            self._release()
            raise
        future.add_done_callback(lambda _f: self._release())
        return future

    def _release(self) -> None:
        with self._lock:
            self._admitted -= 1

    def shutdown(self) -> None:
        """Stop accepting work; queued jobs are cancelled, running ones finish on their own."""
        self._executor.shutdown(wait=False, cancel_futures=True)


async def run_in_pool(rt: Runtime, metrics: Metrics, fn: Callable[..., Any], *args: Any,
                      **kwargs: Any) -> Any:
    """Run ``fn(*args, **kwargs)`` on the worker pool and return its result.

    Raises
    ------
    HTTPException
        503 with ``Retry-After`` when the pool is full, 504 after ``timeout_s``.
    """
    try:
        future = rt.pool.submit(fn, *args, **kwargs)
    except PoolFull:
        metrics.rejected.inc()
        raise HTTPException(
            503, "all workers are busy; retry shortly",
            headers={"Retry-After": str(rt.settings.retry_after_s)}) from None
    try:
        # shield: a timeout must not cancel the asyncio wrapper while the thread still runs
        return await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(future)),
                                      rt.settings.timeout_s)
    except TimeoutError:
        metrics.timeouts.inc()
        raise HTTPException(
            504, f"the check took longer than {rt.settings.timeout_s:g} s") from None
