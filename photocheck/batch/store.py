"""The output folder: atomic output files and the append-only ``results.jsonl`` journal.

Crash safety rests on one ordering. The trimmed JPEG is written to a temporary file in the
output folder, fsync'd, moved into place with ``os.replace`` and the folder fsync'd (by the local
worker that made it, or by the parent for a Dask cluster); only then does the parent, the single
journal writer, append the result line. A run killed at any moment therefore leaves either no
line (the scan is redone on the next run, its output replaced atomically) or a complete line whose
output exists. A line cut short by the kill is the last one and is dropped when the journal is
opened again.

Every line is handed to the kernel (``write``) as soon as its scan is done, so killing the
process (SIGKILL, Ctrl-C) loses nothing; ``fsync`` of the journal is batched (every 0.5 s or 64
lines, and at close), so a power loss can lose at most the lines of the last half second. Those
scans are simply redone by the next run: a lost line can only cause redoing, never a duplicate,
and an output is durable before any line that names it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger("photocheck.batch")

RESULTS = "results.jsonl"
SUMMARY = "summary.csv"
LOCK = ".photocheck-batch.lock"
_TMP_PREFIX = ".photocheck-batch-"
_TMP_SUFFIX = ".tmp"


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# mkstemp creates files 0600; outputs get the usual 0666 & ~umask like any other file
_FILE_MODE = 0o666 & ~_current_umask()


class OutputBusyError(RuntimeError):
    """Another batch run holds the output folder."""


def write_atomic(path: Path, data: bytes, *, sync_folder: bool = False) -> None:
    """Write ``data`` to ``path`` so that readers see either nothing or the whole file.

    The temporary file lives in the same folder (``os.replace`` is atomic only within one
    filesystem) and is fsync'd before it is renamed. With ``sync_folder`` the folder is fsync'd
    after the rename too, so the new name survives a power loss (outputs named by a journal line).
    """
    fd, tmp = tempfile.mkstemp(prefix=_TMP_PREFIX, suffix=_TMP_SUFFIX, dir=path.parent)
    try:
        os.fchmod(fd, _FILE_MODE)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    if sync_folder:
        fsync_folder(path.parent)


def fsync_folder(folder: Path) -> None:
    """fsync a folder (its entries: renames and new files) where the platform allows it."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:  # some filesystems cannot fsync a folder; the rename is still atomic
        pass
    finally:
        os.close(fd)


def remove_stale_temporaries(folder: Path) -> int:
    """Delete temporary files left by a killed run (call while holding the folder lock)."""
    removed = 0
    for tmp in folder.glob(f"{_TMP_PREFIX}*{_TMP_SUFFIX}"):
        with contextlib.suppress(OSError):
            tmp.unlink()
            removed += 1
    return removed


@contextlib.contextmanager
def locked(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on the output folder for one run.

    Raises
    ------
    OutputBusyError
        When another run already holds it (two writers would duplicate lines).
    """
    fh = (folder / LOCK).open("a+b")
    try:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise OutputBusyError(f"another batch run is writing to {folder}") from exc
        yield
    finally:
        fh.close()  # closing releases the lock


@dataclass(frozen=True, slots=True)
class Record:
    """What the summary needs from one result line (kept in memory instead of the full line)."""

    input: str
    sha256: str | None
    verdict: str
    codes: tuple[str, ...]
    error: str | None
    output: str | None
    stat: str | None = None
    outcome: str = ""
    reason: str = ""

    @property
    def key(self) -> str:
        """The resume key: the content hash, or the input path when it could not be read."""
        return record_key(self.sha256, self.input)


def record_key(sha256: str | None, input_path: str) -> str:
    """Resume key of an input: ``sha256:<hex>``, or ``input:<path>`` when it was unreadable."""
    return f"sha256:{sha256}" if sha256 else f"input:{input_path}"


def stat_key(path: str) -> str | None:
    """``"<size>:<mtime_ns>"`` of a local file (None for URLs or when it cannot be stat'ed).

    A rerun skips an input whose path and stat key match a journal line without reading it; any
    change of size or modification time makes the worker read and hash it again.
    """
    from photocheck.batch.inputs import _local, is_url

    if is_url(path) and not path.lower().startswith(("file://", "local://")):
        return None
    try:
        st = os.stat(_local(path))
    except OSError:
        return None
    return f"{st.st_size}:{st.st_mtime_ns}"


# What became of one input, for summary.csv (one per row; see outcome_of).
OUTCOMES = ("accepted", "review", "photo rejected", "not trimmable", "no photo", "error")


def outcome_of(line: dict[str, Any]) -> tuple[str, str]:
    """``(outcome, reason)`` of one result line: the one clear answer per input.

    - ``error``: the input could not be processed (reason: the error code);
    - ``no photo``: no print was found on the scan (``trim.photo_not_found`` fails: an empty
      photo box, a blank page);
    - ``not trimmable``: a print was found but no photo came out (reason:
      ``trim.multiple_prints``, ``trim.not_trimmable:<why>`` — e.g. ``too_close_to_edge``,
      ``face_not_found``);
    - ``photo rejected``: a trimmed photo that fails a rule (reason: the failing codes);
    - ``review`` / ``accepted``: a trimmed photo with warnings (their codes) / without.
    """
    error = line.get("error")
    if isinstance(error, dict):
        return "error", str(error.get("code", ""))
    findings = [f for f in line.get("findings") or () if isinstance(f, dict)]
    status = {f.get("code"): f.get("status") for f in findings}
    failing = sorted({str(f["code"]) for f in findings if f.get("status") == "fail"})
    if status.get("trim.photo_not_found") == "fail":
        return "no photo", "trim.photo_not_found"
    if status.get("trim.multiple_prints") == "fail":
        return "not trimmable", "trim.multiple_prints"
    if status.get("trim.not_trimmable") in ("fail", "not_assessed"):
        nt = next(f for f in findings if f.get("code") == "trim.not_trimmable")
        why = nt.get("measured") if nt.get("status") == "fail" else nt.get("cause")
        return "not trimmable", f"trim.not_trimmable:{why}" if why else "trim.not_trimmable"
    verdict = str(line.get("verdict", ""))
    if verdict == "reject":
        return "photo rejected", ";".join(failing)
    if verdict == "review":
        return "review", ";".join(sorted({str(f["code"]) for f in findings
                                          if f.get("status") in ("warn", "not_assessed")}))
    return "accepted", ""


def record_of(line: dict[str, Any]) -> Record:
    """The summary record of one result line."""
    codes = tuple(
        f["code"] for f in line.get("findings") or () if f.get("status") in ("fail", "warn")
    )
    error = line.get("error")
    outcome, reason = outcome_of(line)
    return Record(
        input=str(line.get("input", line.get("source", ""))),
        sha256=line.get("sha256"),
        verdict=str(line.get("verdict", "")),
        codes=codes,
        error=error.get("code") if isinstance(error, dict) else None,
        output=line.get("output"),
        stat=line.get("stat"),
        outcome=outcome,
        reason=reason,
    )


class Journal:
    """``results.jsonl``: one JSON object per line, appended by one writer.

    Opening it repairs a torn last line (a run killed while appending) and loads the records
    already present, so a rerun can skip what is done. Each line is written to the kernel at
    once (one ``write`` call); ``fsync`` runs when ``sync_s`` seconds or ``sync_lines`` lines
    have passed since the last one, on :meth:`sync`, and on close (see the module docstring).
    """

    def __init__(self, path: Path, *, sync_s: float = 0.5, sync_lines: int = 64) -> None:
        self.path = path
        self.records: dict[str, Record] = {}
        self.by_input: dict[str, Record] = {}  # latest record per input (stat-based skipping)
        self.dropped_bytes = self._repair_and_load()
        self.sync_s = sync_s
        self.sync_lines = max(1, sync_lines)
        self.fsyncs = 0
        self._unsynced = 0
        self._last_sync = time.monotonic()
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, _FILE_MODE)

    def _repair_and_load(self) -> int:
        if not self.path.exists():
            return 0
        good_end = 0
        size = self.path.stat().st_size
        with self.path.open("rb") as fh:  # streamed: the journal of a big backlog is large
            for raw in fh:
                end = good_end + len(raw)
                if not raw.endswith(b"\n"):
                    break  # a line without its newline was cut short: drop it
                if raw.strip():
                    try:
                        line = json.loads(raw)
                    except ValueError:
                        if end >= size:
                            break  # a damaged last line: drop it too
                        log.warning("%s: skipping an unreadable line at byte %d", self.path,
                                    good_end)
                        good_end = end
                        continue
                    self._remember(record_of(line))
                good_end = end
        dropped = size - good_end
        if dropped:
            log.warning("%s: dropping %d bytes of a torn last line", self.path, dropped)
            with self.path.open("r+b") as fh:
                fh.truncate(good_end)
                fh.flush()
                os.fsync(fh.fileno())
        return dropped

    def __contains__(self, key: str) -> bool:
        return key in self.records

    def _remember(self, rec: Record) -> None:
        self.records[rec.key] = rec
        self.by_input[rec.input] = rec

    def append(self, line: dict[str, Any]) -> Record:
        """Append one result line (one ``write``; fsync'd when due) and remember its record."""
        data = json.dumps(line, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        data += b"\n"
        while data:  # a regular file takes it in one write; loop only for safety
            data = data[os.write(self._fd, data):]
        self._unsynced += 1
        rec = record_of(line)
        self._remember(rec)
        self.sync_if_due()
        return rec

    def sync_if_due(self) -> None:
        """fsync when enough lines or time have passed since the last fsync."""
        if self._unsynced and (self._unsynced >= self.sync_lines
                               or time.monotonic() - self._last_sync >= self.sync_s):
            self.sync()

    def sync(self) -> None:
        """fsync the lines written so far."""
        if self._unsynced:
            os.fsync(self._fd)
            self.fsyncs += 1
            self._unsynced = 0
        self._last_sync = time.monotonic()

    def close(self) -> None:
        """fsync and close the file."""
        if self._fd >= 0:
            try:
                self.sync()
            finally:
                os.close(self._fd)
                self._fd = -1

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_results(path: Path) -> list[dict[str, Any]]:
    """Every complete line of a ``results.jsonl`` (for tests and tools)."""
    out: list[dict[str, Any]] = []
    with path.open("rb") as fh:
        for raw in fh:
            if raw.endswith(b"\n") and raw.strip():
                out.append(json.loads(raw))
    return out
