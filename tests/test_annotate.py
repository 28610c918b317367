"""Annotation: the PNG is written and the boxes are drawn where the report says."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
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
    # the photo in the first 900 rows, the verdict panel below it
    assert image.shape[1] == 700 and image.shape[0] > 900
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
    assert image is not None and image.shape[1] == 700 and image.shape[0] > 900


def _regions_report(code: str, status: Status = Status.FAIL) -> Report:
    report = _report(face_fails=False)
    report.findings.pop()  # helper.visible
    report.findings.append(finding(code, status, 1.0, {"max": 0.5}))
    report.face.update({"keypoints": [[300.0, 350.0], [400.0, 350.0], [350.0, 420.0],
                                      [350.0, 500.0]], "forehead": [350.0, 260.0]})
    return report


def test_rules_are_marked_where_they_apply() -> None:
    image = np.full((900, 700, 3), 128, np.uint8)
    # eyewear: around both eyes (eyes 100 px apart at y = 350: box x 250–450, y 315–385)
    eyes = annotate.draw(image, _regions_report("eyewear.glare"), lang="en")
    assert tuple(eyes[350, 250]) == annotate.RED and tuple(eyes[385, 350]) == annotate.RED
    # headwear: from just above the crown (y 150 - 30) down to the forehead (y 260)
    hat = annotate.draw(image, _regions_report("headwear.hat"), lang="en")
    assert tuple(hat[260, 350]) == annotate.RED
    assert tuple(hat[200, 350 - 240]) == annotate.RED  # left side at cx - 0.8 face widths
    # background: the backdrop strips beside the head, left one ends at 200 - 105 = 95
    back = annotate.draw(image, _regions_report("background.not_plain"), lang="en")
    assert tuple(back[400, 95]) == annotate.RED  # down to the chin (y 620)
    # a warning only: amber, at the mouth (y 500 ± 45)
    mouth = annotate.draw(image, _regions_report("expression.mouth_open", Status.WARN), lang="en")
    assert tuple(mouth[455, 350]) == annotate.AMBER
    # and none of these marks is drawn when the rule passes
    assert abs(int(annotate.draw(image, _report(False), lang="en")[455, 350, 0]) - 128) <= 2


def test_group_regions_without_a_face_are_empty() -> None:
    report = _report(False)
    report.face = None
    assert annotate.group_regions(report, "eyes", 700.0) == []
    assert annotate.group_regions(report, "geometry", 700.0) == [[100.0, 80.0, 600.0, 723.0]]


def test_panel_lists_failing_rules_below_the_photo() -> None:
    image = np.full((900, 700, 3), 128, np.uint8)
    failing = annotate.draw(image, _report(face_fails=True), lang="en")
    passing_report = _report(face_fails=False)
    passing_report.findings.pop()  # helper.visible: nothing fails now
    passing = annotate.draw(image, passing_report, lang="en")
    assert failing.shape[0] > passing.shape[0] > 900  # two rules listed vs "Every rule passed"
    # the verdict banner right under the photo: red for reject, green for accept
    assert tuple(failing[905, 690]) == annotate.RED
    assert tuple(passing[905, 690]) == annotate.GREEN


def test_wrap_keeps_ascii_words_and_breaks_japanese_anywhere() -> None:
    font = annotate._font(20, False)
    lines = annotate._wrap("measured 0.0535 deg; limit -14–14 and more words", font, 150)
    assert all(font.getlength(line) <= 150 for line in lines)
    assert " ".join(lines).replace("  ", " ") == "measured 0.0535 deg; limit -14–14 and more words"
    ja = annotate._wrap("顔が横を向いています。正面を向いてください。", font, 100)
    assert "".join(ja) == "顔が横を向いています。正面を向いてください。" and len(ja) > 1
    assert not any(line.startswith(("。", "、")) for line in ja)
    # a full stop that does not fit stays on its line rather than starting the next one
    cut = annotate._wrap("あいう。", font, font.getlength("あいう") + 1)
    assert cut == ["あいう。"]


def test_japanese_labels_need_a_cjk_font(monkeypatch) -> None:
    image = np.full((900, 700, 3), 128, np.uint8)
    report = _report(face_fails=True)
    report.findings[-1] = finding("helper.visible", Status.FAIL,
                                  {"other_faces": 0, "regions": [[20.0, 600.0, 120.0, 700.0]]})
    english = annotate.draw(image, report, lang="en")
    if annotate.cjk_font_path() is not None:
        assert annotate.language("ja") == "ja"
        assert not np.array_equal(annotate.draw(image, report, lang="ja"), english)
    # without a CJK font, Japanese falls back to exactly the English picture
    monkeypatch.setattr(annotate, "cjk_font_path", lambda: None)
    annotate._font.cache_clear()
    try:
        assert annotate.language("ja") == "en"
        assert np.array_equal(annotate.draw(image, report, lang="ja"), english)
    finally:
        annotate._font.cache_clear()
    with pytest.raises(ValueError, match="language"):
        annotate.language("fr")


def test_cjk_font_from_the_environment(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("PHOTOCHECK_FONT", str(tmp_path / "missing.ttf"))
    annotate.cjk_font_path.cache_clear()
    try:
        found = annotate.cjk_font_path()  # a missing file is skipped, the search goes on
        assert found is None or found.exists()
    finally:
        annotate.cjk_font_path.cache_clear()
