"""Write benchmark figures into the documentation, between markers, so no figure is copied by hand.

A block in a Markdown file looks like::

    <!-- figures:accuracy:begin -->
    …text written by a benchmark script…
    <!-- figures:accuracy:end -->

and :func:`replace_block` rewrites what lies between the two markers (the markers stay).
Benchmark scripts call it behind their ``--write-docs`` flag.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
BENCH_README = REPO / "benchmarks" / "README.md"

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


class MissingBlockError(ValueError):
    """The file has no (or no well-formed) figures block of that name."""


def markers(name: str) -> tuple[str, str]:
    """The begin and end markers of the block ``name``."""
    if not _NAME.match(name):
        raise ValueError(f"block name {name!r}: use lower-case letters, digits, '-' or '_'")
    return f"<!-- figures:{name}:begin -->", f"<!-- figures:{name}:end -->"


def replace_text(document: str, name: str, text: str) -> str:
    """``document`` with the body of block ``name`` replaced by ``text``.

    Parameters
    ----------
    document : str
        Markdown text holding exactly one begin and one end marker of ``name``, in that order.
    name : str
        Block name (``accuracy``, ``trim`` …).
    text : str
        New body; it is written on its own lines between the markers.

    Returns
    -------
    str
        The document with only that block changed.

    Raises
    ------
    MissingBlockError
        When a marker is missing, repeated, or the end comes before the begin.
    """
    begin, end = markers(name)
    nb, ne = document.count(begin), document.count(end)
    if nb != 1 or ne != 1:
        raise MissingBlockError(
            f"figures block {name!r}: expected one {begin!r} and one {end!r}, "
            f"found {nb} and {ne}")
    head, rest = document.split(begin, 1)
    if end not in rest:
        raise MissingBlockError(f"figures block {name!r}: {end!r} comes before {begin!r}")
    _, tail = rest.split(end, 1)
    body = text.strip("\n")
    return f"{head}{begin}\n{body}\n{end}{tail}"


def replace_block(path: str | Path, name: str, text: str) -> None:
    """Rewrite the body of block ``name`` in the file at ``path`` (UTF-8) with ``text``.

    Raises
    ------
    MissingBlockError
        When the file lacks the block's markers (the file is left unchanged).
    FileNotFoundError
        When the file does not exist.
    """
    path = Path(path)
    old = path.read_text("utf-8")
    try:
        new = replace_text(old, name, text)
    except MissingBlockError as exc:
        raise MissingBlockError(f"{path}: {exc}") from None
    if new != old:
        path.write_text(new, "utf-8")


def provenance() -> str:
    """``commit <short hash>, <UTC date>`` of the checkout the figures were measured on."""
    import datetime as dt
    import subprocess

    try:
        rev = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, check=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "-uno"],
                               capture_output=True, text=True, check=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        rev, dirty = "unknown", ""
    date = dt.datetime.now(dt.UTC).date().isoformat()
    return f"commit {rev}{' + local changes' if dirty.strip() else ''}, {date}"


def _interleaved_check_rows(ratios: dict[str, Any]) -> dict[str, str]:
    """``test_check_interleaved[group]`` as a row of its group: the check's wall and CPU medians
    and their ratios to the decode of the same rounds."""
    rows: dict[str, str] = {}
    for name, info in ratios.get("interleaved", {}).items():
        if not name.startswith("test_check_interleaved[") or "check_over_cv2_decode" not in info:
            continue
        group = name[len("test_check_interleaved["):-1]
        wall, cpu = info.get("median_ms", {}), info.get("cpu_median_ms", {})
        cpu_x = info.get("check_cpu_over_cv2_decode_cpu")
        rows[group] = (
            f"| {group} | `test_check_interleaved` | {wall.get('check', float('nan')):.1f} | "
            f"{info['check_over_cv2_decode']:.2f}× | "
            + ("— | — |" if cpu_x is None else f"{cpu.get('check', float('nan')):.1f} | "
               f"{cpu_x:.2f}× |"))
    return rows


def speed_table(ratios: dict[str, Any], setup: str,
                only: tuple[str, ...] | None = None) -> str:
    """Markdown of ``benchmarks/results/ratios.json`` (written by the pytest benchmark runs):
    wall and process CPU medians, each as a ratio to the same run's ``cv2.imdecode`` (for
    ``test_check_interleaved``, to the decode of the same rounds).

    Parameters
    ----------
    ratios : dict
        ``{"medians_s": {group: {test: s}}, "ratios": {group: {test: ×decode}},
        "cpu_medians_s": {…}, "cpu_ratios": {…}, "interleaved": {test: {name_over_name: ratio,
        …}}}``; CPU entries missing from older runs show as "—".
    setup : str
        How and where the figures were measured (first line of the block).
    only : tuple of str, optional
        Keep only these tests (the README's short version); the other interleaved ratios
        (the trim's) are kept.
    """
    lines = [f"{setup}:", "",
             "| input | test | median ms | × `cv2.imdecode` | CPU ms | CPU × `cv2.imdecode` |",
             "|---|---|---|---|---|---|"]
    checks = _interleaved_check_rows(ratios)
    for group, entries in ratios.get("ratios", {}).items():
        medians = ratios.get("medians_s", {}).get(group, {})
        cpu = ratios.get("cpu_medians_s", {}).get(group, {})
        cpu_ratios = ratios.get("cpu_ratios", {}).get(group, {})
        for name, ratio in entries.items():
            if only is not None and name not in only:
                continue
            ms, cpu_s, cpu_ratio = medians.get(name), cpu.get(name), cpu_ratios.get(name)
            shown = "—" if ms is None else f"{1000 * ms:.1f}"
            cpu_shown = "—" if cpu_s is None else f"{1000 * cpu_s:.1f}"
            cpu_x = "—" if cpu_ratio is None else f"{cpu_ratio:.2f}×"
            lines.append(f"| {group} | `{name}` | {shown} | {ratio:.2f}× | {cpu_shown} | "
                         f"{cpu_x} |")
        if group in checks and (only is None or "test_check_interleaved" in only):
            lines.append(checks[group])
    for name, info in ratios.get("interleaved", {}).items():
        if name.startswith("test_check_interleaved["):
            continue
        for key, value in info.items():
            if "_over_" in key:
                lines.append(f"| interleaved | `{name}`: {key.replace('_', ' ')} | — | "
                             f"{value:.2f}× | — | — |")
    return "\n".join(lines)


def print_speed(ratios: dict[str, Any]) -> None:
    """Print the last run's wall and CPU ratios (what ``speed`` would write), e.g. on a shared
    machine where only the CPU ratios mean much."""
    print(speed_table(ratios, "last run (benchmarks/results/ratios.json)"))


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.docs_figures speed``: the last benchmark run (its
    ``ratios.json``) into README.md and benchmarks/README.md, block ``speed``."""
    import argparse
    import json

    parser = argparse.ArgumentParser(description="write benchmark figures into the docs")
    parser.add_argument("what", choices=("speed",))
    parser.add_argument("--print-only", action="store_true",
                        help="print the table (wall and CPU) instead of writing the docs")
    parser.add_argument("--results", type=Path, default=REPO / "benchmarks" / "results")
    args = parser.parse_args(argv)
    path = args.results / "ratios.json"
    if not path.is_file():
        parser.error(f"no {path}: run the pytest benchmarks first")
    ratios = json.loads(path.read_text("utf-8"))
    print_speed(ratios)
    if args.print_only:
        return 0
    setup = f"`pytest benchmarks/` run, {provenance()}"
    replace_block(README, "speed",
                  speed_table(ratios, setup, only=("test_check_interleaved", "test_trim")))
    replace_block(BENCH_README, "speed", speed_table(ratios, setup))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
