"""The per-scan function, run in worker processes (local pool or Dask workers).

On the local pool a worker does all the per-scan work: it reads the scan itself, hashes it (the
resume key), skips it when that hash is already in the journal (the set of known hashes is handed
to each worker once, at start-up), and writes the trimmed JPEG atomically into the output folder
(temporary name, fsync, ``os.replace``, folder fsync). The parent only appends the returned line to
``results.jsonl`` (it is the single journal writer). On a Dask cluster, whose workers may not see
the parent's files, the parent reads and hashes the scan and writes the JPEG bytes the worker
returns; the per-scan function and so the results are the same.

The processor (what turns scan bytes into a report and a JPEG) is named by a ``module:function``
string so that it can be imported in any worker; it is created once per process and cached at
module level, which is also how Dask workers load the models once.

Processor contract::

    processor(data: bytes, *, name: str, profile: str, exceptions: tuple[str, ...],
              applied_on: str | None, dpi: float | None, out_dpi: int)
        -> tuple[Report | dict, bytes | None]

A processor may expose ``warm_up()`` (called once per worker, e.g. to load the models) and
``many(tasks) -> list`` to process a chunk at once (batched model calls, issue 9).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import inspect
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from photocheck import __version__
from photocheck.report import Finding, Report, Status

log = logging.getLogger("photocheck.batch")

DEFAULT_PROCESSOR = "photocheck.batch.worker:trim_processor"

# Codes of an input that could not be processed at all (the line carries ``error``).
INPUT_ERROR_CODES = ("file.unreadable", "file.corrupt")

# Batch's own error codes (not report findings of the library; their text lives here).
_BATCH_MESSAGES = {
    "batch.invalid_row": {
        "en": "The manifest row cannot be used.",
        "ja": "マニフェストの行が不正です。",
    },
    "batch.processing_failed": {
        "en": "Processing the scan failed with an internal error.",
        "ja": "内部エラーによりスキャンを処理できませんでした。",
    },
    "batch.worker_crashed": {
        "en": "The worker process died twice while processing this scan.",
        "ja": "このスキャンの処理中にワーカープロセスが2回停止しました。",
    },
}


@dataclass(frozen=True, slots=True)
class Task:
    """One scan for a worker: its bytes (or only its path) and options.

    Attributes
    ----------
    input : str
        Path or URL (the worker reads it when ``data`` is None).
    data : bytes or None
        The scan's bytes, when the parent read them (Dask); None: the worker reads ``input``.
    sha256 : str or None
        Hex digest of ``data`` (computed by the worker when it reads the path itself).
    stat : str or None
        ``"<size>:<mtime_ns>"`` of the input taken by the parent before it was read (stored in
        the line; a rerun skips an unchanged input without reading it).
    out_dir : str or None
        Output folder the worker writes the trimmed JPEG into (local pool); None: the JPEG bytes
        are returned to the parent (Dask).
    """

    input: str
    data: bytes | None
    sha256: str | None
    profile: str = "mail"
    exceptions: tuple[str, ...] = ()
    applied_on: str | None = None
    dpi: float | None = None
    out_dpi: int = 600
    stat: str | None = None
    out_dir: str | None = None


class OutputWriteError(RuntimeError):
    """Writing a trimmed JPEG failed (disk full, permissions): the run must stop, not go on."""


# Key of the short line a worker returns for a scan whose hash is already in the journal.
KNOWN = "known"

Result = tuple[dict[str, Any], bytes | None]
Processor = Callable[..., tuple[Report | dict[str, Any], bytes | None]]

_cache: dict[str, Processor] = {}
_cache_lock = threading.Lock()
_known: frozenset[str] = frozenset()  # sha256 of scans already in the journal (local pool)


# Thread-count variables read by OpenMP, the BLAS libraries (at load time) and photocheck's
# onnxruntime sessions (PHOTOCHECK_ORT_THREADS, see photocheck.inference.Models.load).
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
               "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS", "PHOTOCHECK_ORT_THREADS")


@contextlib.contextmanager
def single_threaded_children() -> Iterator[None]:
    """Set :data:`THREAD_VARS` to 1 in this process's environment while worker processes are
    started, and restore them afterwards.

    A spawned worker re-imports the parent's main module before any initializer runs; when that
    module imports numpy, OpenBLAS reads its thread count at once, so setting the variables in
    the worker would be too late (its helper threads can give a 1-worker run more than one core,
    which distorts the 1-vs-2-worker ratio).
    """
    old = {var: os.environ.get(var) for var in THREAD_VARS}
    os.environ.update(dict.fromkeys(THREAD_VARS, "1"))
    try:
        yield
    finally:
        for var, value in old.items():
            if value is None:
                os.environ.pop(var, None)
            else:
                os.environ[var] = value


def limit_threads() -> None:
    """One compute thread per worker process: the parallelism comes from the processes.

    Sets the OpenMP/BLAS variables (for libraries loaded later), OpenCV's pool, and
    ``PHOTOCHECK_ORT_THREADS=1`` which makes :meth:`photocheck.inference.Models.load` create
    single-threaded onnxruntime sessions, and ``PHOTOCHECK_OVERLAP=0``: a check does not
    overlap its models with its measures on a second thread here.
    """
    os.environ.update(dict.fromkeys(THREAD_VARS, "1"))
    os.environ["PHOTOCHECK_OVERLAP"] = "0"
    import cv2

    cv2.setNumThreads(1)


def load_processor(spec: str) -> Processor:
    """The processor named ``module:function``, imported and warmed up once per process."""
    proc = _cache.get(spec)
    if proc is None:
        with _cache_lock:
            proc = _cache.get(spec)
            if proc is None:
                module, _, attr = spec.partition(":")
                if not attr:
                    raise ValueError(f"processor {spec!r} is not of the form module:function")
                proc = getattr(importlib.import_module(module), attr)
                warm = getattr(proc, "warm_up", None)
                if callable(warm):
                    warm()
                _cache[spec] = proc
    return proc


def init_worker(spec: str, known: frozenset[str] = frozenset()) -> None:
    """ProcessPoolExecutor initializer: single-threaded compute, models loaded once.

    ``known`` are the hashes already in the journal: scans with those bytes are skipped after
    reading. SIGINT is ignored in workers: on Ctrl-C the parent decides what to keep and stops
    them.
    """
    global _known
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    limit_threads()
    _known = frozenset(known)
    load_processor(spec)


def process_chunk(tasks: Sequence[Task], spec: str = DEFAULT_PROCESSOR) -> list[Result]:
    """Process a few scans in one worker call (one result per task, in order).

    Used by both the local pool and Dask; on a Dask worker the first call limits threads and
    loads the processor (module-level cache).
    """
    if spec not in _cache:
        limit_threads()
    proc = load_processor(spec)
    many = getattr(proc, "many", None)
    if callable(many):
        try:
            results = list(many(tasks))
        except OutputWriteError:
            raise
        except Exception:  # fall back to one at a time so one bad scan cannot sink the chunk
            log.exception("batched processing failed; retrying one scan at a time")
        else:
            return [deliver(t, line, jpeg) for t, (line, jpeg) in zip(tasks, results, strict=True)]
    return [process_one(t, proc) for t in tasks]


def output_name(task_input: str, sha256: str) -> str:
    """``<stem>-<first 12 hex of sha256>.jpg``: has the scan's stem, unique per content."""
    from photocheck.batch.inputs import output_stem

    return f"{output_stem(task_input)}-{sha256[:12]}.jpg"


def deliver(task: Task, line: dict[str, Any], jpeg: bytes | None) -> Result:
    """Write the JPEG into ``task.out_dir`` (when set) and name it in the line.

    The file is complete and durable (fsync'd, renamed, folder fsync'd) before the line that
    names it exists anywhere.

    Raises
    ------
    OutputWriteError
        When the file cannot be written.
    """
    if jpeg is None or task.out_dir is None or not line.get("sha256") or line.get("error"):
        return line, jpeg
    from pathlib import Path

    from photocheck.batch.store import write_atomic

    name = output_name(line["input"], line["sha256"])
    try:
        write_atomic(Path(task.out_dir) / name, jpeg, sync_folder=True)
    except OSError as exc:
        raise OutputWriteError(f"cannot write {name} in {task.out_dir}: {exc}") from exc
    line["output"] = name
    return line, None


def process_one(task: Task, processor: Processor | str = DEFAULT_PROCESSOR) -> Result:
    """Check one scan: ``(result line, trimmed JPEG bytes or None)``.

    The result line is the docs/report.md report plus ``input``, ``sha256``, ``stat``, ``output``
    (the JPEG's name in ``task.out_dir`` when the worker wrote it, else filled in by the parent)
    and ``error`` (null, or ``{"code", "message"}`` when the scan could not be processed). A scan
    whose hash is already known gives only ``{"input", "sha256", "stat", "known": True}``.

    Raises
    ------
    OutputWriteError
        Only when writing the output into ``task.out_dir`` fails; a bad scan or a processor bug
        gives an error line instead.
    """
    proc = load_processor(processor) if isinstance(processor, str) else processor
    data, digest = task.data, task.sha256
    if data is None:
        from photocheck.batch.inputs import read_bytes

        try:
            data = read_bytes(task.input, _max_bytes(task.profile))
        except OSError as exc:
            return error_line(task, "file.unreadable", f"cannot read {task.input}: {exc}"), None
        digest = hashlib.sha256(data).hexdigest()
        if digest in _known:  # done by an earlier run (under this or another name)
            return {"input": task.input, "sha256": digest, "stat": task.stat, KNOWN: True}, None
    if digest is None:
        digest = hashlib.sha256(data).hexdigest()
    task_hashed = Task(task.input, None, digest, task.profile, task.exceptions,
                       task.applied_on, task.dpi, task.out_dpi, task.stat, task.out_dir)

    bad = _unusable(data, _max_bytes(task.profile))
    if bad is not None:
        code, message, measured = bad
        return error_line(task_hashed, code, message, measured=measured), None

    started = time.perf_counter()
    try:
        report, jpeg = proc(
            data,
            name=task.input,
            profile=task.profile,
            exceptions=task.exceptions,
            applied_on=task.applied_on,
            dpi=task.dpi,
            out_dpi=task.out_dpi,
        )
    except Exception as exc:  # a bug must not stop the batch: an error line says what happened
        log.exception("processing %s failed", task.input)
        return error_line(task_hashed, "batch.processing_failed",
                          f"{type(exc).__name__}: {exc}"), None
    line = report.to_dict() if isinstance(report, Report) else dict(report)
    line.setdefault("timings_ms", {})
    line["timings_ms"]["batch_task"] = round((time.perf_counter() - started) * 1000.0, 2)
    line["source"] = task.input
    line["input"] = task.input
    line["sha256"] = digest
    line["stat"] = task.stat
    line["output"] = None
    line["error"] = _error_of(line)
    return deliver(task, line, bytes(jpeg) if jpeg is not None and line["error"] is None
                   else None)


def _max_bytes(profile: str) -> int:
    from photocheck.profiles import load_profile

    try:
        return int(load_profile(profile).section("decode")["max_read_bytes"])
    except Exception:  # an unloadable profile is reported by the processor itself
        return 1 << 30


def _unusable(data: bytes, max_bytes: int) -> tuple[str, str, Any] | None:
    """(code, message, measured) when the bytes cannot be a scan at all."""
    from photocheck.decode import sniff

    if len(data) > max_bytes:
        return "file.unreadable", f"larger than the {max_bytes} byte read limit", len(data)
    kind = sniff(data).kind
    if kind == "empty":
        return "file.corrupt", "the file is empty", 0
    if kind not in ("jpeg", "png", "tiff", "bmp", "webp", "jp2", "gif"):
        return "file.corrupt", f"the file is not an image (it looks like {kind})", kind
    return None


def _error_of(line: dict[str, Any]) -> dict[str, str] | None:
    for f in line.get("findings") or ():
        if f.get("code") in INPUT_ERROR_CODES and f.get("status") == "fail":
            return {"code": f["code"], "message": (f.get("message") or {}).get("en", "")}
    return None


def error_line(
    task: Task, code: str, message: str, *, measured: Any = None
) -> dict[str, Any]:
    """The result line of a scan that could not be processed.

    It keeps the report shape (verdict ``reject`` from one failing finding with ``code``) and
    adds ``error: {"code", "message"}`` so consumers can tell "bad photo" from "no photo".
    """
    if code in _BATCH_MESSAGES:
        text = _BATCH_MESSAGES[code]
        found = Finding(code=code, check="batch", status=Status.FAIL, measured=measured,
                        unit=None, message={"ja": text["ja"] + f"（{message}）",
                                            "en": text["en"] + f" ({message})"})
    else:
        from photocheck.checks.base import finding

        found = finding(code, Status.FAIL, measured, unit="name" if measured else None)
    try:
        from photocheck.profiles import load_profile

        prof = load_profile(task.profile)
        profile_name, digest = prof.name, prof.digest
    except Exception:
        profile_name, digest = task.profile, ""
    report = Report(
        source=task.input,
        profile=profile_name,
        profile_digest=digest,
        exceptions=list(task.exceptions),
        findings=[found],
        versions={"photocheck": __version__, "models": {}},
    )
    line = report.to_dict()
    line.update(input=task.input, sha256=task.sha256, stat=task.stat, output=None,
                error={"code": code, "message": message})
    return line


# --- the default processor: photocheck.trimming ------------------------------------------------

_trim_state: dict[Any, Any] = {}


def trim_processor(
    data: bytes,
    *,
    name: str,
    profile: str = "mail",
    exceptions: tuple[str, ...] = (),
    applied_on: str | None = None,
    dpi: float | None = None,
    out_dpi: int = 600,
) -> tuple[Report | dict[str, Any], bytes | None]:
    """Trim and check one scan with :func:`photocheck.trimming.trim` (the default processor)."""
    from photocheck import trimming as trim_module

    fn = trim_module.trim
    accepted = _accepted_kwargs(fn)
    wanted: dict[str, Any] = {
        "dpi": dpi, "out_dpi": out_dpi, "profile": profile, "exceptions": exceptions,
        "applied_on": applied_on,
    }
    if "validator" in accepted:
        wanted["validator"] = _validator(profile)
    if "overlap_decode" in accepted:
        # one single-threaded process per core: a second thread per scan would only compete
        wanted["overlap_decode"] = False
    kwargs = {k: v for k, v in wanted.items() if k in accepted}
    missing = [k for k in ("exceptions", "applied_on") if wanted[k] and k not in accepted]
    if missing:
        raise TypeError(f"photocheck.trimming.trim does not accept {', '.join(missing)}")
    result = fn(data, **kwargs)
    return result.report, result.jpeg


def _accepted_kwargs(fn: Callable[..., Any]) -> frozenset[str]:
    key = ("kwargs", fn)
    got = _trim_state.get(key)
    if got is None:
        params = inspect.signature(fn).parameters
        got = frozenset(params)
        if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
            got = got | {"dpi", "out_dpi", "profile", "exceptions", "applied_on"}
        _trim_state[key] = got
    return got


def _models() -> Any:
    models = _trim_state.get("models")
    if models is None:
        from photocheck.inference import Models

        models = _trim_state["models"] = Models.load(threads=1)
    return models


def _validator(profile: str) -> Any:
    """One Validator per profile in this worker, sharing the worker's single-threaded models."""
    key = ("validator", profile)
    validator = _trim_state.get(key)
    if validator is None:
        from photocheck.validator import Validator

        validator = _trim_state[key] = Validator(profile, models=_models())
    return validator


def _trim_warm_up() -> None:
    """Load the models once per worker, single-threaded (``Models.load(threads=1)``)."""
    import photocheck.trimming  # noqa: F401 - import errors surface at start-up, not per scan

    _models().warm_up()


trim_processor.warm_up = _trim_warm_up  # type: ignore[attr-defined]
