"""Run a batch: read and hash inputs, skip what is done, farm the rest out, write results.

The parent process is the only writer. It reads each scan (hashing it for resuming), submits a
bounded number of chunks to the workers (a local process pool or a Dask cluster), and for each
finished scan writes the trimmed JPEG atomically and then appends its line to ``results.jsonl``.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import hashlib
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from batch.inputs import Item, output_stem, read_bytes
from batch.store import (
    RESULTS,
    Journal,
    Record,
    locked,
    record_key,
    remove_stale_temporaries,
    write_atomic,
)
from batch.worker import DEFAULT_PROCESSOR, Result, Task, error_line, init_worker, process_chunk

log = logging.getLogger("photocheck.batch")

EXIT_OK = 0  # every input accepted
EXIT_FINDINGS = 1  # some input got review or reject
EXIT_USAGE = 2  # bad arguments / input (argparse convention, as the photocheck CLI)
EXIT_INPUT_FAILED = 3  # some input could not be processed (an error line)
EXIT_INTERRUPTED = 130  # Ctrl-C / SIGTERM


@dataclass
class Options:
    """How to run a batch (the CLI options, as data).

    Attributes
    ----------
    out : Path
        Output folder (local): trimmed JPEGs, ``results.jsonl``, ``summary.csv``.
    workers : int
        Local worker processes (ignored with ``scheduler``).
    scheduler : str or object, optional
        A Dask scheduler address, or a ``distributed.Client`` / ``LocalCluster`` to use.
    processor : str
        ``module:function`` of the per-scan processor (default :func:`photocheck.trimming.trim`).
    chunk_size : int
        Scans per worker task (>1 lets a processor batch its model calls).
    in_flight : int, optional
        Chunks submitted and not yet collected (default: 2 per worker).
    progress : bool
        Show a progress bar (only when stderr is a terminal).
    """

    out: Path
    workers: int = 1
    scheduler: Any = None
    processor: str = DEFAULT_PROCESSOR
    profile: str = "mail"
    out_dpi: int = 600
    chunk_size: int = 1
    in_flight: int | None = None
    progress: bool = True
    read_ahead: int = 4


@dataclass
class Outcome:
    """What a run did (for the summary and the exit status)."""

    total: int = 0
    processed: int = 0
    skipped: int = 0
    duplicates: int = 0
    interrupted: bool = False
    elapsed_s: float = 0.0
    rows: list[tuple[str, Record | None, str | None]] = field(default_factory=list)
    keys: dict[str, tuple[str, str | None]] = field(default_factory=dict, repr=False)

    @property
    def exit_code(self) -> int:
        """130 interrupted, 3 any input failed, 1 any review/reject, else 0."""
        if self.interrupted:
            return EXIT_INTERRUPTED
        records = [r for _, r, _ in self.rows if r is not None]
        if any(r.error for r in records):
            return EXIT_INPUT_FAILED
        if any(r.verdict != "accept" for r in records):
            return EXIT_FINDINGS
        return EXIT_OK


# --- backends --------------------------------------------------------------------------------


class _LocalBackend:
    """A ProcessPoolExecutor whose workers are single-threaded and load the models once."""

    def __init__(self, workers: int, spec: str) -> None:
        self.workers = max(1, workers)
        self.spec = spec
        self._pool = self._new_pool()

    def _new_pool(self) -> cf.ProcessPoolExecutor:
        # spawn, not fork: the parent has threads (reader, progress bar) that fork would copy
        return cf.ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=init_worker,
            initargs=(self.spec,),
        )

    def submit(self, tasks: list[Task]) -> Any:
        return self._pool.submit(process_chunk, tasks, self.spec)

    def wait(self, pending: Iterable[Any], timeout: float) -> set[Any]:
        done, _ = cf.wait(list(pending), timeout=timeout, return_when=cf.FIRST_COMPLETED)
        return set(done)

    def recover(self) -> None:
        """Replace a broken pool (a worker died) so the remaining scans can go on."""
        if getattr(self._pool, "_broken", False):
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = self._new_pool()

    def abort(self) -> None:
        """Cancel queued work and stop the workers now (the scans they hold are redone later)."""
        processes = list((getattr(self._pool, "_processes", None) or {}).values())
        self._pool.shutdown(wait=False, cancel_futures=True)
        for proc in processes:
            with contextlib.suppress(Exception):
                proc.terminate()
        for proc in processes:
            with contextlib.suppress(Exception):
                proc.join(timeout=5)

    def close(self) -> None:
        self._pool.shutdown(wait=True)


class _DaskBackend:
    """The same chunks on a Dask distributed cluster (models cached per worker process)."""

    def __init__(self, scheduler: Any, spec: str) -> None:
        import distributed

        self._distributed = distributed
        self.spec = spec
        self._own = False
        self._live: set[Any] = set()
        if isinstance(scheduler, distributed.Client):
            self.client = scheduler
        else:
            self.client = distributed.Client(scheduler)  # an address or a LocalCluster
            self._own = True
        info = self.client.scheduler_info()
        self.workers = max(1, sum(int(w.get("nthreads", 1)) for w in info["workers"].values()))

    def submit(self, tasks: list[Task]) -> Any:
        fut = self.client.submit(process_chunk, tasks, self.spec, pure=False)
        self._live.add(fut)
        return fut

    def wait(self, pending: Iterable[Any], timeout: float) -> set[Any]:
        futures = list(pending)
        try:
            done = set(self._distributed.wait(futures, timeout=timeout,
                                              return_when="FIRST_COMPLETED").done)
        except TimeoutError:
            done = {f for f in futures if f.done()}
        self._live -= done
        return done

    def recover(self) -> None:
        """Dask reschedules work of a lost worker by itself."""

    def abort(self) -> None:
        with contextlib.suppress(Exception):
            self.client.cancel(list(self._live), force=True)
        self.close()

    def close(self) -> None:
        if self._own:
            with contextlib.suppress(Exception):
                self.client.close()


# --- the run ---------------------------------------------------------------------------------


class _StopFlag:
    """SIGINT/SIGTERM set a flag the loop checks; a second Ctrl-C interrupts at once."""

    def __init__(self) -> None:
        self.set = False
        self._old: dict[int, Any] = {}

    def _handler(self, signum: int, frame: Any) -> None:
        if self.set:
            raise KeyboardInterrupt
        self.set = True

    def __enter__(self) -> _StopFlag:
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._old[sig] = signal.signal(sig, self._handler)
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, old in self._old.items():
            signal.signal(sig, old)


def _read(item: Item, max_bytes: int) -> tuple[Item, bytes | None, str | None]:
    if item.problem:
        return item, None, None
    try:
        data = read_bytes(item.input, max_bytes)
    except OSError as exc:
        return item, None, f"cannot read {item.input}: {exc.strerror or exc}"
    return item, data, None


def _read_ahead(
    items: Sequence[Item], max_bytes: int, depth: int
) -> Iterator[tuple[Item, bytes | None, str | None]]:
    """Read inputs a few ahead on threads (remote filesystems have latency), in order."""
    with cf.ThreadPoolExecutor(max_workers=max(1, depth), thread_name_prefix="batch-read") as ex:
        queue: deque[cf.Future[tuple[Item, bytes | None, str | None]]] = deque()
        it = iter(items)
        for item in it:
            queue.append(ex.submit(_read, item, max_bytes))
            if len(queue) >= depth:
                break
        while queue:
            yield queue.popleft().result()
            nxt = next(it, None)
            if nxt is not None:
                queue.append(ex.submit(_read, nxt, max_bytes))


def output_name(task_input: str, sha256: str) -> str:
    """``<stem>-<first 12 hex of sha256>.jpg``: has the scan's stem, unique per content."""
    return f"{output_stem(task_input)}-{sha256[:12]}.jpg"


def run(
    items: Sequence[Item],
    options: Options,
    *,
    on_progress: Callable[[int, int], None] | None = None,
) -> Outcome:
    """Process ``items`` into ``options.out``; resumable, interruptible.

    Parameters
    ----------
    items : sequence of Item
        The scans (see :func:`batch.inputs.discover`).
    options : Options
        Output folder, workers or scheduler, processor.
    on_progress : callable, optional
        Called with ``(done, total)`` after each input (tests, custom front-ends).

    Returns
    -------
    Outcome
        Counts, per-input records for the summary, and the exit code; ``summary.csv`` is
        written (also when interrupted).
    """
    from photocheck.profiles import load_profile

    out = options.out
    out.mkdir(parents=True, exist_ok=True)
    outcome = Outcome(total=len(items))
    max_bytes = int(load_profile(options.profile).section("decode")["max_read_bytes"])
    started = time.perf_counter()
    with locked(out), Journal(out / RESULTS) as journal, _StopFlag() as stop, \
            _Progress(len(items), enabled=options.progress) as bar:
        removed = remove_stale_temporaries(out)
        if removed:
            log.info("removed %d temporary files of an interrupted run", removed)
        backend = _make_backend(options)
        try:
            _loop(items, options, journal, backend, stop, bar, outcome, max_bytes, on_progress)
        except KeyboardInterrupt:  # second Ctrl-C: stop without waiting
            outcome.interrupted = True
            backend.abort()
        except BaseException:  # e.g. the disk is full: stop the workers, report the error
            backend.abort()
            raise
        else:
            if outcome.interrupted:
                backend.abort()
            else:
                backend.close()
        # every input of this run, with the record that answers for it
        for item in items:
            key, same_as = outcome.keys.get(item.input, ("", None))
            outcome.rows.append((item.input, journal.records.get(key), same_as))
        outcome.elapsed_s = time.perf_counter() - started
        from batch.summary import write_summary_csv

        write_summary_csv(outcome, out)
    return outcome


def _make_backend(options: Options) -> _LocalBackend | _DaskBackend:
    if options.scheduler is not None:
        return _DaskBackend(options.scheduler, options.processor)
    return _LocalBackend(options.workers, options.processor)


def _loop(
    items: Sequence[Item],
    options: Options,
    journal: Journal,
    backend: _LocalBackend | _DaskBackend,
    stop: _StopFlag,
    bar: _Progress,
    outcome: Outcome,
    max_bytes: int,
    on_progress: Callable[[int, int], None] | None,
) -> None:
    in_flight = options.in_flight or 2 * backend.workers
    pending: dict[Any, list[Task]] = {}
    first_input: dict[str, str] = {}  # key → first input of this run with that content
    done_count = 0

    def advance() -> None:
        nonlocal done_count
        done_count += 1
        bar.advance()
        if on_progress is not None:
            on_progress(done_count, len(items))

    def finish(results: list[Result]) -> None:
        for line, jpeg in results:
            if jpeg is not None and line.get("sha256"):
                name = output_name(line["input"], line["sha256"])
                write_atomic(options.out / name, jpeg)  # the output first …
                line["output"] = name
            journal.append(line)  # … then its line (durable)
            outcome.processed += 1
            advance()

    suspects: deque[Task] = deque()  # scans in flight when a worker died
    isolated: set[str] = set()  # scans retried alone: dying again is their own fault

    def collect(timeout: float) -> None:
        for fut in backend.wait(pending, timeout):
            tasks = pending.pop(fut)
            try:
                results = fut.result()
            except Exception as exc:  # the worker died (segfault, OOM kill) or Dask gave up
                log.warning("a worker failed on %d scan(s): %s", len(tasks), exc)
                backend.recover()
                for task in tasks:
                    if task.input in isolated:
                        finish([(error_line(task, "batch.worker_crashed", str(exc)), None)])
                    else:
                        suspects.append(task)
                continue
            finish(results)

    def retry_suspects() -> None:
        # a dead worker takes every scan in flight with it: retry each alone to find the culprit
        while suspects and not stop.set:
            while pending and not stop.set:
                collect(0.2)
            if not suspects:
                break
            task = suspects.popleft()
            isolated.add(task.input)
            pending[backend.submit([task])] = [task]
            while pending and not stop.set:
                collect(0.2)

    def submit(chunk: list[Task]) -> None:
        pending[backend.submit(chunk)] = chunk
        while len(pending) >= in_flight and not stop.set:
            collect(0.2)
        retry_suspects()

    chunk: list[Task] = []
    for item, data, read_error in _read_ahead(items, max_bytes, options.read_ahead):
        if stop.set:
            break
        task = Task(item.input, data, None, options.profile, item.exceptions,
                    item.applied_on, item.dpi, options.out_dpi)
        if data is None:  # unreadable, or an unusable manifest row: an error line, here
            key = record_key(None, item.input)
            outcome.keys[item.input] = (key, None)
            if key in journal:
                outcome.skipped += 1
                advance()
            elif item.problem:
                finish([(error_line(task, "batch.invalid_row", item.problem), None)])
            else:
                finish([(error_line(task, "file.unreadable", read_error or "unreadable"), None)])
            continue
        digest = hashlib.sha256(data).hexdigest()
        key = record_key(digest, item.input)
        same_as = first_input.setdefault(key, item.input)
        outcome.keys[item.input] = (key, same_as if same_as != item.input else None)
        if key in journal:
            outcome.skipped += 1
            advance()
            continue
        if same_as != item.input:  # same bytes as an earlier input of this run
            outcome.duplicates += 1
            advance()
            continue
        chunk.append(Task(item.input, data, digest, options.profile, item.exceptions,
                          item.applied_on, item.dpi, options.out_dpi))
        if len(chunk) >= options.chunk_size:
            submit(chunk)
            chunk = []
    if chunk and not stop.set:
        submit(chunk)
    while pending and not stop.set:
        collect(0.2)
    retry_suspects()
    if stop.set:
        # keep what has already finished, drop the rest (redone by the next run)
        for fut in [f for f in pending if f.done()]:
            pending.pop(fut)
            with contextlib.suppress(Exception):
                finish(fut.result())
        outcome.interrupted = True


class _Progress:
    """A rich progress bar (count, rate, ETA) on a terminal; nothing otherwise."""

    def __init__(self, total: int, *, enabled: bool) -> None:
        self.total = total
        self.enabled = enabled and sys.stderr.isatty() and not os.environ.get("CI")
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> _Progress:
        if self.enabled:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                ProgressColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )
            from rich.text import Text

            class _Rate(ProgressColumn):
                def render(self, task: Any) -> Text:
                    speed = task.finished_speed or task.speed
                    return Text(f"{speed:.2f} scans/s" if speed else "– scans/s")

            self._progress = Progress(
                TextColumn("[bold]photocheck batch"), BarColumn(), MofNCompleteColumn(),
                _Rate(), TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                transient=False,
            )
            self._progress.start()
            self._task = self._progress.add_task("scans", total=self.total)
        return self

    def advance(self) -> None:
        if self._progress is not None:
            self._progress.advance(self._task)

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()
