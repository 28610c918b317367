"""Exact tests of the helper measures on tiny synthetic arrays."""

from __future__ import annotations

import cv2
import numpy as np

from photocheck.measures import helper as hm


def test_perimeter_is_clockwise_and_complete() -> None:
    ys, xs, edge = hm.perimeter(4, 5)
    assert ys.size == 2 * (4 + 5) - 4
    assert list(zip(ys[:6], xs[:6], strict=True)) == [(0, 0), (0, 1), (0, 2), (0, 3), (0, 4),
                                                      (1, 4)]
    assert set(edge.tolist()) == {0, 1, 2, 3}
    assert len(set(zip(ys.tolist(), xs.tolist(), strict=True))) == ys.size


def test_border_runs_join_small_gaps_and_wrap() -> None:
    contact = np.array([1, 1, 0, 0, 0, 0, 1, 1, 0, 1, 0, 0, 0, 0, 0, 1], bool)
    runs = hm.border_runs(contact, max_gap=1)
    # 6..9 joined across the 1-px gap; 15 wraps round to 0..1
    assert sorted(runs) == [(6, 4), (15, 3)]
    assert hm.border_runs(np.zeros(5, bool)) == []
    assert hm.border_runs(np.ones(5, bool)) == [(0, 5)]


def _ycrcb(bgr: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2YCrCb)


SKIN = (120, 150, 200)  # BGR


def test_skin_model_and_skin_like() -> None:
    img = np.full((40, 40, 3), 200, np.uint8)  # grey background
    img[10:30, 10:30] = SKIN
    img[12:14, 12:20] = (40, 40, 40)  # an eyebrow inside the face area: trimmed away
    y = _ycrcb(img)
    face = np.zeros((40, 40), bool)
    face[10:30, 10:30] = True
    model = hm.skin_model(y, face)
    assert model is not None
    skin = hm.skin_like(y, model)
    assert skin[20, 20] and not skin[5, 5]  # skin yes, neutral grey no
    darker = _ycrcb(np.array([[[60, 75, 100]]], np.uint8))  # same hue in shade
    assert hm.skin_like(darker, model)[0, 0]
    blue = _ycrcb(np.array([[[200, 120, 60]]], np.uint8))
    assert not hm.skin_like(blue, model)[0, 0]
    assert hm.skin_model(y, np.zeros((40, 40), bool)) is None


def test_body_exit_mask() -> None:
    # chin at (50, 60), face upright: border pixels at least 10 px below the chin
    exit_ = hm.body_exit_mask(100, 100, np.array([50.0, 60.0]), np.array([0.0, 1.0]), 10.0)
    ys, _, edge = hm.perimeter(100, 100)
    assert exit_[edge == 2].all() and not exit_[edge == 0].any()
    assert (exit_ == (ys >= 70)).all()


def _upright_scene(
    img: np.ndarray,
) -> tuple[hm.SkinModel | None, np.ndarray, np.ndarray, np.ndarray]:
    """Skin model of the face at [25:55, 40:60], the head box and the body-exit mask of an
    upright 120×100 frame (chin at (50, 60))."""
    h, w = img.shape[:2]
    face = np.zeros((h, w), bool)
    face[25:55, 40:60] = True
    model = hm.skin_model(_ycrcb(img), face)
    head = np.zeros((h, w), bool)
    head[15:62, 30:70] = True
    upright = hm.body_exit_mask(h, w, np.array([50.0, 60.0]), np.array([0.0, 1.0]), 10.0)
    return model, head, upright, face


def test_border_skin_regions_tell_a_hand_from_the_body() -> None:
    h, w = 120, 100
    img = np.full((h, w, 3), 210, np.uint8)
    img[20:60, 35:65] = SKIN  # face
    img[60:h, 40:60] = SKIN  # neck and chest, leaving by the bottom edge
    model, head, upright, _ = _upright_scene(img)
    assert hm.border_skin_regions(_ycrcb(img), model, head, 2, upright) == []
    img[50:62, 0:25] = SKIN  # an arm coming in from the left edge at chin height
    found = hm.border_skin_regions(_ycrcb(img), model, head, 2, upright)
    assert len(found) == 1
    assert found[0].box == (0, 50, 25, 62) and found[0].touches_border
    # a shoulder along the left edge below the chin (long stretch): the infant's own
    shoulder = img.copy()
    shoulder[75:110, 0:12] = SKIN
    found = hm.border_skin_regions(_ycrcb(shoulder), model, head, 2, upright)
    assert [r.box for r in found] == [(0, 50, 25, 62)]
    # an arm from the bottom edge, not joined to the head: the body leaves there, but in one
    # long stretch; a limb-wide stretch of skin there is a helper's
    below = img.copy()
    below[95:h, 75:90] = SKIN
    found = hm.border_skin_regions(_ycrcb(below), model, head, 2, upright)
    assert sorted(r.box for r in found) == [(0, 50, 25, 62), (75, 95, 90, 120)]
    # an arm from the right edge lying on the neck: joined to the infant's skin, still a helper
    onneck = np.full((h, w, 3), 210, np.uint8)
    onneck[20:60, 35:65] = SKIN
    onneck[60:h, 40:60] = SKIN
    onneck[80:92, 60:w] = SKIN
    found = hm.border_skin_regions(_ycrcb(onneck), model, head, 2, upright)
    assert [r.box for r in found] == [(40, 62, 100, 120)]  # joined region below the head
    # lying sideways, chin pointing left: the neck leaves by the left edge
    side = np.full((h, w, 3), 210, np.uint8)
    side[20:60, 35:65] = SKIN
    side[30:50, 0:35] = SKIN
    sideways = hm.body_exit_mask(h, w, np.array([30.0, 40.0]), np.array([-1.0, 0.0]), 10.0)
    assert hm.border_skin_regions(_ycrcb(side), model, head, 3, sideways) == []
    # a hand at the top edge, away from the head, is a helper either way
    side[0:10, 80:95] = SKIN
    found = hm.border_skin_regions(_ycrcb(side), model, head, 3, sideways)
    assert [r.box for r in found] == [(80, 0, 95, 10)]


def test_texture_is_judged_where_a_region_comes_in() -> None:
    h, w = 120, 100
    img = np.full((h, w, 3), 215, np.uint8)
    img[20:60, 35:65] = SKIN  # face
    model, head, upright, face = _upright_scene(img)
    # hair of the skin's hue: stripes of 1.0 and 0.6 × the skin's colour (same hue, textured)
    hair = np.array(SKIN, np.float64) * np.where(np.arange(w) % 4 < 2, 1.0, 0.6)[:, None]
    strands = img.copy()
    strands[0:30, 70:90] = hair[70:90].astype(np.uint8)
    kw = {"face_mask": face, "max_texture_ratio": 3.0}
    assert hm.border_skin_regions(_ycrcb(strands), model, head, 2, upright, **kw) == []
    # a smooth hand from the top edge merging with hair further in: still a helper's, though
    # most of the region (the hair) is textured
    merged = img.copy()
    merged[5:40, 70:80] = hair[70:80].astype(np.uint8)
    merged[0:25, 80:98] = SKIN
    found = hm.border_skin_regions(_ycrcb(merged), model, head, 2, upright, **kw,
                                   entry_reach_frac=0.05)
    assert [r.box for r in found] == [(70, 0, 98, 40)]
    # judged on the whole region (reach over the frame), the hair's texture wins
    assert hm.border_skin_regions(_ycrcb(merged), model, head, 2, upright, **kw,
                                  entry_reach_frac=1.0) == []


def test_backdrop_like_takes_the_sheet_out_not_a_hand() -> None:
    h, w = 60, 80
    img = np.full((h, w, 3), (170, 190, 215), np.uint8)  # a warm, skin-toned sheet
    img[:, : w // 2] = (150, 170, 195)  # shaded half: darker, same chroma
    img[0:20, 60:75] = SKIN  # a hand at the top edge
    prob = np.zeros((h, w), np.float32)
    colour = hm.backdrop_colour(_ycrcb(img), prob)
    assert colour is not None and 5.0 <= colour.limit < 6.0  # two flat halves: near the floor
    sheet = hm.backdrop_like(_ycrcb(img), colour)
    assert sheet[40, 10] and sheet[40, 70]  # both halves of the sheet
    assert not sheet[10, 65]  # the hand differs in chroma
    assert hm.backdrop_colour(_ycrcb(img), np.ones((h, w), np.float32)) is None  # no sample
    assert not hm.backdrop_like(_ycrcb(img), None).any()


def test_detached_person_regions() -> None:
    prob = np.zeros((50, 50), np.float32)
    prob[10:50, 15:35] = 1.0  # the infant
    prob[0:8, 40:50] = 0.9  # something else
    others, infant = hm.detached_person_regions(prob, (25, 20))
    assert infant[30, 25] and not infant[2, 45]
    assert len(others) == 1 and others[0].area_frac == 80 / 2500
