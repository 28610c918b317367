"""``photocheck batch INPUT --out DIR`` (``python -m batch`` in the repository): trim and check
mailed scans, resumably, in parallel.

Exit status: 0 every input accepted; 1 some input got ``review`` or ``reject``; 2 usage error
(bad option, missing input, output folder busy); 3 some input could not be processed (an error
line in ``results.jsonl``); 130 interrupted (Ctrl-C / SIGTERM; rerun to continue).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from photocheck.batch.runner import EXIT_USAGE, Options, run


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    p = argparse.ArgumentParser(
        prog="photocheck batch",
        description="Trim mailed scans to 45x35 mm and check them; resumable; local processes "
                    "or a Dask cluster.",
        epilog="Exit status: 0 all accepted, 1 any review/reject, 2 usage error, "
               "3 any input could not be processed, 130 interrupted.",
    )
    p.add_argument("input", help="folder (recursive), glob pattern, manifest .csv or one file; "
                                 "fsspec URLs (s3://…) work when their package is installed")
    p.add_argument("--out", required=True, type=Path, help="output folder (local)")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                   help="local worker processes (default: CPU count)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="run on a Dask distributed scheduler (tcp://host:8786) instead")
    p.add_argument("--profile", default="mail", help="photocheck profile (default: mail)")
    p.add_argument("--exception", action="append", default=[], metavar="E",
                   help="declared exception for every scan (repeatable; added to a manifest "
                        "row's own exceptions)")
    p.add_argument("--applied-on", metavar="DATE", help="application date YYYY-MM-DD "
                   "(default today; a manifest row's applied_on wins)")
    p.add_argument("--dpi", type=float, help="scan resolution when the file does not record it")
    p.add_argument("--out-dpi", type=int, default=600, help="output resolution (default 600)")
    p.add_argument("--chunk", type=int, default=1, metavar="N",
                   help="scans per worker task (default 1)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--processor", default=None, help=argparse.SUPPRESS)  # module:function
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the batch CLI; returns the exit status."""
    args = build_parser().parse_args(argv)
    if sys.stderr.isatty():  # log lines above the progress bar instead of through it
        from rich.logging import RichHandler

        logging.basicConfig(level=logging.WARNING, format="%(message)s",
                            handlers=[RichHandler(show_path=False)])
    else:
        logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    from photocheck.batch.inputs import InputError, discover
    from photocheck.batch.store import OutputBusyError
    from photocheck.batch.summary import print_summary
    from photocheck.batch.worker import DEFAULT_PROCESSOR
    from photocheck.exceptions import UnknownExceptionError, normalise

    def usage(message: str) -> int:
        print(f"photocheck-batch: error: {message}", file=sys.stderr)
        return EXIT_USAGE

    if args.workers < 1 or args.chunk < 1:
        return usage("--workers and --chunk must be at least 1")
    try:
        exceptions = normalise(args.exception)
    except UnknownExceptionError as exc:
        return usage(str(exc))
    if args.applied_on:
        import datetime as dt

        try:
            dt.date.fromisoformat(args.applied_on)
        except ValueError:
            return usage(f"--applied-on {args.applied_on!r} is not a date YYYY-MM-DD")
    try:
        from photocheck.profiles import load_profile

        load_profile(args.profile)
    except Exception as exc:
        return usage(f"profile {args.profile!r}: {exc}")
    processor = args.processor or DEFAULT_PROCESSOR
    try:  # fail now, not once per scan, when the processor cannot be imported
        module, _, attr = processor.partition(":")
        __import__(module)
        getattr(sys.modules[module], attr)
    except (ImportError, AttributeError, ValueError) as exc:
        return usage(f"processor {processor!r} is not available: {exc}")
    try:
        items = discover(args.input, exceptions=exceptions, applied_on=args.applied_on,
                         dpi=args.dpi, exclude=[str(args.out)])
    except InputError as exc:
        return usage(str(exc))
    options = Options(
        out=args.out,
        workers=args.workers,
        scheduler=args.scheduler,
        processor=processor,
        profile=args.profile,
        out_dpi=args.out_dpi,
        chunk_size=args.chunk,
        progress=not args.no_progress,
    )
    try:
        outcome = run(items, options)
    except OutputBusyError as exc:
        return usage(str(exc))
    print_summary(outcome, args.out)
    return outcome.exit_code


if __name__ == "__main__":
    sys.exit(main())
