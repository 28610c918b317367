"""Run a batch: skip what is done, farm the rest out, append the results.

The parent process is the only journal writer and does as little per scan as it can, so that
the workers get the cores. It skips inputs whose path and ``size:mtime`` match a journal line
(one ``stat``, no read), submits a bounded number of chunks to the workers and appends each
returned line to ``results.jsonl`` (fsync batched, see :mod:`batch.store`).

- Local pool: each worker reads and hashes its scans, skips those whose hash the journal already
  has (the hashes are handed to each worker at start-up), and writes the trimmed JPEG atomically
  into the output folder before returning the line. Two inputs of one run with the same bytes are
  both processed and the second line is dropped (rare; it keeps the parent out of the bytes).
- Dask cluster (its workers may not see local files): the parent reads and hashes each scan,
  dedups before submitting, ships the bytes, and writes the returned JPEG.
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

from photocheck.batch.inputs import Item, is_url, read_bytes
from photocheck.batch.store import (
    RESULTS,
    Journal,
    Record,
    locked,
    record_key,
    remove_stale_temporaries,
    stat_key,
    write_atomic,
)
from photocheck.batch.worker import (
    DEFAULT_PROCESSOR,
    KNOWN,
    OutputWriteError,
    Result,
    Task,
    error_line,
    init_worker,
    output_name,
    process_chunk,
    single_threaded_children,
)

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
    read_ahead : int
        Scans the parent reads ahead on threads (Dask only: local workers read their own).
    sync_s, sync_lines : float, int
        fsync ``results.jsonl`` at most this long / this many lines after a line is written.
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
    sync_s: float = 0.5
    sync_lines: int = 64


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
    """A ProcessPoolExecutor whose workers are single-threaded and load the models once.

    Its workers read, hash and skip known scans and write the outputs themselves.
    """

    reads_inputs = True

    def __init__(self, workers: int, spec: str, known: Callable[[], frozenset[str]]) -> None:
        self.workers = max(1, workers)
        self.spec = spec
        self._known = known
        self._pool = self._new_pool()

    def _new_pool(self) -> cf.ProcessPoolExecutor:
        # spawn, not fork: the parent has threads (reader, progress bar) that fork would copy
        return cf.ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=init_worker,
            initargs=(self.spec, self._known()),
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
    """The same chunks on a Dask distributed cluster (models cached per worker process).

    Its workers may not see the parent's files: the parent reads the scans and writes outputs.
    """

    reads_inputs = False

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
    with locked(out), Journal(out / RESULTS, sync_s=options.sync_s,
                              sync_lines=options.sync_lines) as journal, \
            _StopFlag() as stop, _Progress(len(items), enabled=options.progress) as bar:
        removed = remove_stale_temporaries(out)
        if removed:
            log.info("removed %d temporary files of an interrupted run", removed)
        # local workers are spawned lazily (on submit, and anew after a crash): the whole run
        with single_threaded_children():
            backend = _make_backend(options, journal)
            try:
                _Loop(items, options, journal, backend, stop, bar, outcome,
                      on_progress).run(max_bytes)
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
        from photocheck.batch.summary import write_summary_csv

        write_summary_csv(outcome, out)
    return outcome


def _make_backend(options: Options, journal: Journal) -> _LocalBackend | _DaskBackend:
    if options.scheduler is not None:
        return _DaskBackend(options.scheduler, options.processor)

    def known() -> frozenset[str]:
        return frozenset(r.sha256 for r in journal.records.values() if r.sha256)

    return _LocalBackend(options.workers, options.processor, known)


class _Loop:
    """The parent's loop of one run: skip what is done, submit chunks, collect the lines.

    Holds what the steps share: the futures pending on the backend, which content keys this
    run appended, which scans were in flight when a worker died (``suspects``) and which of
    those were retried alone (``isolated``).
    """

    def __init__(
        self,
        items: Sequence[Item],
        options: Options,
        journal: Journal,
        backend: _LocalBackend | _DaskBackend,
        stop: _StopFlag,
        bar: _Progress,
        outcome: Outcome,
        on_progress: Callable[[int, int], None] | None,
    ) -> None:
        self.items = items
        self.options = options
        self.journal = journal
        self.backend = backend
        self.stop = stop
        self.bar = bar
        self.outcome = outcome
        self.on_progress = on_progress
        self.in_flight = options.in_flight or 2 * backend.workers
        self.pending: dict[Any, list[Task]] = {}
        self.first_input: dict[str, str] = {}  # key → first input of this run with that content
        self.appended: set[str] = set()  # keys whose line this run appended
        self.out_dir = str(options.out) if backend.reads_inputs else None
        self.done_count = 0
        self.suspects: deque[Task] = deque()  # scans in flight when a worker died
        self.isolated: set[str] = set()  # scans retried alone: dying again is their own fault

    def run(self, max_bytes: int) -> None:
        """Process every item; sets ``outcome.interrupted`` when stopped."""
        todo = self.skip_unchanged()
        self.submit_all(todo, max_bytes)
        self.drain()

    # --- bookkeeping per input

    def advance(self) -> None:
        self.done_count += 1
        self.bar.advance()
        if self.on_progress is not None:
            self.on_progress(self.done_count, len(self.items))

    def note(self, inp: str, key: str) -> None:
        """Remember which line answers for ``inp`` and, when that line is another input's
        (same bytes), that input (``same_as`` in the summary)."""
        rec = self.journal.records.get(key)
        first = rec.input if rec is not None else self.first_input.setdefault(key, inp)
        self.outcome.keys[inp] = (key, first if first != inp else None)

    def skip(self) -> None:
        """An input answered by a line already in the journal."""
        self.outcome.skipped += 1
        self.advance()

    def task_of(self, item: Item, stat: str | None, data: bytes | None = None,
                digest: str | None = None) -> Task:
        return Task(item.input, data, digest, self.options.profile, item.exceptions,
                    item.applied_on, item.dpi, self.options.out_dpi, stat, self.out_dir)

    def finish(self, results: list[Result]) -> None:
        """Append the lines of finished scans (their outputs first), or drop known ones."""
        journal, outcome = self.journal, self.outcome
        for line, jpeg in results:
            inp = line["input"]
            key = record_key(line.get("sha256"), inp)
            self.note(inp, key)
            if line.get(KNOWN) or key in journal:
                # done by an earlier run, or the same bytes as an input of this run that
                # finished first (local workers hash in parallel): keep one line per content
                kept = journal.records.get(key)
                if key in self.appended and kept is not None and kept.input != inp:
                    outcome.duplicates += 1
                else:
                    outcome.skipped += 1
                _discard_output(self.options.out, line, kept)
                self.advance()
                continue
            if jpeg is not None and line.get("sha256"):  # Dask: the parent writes the output
                name = output_name(inp, line["sha256"])
                write_atomic(self.options.out / name, jpeg, sync_folder=True)  # the output …
                line["output"] = name
            journal.append(line)  # … then its line
            self.appended.add(key)
            outcome.processed += 1
            self.advance()

    # --- the steps of a run

    def skip_unchanged(self) -> list[tuple[Item, str | None]]:
        """The parent's share per input: one stat. Returns the inputs left to do."""
        todo: list[tuple[Item, str | None]] = []
        for item in self.items:
            if item.problem:  # an unusable manifest row: an error line, here
                key = record_key(None, item.input)
                self.note(item.input, key)
                if key in self.journal:
                    self.skip()
                else:
                    line = error_line(self.task_of(item, None), "batch.invalid_row",
                                      item.problem)
                    self.finish([(line, None)])
                continue
            stat = stat_key(item.input)
            rec = self.journal.by_input.get(item.input)
            if stat is not None and rec is not None and rec.stat == stat:  # unchanged since done
                self.note(item.input, rec.key)
                self.skip()
                continue
            todo.append((item, stat))
        return todo

    def submit_all(self, todo: Sequence[tuple[Item, str | None]], max_bytes: int) -> None:
        """Submit the tasks of ``todo`` in chunks, at most ``in_flight`` chunks pending."""
        chunk: list[Task] = []
        backend = self.backend
        for task in _tasks(todo, backend.reads_inputs, self.task_of, max_bytes,
                           self.options.read_ahead):
            if self.stop.set:
                break
            if isinstance(task, tuple):  # Dask: unreadable, or already done/duplicate by hash
                self.finish([task])
                continue
            if task.sha256 is not None and self.known_by_hash(task):  # Dask: hashed here
                continue
            chunk.append(task)
            if len(chunk) >= self.options.chunk_size:
                self.submit(chunk)
                chunk = []
        if chunk and not self.stop.set:
            self.submit(chunk)

    def known_by_hash(self, task: Task) -> bool:
        """Dedup a task the parent hashed before submitting it (True: counted, not sent)."""
        key = record_key(task.sha256, task.input)
        self.note(task.input, key)
        if key in self.journal:
            self.skip()
            return True
        if self.first_input[key] != task.input:  # same bytes as an earlier input of this run
            self.outcome.duplicates += 1
            self.advance()
            return True
        return False

    def submit(self, chunk: list[Task]) -> None:
        self.pending[self.backend.submit(chunk)] = chunk
        while len(self.pending) >= self.in_flight and not self.stop.set:
            self.collect(0.2)
        self.retry_suspects()

    def collect(self, timeout: float) -> None:
        """Take the finished chunks (waiting up to ``timeout`` s for one)."""
        done = self.backend.wait(self.pending, timeout)
        self.journal.sync_if_due()  # also while waiting: lines do not stay unsynced for long
        for fut in done:
            tasks = self.pending.pop(fut)
            try:
                results = fut.result()
            except OutputWriteError:  # the disk is full or read-only: stop the run
                raise
            except Exception as exc:  # the worker died (segfault, OOM kill) or Dask gave up
                log.warning("a worker failed on %d scan(s): %s", len(tasks), exc)
                self.backend.recover()
                for task in tasks:
                    if task.input in self.isolated:
                        self.finish([(error_line(task, "batch.worker_crashed", str(exc)),
                                      None)])
                    else:
                        self.suspects.append(task)
                continue
            self.finish(results)

    def wait_pending(self) -> None:
        while self.pending and not self.stop.set:
            self.collect(0.2)

    def retry_suspects(self) -> None:
        # a dead worker takes every scan in flight with it: retry each alone to find the culprit
        while self.suspects and not self.stop.set:
            self.wait_pending()
            if not self.suspects:
                break
            task = self.suspects.popleft()
            self.isolated.add(task.input)
            self.pending[self.backend.submit([task])] = [task]
            self.wait_pending()

    def drain(self) -> None:
        """Wait for what is pending; when stopped keep what has finished, drop the rest."""
        self.wait_pending()
        self.retry_suspects()
        if self.stop.set:
            # keep what has already finished, drop the rest (redone by the next run)
            for fut in [f for f in self.pending if f.done()]:
                self.pending.pop(fut)
                with contextlib.suppress(Exception):
                    self.finish(fut.result())
            self.outcome.interrupted = True


def _tasks(
    todo: Sequence[tuple[Item, str | None]],
    workers_read: bool,
    task_of: Callable[..., Task],
    max_bytes: int,
    read_ahead: int,
) -> Iterator[Task | Result]:
    """The tasks to submit: path-only for local workers on local files; read and hashed here
    for Dask and for URLs (an fsspec filesystem may live in this process only, e.g. memory://;
    an unreadable input becomes its error line, a Result)."""
    parent_reads = []
    for item, stat in todo:
        if workers_read and not is_url(item.input):
            yield task_of(item, stat)
        else:
            parent_reads.append((item, stat))
    stats = {item.input: stat for item, stat in parent_reads}
    for item, data, read_error in _read_ahead([i for i, _ in parent_reads], max_bytes,
                                              read_ahead):
        stat = stats[item.input]
        if data is None:
            task = task_of(item, stat)
            yield error_line(task, "file.unreadable", read_error or "unreadable"), None
            continue
        yield task_of(item, stat, data, hashlib.sha256(data).hexdigest())


def _discard_output(out: Path, line: dict[str, Any], kept: Record | None) -> None:
    """Delete the output a worker wrote for a line that is dropped (unless a kept line names
    the same file)."""
    name = line.get("output")
    if name and (kept is None or kept.output != name):
        with contextlib.suppress(OSError):
            (out / name).unlink()


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
