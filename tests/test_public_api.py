"""Public API: check() on paths, bytes and file objects; trim() is a function."""

from __future__ import annotations

import io
import threading

import photocheck
from photocheck.validator import Validator
from tests.helpers import make_jpeg


def test_check_accepts_path_bytes_and_file_object(tmp_path):
    data = make_jpeg(600, 800)
    path = tmp_path / "photo.jpg"
    path.write_bytes(data)
    reports = [
        photocheck.check(path, applied_on="2026-11-21"),
        photocheck.check(str(path), applied_on="2026-11-21"),
        photocheck.check(data, applied_on="2026-11-21"),
        photocheck.check(io.BytesIO(data), applied_on="2026-11-21"),
    ]
    assert [r.source for r in reports] == [str(path), str(path), "<bytes>", "<stream>"]
    for report in reports:
        assert report.status_of("file.format") == "pass"
        assert report.status_of("file.pixels_too_small") == "pass"
    # same bytes, same findings whatever the source type
    codes = [[(f.code, f.status) for f in r.findings] for r in reports]
    assert all(c == codes[0] for c in codes)


def test_missing_file_is_a_finding_not_an_exception(tmp_path):
    report = photocheck.check(tmp_path / "nope.jpg")
    assert report.verdict == "reject"
    assert report.status_of("file.unreadable") == "fail"


def test_text_stream_is_refused_with_a_finding():
    report = photocheck.check(io.StringIO("hello"))
    assert report.status_of("file.unreadable") == "fail"


def test_trim_is_the_function_whatever_was_imported_first():
    from photocheck.trimming import TrimResult, trim

    assert photocheck.trim is trim
    assert photocheck.TrimResult is TrimResult


def test_validator_is_shareable_between_threads():
    validator = Validator("online")
    photos = [make_jpeg(500 + 20 * i, 700, seed=i) for i in range(4)]
    serial = [validator.check(p, applied_on="2026-11-21") for p in photos]
    results: list = [None] * len(photos)

    def run(i: int) -> None:
        results[i] = validator.check(photos[i], applied_on="2026-11-21")

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(photos))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for a, b in zip(serial, results, strict=True):
        assert [(f.code, f.status, f.measured) for f in a.findings] == [
            (f.code, f.status, f.measured) for f in b.findings
        ]
    many = validator.check_many(photos, threads=2, applied_on="2026-11-21")
    assert [r.verdict for r in many] == [r.verdict for r in serial]
