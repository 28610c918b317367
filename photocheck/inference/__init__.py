"""The only package that imports onnxruntime: model sessions, created once, shared by threads.

onnxruntime's ``InferenceSession.run`` is thread-safe, so one session per model serves every
thread of a process.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import onnxruntime as ort


class ModelError(RuntimeError):
    """A model file is missing or does not match its recorded sha256."""


def models_dir() -> Path:
    """Where the ONNX files live: ``$PHOTOCHECK_MODELS_DIR`` or ``photocheck/models`` (shipped in
    the wheel)."""
    env = os.environ.get("PHOTOCHECK_MODELS_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[1] / "models"


def manifest(directory: Path | None = None) -> dict[str, dict[str, str]]:
    """The model manifest (file, sha256, source, licence, input spec, version)."""
    path = (directory or models_dir()) / "manifest.json"
    try:
        return json.loads(path.read_text("utf-8"))
    except OSError as exc:
        raise ModelError(f"model manifest not found at {path}") from exc


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def create_session(
    name: str, directory: Path | None = None, threads: int = 0
) -> ort.InferenceSession:
    """Verify a model's sha256 against the manifest and create its CPU session.

    Parameters
    ----------
    name : str
        Manifest key (e.g. ``facemesh_468``).
    threads : int
        intra-op threads; 0 lets onnxruntime decide (batch workers pass 1).

    Raises
    ------
    ModelError
        When the file is missing or its sha256 differs from the manifest.
    """
    directory = directory or models_dir()
    entry = manifest(directory).get(name)
    if entry is None:
        raise ModelError(f"model {name!r} is not in the manifest")
    path = directory / entry["file"]
    if not path.is_file():
        raise ModelError(f"model file {path} is missing")
    actual = _sha256(path)
    if actual != entry["sha256"]:
        raise ModelError(
            f"model file {path} has sha256 {actual}, the manifest expects {entry['sha256']}; "
            "refusing to load a different model"
        )
    return ort.InferenceSession(str(path), session_options(threads),
                                providers=["CPUExecutionProvider"])


def session_options(threads: int = 0) -> ort.SessionOptions:
    """CPU session options: ``threads`` intra-op threads (0: onnxruntime decides), no spinning.

    Spinning intra-op threads busy-wait between the many small operators of these models: on a
    shared or loaded machine that doubled a check's CPU time and slowed it (measured: 2 MP
    check 0.8–1.0 s with spinning, 0.5 s without). Results are identical either way.
    """
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.add_session_config_entry("session.inter_op.allow_spinning", "0")
    return options


@dataclass
class Models:
    """Lazily created, shared model sessions (one per model per process)."""

    directory: Path
    threads: int = 0

    def __post_init__(self) -> None:
        self._sessions: dict[str, ort.InferenceSession] = {}
        self._lock = threading.Lock()
        self._manifest = manifest(self.directory)

    @classmethod
    def load(cls, directory: Path | None = None, threads: int | None = None) -> Models:
        """Models from ``directory`` (default :func:`models_dir`); sessions open on first use."""
        if threads is None:
            threads = int(os.environ.get("PHOTOCHECK_ORT_THREADS", "0"))
        return cls(directory or models_dir(), threads)

    def session(self, name: str) -> ort.InferenceSession:
        """The session of one model, created (and sha256-verified) once."""
        sess = self._sessions.get(name)
        if sess is None:
            with self._lock:
                sess = self._sessions.get(name)
                if sess is None:
                    sess = create_session(name, self.directory, self.threads)
                    self._sessions[name] = sess
        return sess

    def warm_up(self, names: list[str] | None = None) -> None:
        """Create every session now (API start-up, batch workers)."""
        for name in names or list(self._manifest):
            self.session(name)

    def loaded(self) -> list[str]:
        """Names of the sessions created so far."""
        return sorted(self._sessions)

    def versions(self) -> dict[str, Any]:
        """Model name → version and sha256 prefix, for reports."""
        return {
            name: {"version": e.get("version", ""), "sha256": e["sha256"][:12]}
            for name, e in self._manifest.items()
        }
