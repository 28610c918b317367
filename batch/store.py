"""The output folder: atomic output files and the append-only ``results.jsonl`` journal.

Crash safety rests on one ordering, kept by a single writer (the parent process): the trimmed
JPEG is written to a temporary file in the output folder and moved into place with
``os.replace``; only then is the result line appended, flushed and fsync'd. A run killed at any
moment therefore leaves either no line (the scan is redone on the next run, its output replaced
atomically) or a complete line whose output exists. A line cut short by the kill is the last one
and is dropped when the journal is opened again.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

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


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see either nothing or the whole file.

    The temporary file lives in the same folder (``os.replace`` is atomic only within one
    filesystem) and is fsync'd before it is renamed.
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

    @property
    def key(self) -> str:
        """The resume key: the content hash, or the input path when it could not be read."""
        return record_key(self.sha256, self.input)


def record_key(sha256: str | None, input_path: str) -> str:
    """Resume key of an input: ``sha256:<hex>``, or ``input:<path>`` when it was unreadable."""
    return f"sha256:{sha256}" if sha256 else f"input:{input_path}"


def record_of(line: dict[str, Any]) -> Record:
    """The summary record of one result line."""
    codes = tuple(
        f["code"] for f in line.get("findings") or () if f.get("status") in ("fail", "warn")
    )
    error = line.get("error")
    return Record(
        input=str(line.get("input", line.get("source", ""))),
        sha256=line.get("sha256"),
        verdict=str(line.get("verdict", "")),
        codes=codes,
        error=error.get("code") if isinstance(error, dict) else None,
        output=line.get("output"),
    )


class Journal:
    """``results.jsonl``: one JSON object per line, appended durably by one writer.

    Opening it repairs a torn last line (a run killed while appending) and loads the records
    already present, so a rerun can skip what is done.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.records: dict[str, Record] = {}
        self.dropped_bytes = self._repair_and_load()
        self._fh: IO[bytes] = path.open("ab")

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
                    rec = record_of(line)
                    self.records[rec.key] = rec
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

    def append(self, line: dict[str, Any]) -> Record:
        """Append one result line durably (write, flush, fsync) and remember its record."""
        text = json.dumps(line, ensure_ascii=False, separators=(",", ":"))
        self._fh.write(text.encode("utf-8") + b"\n")
        self._fh.flush()
        os.fsync(self._fh.fileno())
        rec = record_of(line)
        self.records[rec.key] = rec
        return rec

    def close(self) -> None:
        """Close the file (every line is already on disk)."""
        self._fh.close()

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
