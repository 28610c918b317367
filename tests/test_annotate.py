"""Annotation: the PNG is written and the boxes are drawn where the report says."""

from __future__ import annotations

import io

import cv2
import numpy as np
from PIL import Image

from photocheck import annotate
from photocheck.checks.base import finding
from photocheck.report import Report, Status


def _grey_jpeg(w: int = 700, h: int = 900) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.full((h, w, 3), 128, np.uint8)).save(buf, "JPEG", quality=95)
    return buf.getvalue()


def _report(face_fails: bool) -> Report:
    findings = [finding("geometry.head_height", Status.PASS, 34.0, {"min": 32, "max": 36}, "mm")]
    if face_fails:
        findings.append(finding("pose.yaw", Status.FAIL, 20.0, {"max": 11}, "deg"))
    findings.append(finding("helper.visible", Status.FAIL,
                            {"other_faces": 0, "regions": [[20.0, 600.0, 120.0, 700.0]]}))
    return Report(
        source="x.jpg", profile="online", profile_digest="0", exceptions=[], findings=findings,
        face={"box": [200.0, 250.0, 500.0, 600.0], "crown": [350.0, 150.0],
              "chin": [350.0, 620.0]},
        crop={"box": [100.0, 80.0, 600.0, 723.0], "trimmable": True},
    )


def test_annotation_png_has_the_boxes(tmp_path) -> None:
    out = annotate.annotate_file(_grey_jpeg(), _report(face_fails=True), tmp_path / "a.png")
    image = cv2.imread(str(out))
    assert image.shape == (900, 700, 3)
    # face box left edge at x = 200 (rows away from the crown/chin lines): red, as pose fails
    assert tuple(image[400, 200]) == annotate.RED
    # crop box right edge at x = 600: yellow (trimmable)
    assert tuple(image[400, 600]) == annotate.YELLOW
    # crown line at y = 150 inside the face column: cyan; chin line at y = 620: magenta
    assert tuple(image[150, 350]) == annotate.CYAN
    assert tuple(image[620, 350]) == annotate.MAGENTA
    # the helper region named by the failing finding: red
    assert tuple(image[650, 120]) == annotate.RED
    # untouched photo elsewhere
    assert abs(int(image[800, 350, 0]) - 128) <= 2


def test_crown_estimated_above_the_frame_gets_an_arrow_at_the_top_edge(tmp_path) -> None:
    report = _report(face_fails=False)
    report.face["crown_estimate"] = [650.0, -40.0]  # away from the legend panel
    out = annotate.annotate_file(_grey_jpeg(), report, tmp_path / "c.png")
    image = cv2.imread(str(out))
    # the arrow's shaft at x = 650 from the top edge down a few px: cyan
    assert tuple(image[8, 650]) == annotate.CYAN
    assert abs(int(image[8, 680, 0]) - 128) <= 2  # beside it, the photo untouched
    plain = cv2.imread(str(annotate.annotate_file(_grey_jpeg(), _report(face_fails=False),
                                                  tmp_path / "d.png")))
    assert abs(int(plain[8, 650, 0]) - 128) <= 2  # no estimate, no arrow


def test_face_box_green_when_face_rules_pass(tmp_path) -> None:
    out = annotate.annotate_file(_grey_jpeg(), _report(face_fails=False), tmp_path / "b.png")
    image = cv2.imread(str(out))
    assert tuple(image[400, 200]) == annotate.GREEN


def test_annotate_path_for_several_photos() -> None:
    assert str(annotate.annotate_path("out.png", "dir/a.jpg", 1)) == "out.png"
    assert str(annotate.annotate_path("o/out.png", "dir/a.jpg", 2)) == "o/out-a.png"


def test_cli_writes_the_annotation(tmp_path) -> None:
    from photocheck.cli import main

    photo = tmp_path / "grey.jpg"
    photo.write_bytes(_grey_jpeg())
    out = tmp_path / "ann.png"
    code = main(["check", str(photo), "--annotate", str(out), "--json"])
    assert code in (0, 1)
    image = cv2.imread(str(out))
    assert image is not None and image.shape == (900, 700, 3)
