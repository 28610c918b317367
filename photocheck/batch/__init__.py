"""Batch reprocessing of mailed scans: trim + check thousands of scans, resumably, on local
worker processes or a Dask distributed cluster (``python -m batch INPUT --out DIR``).

Library use::

    from photocheck.batch import Options, discover, run
    outcome = run(discover("scans/"), Options(out=Path("out"), workers=2))
"""

from __future__ import annotations

from photocheck.batch.inputs import InputError, Item, discover
from photocheck.batch.runner import (
    EXIT_FINDINGS,
    EXIT_INPUT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    Options,
    Outcome,
    run,
)
from photocheck.batch.worker import Task, process_chunk, process_one

__all__ = [
    "EXIT_FINDINGS",
    "EXIT_INPUT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "InputError",
    "Item",
    "Options",
    "Outcome",
    "Task",
    "discover",
    "process_chunk",
    "process_one",
    "run",
]
