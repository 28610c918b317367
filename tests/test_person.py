"""Crown and chin: exact behaviour of the matte search; real photos (skipped when absent)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from photocheck import person
from photocheck.landmarks import CHIN_IDX, FOREHEAD_IDX, NOSE_LINE_IDX
from photocheck.validator import Validator
from tests.helpers import manifest_rows, shared_photos


def _head_alpha(h: int = 100, w: int = 80, top: int = 20) -> np.ndarray:
    alpha = np.zeros((h, w), np.float32)
    alpha[top:, 20:60] = 1.0  # head and body block
    return alpha


def test_crown_from_matte_finds_the_top_of_the_region() -> None:
    alpha = _head_alpha(top=20)
    alpha[5:12, 70:75] = 1.0  # a separate blob (another object) above: ignored
    valid = np.ones_like(alpha, bool)
    found = person.crown_from_matte(alpha, valid, (40, 50), (30, 50))
    assert found is not None
    (u, v), at_edge, at_top = found
    assert v == 20.0 and 30 <= u <= 50
    assert not at_edge and not at_top


def test_a_single_stray_hair_does_not_raise_the_crown() -> None:
    alpha = _head_alpha(top=20)
    alpha[5:20, 40] = 1.0  # one-column spike
    found = person.crown_from_matte(alpha, np.ones_like(alpha, bool), (40, 50), (30, 50))
    assert found is not None and found[0][1] == 20.0


def test_crown_at_the_image_border_is_flagged() -> None:
    alpha = _head_alpha(top=0)
    valid = np.ones_like(alpha, bool)
    valid[:10] = False  # the crop extends 10 rows above the image
    alpha *= valid
    found = person.crown_from_matte(alpha, valid, (40, 50), (30, 50))
    assert found is not None
    (_, v), at_edge, _ = found
    assert v == 10.0 and at_edge


def test_crown_where_the_matte_fades_over_the_border_row_is_flagged() -> None:
    # MODNet's alpha dips below the threshold on the image's first row(s): still the border
    alpha = _head_alpha(top=0)
    valid = np.ones_like(alpha, bool)
    valid[:10] = False
    alpha *= valid
    alpha[10] = 0.36  # the border row, below the matte threshold
    (_, v), at_edge, _ = person.crown_from_matte(alpha, valid, (40, 50), (30, 50))
    assert v == 11.0 and at_edge
    # a crown 4 rows below the border is found inside the image
    alpha = _head_alpha(top=14) * valid
    (_, v), at_edge, _ = person.crown_from_matte(alpha, valid, (40, 50), (30, 50))
    assert v == 14.0 and not at_edge


def test_crown_where_the_matte_fades_over_several_border_rows_is_flagged() -> None:
    # the int8 matte fades over three rows (0.36, 0.41, 0.46 under the 0.5 threshold): the
    # column stays at least half the threshold up to the border, so the hair runs into it
    alpha = _head_alpha(top=0)
    valid = np.ones_like(alpha, bool)
    valid[:10] = False
    alpha *= valid
    alpha[10:13] = np.array([0.36, 0.41, 0.46])[:, None]
    (_, v), at_edge, _ = person.crown_from_matte(alpha, valid, (40, 50), (30, 50))
    assert v == 13.0 and at_edge
    # the same top with background (alpha 0.1) between it and the border is inside the image
    alpha[10:13] = 0.1
    (_, v), at_edge, _ = person.crown_from_matte(alpha, valid, (40, 50), (30, 50))
    assert v == 13.0 and not at_edge


def test_no_person_at_the_seed() -> None:
    alpha = np.zeros((50, 50), np.float32)
    assert person.crown_from_matte(alpha, np.ones_like(alpha, bool), (25, 25), (20, 30)) is None


def test_head_affine_upright_maps_forehead_to_crop_centre() -> None:
    frame = person.HeadFrame(
        forehead_xy=np.array([500.0, 400.0]), chin_xy=np.array([500.0, 800.0]),
        centre_xy=np.array([500.0, 600.0]), face_width_px=300.0, angle_deg=0.0,
        nose_xy=np.array([500.0, 600.0]),
    )
    affine, (w, h) = person.head_affine(frame, 1000, 1200, up_factor=1.0)
    assert (w, h) == (840, 920)  # ±1.4 face widths; 1.0 + 1.3 forehead-to-chin lengths
    fore = affine[:, :2] @ frame.forehead_xy + affine[:, 2]
    np.testing.assert_allclose(fore, [420.0, 400.0])


def test_head_affine_rotated_face_becomes_upright() -> None:
    # face lying on its side: chin to the left of the forehead (eye line 90° clockwise)
    frame = person.HeadFrame(
        forehead_xy=np.array([600.0, 500.0]), chin_xy=np.array([200.0, 500.0]),
        centre_xy=np.array([400.0, 500.0]), face_width_px=300.0, angle_deg=90.0,
        nose_xy=np.array([400.0, 500.0]),
    )
    affine, _ = person.head_affine(frame, 1000, 1000, up_factor=1.0)
    fore = affine[:, :2] @ frame.forehead_xy + affine[:, 2]
    chin = affine[:, :2] @ frame.chin_xy + affine[:, 2]
    np.testing.assert_allclose(chin - fore, [0.0, 400.0], atol=1e-9)  # chin straight below


SAMPLE = ("canada_003f", "canada_149m", "london_001_03", "london_002_03", "interfaces_057",
          "deepface_img32")


@pytest.fixture(scope="module")
def validator(models) -> Validator:
    return Validator("online", models=models)


def _ctx(validator: Validator, stem: str):
    rows = [r for r in manifest_rows() if r["category"] == "a_compliant_plain_bg"
            and stem in r["file"] and not r["file"].startswith("small")]
    if not rows:
        pytest.skip(f"{stem} not in the manifest")
    return validator.context(shared_photos() / rows[0]["file"])


@pytest.mark.parametrize("stem", SAMPLE)
def test_crown_above_the_mesh_forehead(validator: Validator, stem: str) -> None:
    from photocheck.face import landmarks

    ctx = _ctx(validator, stem)
    top = person.crown(ctx)
    marks = landmarks(ctx)
    forehead_y, chin_y = marks[FOREHEAD_IDX, 1], marks[CHIN_IDX, 1]
    assert top[1] < forehead_y - 0.05 * (chin_y - forehead_y)
    np.testing.assert_allclose(person.chin(ctx), marks[CHIN_IDX, :2])
    # the colour crown when the gate trusts it (MODNet not run), else MODNet's
    gated = person.gated_crown(ctx)
    assert person.crown_info(ctx).source == ("modnet" if gated is None else gated.source)


def test_crown_of_a_known_portrait(validator: Validator) -> None:
    # canada_003f: top of the hair at y ≈ 136 px of 1800 (measured by eye on the photo)
    ctx = _ctx(validator, "canada_003f")
    info = person.crown_info(ctx)
    assert 110 <= info.point[1] <= 160
    assert not info.at_edge


def _mm(ctx, dy_px: float) -> float:
    """A vertical px distance in mm at the nominal 34 mm crown-to-chin of this head."""
    head_px = float(person.chin(ctx)[1] - person.crown(ctx)[1])
    return abs(dy_px) * 34.0 / head_px


def _full_crop_crown(ctx) -> np.ndarray:
    full = person._matte(ctx, 1.1)
    found = person._crown_on(ctx, full, full.alpha, person.head_frame(ctx))
    assert found is not None
    return found[0]


@pytest.mark.parametrize("stem", ["canada_003f", "london_017_03"])
def test_colour_crown_agrees_with_the_matte_crown(validator: Validator, stem: str) -> None:
    # plain backgrounds: the colour crown and the full-crop MODNet crown (the calibrated
    # reference) are within 0.5 mm, and the short crop used there keeps its crown as close
    ctx = _ctx(validator, stem)
    coloured = person.colour_crown(ctx)
    assert coloured is not None and coloured.source == "colour" and not coloured.at_edge
    reference = _full_crop_crown(ctx)
    assert _mm(ctx, coloured.point[1] - reference[1]) < 0.5
    matte = person.head_matte(ctx)
    assert matte.down_factor == person.PLAIN_DOWN_FACTOR
    assert matte.alpha.shape[1] > matte.alpha.shape[0]  # wider than high: stops near the eyes
    assert _mm(ctx, person.crown(ctx)[1] - reference[1]) < 0.5


def test_busy_background_keeps_the_full_crop(validator: Validator) -> None:
    rows = [r for r in manifest_rows() if r["file"] == "f_busy_background/compreface_002_A.jpg"]
    if not rows:
        pytest.skip("compreface_002_A not in the manifest")
    ctx = validator.context(shared_photos() / rows[0]["file"])
    assert person.colour_crown(ctx) is None
    assert person.head_matte(ctx).down_factor == person.FULL_DOWN_FACTOR
    assert person.crown_info(ctx).source == "modnet"


def test_hair_into_the_top_edge_on_a_plain_background(validator: Validator) -> None:
    # london_001_03 (the speed benchmark's portrait): the hair runs out of the top; the short
    # crop says so too and is kept, with the same crown (on the border) as the full crop
    ctx = _ctx(_matte_always(validator), "london_001_03")
    assert person.colour_crown(ctx) is None
    assert person.head_matte(ctx).down_factor == person.PLAIN_DOWN_FACTOR
    info = person.crown_info(ctx)
    assert info.at_edge and info.source == "modnet"
    reference = _full_crop_crown(ctx)
    assert _mm(ctx, info.point[1] - reference[1]) < 0.5


def test_nose_line_is_the_mean_of_the_nose_line_points() -> None:
    # the one measure of "centred" the geometry check and the trim share
    marks = np.zeros((468, 3))
    for k, idx in enumerate(NOSE_LINE_IDX):
        marks[idx] = (100.0 + k, 200.0 + 10.0 * k, 5.0)
    np.testing.assert_allclose(person.nose_line(marks), [103.0, 230.0])
    np.testing.assert_allclose(person.nose_line(marks[:, :2]), [103.0, 230.0])


def test_the_short_crop_runs_the_int8_matte_and_the_full_crop_fp32(validator: Validator,
                                                                    monkeypatch) -> None:
    path = shared_photos() / "a_compliant_plain_bg" / "london_002_03.jpg"
    if not path.is_file():
        pytest.skip("london_002_03 is not in ../shared/photos")
    ctx = validator.context(path)
    person.head_frame(ctx)  # the face models first
    calls: list[tuple[str, tuple[int, ...]]] = []
    session = validator.models.session

    class Recorder:
        def __init__(self, name: str) -> None:
            self.name, self.inner = name, session(name)

        def run(self, outputs, feed):  # noqa: ANN001, ANN201 - onnxruntime's signature
            calls.append((self.name, next(iter(feed.values())).shape))
            return self.inner.run(outputs, feed)

        def get_inputs(self):  # noqa: ANN201
            return self.inner.get_inputs()

    monkeypatch.setattr(validator.models, "session", Recorder)
    short = person._matte(ctx, 0.5, down_factor=person.PLAIN_DOWN_FACTOR)
    full = person._matte(ctx, 1.1)
    # the short crop (wider than high) at long side 224, the full crop at 256
    assert calls == [("modnet", (1, 3, 96, 224)), ("modnet_fp32", (1, 3, 256, 224))]
    assert short.alpha.shape[0] < full.alpha.shape[0]  # the short crop stops near the eyes


def test_the_short_crops_crown_is_read_once(validator: Validator, monkeypatch) -> None:
    ctx = _ctx(_matte_always(validator), "canada_003f")
    person.head_frame(ctx)
    calls: list[int] = []
    real = person.crown_from_matte
    monkeypatch.setattr(person, "crown_from_matte",
                        lambda *a, **k: calls.append(1) or real(*a, **k))
    info = person.crown_info(ctx)
    matte = person.head_matte(ctx)
    assert matte.down_factor == person.PLAIN_DOWN_FACTOR and matte.crown_read
    assert len(calls) == 1  # read when head_matte chose the crop, reused by crown_info
    again = person._crown_on(ctx, matte, matte.alpha, person.head_frame(ctx))
    assert again is not None
    np.testing.assert_array_equal(info.point, again[0])
    assert info.at_edge == again[1]


def _matte_always(validator: Validator) -> Validator:
    """The validator's profile with the MODNet gate off (``[crown] skip_matte = false``)."""
    sections = {k: dict(v) for k, v in validator.profile.sections.items()}
    sections["crown"]["skip_matte"] = False
    profile = dataclasses.replace(validator.profile, sections=sections)
    return Validator(profile, models=validator.models)


def test_crowns_agree_within_a_fraction_of_the_head() -> None:
    c = person.Crown(np.array([50.0, 100.0]), False, "colour")
    s = person.Crown(np.array([70.0, 105.0]), False, "selfie")
    # 5 px apart on a 400-px crown-to-chin length: 0.0125 of it (columns do not matter)
    assert person.crowns_agree(c, s, 500.0, 0.0125)
    assert not person.crowns_agree(c, s, 500.0, 0.012)
    assert not person.crowns_agree(c, None, 500.0, 0.5)
    assert not person.crowns_agree(None, s, 500.0, 0.5)
    edge = person.Crown(np.array([50.0, 0.0]), True, "selfie")
    assert not person.crowns_agree(c, edge, 500.0, 1.0)  # a crown on the border: MODNet decides
    assert not person.crowns_agree(c, s, 90.0, 1.0)  # chin above the crown: nonsense


def test_the_gate_skips_modnet_on_a_plain_compliant_photo(validator: Validator) -> None:
    # canada_003f: colour crown at y 134.6, selfie crown 5 px lower (0.003 of the head): MODNet
    # is not run for the crown nor for the headwear measures; the crown is 0.2 mm from the
    # full-crop MODNet crown
    ctx = _ctx(validator, "canada_003f")
    from photocheck.checks import headwear

    info = person.crown_info(ctx)
    assert info.source == "colour" and not info.at_edge
    assert abs(info.point[1] - 134.6) < 1.0
    selfie = person.selfie_crown(ctx)
    assert selfie is not None and abs(selfie.point[1] - info.point[1]) < 0.0125 * (
        person.chin(ctx)[1] - info.point[1])
    measures = headwear.headwear_measures(ctx)
    assert measures.band_contrast < 60.0
    assert not ctx.has("head_matte")  # no MODNet run at all
    assert _mm(ctx, info.point[1] - _full_crop_crown(ctx)[1]) < 0.3


def test_the_gate_off_runs_modnet(validator: Validator) -> None:
    ctx = _ctx(_matte_always(validator), "canada_003f")
    assert person.gated_crown(ctx) is None
    assert person.crown_info(ctx).source == "modnet"


def test_the_gate_keeps_modnet_off_a_plain_background(validator: Validator) -> None:
    # aflw_image00550: a head cropped out of a larger photo, a black band above it; the colour
    # and the selfie crowns both stop at the band (0.07 mm apart) while the hair's top is
    # ~4.7 mm lower: the busy background (background.not_plain) sends it to MODNet
    path = shared_photos() / "small" / "l_in_the_wild_heads" / "aflw_image00550.jpg"
    if not path.is_file():
        pytest.skip("aflw_image00550 is not in ../shared/photos")
    ctx = validator.context(path)
    coloured, selfie = person.colour_crown(ctx), person.selfie_crown(ctx)
    chin_y = float(person.chin(ctx)[1])
    assert person.crowns_agree(coloured, selfie, chin_y, 0.0125)
    assert person.gated_crown(ctx) is None
    info = person.crown_info(ctx)
    assert info.source == "modnet"
    assert _mm(ctx, coloured.point[1] - info.point[1]) > 4.0


def test_the_gate_skips_modnet_for_hair_into_the_top_edge(validator: Validator) -> None:
    # london_001_03 again, the gate on: the plain background's top rows say the hair runs out
    # of the image and the selfie mask's crown is on the border: the crown is on the border
    # (as MODNet's), MODNet is not run
    ctx = _ctx(validator, "london_001_03")
    info = person.crown_info(ctx)
    assert info.source == "edge" and info.at_edge and info.point[1] == 0.0
    selfie = person.selfie_crown(ctx)
    assert selfie is not None and selfie.at_edge
    assert abs(info.point[0] - selfie.point[0]) < 1e-9
    assert not ctx.has("head_matte")


@pytest.mark.parametrize(("stem", "reaches"), [("london_001_03", True), ("aflw_image01118", False),
                                               ("aflw_image02792", True)])
def test_selfie_reaches_top_is_necessary_for_a_selfie_crown_on_the_border(
        validator: Validator, stem: str, reaches: bool) -> None:
    # the gate's cheap pre-test (first 3 rows of the face column): london_001_03's selfie crown
    # is on the border; aflw_image01118's is 2.25 mm below the top (refused before any region
    # search); aflw_image02792 passes the pre-test yet its selfie crown is 0.83 mm below the
    # top (the region search then decides: not on the border)
    rows = [r for r in manifest_rows() if stem in r["file"]]
    if not rows:
        pytest.skip(f"{stem} not in the manifest")
    ctx = validator.context(shared_photos() / rows[0]["file"])
    assert person._selfie_reaches_top(ctx, person.head_frame(ctx)) is reaches
    selfie = person.selfie_crown(ctx)
    assert selfie is not None and selfie.at_edge is (stem == "london_001_03")


def test_a_headband_near_its_limit_is_read_on_the_matte(validator: Validator) -> None:
    # london_025_03: the gate trusts the colour crown, but the selfie mask reads a band of
    # ΔE 102 (within the margin of the warn level 80): the headband is read on MODNet (101.6)
    from photocheck.checks import headwear
    from photocheck.measures import headwear as mh

    ctx = _ctx(validator, "london_025_03")
    assert person.crown_info(ctx).source == "colour"
    on_selfie = mh.measure_headwear(headwear.canvas_on(ctx, person.selfie_matte(ctx)))
    assert abs(on_selfie.band_contrast - 102.0) < 1.0
    measured = headwear.headwear_measures(ctx)
    assert ctx.has("head_matte")
    assert abs(measured.band_contrast - 101.6) < 1.0


def test_nose_line_is_the_mean_of_the_nose_points() -> None:
    marks = np.zeros((468, 3))
    marks[list(NOSE_LINE_IDX), 0] = np.arange(7.0)  # mean 3
    marks[list(NOSE_LINE_IDX), 1] = 0.1 * np.arange(7.0)
    expected = marks[list(NOSE_LINE_IDX), :2].mean(axis=0)
    np.testing.assert_array_equal(person.nose_line(marks), expected)
    assert person.nose_line(marks)[0] == 3.0
