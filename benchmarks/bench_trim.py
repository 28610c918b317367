"""Speed of trimming a 600-dpi A6 scan against a plain full-resolution decode of it (issue 6).

Run: ``python -m pytest benchmarks/bench_trim.py --benchmark-only -p no:cacheprovider`` — the
terminal summary (benchmarks/conftest.py) prints every median as a ratio to ``test_decode_full``
of the same scan in the same run. Target: trimming ≤ 1.5× the decode.

The scan: a 45×35 mm print of a compliant portrait (``../shared``; a drawing when absent),
rotated 2.3°, on a white A6 bed (105×148 mm → 2480×3496 px at 600 dpi), JPEG quality 90.
Measured: ``test_trim`` (find, deskew, face geometry, crop, one resample, encode — the trim
itself, with the print and the face mesh found on a ¼-size DCT decode in a second thread while
the full decode runs, and the output resampled and encoded in two halves:
``overlap_decode=True``), ``test_trim_interleaved`` (the same, alternated round by round with
both decodes), ``test_trim_sequential`` (the same on one thread), ``test_trim_matte_crown``
(the default with the MODNet crown instead of the plain-background one), and
``test_trim_and_check`` (plus every content check of the ``mail`` profile on the output).
OpenCV and onnxruntime are limited to one thread each.

What is timed: ``test_trim`` is ``trim(scan, check_output=False)`` — the trim itself, as the
issue defines it (decode, find, deskew, face geometry, crop, one resample, encode); the content
checks of the output are the separate ``test_trim_and_check`` (``check_output=True``, default).

Measured (CPU time, ``--benchmark-timer time.process_time``; 2 cores shared by ~8 engineers,
load average 3–8, so every figure is a ratio taken in the same run, old and new alternated):
HEAD 7df8b96 before this work 2.64× and 2.65× (decode 40 and 47 ms; 4.1× in a run where the
decode cost 27 ms); now 1.71×, 1.80× and 1.90× (decode 41, 41 and 47 ms; 2.3× in a run where it
cost 30 ms). The decode's own cost swings that much because up to ~40 % of it is the kernel's
page faults on the freshly allocated 26 MB image (``getrusage``: ~24 ms user + 16–22 ms sys
under load), paid once by the trim too. The trim's work beyond the decode is now ~28–30 ms of
user CPU (was ~45–57): BlazeFace + one FaceMesh pass + the colour crown ~10, output warp
(bilinear near 1:1, as BGRA) ~3.5 + JPEG encode (q95 4:4:4) ~5, the print found on the ⅛ copy
~4 and its sides measured on the full scan ~2.7, the upright print for the face ~1.8, the ⅛ copy
~1.5, header and report ~1. The 1.5× target is NOT met: the face models (~6.5 ms of ONNX
inference once the decode has flushed the caches), the output warp and the encode alone are
~15 ms, half a quiet decode. Options left: 4:2:0 output (about −1.5 ms), or overlapping the
full decode with the analysis of a DCT-reduced decode on a second core (wall time only).

Fourth session (the overlap built: the print and the face mesh on a ¼ DCT decode in a second
thread, the output resampled in halves; output chroma as the scan's), wall time, 30 rounds, quiet
but noisy host: run plain 1.35× with the second thread and 1.62× without (decode 43 ms: page
faults on the fresh 26 MB image); with ``MALLOC_MMAP_THRESHOLD_=1048576`` 1.51× / 1.84×
(decode 40 ms); with ``MALLOC_MMAP_THRESHOLD_=134217728 MALLOC_TRIM_THRESHOLD_=536870912`` (the
image from reused heap memory, decode 26 ms) 1.87× / 2.00×. The ratio depends on the allocator
because the decode's own cost does.

Fifth session (the full decode through simplejpeg: the same pixels in 0.65–0.9× of
``cv2.imdecode``'s time; the second thread hands the print over before its face mesh, so the sides
are measured meanwhile), 5 runs per state, with the second thread: plain 1.37, 1.16, 1.23, 1.40,
1.15×; faulting 1.15, 0.95, 1.18, 1.26, 1.47×; heap 1.46, 1.49, 1.71, 1.69, 1.59× (not met there:
the best round of the trim is ~1.65× the best round of the decode); single-threaded 1.15–2.70×.
Against simplejpeg's decode of the scan (``test_decode_full_simplejpeg``) the same trims are
1.5–2.4×.

Sixth session (the second thread's mesh on the print as found, no side measuring at ¼; both
threads resample and encode half the output, joined by restart markers; the crown's upright
print only down to the forehead; ``channel_norm`` for the colour distances), 6 runs per state.
``test_trim_interleaved`` (trim and decodes alternated round by round): plain 1.15, 1.67, 1.13,
1.15, 1.38, 1.11×; faulting 1.12, 1.15, 1.04, 1.08, 1.17, 1.12×; heap 1.34, 1.31, 1.26, 1.45,
1.26, 1.30×; against simplejpeg 1.29–2.01×. ``test_trim`` / ``test_decode_full``: plain 0.79,
1.52, 0.96, 0.79, 0.88, 0.99×; faulting 1.17, 1.30, 1.01, 1.09, 1.07, 1.26×; heap 1.52, 1.36,
1.43, 1.67, 1.17, 1.28×. On a quiet moment the trim is ~30 ms against a 20-ms simplejpeg decode.
"""

from __future__ import annotations

import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from benchmarks.conftest import cpu_timed
from benchmarks.scan_synth import PrintSpec, drawn_portrait, portrait_from_photo, render_scan
from photocheck.inference import Models
from photocheck.profiles import load_profile
from photocheck.validator import Validator

SHARED = Path(__file__).resolve().parents[2] / "shared" / "photos"
SPEC = PrintSpec(rotation_deg=2.3, dpi=600, bed_mm=(105.0, 148.0), offset_mm=(-8.0, 14.0),
                 face_mm=31.0, crown_mm=5.0, jpeg_quality=90, seed=7)


@pytest.fixture(scope="module")
def validator() -> Validator:
    cv2.setNumThreads(1)
    models = Models.load(threads=1)
    models.warm_up()
    return Validator("mail", models=models)


@pytest.fixture(scope="module")
def scan(validator: Validator) -> bytes:
    photo = SHARED / "a_compliant_plain_bg" / "london_036_03.jpg"
    portrait = portrait_from_photo(str(photo), validator) if photo.is_file() else None
    data = render_scan(portrait or drawn_portrait(), SPEC).data
    head = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR).shape
    assert head[:2] == (3496, 2480)
    return data


def test_decode_full(benchmark, scan: bytes) -> None:
    benchmark.group = "trim_a6_600dpi"
    buf = np.frombuffer(scan, np.uint8)
    image = cpu_timed(benchmark, cv2.imdecode, buf, cv2.IMREAD_COLOR)
    assert image.shape[:2] == (3496, 2480)


def test_decode_full_simplejpeg(benchmark, scan: bytes) -> None:
    """The trim's own full decode (simplejpeg: the same pixels, no RGB pass), for the ratio of
    the trim to the fastest plain decode of the same bytes."""
    import simplejpeg

    benchmark.group = "trim_a6_600dpi"
    image = cpu_timed(benchmark, simplejpeg.decode_jpeg, scan, "BGR", strict=True)
    assert image.shape[:2] == (3496, 2480)


def test_trim(benchmark, validator: Validator, scan: bytes) -> None:
    from photocheck.trimming import trim

    benchmark.group = "trim_a6_600dpi"
    result = cpu_timed(benchmark, trim, scan, validator=validator, check_output=False,
                       overlap_decode=True)
    assert result.jpeg is not None
    assert abs(result.rotation_deg - SPEC.rotation_deg) < 0.5
    assert result.report.extra["trim"]["face_path"] == "early"


def test_trim_interleaved(benchmark, validator: Validator, scan: bytes) -> None:
    """The trim and both plain decodes alternated round by round, so that all three see the
    same moment of a noisy host (the separate tests above run seconds apart); the ratios of
    their medians go to ``extra_info`` and the terminal summary."""
    import statistics

    import simplejpeg

    from photocheck.trimming import trim

    benchmark.group = "trim_a6_600dpi_interleaved"
    buf = np.frombuffer(scan, np.uint8)
    times: dict[str, list[float]] = {"cv2": [], "simplejpeg": [], "trim": []}

    def one_round() -> object:
        start = time.perf_counter()
        cv2.imdecode(buf, cv2.IMREAD_COLOR)
        decoded = time.perf_counter()
        simplejpeg.decode_jpeg(scan, "BGR", strict=True)
        fast = time.perf_counter()
        result = trim(scan, validator=validator, check_output=False, overlap_decode=True)
        times["cv2"].append(decoded - start)
        times["simplejpeg"].append(fast - decoded)
        times["trim"].append(time.perf_counter() - fast)
        return result

    result = benchmark.pedantic(one_round, rounds=30, warmup_rounds=3)
    assert result.jpeg is not None
    median = {k: statistics.median(v[3:]) for k, v in times.items()}
    benchmark.extra_info.update({
        "median_ms": {k: round(v * 1000.0, 2) for k, v in median.items()},
        "trim_over_cv2_decode": round(median["trim"] / median["cv2"], 3),
        "trim_over_simplejpeg_decode": round(median["trim"] / median["simplejpeg"], 3)})


def test_trim_sequential(benchmark, validator: Validator, scan: bytes) -> None:
    from photocheck.trimming import trim

    benchmark.group = "trim_a6_600dpi"
    result = cpu_timed(benchmark, trim, scan, validator=validator, check_output=False,
                       overlap_decode=False)
    assert result.jpeg is not None
    assert result.report.extra["trim"]["face_path"] == "lean"


def test_trim_matte_crown(benchmark, validator: Validator, scan: bytes) -> None:
    from photocheck.trimming import trim

    profile = load_profile("mail")
    sections = {k: dict(v) for k, v in profile.sections.items()}
    sections["trim"]["fast_crown"] = False
    matte = Validator(type(profile)(profile.name, profile.description, profile.upload_rules,
                                    sections, profile.digest + "-matte"),
                      models=validator.models)
    benchmark.group = "trim_a6_600dpi"
    result = cpu_timed(benchmark, trim, scan, validator=matte, check_output=False)
    assert result.jpeg is not None


def test_trim_and_check(benchmark, validator: Validator, scan: bytes) -> None:
    from photocheck.trimming import trim

    benchmark.group = "trim_a6_600dpi"
    result = cpu_timed(benchmark, trim, scan, validator=validator, applied_on="2026-11-21")
    assert result.jpeg is not None
    assert result.report.status_of("geometry.head_height") is not None
