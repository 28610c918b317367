"""``summary.csv`` (one row per input of the run) and the readable summary on stderr."""

from __future__ import annotations

import csv
import io
import sys
from collections import Counter
from pathlib import Path
from typing import TextIO

from photocheck.batch.runner import Outcome
from photocheck.batch.store import OUTCOMES, SUMMARY, write_atomic

COLUMNS = ("input", "outcome", "reason", "verdict", "failing_codes", "error", "output", "sha256",
           "same_as")


def write_summary_csv(outcome: Outcome, out: Path) -> Path:
    """Write ``summary.csv`` atomically: input, outcome and its reason
    (:func:`photocheck.batch.store.outcome_of`: ``accepted``, ``review``, ``photo rejected``,
    ``not trimmable``, ``no photo`` or ``error``), verdict, failing codes (fail and warn,
    ``;``-separated), error code, output file (relative to the output folder), sha256, and
    ``same_as`` (the input with identical bytes whose result this row shares).

    Inputs not reached (interrupted run) have an empty verdict.
    """
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    for path, rec, same_as in outcome.rows:
        if rec is None:
            writer.writerow((path, "", "", "", "", "", "", "", same_as or ""))
            continue
        writer.writerow((path, rec.outcome, rec.reason, rec.verdict, ";".join(rec.codes),
                         rec.error or "", rec.output or "", rec.sha256 or "", same_as or ""))
    target = out / SUMMARY
    write_atomic(target, buf.getvalue().encode("utf-8"))
    return target


def outcomes(outcome: Outcome) -> Counter[str]:
    """Inputs per outcome (``no photo``, ``not trimmable``, ``photo rejected`` …) of the run."""
    found: Counter[str] = Counter()
    for _, rec, _ in outcome.rows:
        found[rec.outcome if rec is not None and rec.outcome else "not processed"] += 1
    return found


def counts(outcome: Outcome) -> tuple[Counter[str], Counter[str], Counter[str]]:
    """(inputs per verdict, inputs per failing code, inputs per error code) of the run."""
    verdicts: Counter[str] = Counter()
    codes: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    for _, rec, _ in outcome.rows:
        if rec is None:
            verdicts["not processed"] += 1
            continue
        verdicts["error" if rec.error else rec.verdict] += 1
        codes.update(set(rec.codes))
        if rec.error:
            errors[rec.error] += 1
    return verdicts, codes, errors


def print_summary(outcome: Outcome, out: Path, stream: TextIO | None = None) -> None:
    """Counts per verdict and per code; a rich table on a terminal, plain lines otherwise."""
    stream = stream or sys.stderr
    verdicts, codes, errors = counts(outcome)
    rate = outcome.processed / outcome.elapsed_s if outcome.elapsed_s > 0 else 0.0
    head = (f"{outcome.total} inputs: {outcome.processed} processed now, {outcome.skipped} "
            f"already done, {outcome.duplicates} duplicate content; {outcome.elapsed_s:.1f} s "
            f"({rate:.2f} scans/s)" + (" — INTERRUPTED" if outcome.interrupted else ""))
    order = ["accept", "review", "reject", "error", "not processed"]
    verdict_rows = [(v, verdicts[v]) for v in order if verdicts[v]]
    per_outcome = outcomes(outcome)
    outcome_rows = [(o, per_outcome[o]) for o in (*OUTCOMES, "not processed") if per_outcome[o]]
    code_rows = sorted(codes.items(), key=lambda kv: (-kv[1], kv[0]))
    if stream.isatty():
        from rich.console import Console
        from rich.table import Table

        console = Console(file=stream)
        console.print(head)
        for title, column, rows in (("verdicts", "verdict", verdict_rows),
                                    ("outcomes", "outcome", outcome_rows),
                                    ("failing / warning codes", "code", code_rows)):
            if rows or column != "code":  # the verdict and outcome tables always show
                table = Table(title=title)
                table.add_column(column)
                table.add_column("inputs", justify="right")
                for name, n in rows:
                    table.add_row(name, str(n))
                console.print(table)
        console.print(f"results: {out / 'results.jsonl'}  summary: {out / SUMMARY}")
        return
    print(head, file=stream)
    print("verdicts: " + ", ".join(f"{v}={n}" for v, n in verdict_rows), file=stream)
    print("outcomes: " + ", ".join(f"{v}={n}" for v, n in outcome_rows), file=stream)
    for name, n in code_rows:
        print(f"  {name}: {n}", file=stream)
    if errors:
        print("errors: " + ", ".join(f"{c}={n}" for c, n in sorted(errors.items())), file=stream)
    print(f"results: {out / 'results.jsonl'}  summary: {out / SUMMARY}", file=stream)
