"""Headwear measures on tiny synthetic canvases with exact answers."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from photocheck.measures import headwear as mh

D = mh.IOD_PX


def fake_points() -> np.ndarray:
    """A frontal face in the head canvas: eyes at EYE_Y, face 2 IOD wide, chin 1.5 IOD below."""
    pts = np.tile([mh.EYE_X, mh.EYE_Y + 0.6 * D], (468, 1)).astype(np.float64)
    pts[1] = (mh.EYE_X, mh.EYE_Y + 0.6 * D)  # nose tip
    for i, j, dx in ((33, 263, 0.75), (133, 362, 0.25)):
        pts[i] = (mh.EYE_X - dx * D, mh.EYE_Y)
        pts[j] = (mh.EYE_X + dx * D, mh.EYE_Y)
    pts[mh.OVAL_LEFT] = (mh.EYE_X - D, mh.EYE_Y)
    pts[mh.OVAL_RIGHT] = (mh.EYE_X + D, mh.EYE_Y)
    pts[mh.FOREHEAD_TOP] = (mh.EYE_X, mh.EYE_Y - 1.0 * D)
    for k, idx in enumerate(mh.BROWS):
        side = -1 if k < 5 else 1
        pts[idx] = (mh.EYE_X + side * (0.2 + 0.1 * (k % 5)) * D, mh.EYE_Y - 0.4 * D)
    pts[mh.BROW_OUTER_LEFT] = (mh.EYE_X - 0.7 * D, mh.EYE_Y - 0.4 * D)
    pts[mh.BROW_OUTER_RIGHT] = (mh.EYE_X + 0.7 * D, mh.EYE_Y - 0.4 * D)
    for seg in (mh.OVAL_CHEEK_LEFT, mh.OVAL_CHEEK_RIGHT):
        side = -1 if seg is mh.OVAL_CHEEK_LEFT else 1
        for k, idx in enumerate(seg):
            pts[idx] = (mh.EYE_X + side * (1.0 - 0.1 * k) * D, mh.EYE_Y + (0.25 * k) * D)
    for k, idx in enumerate(mh.OVAL_CHIN):
        pts[idx] = (mh.EYE_X + (k - 5) * 0.1 * D, mh.EYE_Y + 1.5 * D)
    return pts


def test_canvas_affine_puts_the_eyes_level_at_one_iod() -> None:
    pts = np.zeros((468, 2))
    # eyes 100 px apart on a line rotated by 30°, centred at (300, 200)
    angle = np.radians(30)
    u = np.array([np.cos(angle), np.sin(angle)])
    left, right = np.array([300.0, 200.0]) - 50 * u, np.array([300.0, 200.0]) + 50 * u
    pts[[33, 133]] = left
    pts[[362, 263]] = right
    aff = mh.canvas_affine(pts)
    out = pts[[33, 362]] @ aff[:, :2].T + aff[:, 2]
    np.testing.assert_allclose(out, [[mh.EYE_X - D / 2, mh.EYE_Y], [mh.EYE_X + D / 2, mh.EYE_Y]],
                               atol=1e-9)


def test_compose_applies_the_inner_affine_first() -> None:
    shift = np.array([[1.0, 0, 5], [0, 1.0, 0]])
    double = np.array([[2.0, 0, 0], [0, 2.0, 0]])
    np.testing.assert_allclose(mh.compose(double, shift) @ [1.0, 1.0, 1.0], [12.0, 2.0])


def test_crown_rise_and_top_width_of_a_synthetic_silhouette() -> None:
    pts = fake_points()
    alpha = np.zeros((mh.CANVAS_H, mh.CANVAS_W), np.float32)
    crown = int(mh.EYE_Y - 2.0 * D)  # 2 IOD above the eyes
    alpha[crown:, int(mh.EYE_X - D):int(mh.EYE_X + D)] = 1.0
    # a brim 3 face-widths... clipped to the canvas: 1.5 IOD each side of the centre
    brim_row = int(mh.EYE_Y - 1.2 * D)
    alpha[brim_row:brim_row + 4, int(mh.EYE_X - 1.5 * D):int(mh.EYE_X + 1.5 * D)] = 1.0
    assert mh.crown_row(alpha, pts) == crown
    # (eye − crown) / (chin − eye) = 2 / 1.5 (the oval's chin point 152 sits 1.5 IOD down)
    assert mh.crown_rise(crown, pts) == pytest.approx(2.0 / 1.5)
    head = mh.head_component(alpha, pts)
    assert mh.top_width_ratio(head, crown, pts) == pytest.approx(3.0 * D / (2 * D))
    # another person's head beside this one, not joined to it, does not widen it
    alpha[crown:brim_row - 8, 0:int(mh.EYE_X - 1.6 * D)] = 1.0
    head = mh.head_component(alpha, pts)
    assert mh.top_width_ratio(head, crown, pts) == pytest.approx(3.0 * D / (2 * D))
    assert mh.top_width_ratio(alpha > 0.5, crown, pts) == pytest.approx(3.0 * D / (2 * D))


def test_forehead_visible_stops_at_the_first_non_skin_run() -> None:
    pts = fake_points()
    skin = np.ones((mh.CANVAS_H, mh.CANVAS_W), bool)
    brow_y = mh.EYE_Y - 0.4 * D
    start = int(brow_y - 0.1 * D)  # measuring starts 0.1 IOD above the brows
    skin[: start - 32] = False  # hat edge 32 px (0.5 IOD) above the start
    assert mh.forehead_visible(skin, 0.0, pts) == pytest.approx(32 / D)
    skin[:] = True
    skin[start - 10:start - 8] = False  # a 2-px line is not a hairline (run < 4 px)
    assert mh.forehead_visible(skin, 0.0, pts) == pytest.approx(start / D)


def test_hat_score_sums_the_cues_beyond_their_onsets() -> None:
    bare = {"top_width_ratio": 1.2, "crown_rise": 1.0, "forehead_visible_iod": 0.7,
            "top_chroma": 5.0}
    assert mh.hat_score(bare) == 0.0
    brim = dict(bare, top_width_ratio=1.35 + 2 * 0.25)
    assert mh.hat_score(brim) == pytest.approx(2.0)
    low = dict(bare, forehead_visible_iod=0.40 - 0.25, top_chroma=15.0 + 15.0)
    assert mh.hat_score(low) == pytest.approx(2.0)
    # a covered forehead alone contributes at most 1.4
    assert mh.hat_score(dict(bare, forehead_visible_iod=0.0)) == pytest.approx(1.4)
    assert mh.hat_score(dict(bare, crown_rise=float("nan"))) == 0.0
    # skin reaching 1.55 IOD above the brows adds (1.55 - 1.3) / 0.5; any higher at most 1.0
    assert mh.hat_score(dict(bare, skin_height_iod=1.55)) == pytest.approx(0.5)
    assert mh.hat_score(dict(bare, skin_height_iod=3.0)) == pytest.approx(1.0)
    assert mh.hat_score(dict(bare, skin_height_iod=1.0)) == 0.0


def test_top_edge_softness_hard_fabric_and_soft_hair() -> None:
    pts = fake_points()
    crown = int(mh.EYE_Y - 2.0 * D)
    hard = np.zeros((mh.CANVAS_H, mh.CANVAS_W), np.float32)
    hard[crown:] = 1.0
    head = mh.head_component(hard, pts)
    assert mh.top_edge_softness(hard, head, pts) == 0.0
    soft = hard.copy()
    soft[crown - 6:crown + 6] = np.linspace(0.0, 1.0, 12)[:, None]  # a 12-px alpha ramp
    head = mh.head_component(soft, pts)
    # the region starts where alpha > 0.5 (ramp row 6); the ±6-row band around it sees ramp
    # rows 0..11, of which 8 (rows 2..9) lie strictly between 0.1 and 0.9
    assert mh.top_edge_softness(soft, head, pts) == pytest.approx(8 / 12)
    assert np.isnan(mh.top_edge_softness(hard, np.zeros_like(head), pts))


def test_top_chroma_of_a_red_region_and_an_empty_one() -> None:
    lab = np.full((10, 10, 3), 128.0, np.float32)
    lab[..., 1] = 128.0 + 30.0
    lab[..., 2] = 128.0 + 40.0
    region = np.zeros((10, 10), bool)
    assert mh.top_chroma(lab, region) == 0.0
    region[:5] = True
    assert mh.top_chroma(lab, region) == pytest.approx(50.0)


def test_oval_visibility_names_the_covered_segment() -> None:
    pts = fake_points()
    face = np.ones((mh.CANVAS_H, mh.CANVAS_W), bool)
    vis = mh.oval_visibility(face, pts)
    assert vis == {"cheek_left": 1.0, "cheek_right": 1.0, "chin": 1.0, "forehead": 1.0}
    face[int(mh.EYE_Y + 1.0 * D):] = False  # a cloth over the chin and jaw
    vis = mh.oval_visibility(face, pts)
    assert vis["chin"] == 0.0
    assert vis["forehead"] == 1.0


def test_face_like_keeps_shaded_skin_and_rejects_a_blue_cloth() -> None:
    pts = fake_points()
    skin_bgr = np.array([140, 160, 210], np.uint8)  # lit skin (B, G, R)
    bgr = np.tile(skin_bgr, (mh.CANVAS_H, mh.CANVAS_W, 1))
    shade = (slice(int(mh.EYE_Y - 0.3 * D), int(mh.EYE_Y - 0.1 * D)),
             slice(int(mh.EYE_X - 10), int(mh.EYE_X + 10)))
    blue = (slice(int(mh.EYE_Y + 1.2 * D), int(mh.EYE_Y + 1.4 * D)),
            slice(int(mh.EYE_X - 10), int(mh.EYE_X + 10)))
    black = (blue[0], slice(int(mh.EYE_X + 20), int(mh.EYE_X + 40)))
    bgr[shade] = (skin_bgr * 0.5).astype(np.uint8)  # the same skin in shade
    bgr[blue] = (200, 90, 30)  # a blue cloth
    bgr[black] = 5  # near-black cloth
    mask = mh.face_like(bgr, pts)
    assert mask[shade].all()
    assert not mask[blue].any()
    assert not mask[black].any()
    assert not mask[:10, :10].any()  # far from the face: not computed


def test_headband_finds_a_band_of_another_colour_between_hair() -> None:
    pts = fake_points()
    lab = np.zeros((mh.CANVAS_H, mh.CANVAS_W, 3), np.float32)
    lab[...] = (40.0, 130.0, 135.0)  # dark brown hair
    band_top = int(mh.EYE_Y - 1.6 * D)
    lab[band_top:band_top + 16] = (60.0, 170.0, 80.0)  # a purple band 0.25 IOD high
    alpha = np.ones((mh.CANVAS_H, mh.CANVAS_W), np.float32)
    skin = np.zeros_like(alpha, dtype=bool)
    contrast, height = mh.headband(lab, alpha, skin, 0.0, pts)
    expected = float(np.linalg.norm(np.subtract((60.0, 170.0, 80.0), (40.0, 130.0, 135.0))))
    assert contrast == pytest.approx(expected, rel=1e-5)
    assert height == pytest.approx(16 / D)
    plain = np.full_like(lab, 40.0)
    assert mh.headband(plain, alpha, skin, 0.0, pts)[0] == pytest.approx(0.0, abs=1e-4)


def _layered_top(skin_on_top: bool, hair_band: bool) -> tuple[np.ndarray, ...]:
    """A head canvas coloured in rows: a light top, a dark hair band, then forehead skin.

    With ``visible_iod`` 0.3 the forehead's edge is 0.8 IOD above the eyes and the hair band
    read by :func:`light_top_over_hair` spans 1.2–0.85 IOD above them."""
    pts = fake_points()
    h, w = mh.CANVAS_H, mh.CANVAS_W
    yy = np.arange(h)[:, None] * np.ones((1, w))
    lab = np.full((h, w, 3), 128.0, np.float32)
    lab[..., 0] = 160.0  # forehead skin
    top_rows = yy < mh.EYE_Y - 1.2 * D
    band_rows = (yy >= mh.EYE_Y - 1.2 * D) & (yy < mh.EYE_Y - 0.8 * D)
    lab[..., 0][top_rows] = 200.0  # a light fur/felt top
    lab[..., 0][band_rows] = 40.0 if hair_band else 160.0
    skin = np.ones((h, w), bool)
    skin[top_rows] = skin_on_top
    skin[band_rows] = not hair_band
    head = np.ones((h, w), bool)
    top = (yy > mh.EYE_Y - 2.5 * D) & (yy < mh.EYE_Y - 1.3 * D)
    return lab, skin, head, top, pts


def test_light_top_over_hair_reads_a_skin_toned_hat_over_a_band_of_hair() -> None:
    lab, skin, head, top, pts = _layered_top(skin_on_top=True, hair_band=True)
    assert mh.light_top_over_hair(lab, skin, head, top, pts, 0.3) == pytest.approx(160.0)
    # a bald scalp: skin from the brows to the crown, no hair band between
    lab, skin, head, top, pts = _layered_top(skin_on_top=True, hair_band=False)
    assert np.isnan(mh.light_top_over_hair(lab, skin, head, top, pts, 0.3))
    # hair on top (not skin-toned): one material, not this cue's case
    lab, skin, head, top, pts = _layered_top(skin_on_top=False, hair_band=True)
    assert np.isnan(mh.light_top_over_hair(lab, skin, head, top, pts, 0.3))
    assert np.isnan(mh.light_top_over_hair(lab, skin, head, top, pts, float("nan")))


def test_hat_score_counts_a_light_top_over_hair_up_to_its_cap() -> None:
    onset, span, _, cap = mh.HAT_CUES["top_over_hair_dl"]
    assert mh.hat_score({"top_over_hair_dl": onset + span}) == pytest.approx(1.0)
    assert mh.hat_score({"top_over_hair_dl": onset + 10 * span}) == pytest.approx(cap)
    assert mh.hat_score({"top_over_hair_dl": onset - 1.0}) == 0.0
    assert mh.hat_score({"top_over_hair_dl": float("nan")}) == 0.0


def test_box_canvas_affine_places_the_box_under_the_room_for_the_head() -> None:
    aff = mh.box_canvas_affine(np.array([400.0, 300.0, 680.0, 580.0]))
    corners = np.array([[400.0, 300.0], [680.0, 300.0]]) @ aff[:, :2].T + aff[:, 2]
    np.testing.assert_allclose(corners, [[mh.CANVAS_W / 2 - mh.BOX_PX / 2, mh.BOX_TOP_Y],
                                         [mh.CANVAS_W / 2 + mh.BOX_PX / 2, mh.BOX_TOP_Y]])


def _drawn_head(top_bgr: tuple[int, int, int]) -> tuple[np.ndarray, np.ndarray]:
    """A box canvas with a drawn head (an ellipse of skin) whose top, above the box, is
    painted ``top_bgr``; the matte is the ellipse."""
    h, w = mh.CANVAS_H, mh.CANVAS_W
    bgr = np.zeros((h, w, 3), np.uint8)
    bgr[:] = (200, 190, 180)  # pale blue-grey wall
    centre = (w // 2, int(mh.BOX_TOP_Y + 0.5 * mh.BOX_PX))
    axes = (int(0.55 * mh.BOX_PX), int(0.85 * mh.BOX_PX))
    alpha = np.zeros((h, w), np.float32)
    cv2.ellipse(alpha, centre, axes, 0, 0, 360, 1.0, -1)
    bgr[alpha > 0] = (140, 160, 210)  # skin
    bgr[(alpha > 0) & (np.arange(h)[:, None] < mh.BOX_TOP_Y)] = top_bgr
    return bgr, alpha


def _chroma(bgr: tuple[int, int, int]) -> float:
    lab = cv2.cvtColor(np.array([[bgr]], np.uint8), cv2.COLOR_BGR2LAB).astype(float)[0, 0]
    return float(np.hypot(lab[1] - 128.0, lab[2] - 128.0))


def test_faceless_hat_scores_a_saturated_cap_and_not_hair_or_a_scalp() -> None:
    red = (30, 30, 200)
    bgr, alpha = _drawn_head(red)
    m = mh.faceless_hat(bgr, alpha)
    assert m is not None
    assert m.top_chroma == pytest.approx(_chroma(red))
    assert m.top_skin_fraction == 0.0
    onset, span, _, _ = mh.FACELESS_HAT_CUES["top_chroma"]
    assert m.hat_score == pytest.approx((_chroma(red) - onset) / span)
    # the crown: where the ellipse first covers half of the ±0.3 box-width column
    assert 0.25 < m.crown_rise_box < 0.4
    brown = (30, 45, 70)  # dark brown hair: little chroma
    m = mh.faceless_hat(*_drawn_head(brown))
    assert m is not None and m.top_chroma == pytest.approx(_chroma(brown))
    assert m.top_chroma < onset and m.hat_score == 0.0
    scalp = mh.faceless_hat(*_drawn_head((140, 160, 210)))
    assert scalp is not None and scalp.top_skin_fraction == 1.0 and scalp.hat_score == 0.0
    # nobody where the detector put the face
    assert mh.faceless_hat(bgr, np.zeros_like(alpha)) is None
