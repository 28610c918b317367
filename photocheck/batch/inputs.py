"""Discover the scans of a batch: a folder (recursive), a glob, or a manifest CSV.

Paths may be local or fsspec URLs (``s3://…``, ``memory://…``); a URL is opened with fsspec when
its scheme is not local, so any filesystem whose fsspec package is installed works.
"""

from __future__ import annotations

import csv
import glob
import io
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath

# Discovery is by extension (cheap); the content decides later (decode.sniff in the worker).
IMAGE_EXTENSIONS = frozenset(
    {".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".tif", ".tiff", ".bmp", ".webp", ".jp2"}
)
_GLOB_CHARS = frozenset("*?[")


class InputError(ValueError):
    """The INPUT argument cannot be used (missing folder, unreadable manifest, no path column)."""


@dataclass(frozen=True, slots=True)
class Item:
    """One scan to process, with its per-row options.

    Attributes
    ----------
    input : str
        The path or URL as discovered (also the key shown in results and summaries).
    exceptions : tuple of str
        Declared exceptions for this scan (manifest column merged with ``--exception``).
    applied_on : str or None
        Application date (ISO ``YYYY-MM-DD``) for the 6-month rule.
    dpi : float or None
        Scan resolution when the file does not record it.
    problem : str or None
        Why the manifest row is unusable (unknown exception, bad date); becomes an error line.
    """

    input: str
    exceptions: tuple[str, ...] = ()
    applied_on: str | None = None
    dpi: float | None = None
    problem: str | None = field(default=None, compare=False)


def is_url(path: str) -> bool:
    """Whether ``path`` names a non-local fsspec filesystem (``s3://``, ``memory://`` …)."""
    if "://" not in path:
        return False
    return path.split("://", 1)[0].lower() not in ("file", "local")


def _local(path: str) -> str:
    """A ``file://`` URL as a plain local path."""
    return path.split("://", 1)[1] if path.lower().startswith(("file://", "local://")) else path


def has_image_extension(path: str) -> bool:
    """Whether the name ends with a known image extension (case-insensitive)."""
    return PurePosixPath(path.split("?", 1)[0]).suffix.lower() in IMAGE_EXTENSIONS


def read_bytes(path: str, max_bytes: int) -> bytes:
    """Read at most ``max_bytes + 1`` bytes of a local path or fsspec URL.

    Raises
    ------
    OSError
        When the file cannot be opened or read (fsspec errors are wrapped).
    """
    if not is_url(path):
        with open(_local(path), "rb") as fh:
            return fh.read(max_bytes + 1)
    import fsspec

    try:
        with fsspec.open(path, "rb") as fh:
            return fh.read(max_bytes + 1)
    except OSError:
        raise
    except Exception as exc:  # fsspec backends raise their own types (botocore, …)
        raise OSError(f"{type(exc).__name__}: {exc}") from exc


def discover(
    source: str,
    *,
    exceptions: Sequence[str] = (),
    applied_on: str | None = None,
    dpi: float | None = None,
    exclude: Iterable[str] = (),
) -> list[Item]:
    """The scans named by ``source``, sorted by path for a deterministic order.

    Parameters
    ----------
    source : str
        A folder (searched recursively for image extensions), a glob pattern, a manifest
        ``.csv`` (columns ``path`` and optional ``exceptions`` (``;``-separated), ``applied_on``,
        ``dpi``; relative paths are relative to the manifest), or a single image file.
    exceptions, applied_on, dpi
        Defaults for every scan; a manifest row's exceptions are added to ``exceptions`` and its
        ``applied_on``/``dpi`` replace the defaults.
    exclude : iterable of str
        Local folders to skip (the output folder when it lies inside the input folder).

    Raises
    ------
    InputError
        When ``source`` does not exist or a manifest has no ``path`` column.
    """
    base = Item("", tuple(exceptions), applied_on, dpi)
    excluded = [os.path.abspath(e) for e in exclude]
    if source.lower().endswith(".csv") and _is_file(source):
        return _manifest(source, base)
    if any(c in _GLOB_CHARS for c in source):
        paths = _glob(source)
    elif _is_dir(source):
        paths = _walk(source, excluded)
    elif _is_file(source):
        paths = [source]
    else:
        raise InputError(f"{source}: no such folder, file, glob match or manifest")
    if not is_url(source):
        paths = [p for p in paths if not _inside(p, excluded)]
    return [_with(base, p) for p in sorted(set(paths))]


def _with(base: Item, path: str, **changes: object) -> Item:
    return Item(
        input=path,
        exceptions=tuple(changes.get("exceptions", base.exceptions)),  # type: ignore[arg-type]
        applied_on=changes.get("applied_on", base.applied_on),  # type: ignore[arg-type]
        dpi=changes.get("dpi", base.dpi),  # type: ignore[arg-type]
        problem=changes.get("problem"),  # type: ignore[arg-type]
    )


def _fs(path: str):  # noqa: ANN202 - fsspec types are optional at import time
    import fsspec

    return fsspec.core.url_to_fs(path)


def _is_file(path: str) -> bool:
    if not is_url(path):
        return os.path.isfile(_local(path))
    fs, p = _fs(path)
    return bool(fs.isfile(p))


def _is_dir(path: str) -> bool:
    if not is_url(path):
        return os.path.isdir(_local(path))
    fs, p = _fs(path)
    return bool(fs.isdir(p))


def _inside(path: str, folders: Sequence[str]) -> bool:
    full = os.path.abspath(path)
    return any(full == f or full.startswith(f + os.sep) for f in folders)


def _glob(pattern: str) -> list[str]:
    if not is_url(pattern):
        found = glob.glob(_local(pattern), recursive=True)
        return [p for p in found if os.path.isfile(p) and has_image_extension(p)]
    fs, p = _fs(pattern)
    return [fs.unstrip_protocol(m) for m in fs.glob(p) if fs.isfile(m) and has_image_extension(m)]


def _walk(folder: str, excluded: Sequence[str]) -> list[str]:
    if is_url(folder):
        fs, p = _fs(folder)
        return [fs.unstrip_protocol(f) for f in fs.find(p) if has_image_extension(f)]
    out: list[str] = []
    for root, dirs, files in os.walk(_local(folder)):
        # hidden folders (.git, our own temp files) and the output folder are never inputs
        dirs[:] = sorted(
            d for d in dirs
            if not d.startswith(".") and not _inside(os.path.join(root, d), excluded)
        )
        out.extend(
            os.path.join(root, f)
            for f in files
            if not f.startswith(".") and has_image_extension(f)
        )
    return out


def _manifest(path: str, base: Item) -> list[Item]:
    from photocheck.exceptions import UnknownExceptionError, normalise

    try:
        text = read_bytes(path, 1 << 30).decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read manifest {path}: {exc}") from exc
    reader = csv.DictReader(io.StringIO(text))
    fields = [f.strip().lower() for f in reader.fieldnames or []]
    if "path" not in fields:
        raise InputError(f"manifest {path} has no 'path' column (columns: {', '.join(fields)})")
    reader.fieldnames = fields
    folder = path.rsplit("/", 1)[0] if is_url(path) else os.path.dirname(_local(path))
    items: list[Item] = []
    for line_no, row in enumerate(reader, start=2):
        raw = (row.get("path") or "").strip()
        if not raw:
            continue
        if not is_url(raw) and not os.path.isabs(raw):
            raw = f"{folder}/{raw}" if is_url(path) else os.path.join(folder, raw)
        problem = None
        row_names = [n for n in (row.get("exceptions") or "").split(";") if n.strip()]
        try:
            declared = normalise([*base.exceptions, *row_names])
        except UnknownExceptionError as exc:
            declared, problem = base.exceptions, f"manifest line {line_no}: {exc}"
        applied = (row.get("applied_on") or "").strip() or base.applied_on
        if applied and problem is None and not _is_iso_date(applied):
            problem = f"manifest line {line_no}: applied_on {applied!r} is not YYYY-MM-DD"
        dpi = base.dpi
        dpi_text = (row.get("dpi") or "").strip()
        if dpi_text:
            try:
                dpi = float(dpi_text)
            except ValueError:
                problem = problem or f"manifest line {line_no}: dpi {dpi_text!r} is not a number"
        items.append(_with(base, raw, exceptions=declared, applied_on=applied, dpi=dpi,
                           problem=problem))
    return items


def _is_iso_date(text: str) -> bool:
    import datetime as dt

    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def output_stem(path: str) -> str:
    """The file stem of a path or URL (used in the output file name)."""
    name = PurePosixPath(path.split("?", 1)[0].replace("\\", "/")).stem
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name) or "scan"


__all__ = [
    "IMAGE_EXTENSIONS",
    "InputError",
    "Item",
    "discover",
    "has_image_extension",
    "is_url",
    "output_stem",
    "read_bytes",
]
