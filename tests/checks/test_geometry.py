"""geometry.* on real photos transformed at test time (skipped when ../shared is absent)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from photocheck.report import Report, Status
from photocheck.validator import Validator
from tests.helpers import encode_jpeg, shared_photos

STEM = "a_compliant_plain_bg/london_002_03.jpg"  # 1350×1350, head well inside the frame


@pytest.fixture(scope="module")
def photo() -> np.ndarray:
    image = cv2.imread(str(shared_photos() / STEM), cv2.IMREAD_COLOR)
    assert image is not None
    return image


def _jpeg(image: np.ndarray) -> bytes:
    return encode_jpeg(image, 95)


def _geometry(report: Report) -> dict[str, object]:
    return {f.code: f for f in report.findings if f.code.startswith("geometry.")}


@pytest.fixture(scope="module")
def original(online: Validator, photo: np.ndarray) -> Report:
    return online.check(_jpeg(photo))


def test_compliant_photo_gets_a_conforming_crop(original: Report) -> None:
    found = _geometry(original)
    assert {c: f.status for c, f in found.items()} == {
        "geometry.head_height": Status.PASS, "geometry.top_margin": Status.PASS,
        "geometry.off_centre": Status.PASS, "geometry.not_trimmable": Status.PASS}
    assert original.crop is not None and original.crop["trimmable"] is True
    assert original.crop["head_mm"] == 34.0 and original.crop["top_margin_mm"] == 4.0
    x0, y0, x1, y1 = original.crop["box"]
    assert (x1 - x0) / (y1 - y0) == pytest.approx(35 / 45, abs=1e-3)
    assert original.face is not None
    crown, chin = original.face["crown"], original.face["chin"]
    assert y0 < crown[1] < chin[1] < y1


def test_off_centre_crop_moves_the_crop_box(online: Validator, photo: np.ndarray,
                                            original: Report) -> None:
    shift = 250
    left = online.check(_jpeg(photo[:, : photo.shape[1] - shift]))
    right = online.check(_jpeg(photo[:, shift:]))
    assert left.crop["trimmable"] and right.crop["trimmable"]
    box0 = np.array(original.crop["box"])
    box_l, box_r = np.array(left.crop["box"]), np.array(right.crop["box"])
    width = box0[2] - box0[0]
    # the same head gives the same crop, in the coordinates of each cut
    np.testing.assert_allclose(box_l, box0, atol=0.02 * width)
    np.testing.assert_allclose(box_r + [shift, 0, shift, 0], box0, atol=0.02 * width)


def test_cutting_off_the_top_of_the_head(online: Validator, photo: np.ndarray,
                                         original: Report) -> None:
    crown_y = original.face["crown"][1]
    chin_y = original.face["chin"][1]
    cut = int(crown_y + 0.15 * (chin_y - crown_y))
    report = online.check(_jpeg(photo[cut:]))
    codes = {f.code: f.status for f in report.findings}
    assert (codes.get("face.cut_off") == Status.FAIL
            or codes.get("geometry.not_trimmable") == Status.FAIL)
    if codes.get("geometry.not_trimmable") == Status.FAIL:
        assert report.crop["reason"] == "head_cut_off"


def test_a_35x45_photo_is_measured_as_the_frame(online: Validator, photo: np.ndarray,
                                                original: Report) -> None:
    x0, y0, x1, y1 = (int(round(v)) for v in original.crop["box"])
    report = online.check(_jpeg(photo[y0:y1, x0:x1]))
    found = _geometry(report)
    assert report.crop["frame_is_35x45"] is True
    # the standard crop cut out and measured again: 34 mm head, 4 mm margin, centred
    assert found["geometry.head_height"].measured == pytest.approx(34.0, abs=0.6)
    assert found["geometry.top_margin"].measured == pytest.approx(4.0, abs=0.6)
    assert found["geometry.off_centre"].measured == pytest.approx(0.0, abs=0.6)
    assert all(f.status == Status.PASS for f in found.values())


def test_booth_refuses_a_frame_that_is_not_35x45(models, photo: np.ndarray) -> None:
    report = Validator("booth", models=models).check(_jpeg(photo))
    found = _geometry(report)
    assert found["geometry.not_trimmable"].status == Status.FAIL
    assert found["geometry.not_trimmable"].measured == pytest.approx(1.0)
    # measured on the square frame as if it were 45 mm high: the head is too small
    assert found["geometry.head_height"].status == Status.FAIL


def test_no_face_is_not_assessed(online: Validator) -> None:
    blank = np.full((900, 700, 3), 200, np.uint8)
    found = _geometry(online.check(_jpeg(blank)))
    assert {f.status for f in found.values()} == {Status.NOT_ASSESSED}
    assert {f.cause for f in found.values()} == {"face.not_found"}


def test_infant_lying_sideways_gets_the_crop_in_its_upright_frame(
        online: Validator, photo: np.ndarray, original: Report) -> None:
    turned = cv2.rotate(photo, cv2.ROTATE_90_CLOCKWISE)  # (x, y) → (H − y, x)
    report = online.check(_jpeg(turned), exceptions=["infant"])
    assert report.crop["quarter_turns"] in (1, 3)
    h = photo.shape[0]
    x0, y0, x1, y1 = original.crop["box"]
    expected = np.array([h - y1, x0, h - y0, x1])
    np.testing.assert_allclose(report.crop["box"], expected, atol=0.02 * (x1 - x0))
    found = _geometry(report)
    assert found["geometry.head_height"].status == Status.PASS
    assert found["geometry.not_trimmable"].status == Status.PASS


def test_hair_cut_by_the_top_edge_gets_an_estimated_crown(online: Validator, photo: np.ndarray,
                                                          original: Report) -> None:
    """The standard crop moved down until its top edge is 2 mm below the crown: the hair runs
    out of the frame, the crown is estimated, and head height / top margin are measured (same
    px per mm as the 35:45 crop, so the uncropped figures are 34 mm and 4 mm)."""
    x0, y0, x1, y1 = (int(round(v)) for v in original.crop["box"])
    ppm = original.crop["px_per_mm"]
    crown_y = original.face["crown"][1]
    dy = int(round(crown_y + 2.0 * ppm)) - y0
    assert y1 + dy <= photo.shape[0]
    report = online.check(_jpeg(photo[y0 + dy: y1 + dy, x0:x1]))
    found = _geometry(report)
    assert report.face["crown_at_edge"] is True
    head, top = found["geometry.head_height"], found["geometry.top_margin"]
    assert head.status in (Status.PASS, Status.FAIL)  # computed, not refused
    assert head.measured["crown_estimated"] is True and top.measured["crown_estimated"] is True
    # the crown is 2 mm above the frame: within a few mm of the uncropped measurement
    assert head.measured["mm"] == pytest.approx(34.0, abs=3.0)
    assert top.measured["mm"] == pytest.approx(-2.0, abs=3.0)
    assert top.measured["mm"] < 0.0 and top.status == Status.FAIL  # crown above the frame
    assert report.crop["reason"] == "head_cut_off"
