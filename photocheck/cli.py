"""Command line: ``photocheck check PHOTO… [--profile P] [--exception E] [--applied-on DATE]
[--json]``.

Exit codes (docs/architecture.md): 0 when every photo is accepted, 1 when any is sent to review or
rejected, 2 for usage or input errors (unknown profile or exception, bad date, missing file).

Adding a subcommand takes a few lines: write ``add_<name>(subparsers)`` that creates its parser
and sets ``handler=<function(args) -> int>``, and append it to :data:`SUBCOMMANDS`. Options of
``check`` go in :func:`add_check`; the per-report work is in :func:`run_check`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

from photocheck import __version__
from photocheck.exceptions import UnknownExceptionError
from photocheck.exceptions import normalise as normalise_exceptions
from photocheck.report import Finding, Report, Status, Verdict

EXIT_OK, EXIT_FLAGGED, EXIT_USAGE = 0, 1, 2

Subparsers = Any  # argparse._SubParsersAction (private type)


class UsageError(Exception):
    """A problem with the command line: exit code 2 and a one-line message."""


def iso_date(text: str) -> dt.date:
    """argparse type for ``YYYY-MM-DD``."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {text!r}") from None


# --- check -----------------------------------------------------------------------------------


def add_check(subparsers: Subparsers) -> argparse.ArgumentParser:
    """``photocheck check``: check photos against the standard."""
    p = subparsers.add_parser(
        "check",
        help="check photos against the My Number card photo standard",
        description="Check photos; prints a verdict and the failing findings with numbers.",
    )
    p.add_argument("photos", nargs="+", metavar="PHOTO", help="photo files (any format)")
    p.add_argument("--profile", default="online",
                   help="online (default), booth, mail, or a path to a profile TOML")
    p.add_argument("--exception", dest="exceptions", action="append", default=[],
                   metavar="E",
                   help="declared exception (repeatable): infant, head_covering, "
                        "medical_eyewear, eyes_cannot_open, gaze_unfixed")
    p.add_argument("--applied-on", type=iso_date, default=None, metavar="YYYY-MM-DD",
                   help="application date for the 6-month rule (default: today)")
    p.add_argument("--json", action="store_true", help="print JSON Lines, one report per photo")
    p.add_argument("--lang", choices=("en", "ja"), default="en",
                   help="language of the readable output (default: en)")
    p.add_argument("--annotate", metavar="OUT.png", default=None,
                   help="write the photo with face box, crown/chin lines, standard crop and "
                        "failing regions drawn on it (several photos: OUT-<stem>.png)")
    p.set_defaults(handler=cmd_check)
    return p


def load_validator(args: argparse.Namespace) -> tuple[Any, list[str]]:
    """The validator of ``--profile`` and the normalised ``--exception`` values.

    Raises
    ------
    UsageError
        For an unknown or invalid profile or exception name.
    """
    # heavy (OpenCV, onnxruntime, the face pipeline; profiles validate against the check
    # table): loaded when a subcommand runs, so that `photocheck --help` stays fast
    from photocheck.profiles import ProfileError, load_profile
    from photocheck.validator import Validator

    try:
        profile = load_profile(args.profile)
        exceptions = normalise_exceptions(
            [e for raw in args.exceptions for e in raw.split(",") if e])
    except (ProfileError, UnknownExceptionError) as exc:
        raise UsageError(str(exc)) from exc
    return Validator(profile), exceptions


def cmd_check(args: argparse.Namespace) -> int:
    """Run ``photocheck check``; returns the exit code."""
    validator, exceptions = load_validator(args)
    out = Output(sys.stdout, json_lines=args.json, lang=args.lang)
    code = EXIT_OK
    for photo in args.photos:
        report = run_check(validator, photo, exceptions, args)
        out.report(report)
        if not os.path.exists(photo):
            print(f"photocheck: error: no such file: {photo}", file=sys.stderr)
            code = EXIT_USAGE
        elif report.verdict is not Verdict.ACCEPT and code == EXIT_OK:
            code = EXIT_FLAGGED
    return code


def run_check(validator: Any, photo: str, exceptions: Sequence[str],
              args: argparse.Namespace) -> Report:
    """Check one photo; the place for per-report extras driven by ``args`` (annotations …)."""
    report = validator.check(photo, exceptions=exceptions, applied_on=args.applied_on)
    if getattr(args, "annotate", None) and os.path.exists(photo):
        from photocheck.annotate import annotate_file, annotate_path

        try:
            annotate_file(photo, report, annotate_path(args.annotate, photo, len(args.photos)),
                          lang=getattr(args, "lang", "en"))
        except Exception as exc:  # a drawing problem must not lose the report
            print(f"photocheck: cannot annotate {photo}: {exc}", file=sys.stderr)
    return report


# --- trim ------------------------------------------------------------------------------------


def add_report_options(p: argparse.ArgumentParser, what: str) -> None:
    """``--exception``, ``--applied-on``, ``--json``, ``--lang`` of the subcommands that cut a
    photo (trim, crop) and report on the result."""
    p.add_argument("--exception", dest="exceptions", action="append", default=[],
                   metavar="E", help="declared exception (repeatable)")
    p.add_argument("--applied-on", type=iso_date, default=None, metavar="YYYY-MM-DD",
                   help="application date for the 6-month rule (default: today)")
    p.add_argument("--json", action="store_true",
                   help=f"print JSON Lines, one report per {what} (with the output path)")
    p.add_argument("--lang", choices=("en", "ja"), default="en")


def add_trim(subparsers: Subparsers) -> argparse.ArgumentParser:
    """``photocheck trim SCAN… --out DIR``: trim scanned prints to 45×35 mm and check them."""
    p = subparsers.add_parser(
        "trim",
        help="trim scanned prints to the 45×35 mm standard and check the result",
        description="Find the print in each scan, deskew it, cut the standard 35×45 mm crop "
                    "from the face geometry and write it as a JPEG (dpi recorded), then check "
                    "it. A scan that cannot be trimmed writes no output.",
    )
    p.add_argument("scans", nargs="+", metavar="SCAN", help="scan files (JPEG, PNG, TIFF)")
    p.add_argument("--out", required=True, metavar="DIR", help="folder for the trimmed JPEGs")
    p.add_argument("--dpi", type=float, default=None,
                   help="scan resolution when the file does not record it (overrides it)")
    p.add_argument("--out-dpi", type=float, default=600.0,
                   help="output resolution (default 600: 827×1063 px)")
    p.add_argument("--profile", default="mail",
                   help="profile for trimming and the content checks (default: mail)")
    add_report_options(p, "scan")
    p.set_defaults(handler=cmd_trim)
    return p


def output_name(source: str, used: set[str]) -> str:
    """File name of a trimmed scan or cropped photo: ``<stem>_45x35.jpg`` (unique in one run)."""
    stem = Path(source).stem or "photo"
    name = f"{stem}_45x35.jpg"
    n = 2
    while name in used:
        name = f"{stem}_45x35_{n}.jpg"
        n += 1
    used.add(name)
    return name


def write_cuts(args: argparse.Namespace, sources: Sequence[str],
               cut: Callable[[str], Any]) -> int:
    """Cut each source with ``cut`` (trim or crop), write its JPEG into ``--out`` and print its
    report; returns the exit code (0 all accepted, 1 any flagged or not cut, 2 missing file)."""
    out_dir = Path(args.out)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create the output folder {out_dir}: {exc}") from exc
    out = Output(sys.stdout, json_lines=args.json, lang=args.lang)
    used: set[str] = set()
    code = EXIT_OK
    for source in sources:
        result = cut(source)
        written: str | None = None
        if result.jpeg is not None:
            path = out_dir / output_name(source, used)
            tmp = path.with_name(path.name + ".part")
            tmp.write_bytes(result.jpeg)
            os.replace(tmp, path)  # never a half-written JPEG under the final name
            written = str(path)
        result.report.extra["output"] = written
        out.report(result.report)
        if not os.path.exists(source):
            print(f"photocheck: error: no such file: {source}", file=sys.stderr)
            code = EXIT_USAGE
        elif code == EXIT_OK and (result.report.verdict is not Verdict.ACCEPT or written is None):
            code = EXIT_FLAGGED
    return code


def cmd_trim(args: argparse.Namespace) -> int:
    """Run ``photocheck trim``; returns the exit code (0 all accepted, 1 any flagged, 2 usage)."""
    from photocheck.trimming import trim  # heavy: see load_validator

    validator, exceptions = load_validator(args)
    if args.dpi is not None and not 50 <= args.dpi <= 10000:
        raise UsageError(f"--dpi must be between 50 and 10000, got {args.dpi:g}")
    if not 72 <= args.out_dpi <= 2400:
        raise UsageError(f"--out-dpi must be between 72 and 2400, got {args.out_dpi:g}")
    return write_cuts(args, args.scans, lambda scan: trim(
        scan, dpi=args.dpi, out_dpi=args.out_dpi, exceptions=exceptions,
        applied_on=args.applied_on, validator=validator))


# --- crop ------------------------------------------------------------------------------------


def add_crop(subparsers: Subparsers) -> argparse.ArgumentParser:
    """``photocheck crop PHOTO… --out DIR``: crop digital photos to 35:45 and check them."""
    p = subparsers.add_parser(
        "crop",
        help="crop digital photos (not scans) to the standard 35:45 and check the result",
        description="Cut the standard 35:45 crop (34 mm crown to chin, crown 4 mm below the "
                    "top, nose line centred) from each photo at its own resolution, write it as "
                    "a JPEG and check it. For scanned prints use 'photocheck trim'.")
    p.add_argument("photos", nargs="+", metavar="PHOTO", help="photo files")
    p.add_argument("--out", required=True, metavar="DIR", help="folder for the cropped JPEGs")
    p.add_argument("--profile", default="online", help="profile of the checks (default: online)")
    add_report_options(p, "photo")
    p.set_defaults(handler=cmd_crop)
    return p


def cmd_crop(args: argparse.Namespace) -> int:
    """Run ``photocheck crop``; returns the exit code (0 all accepted, 1 any flagged, 2 usage)."""
    from photocheck.cropping import crop  # heavy: see load_validator

    validator, exceptions = load_validator(args)
    return write_cuts(args, args.photos, lambda photo: crop(
        photo, exceptions=exceptions, applied_on=args.applied_on, validator=validator))


# --- output ----------------------------------------------------------------------------------

_STATUS_LABEL = {Status.FAIL: "FAIL", Status.WARN: "WARN", Status.NOT_ASSESSED: "N/A",
                 Status.WAIVED: "WAIVED", Status.PASS: "pass"}
_VERDICT_STYLE = {Verdict.ACCEPT: "bold green", Verdict.REVIEW: "bold yellow",
                  Verdict.REJECT: "bold red"}
_STATUS_STYLE = {Status.FAIL: "red", Status.WARN: "yellow", Status.NOT_ASSESSED: "dim",
                 Status.WAIVED: "cyan"}


class Output:
    """Writes reports as JSON Lines, a rich table (terminal) or plain text (pipes, files)."""

    def __init__(self, stream: IO[str], *, json_lines: bool = False, lang: str = "en") -> None:
        self.stream = stream
        self.json_lines = json_lines
        self.lang = lang
        self._console: Any = None
        if not json_lines and stream.isatty():
            try:
                from rich.console import Console
            except ImportError:  # rich is optional: plain text then
                Console = None  # noqa: N806
            if Console is not None:
                self._console = Console(file=stream)

    def report(self, report: Report) -> None:
        """Write one report."""
        if self.json_lines:
            self.stream.write(report.to_json() + "\n")
            self.stream.flush()
        elif self._console is not None:
            self._rich(report)
        else:
            self.stream.write(format_plain(report, self.lang))
            self.stream.flush()

    def _rich(self, report: Report) -> None:
        from rich.table import Table

        verdict = report.verdict
        table = Table(title=f"{report.source}  [{_VERDICT_STYLE[verdict]}]{verdict.upper()}[/]"
                            f"  (profile {report.profile})",
                      title_justify="left", show_header=True, expand=False)
        table.add_column("status")
        table.add_column("code")
        table.add_column("message", overflow="fold")
        for f in shown(report):
            style = _STATUS_STYLE.get(f.status, "")
            table.add_row(f"[{style}]{_STATUS_LABEL[f.status]}[/]", f.code,
                          _message(f, self.lang))
        for cause, codes in not_assessed(report).items():
            table.add_row("[dim]N/A[/]", f"{len(codes)} rules",
                          f"not assessed (cause: {cause}): {', '.join(codes)}")
        if not report.failing():
            table.add_row("[green]ok[/]", "-", f"{passed(report)} rules passed")
        self._console.print(table)
        self._console.print(_summary(report))


def shown(report: Report) -> list[Finding]:
    """Findings worth showing one by one: failing first, then warnings, then waived."""
    order = {Status.FAIL: 0, Status.WARN: 1, Status.WAIVED: 2}
    picked = [f for f in report.findings if f.status in order]
    return sorted(picked, key=lambda f: order[f.status])


def not_assessed(report: Report) -> dict[str, list[str]]:
    """Codes that could not be assessed, grouped by the code that prevented them."""
    groups: dict[str, list[str]] = {}
    for f in report.findings:
        if f.status is Status.NOT_ASSESSED:
            groups.setdefault(f.cause or "-", []).append(f.code)
    return groups


def passed(report: Report) -> int:
    """How many rules passed."""
    return sum(f.status is Status.PASS for f in report.findings)


def _message(found: Finding, lang: str) -> str:
    # the message carries the numbers (photocheck.messages), several-part rules too
    return found.message.get(lang) or found.message.get("en", "")


def _summary(report: Report) -> str:
    counts = {s: sum(f.status is s for f in report.findings) for s in Status}
    return (f"  {counts[Status.PASS]} pass, {counts[Status.FAIL]} fail, "
            f"{counts[Status.WARN]} warn, {counts[Status.NOT_ASSESSED]} not assessed, "
            f"{counts[Status.WAIVED]} waived")


def format_plain(report: Report, lang: str = "en") -> str:
    """One readable block per photo: verdict line, then the findings that matter."""
    lines = [f"{report.source}: {report.verdict.upper()} (profile {report.profile})"]
    findings = shown(report)
    width = max((len(f.code) for f in findings), default=0)
    for f in findings:
        lines.append(f"  {_STATUS_LABEL[f.status]:<6} {f.code:<{width}}  {_message(f, lang)}")
    for cause, codes in not_assessed(report).items():
        lines.append(f"  N/A    not assessed (cause: {cause}): {', '.join(codes)}")
    lines.append(_summary(report))
    return "\n".join(lines) + "\n\n"


# --- entry point -----------------------------------------------------------------------------

def add_serve(subparsers: Subparsers) -> argparse.ArgumentParser:
    """``photocheck serve``: the HTTP service (needs the ``api`` extra)."""
    p = subparsers.add_parser(
        "serve", help="run the HTTP service (settings from PHOTOCHECK_* variables)",
        description="Run the photo-booth HTTP service on one uvicorn process; API keys, limits and "
                    "workers come from the PHOTOCHECK_* environment variables.")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.set_defaults(handler=cmd_serve)
    return p


def cmd_serve(args: argparse.Namespace) -> int:
    """Start uvicorn with :data:`photocheck.service.app`; returns when the server stops."""
    try:
        import uvicorn

        from photocheck.service import app
    except ImportError as exc:
        raise UsageError(f"the HTTP service needs its extra: pip install 'photocheck[api]' "
                         f"({exc.name} is missing)") from exc
    if not 0 < args.port < 65536:
        raise UsageError(f"--port must be 1..65535, got {args.port}")
    uvicorn.run(app, host=args.host, port=args.port)
    return EXIT_OK


def add_batch(subparsers: Subparsers) -> argparse.ArgumentParser:
    """``photocheck batch``: listed here, run by :func:`photocheck.batch.cli.main` (see main)."""
    p = subparsers.add_parser(
        "batch", add_help=False,
        help="trim and check a backlog of mailed scans (photocheck batch --help)")
    p.set_defaults(handler=lambda args: EXIT_USAGE)
    return p


SUBCOMMANDS: list[Callable[[Subparsers], argparse.ArgumentParser]] = [
    add_check, add_trim, add_crop, add_serve, add_batch]


def build_parser() -> argparse.ArgumentParser:
    """The ``photocheck`` parser with every registered subcommand."""
    parser = argparse.ArgumentParser(
        prog="photocheck",
        description="Validate photos against the Japanese My Number card photo standard.",
    )
    parser.add_argument("--version", action="version", version=f"photocheck {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for add in SUBCOMMANDS:
        add(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (the console script exits with it)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["batch"]:  # the batch runner has its own parser (prog photocheck-batch)
        from photocheck.batch.cli import main as batch_main

        return batch_main(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)  # exits with 2 on usage errors
    try:
        return int(args.handler(args))
    except UsageError as exc:
        parser.exit(EXIT_USAGE, f"photocheck: error: {exc}\n")
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # e.g. piped into head
        return EXIT_OK
    return EXIT_USAGE  # pragma: no cover - parser.exit does not return


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
