"""photocheck.face on real photos (skipped when ../shared/photos is absent)."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from photocheck import face
from photocheck.checks import face as face_check
from photocheck.checks import pose as pose_check
from photocheck.context import NotAssessable
from photocheck.validator import Validator
from tests.helpers import encode_jpeg, shared_photos

COMPLIANT = ("a_compliant_plain_bg/london_011_03.jpg", "a_compliant_plain_bg/canada_003f.jpg",
             "a_compliant_plain_bg/interfaces_074.jpg")


@pytest.fixture(scope="module")
def validator(models) -> Validator:
    return Validator("online", models=models)


def _small(path: str, long_side: int = 800) -> np.ndarray:
    img = cv2.imread(str(shared_photos() / path))
    f = long_side / max(img.shape[:2])
    return cv2.resize(img, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)


def _jpeg(bgr: np.ndarray) -> bytes:
    return encode_jpeg(bgr, 92)


def _rotate(bgr: np.ndarray, angle_deg: float) -> np.ndarray:
    """Rotate counter-clockwise by ``angle_deg`` on an expanded canvas, edges replicated."""
    h, w = bgr.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle_deg, 1.0)
    c, s = abs(m[0, 0]), abs(m[0, 1])
    nw, nh = int(h * s + w * c), int(h * c + w * s)
    m[:, 2] += [(nw - w) / 2, (nh - h) / 2]
    return cv2.warpAffine(bgr, m, (nw, nh), borderMode=cv2.BORDER_REPLICATE)


@pytest.mark.parametrize("path", COMPLIANT)
def test_one_face_in_plausible_place(validator: Validator, path: str) -> None:
    full = shared_photos() / path
    ctx = validator.context(full)
    found = face.detections(ctx)
    assert len(found) == 1
    w, h = cv2.imread(str(full)).shape[1::-1]
    det = found[0]
    assert abs(det.centre[0] - w / 2) < 0.12 * w  # centred portrait
    assert 0.2 * h < det.centre[1] < 0.75 * h
    assert 0.25 * w < det.width < 0.8 * w
    pts = face.landmarks(ctx)
    assert det.box[0] < pts[1, 0] < det.box[2] and det.box[1] < pts[1, 1] < det.box[3]
    pose = face.pose(ctx)
    assert abs(pose.yaw_deg) < 11 and abs(pose.pitch_deg) < 14 and abs(pose.roll_deg) < 8
    assert ctx.face_info["box"] == [round(float(v), 1) for v in det.box]
    assert set(ctx.face_info["pose_deg"]) == {"yaw", "pitch", "roll"}


def test_roll_follows_rotation(validator: Validator) -> None:
    base = _small(COMPLIANT[0])
    roll0 = face.pose(validator.context(_jpeg(base))).roll_deg
    for angle in (-20.0, -10.0, 10.0, 20.0):
        roll = face.pose(validator.context(_jpeg(_rotate(base, angle)))).roll_deg
        # a counter-clockwise image rotation lifts the image-right eye: roll decreases
        assert abs((roll - roll0) + angle) < 2.0, (angle, roll, roll0)


@pytest.mark.parametrize("turn", [90.0, 180.0, 30.0])
def test_infant_rotation_normalised(validator: Validator, turn: float) -> None:
    image = _jpeg(_rotate(_small(COMPLIANT[0], 640), turn))
    infant = validator.context(image, exceptions=["infant"])
    assert abs(face.pose(infant).roll_deg) < 8.0
    assert abs(abs(face.upright_rotation_deg(infant)) - turn) < 8.0
    plain = validator.context(image)
    try:
        roll = face.pose(plain).roll_deg
    except NotAssessable:  # not found upright is also a failure of the photo
        return
    assert abs(roll) > 8.0
    params = validator.profile.section("pose")
    assert _statuses(pose_check.run(plain, params))["pose.roll"] == "fail"
    assert _statuses(pose_check.run(infant, params))["pose.roll"] == "pass"


def _statuses(findings) -> dict[str, str]:
    return {f.code: str(f.status) for f in findings}


def test_no_face_on_plain_image(validator: Validator) -> None:
    ctx = validator.context(_jpeg(np.full((600, 480, 3), 200, np.uint8)))
    assert face.detections(ctx) == []
    with pytest.raises(NotAssessable) as exc:
        face.applicant(ctx)
    assert exc.value.cause == "face.not_found"
    findings = []
    with pytest.raises(NotAssessable):
        for f in face_check.run(ctx, validator.profile.section("face")):
            findings.append(f)
    assert _statuses(findings) == {"face.not_found": "fail"}
    with pytest.raises(NotAssessable):
        list(pose_check.run(ctx, validator.profile.section("pose")))


@pytest.mark.parametrize(("w", "h"), [(50, 50), (1000, 1), (40, 3000), (1, 1)])
def test_noise_and_odd_shapes_find_no_face(validator: Validator, w: int, h: int) -> None:
    rng = np.random.default_rng(0)
    ctx = validator.context(_jpeg(rng.integers(0, 255, (h, w, 3), dtype=np.uint8)))
    assert face.detections(ctx) == []


# --- the search for other people (face.multiple) ---------------------------------------------


def test_others_mask_exact() -> None:
    # face box 20 px wide centred at x = 50, rows 40–60: the head band reaches 1.25 w = 25 px
    # either side from row 40 - 1.2 × 20 = 16 down to the chin line 60 + 0.3 × 20 = 66, then
    # widens by 2 px per row
    prob = np.ones((100, 100), np.float32)
    others = face.others_mask(prob, np.array([40.0, 40.0, 60.0, 60.0]))
    assert others[10].all()  # above the head band: all someone else
    assert not others[30, 25:76].any() and others[30, 24] and others[30, 76]
    assert not others[70, 17:84].any() and others[70, 16] and others[70, 84]  # 25 + 2 × 4
    assert not others[99].any()  # the torso fills the bottom rows
    # probability below 0.25 is nobody
    assert not face.others_mask(np.full((100, 100), 0.2, np.float32),
                                np.array([40.0, 40.0, 60.0, 60.0])).any()
    # sampled every 4th px: the same decisions on the coarser grid
    coarse = face.others_mask(prob, np.array([40.0, 40.0, 60.0, 60.0]), step=4)
    assert coarse.shape == (25, 25) and np.array_equal(coarse, others[::4, ::4])


def test_tiles_with_people_counts_pixels() -> None:
    others = np.zeros((64, 128), bool)
    tiles = [(0, 0, 64, 64), (64, 0, 128, 64)]
    # (64 / 32)² = 4 px are needed in a 64-px tile
    others[10, 70:73] = True
    assert face.tiles_with_people(tiles, others, 1) == []
    others[11, 70] = True
    assert face.tiles_with_people(tiles, others, 1) == [(64, 0, 128, 64)]
    # on a grid sampled every 2 px each sample counts for 4 px
    assert face.tiles_with_people(tiles, others[::2, ::2], 2) == [(64, 0, 128, 64)]
    assert face.tiles_with_people([], others, 1) == []


def test_tiles_with_hints() -> None:
    hint = face.bf.FaceBox(np.array([90.0, 10.0, 110.0, 30.0]), 0.4, np.zeros((6, 2)))
    tiles = [(0, 0, 64, 64), (64, 0, 128, 64), (0, 64, 64, 128)]
    assert face.tiles_with_hints(tiles, [hint]) == [(64, 0, 128, 64)]
    assert face.tiles_with_hints(tiles, []) == []


def _with_small_copy(base: np.ndarray, fraction: float) -> np.ndarray:
    """``base`` with a copy of itself shrunk to ``fraction`` pasted in its top-left corner
    (plain background there in a compliant portrait)."""
    small = cv2.resize(base, None, fx=fraction, fy=fraction, interpolation=cv2.INTER_AREA)
    out = base.copy()
    out[10 : 10 + small.shape[0], 10 : 10 + small.shape[1]] = small
    return out


@pytest.fixture
def back_runs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Input sides of every BlazeFace model run (256: back model, 128: front)."""
    sides: list[int] = []
    run = face.bf.run_batched

    def counting(session, batch):  # noqa: ANN001, ANN202 - a pass-through spy
        sides.extend([batch.shape[1]] * batch.shape[0])
        return run(session, batch)

    monkeypatch.setattr(face.bf, "run_batched", counting)
    return sides


def test_single_person_runs_no_back_pass(validator: Validator, back_runs: list[int]) -> None:
    ctx = validator.context(_jpeg(_small(COMPLIANT[0], 1000)))
    face.applicant(ctx)
    back_runs.clear()
    assert len(face.detections(ctx)) == 1
    # nobody outside the applicant's head and shoulders, and front-128 (run by the search on
    # this frame, reused) found nobody else: neither the whole frame nor a tile is searched
    assert back_runs == []


def test_whole_envelope_sees_a_bystander_beside_the_head() -> None:
    # applicant's face box 100 px wide centred at x = 300, rows 200–300, in a 600 × 600 frame;
    # its head (± 0.9 w) and shoulders (± 1.8 w below the box) are its own
    prob = np.zeros((600, 600), np.float32)
    box = np.array([250.0, 200.0, 350.0, 300.0])
    prob[100:300, 215:386] = 1.0  # head and hair
    prob[301:, 125:476] = 1.0  # shoulders, from the row below the box
    assert not face.others_mask(prob, box, face.WHOLE_ENVELOPE).any()
    prob[150:300, 100:180] = 1.0  # someone standing beside the head
    others = face.others_mask(prob, box, face.WHOLE_ENVELOPE)
    assert others.sum() == 150 * 80  # all of it: columns 100–179 lie beyond 0.9 w (210)
    # the generous tile envelope (± 1.25 w beside the head, from column 175) keeps fewer
    bystander = np.zeros_like(prob)
    bystander[150:300, 100:180] = 1.0
    assert face.others_mask(bystander, box).sum() == 150 * 75
    # the whole-frame test counts faint probability too (a distant person), the tiles' not
    assert face.others_mask(bystander * 0.2, box, face.WHOLE_ENVELOPE).sum() == 150 * 80
    assert not face.others_mask(bystander * 0.2, box).any()


def test_small_second_face_found_by_a_tile(validator: Validator, back_runs: list[int]) -> None:
    pasted = _with_small_copy(_small(COMPLIANT[0], 1000), 0.1)
    ctx = validator.context(_jpeg(pasted))
    face.applicant(ctx)
    back_runs.clear()
    found = face.detections(ctx)
    assert len(found) == 2
    # the whole frame, then the one top-left tile where the segmentation sees the copy
    assert back_runs == [256, 256]
    other = found[1]
    assert other.box[0] > 10 and other.box[2] < 10 + 0.1 * 1000  # inside the pasted copy
    assert other.box[1] > 10 and other.box[3] < 10 + 0.1 * 1000


@pytest.mark.parametrize("k", [0, 1, 2, 3, 5, -1])
def test_turned_is_rot90(k: int) -> None:
    img = np.random.default_rng(k + 7).integers(0, 256, (5, 8, 3), dtype=np.uint8)
    turned = face._turned(img, k)
    assert np.array_equal(turned, np.rot90(img, k)) and turned.flags.c_contiguous


def test_confirming_mesh_is_the_first_pass(validator: Validator,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    # a compliant portrait found at front-128 score 0.85 (< 0.9): the search confirms it with
    # FaceMesh on the detector crop, and _mesh starts from that very pass instead of rerunning it
    ctx = validator.context(shared_photos() / "a_compliant_plain_bg/london_037_03.jpg")
    found = face._search(ctx)
    assert found.applicant is not None and found.applicant.score < face._CONFIRM_BELOW
    assert found.applicant_mesh is not None
    runs: list[int] = []
    run = face.fm.run

    def counting(session, bgr, affine):  # noqa: ANN001, ANN202 - a pass-through spy
        runs.append(1)
        return run(session, bgr, affine)

    monkeypatch.setattr(face.fm, "run", counting)
    points = face.landmarks(ctx)
    assert len(runs) == 1  # only the second, tighter pass
    # the same landmarks as both passes run from scratch
    det, scale, bgr = face.applicant(ctx), found.scale, found.image_bgr
    session = validator.models.session(face.fm.NAME)
    first = run(session, bgr, face.fm.affine_for_face(det.box * scale, det.keypoints[0] * scale,
                                                      det.keypoints[1] * scale))
    second = run(session, bgr, face._mesh_roi_affine(first.points))
    best = second if second.presence >= first.presence * 0.9 else first
    assert np.allclose(points, best.points / scale, atol=1e-6)


def test_mesh_roi_affine_exact() -> None:
    # level eyes (33 and 263 on one row): the box of the points, 1.5x, centred on it
    pts = np.zeros((468, 3))
    pts[:, :2] = [50.0, 40.0]
    pts[33, :2], pts[263, :2] = [40.0, 40.0], [60.0, 40.0]
    pts[0, :2], pts[1, :2] = [30.0, 20.0], [70.0, 100.0]
    expected = face.fm.crop_affine(np.array([50.0, 60.0]), 120.0, 0.0, face.fm.INPUT_PX)
    assert np.array_equal(face._mesh_roi_affine(pts), expected)
    # tilted eyes: the same bits as the bounds reduced down the (N, 2) columns
    pts = np.random.default_rng(5).normal(200.0, 60.0, (468, 3))
    angle = float(np.arctan2(*(pts[263, :2] - pts[33, :2])[::-1]))
    c, s = math.cos(-angle), math.sin(-angle)
    rot = np.array([[c, -s], [s, c]])
    local = pts[:, :2] @ rot.T
    lo, hi = local.min(axis=0), local.max(axis=0)
    expected = face.fm.crop_affine(((lo + hi) / 2.0) @ rot, 1.5 * float(max(hi - lo)), angle,
                                   face.fm.INPUT_PX)
    assert np.array_equal(face._mesh_roi_affine(pts), expected)


def test_pitch_baseline_comes_from_the_profile() -> None:
    from photocheck.profiles import load_profile

    pts = np.random.default_rng(3).normal(0, 50, (478, 3))
    yaw0, pitch0 = face.pose_from_mesh(pts, 0.0)
    yaw, pitch = face.pose_from_mesh(pts, 0.0, -2.0)
    assert (yaw, pitch) == (yaw0, pitch0 + 2.0)
    assert load_profile("online").section("pose")["pitch_baseline_deg"] == -2.0


def test_tiles_cover_the_frame() -> None:
    # 1200 × 1600 at side 800: ceil(400 / 528) + 1 = 2 columns, ceil(800 / 528) + 1 = 3 rows
    assert face._tiles(1200, 1600, 800) == [
        (0, 0, 800, 800), (400, 0, 1200, 800), (0, 400, 800, 1200), (400, 400, 1200, 1200),
        (0, 800, 800, 1600), (400, 800, 1200, 1600)]
    assert face._tiles(200, 200, 256) == [(0, 0, 200, 200)]


def test_eye_line_and_turn_affine_exact() -> None:
    pts = np.zeros((468, 3))
    pts[[33, 133], :2] = [[10.0, 20.0], [30.0, 20.0]]  # image-left eye centre (20, 20)
    pts[[362, 263], :2] = [[60.0, 40.0], [80.0, 40.0]]  # image-right eye centre (70, 40)
    assert face.eye_line_deg(pts) == math.degrees(math.atan2(20.0, 50.0))
    np.testing.assert_array_equal(face._turn_affine(1, 40, 30), [[0, 1, 0], [-1, 0, 40]])
    np.testing.assert_array_equal(face._turn_affine(6, 40, 30), [[-1, 0, 40], [0, -1, 30]])
