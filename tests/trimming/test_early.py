"""photocheck.trimming.early: the print and the face mesh found on a reduced decode."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from benchmarks.scan_synth import PrintSpec, portrait_from_photo, render_scan
from photocheck import decode
from photocheck.trimming import early, face_geometry, pipeline, trim
from photocheck.trimming.early import (
    EarlyLook,
    EarlyPrint,
    _early_mesh,
    early_look,
    early_reduction,
)
from photocheck.trimming.face_geometry import LeanMesh
from photocheck.trimming.rect import PrintRect
from tests.helpers import shared_photos

# --- overlapping the full decode (early_look on a second thread) ---------------------------------


@pytest.mark.parametrize(("fmt", "dpi", "orientation", "reduction"), [
    ("jpeg", 600.0, 1, 4), ("jpeg", 1200.0, 1, 8), ("jpeg", 2400.0, 1, 8),
    ("jpeg", 300.0, 1, 2), ("jpeg", 500.0, 1, 4), ("jpeg", 200.0, 1, 1),
    ("jpeg", None, 1, 1), ("jpeg", 600.0, 6, 1), ("png", 600.0, 1, 1)])
def test_early_reduction_keeps_a_45_mm_print_200_px_long(
        fmt: str, dpi: float | None, orientation: int, reduction: int) -> None:
    head = decode.ImageHeader(format=fmt, width=2480, height=3496, colour="rgb",
                              orientation=orientation)
    assert early_reduction(head, dpi) == reduction


def _early(mesh, lean_tried: bool = True):  # noqa: ANN001, ANN202
    small = decode.Decoded(bgr=np.zeros((4, 4, 3), np.uint8), scale=0.125)
    return EarlyLook(2, EarlyPrint(small, 8, None), mesh, lean_tried, 1.0)


def test_the_early_mesh_is_used_only_when_it_lies_on_the_print_measured() -> None:
    # a print 800 × 1000 px turned 10° about its centre (500, 700)
    t = np.deg2rad(10.0)
    lin = np.array([[np.cos(t), np.sin(t)], [-np.sin(t), np.cos(t)]])
    corners = np.array([[-400.0, -500.0], [400.0, -500.0], [400.0, 500.0], [-400.0, 500.0]])
    rect = PrintRect(corners @ lin.T + (500.0, 700.0), 10.0, 800.0, 1000.0)

    def on_print(x: float, y: float) -> np.ndarray:
        return lin @ np.array([x - 400.0, y - 500.0]) + (500.0, 700.0)

    mesh = LeanMesh(on_print(400, 250), on_print(400, 850), on_print(150, 550),
                    on_print(650, 550), on_print(405, 600))
    (got,) = _early_mesh(_early(mesh), rect)
    assert got is mesh
    # a chin 1 px below the print's bottom edge: not this print's face, read it again here
    off = LeanMesh(mesh.forehead, on_print(400, 1001), mesh.left, mesh.right, mesh.nose)
    assert _early_mesh(_early(off), rect) is None
    # ... nor a side 1 px beyond the left edge (in the print's own, turned frame)
    assert _early_mesh(_early(LeanMesh(mesh.forehead, mesh.chin, on_print(-1, 550),
                                       mesh.right, mesh.nose)), rect) is None
    # the second thread ran and was unsure: straight to the full pipeline
    assert _early_mesh(_early(None), rect) == (None,)
    # it did not run (no print there, or too small at its scale): the short path here
    assert _early_mesh(_early(None, lean_tried=False), rect) is None
    assert _early_mesh(None, rect) is None


@pytest.fixture(scope="module")
def real_scan_600dpi(validator):  # noqa: ANN001, ANN201 - pytest fixture
    portrait = portrait_from_photo(
        str(shared_photos() / "a_compliant_plain_bg" / "london_036_03.jpg"), validator)
    assert portrait is not None
    spec = PrintSpec(rotation_deg=2.3, dpi=600, bed_mm=(105.0, 148.0), offset_mm=(-8.0, 14.0),
                     face_mm=31.0, crown_mm=5.0, jpeg_quality=90, seed=7)
    return render_scan(portrait, spec)


def test_early_look_finds_the_print_and_the_face_on_the_quarter_size_decode(
        validator, real_scan_600dpi) -> None:
    data = real_scan_600dpi.data
    head = decode.read_header(data)
    early = early_look(data, head, 4, validator.models, min_area_ratio=0.03, min_score=0.5,
                       min_presence=0.5)
    assert early is not None and early.lean_tried and early.mesh is not None
    assert early.found.small.bgr.shape[:2] == (3496 // 8, 2480 // 8)
    assert early.found.rect_small is not None
    sequential = trim(data, validator=validator, check_output=False, overlap_decode=False)
    assert sequential.report.extra["trim"]["face_path"] == "lean"
    # the blob as found on the ⅛ copy: the measured print (inset by 6 px) lies inside it, the
    # blob's smoothing ≤ 1.5 mm wider on each side
    px_per_mm = 600 / 25.4
    blob = (early.found.rect_small.quad + 0.5) * 8 - 0.5
    dist = [cv2.pointPolygonTest(blob.astype(np.float32).reshape(-1, 1, 2),
                                 tuple(map(float, p)), True) for p in sequential.photo_quad]
    assert min(dist) > 0 and max(dist) < 1.5 * px_per_mm
    # the cut: within 0.15 mm of the sequential short path's
    overlapped = trim(data, validator=validator, check_output=False, overlap_decode=True)
    assert overlapped.report.extra["trim"]["face_path"] == "early"
    corners = np.array([[0, 0], [827, 0], [827, 1063], [0, 1063]], float)
    a, b = (corners @ r.out_to_scan[:, :2].T + r.out_to_scan[:, 2]
            for r in (sequential, overlapped))
    assert np.abs(a - b).max() < 0.15 * px_per_mm
    assert overlapped.jpeg is not None and decode.read_header(overlapped.jpeg).width == 827


def test_overlapped_trims_of_bad_scans_fail_cleanly(validator, real_scan_600dpi) -> None:
    data = real_scan_600dpi.data
    for bad in (data[: len(data) // 3], data[:2000], data[:600] + bytes(5000)):
        result = trim(bad, validator=validator, check_output=False, overlap_decode=True)
        codes = {f.code for f in result.report.findings if f.check == "trim"}
        assert codes == {"trim.photo_not_found", "trim.print_size", "trim.scan_resolution",
                         "trim.not_trimmable"}
        assert "trim.early_failed" not in result.report.timings_ms


def test_a_forked_child_trims_with_its_own_threads(validator, real_scan_600dpi) -> None:
    import multiprocessing

    data = real_scan_600dpi.data
    first = trim(data, validator=validator, check_output=False, overlap_decode=True)
    assert first.report.extra["trim"]["face_path"] == "early"  # the thread pool exists now
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(1) as pool:
        got = pool.apply_async(_trim_face_path, (data,)).get(timeout=60)
    assert got == "early"


def _trim_face_path(data: bytes) -> str | None:
    return trim(data, check_output=False, overlap_decode=True).report.extra["trim"]["face_path"]


def test_the_sides_are_measured_while_the_second_thread_runs_its_mesh(
        validator, real_scan_600dpi, monkeypatch) -> None:
    import threading

    sides_measured = threading.Event()
    mesh_waited: list[bool] = []
    real_refine, real_mesh = pipeline.refine_sides_full, early.lean_mesh

    def refine(full, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        out = real_refine(full, *args, **kwargs)
        if threading.current_thread() is threading.main_thread() and full.shape[0] == 3496:
            sides_measured.set()
        return out

    def mesh(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        # the early print was published before this: the main thread measures the full
        # decode's sides meanwhile (a trim that waited for the whole early look would not)
        mesh_waited.append(sides_measured.wait(timeout=10.0))
        return real_mesh(*args, **kwargs)

    monkeypatch.setattr(pipeline, "refine_sides_full", refine)  # where trim_outcome calls it
    for module in (early, face_geometry):  # early_look's and lean_geometry's
        monkeypatch.setattr(module, "lean_mesh", mesh)
    result = trim(real_scan_600dpi.data, validator=validator, check_output=False,
                  overlap_decode=True)
    assert mesh_waited == [True]
    assert result.report.extra["trim"]["face_path"] == "early" and result.jpeg is not None


def test_an_early_look_that_fails_before_the_print_leaves_the_trim_sequential(
        validator, real_scan_600dpi, monkeypatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(early, "early_look", broken)  # where start_early_look calls it
    result = trim(real_scan_600dpi.data, validator=validator, check_output=False,
                  overlap_decode=True)
    assert result.report.extra["trim"]["face_path"] == "lean"
    assert result.jpeg is not None and result.report.status_of("trim.not_trimmable") == "pass"
    assert result.report.timings_ms.get("trim.early_failed") == 1.0
