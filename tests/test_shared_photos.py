"""File and metadata checks over the real photos in ../shared/photos (skipped when absent).

Only the file and metadata checks run here (a profile extending ``online`` with every other
check disabled, built from the registry), so the whole set takes seconds; the content checks
are evaluated in ``benchmarks/accuracy.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from photocheck.report import Report, Status
from photocheck.validator import Validator
from tests.filefixtures import file_metadata_profile
from tests.helpers import manifest_rows, shared_photos

pytestmark = pytest.mark.shared

# file → the file.* findings it must get: (code, status, measured or None for "any").
EXPECTED: dict[str, list[tuple[str, str, object]]] = {
    "j_format_edge/exifsamples_IMG_5195.HEIC": [("file.format", "fail", "heic")],
    "j_format_edge/facerec_lin-manuel-miranda.png": [("file.format", "fail", "png")],
    "j_format_edge/photoprism_iphone_7.heic": [("file.format", "fail", "heic"),
                                               ("file.pixels_too_small", "pass", 3024)],
    # JPEG bytes named .heic: a JPEG, and fine as a file
    "j_format_edge/photoprism_wrong.heic": [("file.format", "pass", "jpeg"),
                                            ("file.corrupt", "pass", "jpeg"),
                                            ("file.pixels_too_small", "pass", 500)],
    "j_format_edge/sharp_giant-image.jpg": [("file.pixels_too_large", "fail", 20000),
                                            ("file.format", "pass", "jpeg")],
    "j_format_edge/sharp_truncated.jpg": [("file.corrupt", "fail", None),
                                          ("file.bytes_too_small", "fail", 10000)],
    "j_format_edge/skimage_astronaut.png": [("file.format", "fail", "png")],
    "j_format_edge/vrooli_404-html-named.jpg": [("file.format", "fail", "html")],
    "small/j_format_edge/compreface_corrupted.png": [("file.corrupt", "fail", None),
                                                     ("file.format", "fail", "png")],
    "small/j_format_edge/compreface_empty.png": [("file.format", "fail", "text"),
                                                 ("file.bytes_too_small", "fail", 5)],
    "small/j_format_edge/compreface_truncated.jpg": [("file.corrupt", "fail", None)],
    "small/j_format_edge/exifsamples_samplefilehub.heif": [("file.format", "fail", "heic")],
    "small/j_format_edge/facerec_alex-lacamoire.png": [("file.format", "fail", "png")],
    "small/j_format_edge/photoprism_this-is-a-jpeg.png": [("file.format", "pass", "jpeg"),
                                                          ("file.pixels_too_small", "fail", 180)],
    "small/j_format_edge/pillow_hopper.avif": [("file.format", "fail", "avif")],
    "small/j_format_edge/pillow_hopper.bmp": [("file.format", "fail", "bmp")],
    "small/j_format_edge/pillow_hopper.gif": [("file.format", "fail", "gif")],
    "small/j_format_edge/pillow_hopper.heif": [("file.format", "fail", "heic"),
                                               ("file.pixels_too_small", "fail", 128)],
    "small/j_format_edge/pillow_hopper.jpg": [("file.format", "pass", "jpeg"),
                                              ("file.pixels_too_small", "fail", 128)],
    "small/j_format_edge/pillow_hopper.png": [("file.format", "fail", "png")],
    "small/j_format_edge/pillow_hopper.tif": [("file.format", "fail", "tiff")],
    "small/j_format_edge/pillow_hopper.webp": [("file.format", "fail", "webp")],
    "small/j_format_edge/pillow_hopper_gray.jpg": [("file.colour_mode", "warn", "grayscale")],
    "small/j_format_edge/pillow_hopper_orientation_6.jpg": [("file.format", "pass", "jpeg"),
                                                            ("file.corrupt", "pass", "jpeg"),
                                                            ("file.pixels_too_small", "fail",
                                                             128)],
    "small/j_format_edge/pillow_pil_sample_cmyk.jpg": [("file.colour_mode", "fail", None)],
    "small/j_format_edge/pillow_truncated_jpeg.jpg": [("file.corrupt", "fail", None)],
    "small/j_format_edge/sharp_Channel_digital_image_CMYK_color.jpg": [
        ("file.colour_mode", "fail", None)],
    "small/j_format_edge/sharp_Channel_digital_image_CMYK_color_no_profile.jpg": [
        ("file.colour_mode", "fail", None)],
    "small/j_format_edge/sharp_concert.jpg": [("file.colour_mode", "warn", "grayscale")],
    "small/j_format_edge/sharp_corrupt-header.jpg": [("file.corrupt", "fail", None)],
}


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Report]:
    """One report per manifest row (file + metadata checks only)."""
    root = shared_photos()
    validator = Validator(file_metadata_profile(tmp_path_factory.mktemp("profile")))
    out: dict[str, Report] = {}
    for row in manifest_rows():
        out[row["file"]] = validator.check(root / row["file"], applied_on="2021-06-01")
    return out


def test_every_format_edge_file_gets_its_file_code(reports: dict[str, Report]) -> None:
    root = shared_photos()
    on_disk = {str(p.relative_to(root)) for folder in ("j_format_edge", "small/j_format_edge")
               for p in (root / folder).iterdir() if p.is_file()}
    assert on_disk == set(EXPECTED)  # the table covers every file of both folders
    wrong = []
    for name, expectations in EXPECTED.items():
        report = reports[name]
        for code, status, measured in expectations:
            found = report.by_code(code)
            ok = found is not None and str(found.status) == status and (
                measured is None or found.measured == measured)
            if not ok:
                wrong.append((name, code, found and (str(found.status), found.measured)))
    assert wrong == []


def test_all_files_yield_a_report_without_internal_errors(reports: dict[str, Report]) -> None:
    on_disk = {str(p.relative_to(shared_photos())) for p in shared_photos().rglob("*")
               if p.is_file() and p.name not in ("MANIFEST.csv", "README.md")}
    assert set(reports) == on_disk  # one report per manifest row, and the manifest is complete
    for name, report in reports.items():
        assert report.findings, name
        causes = {f.cause for f in report.findings}
        assert "internal_error" not in causes, name
        assert report.by_code("file.format") is not None, name


def test_edited_photos_are_detected_and_camera_photos_are_not(reports: dict[str, Report]) -> None:
    edited, clean = [], []
    for row in manifest_rows():
        attrs: set[str] = row["attrs"]  # type: ignore[assignment]
        is_edited = any(a.startswith("edited_") for a in attrs)
        if is_edited:
            edited.append(row["file"])
        elif "exif_camera" in attrs or "resaved_gd_jpeg" in attrs:
            clean.append(row["file"])
    assert len(edited) == 44
    missed = [f for f in edited if reports[f].status_of("metadata.edited") != Status.FAIL]
    false_alarms = [f for f in clean if reports[f].status_of("metadata.edited") == Status.FAIL]
    assert missed == []
    assert false_alarms == []
    assert len(clean) > 90


def test_orientation_6_photo_is_upright_after_decode() -> None:
    from photocheck import decode

    data = Path(shared_photos() / "small/j_format_edge/pillow_hopper_orientation_6.jpg")
    head = decode.read_header(data.read_bytes())
    assert head.orientation == 6
    assert decode.decode(data.read_bytes(), head).bgr.shape[:2] == (head.width, head.height)


def test_capture_dates_of_camera_photos_are_read(reports: dict[str, Report]) -> None:
    # deepface_img13: DateTimeOriginal 2018:09:18, application 2021-06-01 → too old
    report = reports["a_compliant_plain_bg/deepface_img13.jpg"]
    assert report.status_of("metadata.capture_too_old") == Status.FAIL
    assert report.by_code("metadata.capture_date_missing").measured == "2018-09-18"
    # iPhone HEIC with OffsetTimeOriginal -05:00: read through exifread without decoding
    heic = reports["j_format_edge/exifsamples_IMG_5195.HEIC"]
    assert heic.by_code("metadata.capture_date_missing").measured == "2021-04-12"
    assert heic.status_of("metadata.capture_too_old") == Status.PASS
