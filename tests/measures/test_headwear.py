"""Headwear measures on tiny synthetic canvases with exact answers."""

from __future__ import annotations

import numpy as np
import pytest

from photocheck.measures import headwear as mh
from photocheck.measures.colour import lab_u8

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


def test_crown_row_of_a_synthetic_silhouette_and_its_own_component() -> None:
    pts = fake_points()
    alpha = np.zeros((mh.CANVAS_H, mh.CANVAS_W), np.float32)
    crown = int(mh.EYE_Y - 2.0 * D)  # 2 IOD above the eyes
    alpha[crown:, int(mh.EYE_X - D):int(mh.EYE_X + D)] = 1.0
    assert mh.crown_row(alpha, pts) == crown
    # another person's head beside this one, not joined to it, is not part of it
    alpha[crown - 20:crown + 20, 0:int(mh.EYE_X - 1.6 * D)] = 1.0
    head = mh.head_component(alpha, pts)
    assert head[crown, int(mh.EYE_X)] and not head[crown, 5]
    assert int(head.sum()) == int((alpha[:, int(mh.EYE_X - D):int(mh.EYE_X + D)] > 0.5).sum())

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


def test_face_like_reads_the_cheek_sample_it_is_given() -> None:
    pts = fake_points()
    bgr = np.tile(np.array([140, 160, 210], np.uint8), (mh.CANVAS_H, mh.CANVAS_W, 1))
    blue = (slice(int(mh.EYE_Y + 1.2 * D), int(mh.EYE_Y + 1.4 * D)),
            slice(int(mh.EYE_X - 10), int(mh.EYE_X + 10)))
    bgr[blue] = (200, 90, 30)
    own = mh.cheek_pixels(bgr, pts)
    assert np.array_equal(mh.face_like(bgr, pts, cheek=own), mh.face_like(bgr, pts))
    # a sample of the blue cloth instead: the cloth is what matches now, the skin is not
    cloth = np.tile(np.array([200, 90, 30], np.uint8), (len(own), 1))
    mask = mh.face_like(bgr, pts, cheek=cloth)
    assert mask[blue].all()
    assert not mask[int(mh.EYE_Y - 0.2 * D), int(mh.EYE_X)]


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


def test_skin_mask_limits_are_strict_and_the_opening_keeps_a_block() -> None:
    # limits (2.5 sd, 1.2 × that in L): L 24, a 5, b 5 around mu; a level exactly at the limit
    # is out (strict), one just inside is in
    mu, sd = np.array([100.0, 130.0, 140.5]), np.array([8.0, 2.0, 2.0])
    lab = np.zeros((5, 5, 3), np.uint8)
    lab[...] = (100, 130, 140)
    lab[0, :] = (124, 130, 140)  # L at mu + 24: out
    lab[4, :] = (123, 134, 136)  # every channel just inside
    lab[:, 4] = (100, 130, 146)  # b 5.5 off: out
    # the 3×3 opening keeps the 4×4 block of skin (rows 1–4, columns 0–3) whole
    want = np.zeros((5, 5), bool)
    want[1:5, 0:4] = True
    assert np.array_equal(mh.skin_mask(lab, mu, sd), want)


def _strip_of_blocks(centre: tuple[int, int, int],
                     changes: list[tuple[int, int]]) -> np.ndarray:
    """Lab uint8 ``(3, 3·n, 3)``: a 3×3 block per ``(channel, level)``, ``centre`` with that
    channel set to that level (a block survives the 3×3 opening whole, or not at all)."""
    lab = np.tile(np.array(centre, np.uint8), (3, 3 * len(changes), 1))
    for k, (channel, level) in enumerate(changes):
        lab[:, 3 * k : 3 * k + 3, channel] = level
    return lab


def test_skin_mask_tests_each_level_against_the_float32_limits() -> None:
    # z = 1, mu (100, 130.5, 120), sd (10, 2, 4): limits L 12, a 2, b 4, strict; a's centre
    # is half-way between levels
    changes = [(0, 88), (0, 89), (0, 111), (0, 112), (1, 128), (1, 129), (1, 132), (1, 133),
               (2, 116), (2, 117), (2, 123), (2, 124)]
    inside = [False, True, True, False] * 3  # 12 off is out, 11 in; 2.5 out, 1.5 in; 4 out
    lab = _strip_of_blocks((100, 130, 120), changes)
    mask = mh.skin_mask(lab, np.array([100.0, 130.5, 120.0]), np.array([10.0, 2.0, 4.0]), 1.0)
    assert np.array_equal(mask, np.repeat(np.array(inside)[None], 3, axis=0).repeat(3, axis=1))
    # the limit is float32: 0.8 · 2.5 is 2.0 exactly there (2.0000000298 in float64), so a
    # level 2 off is out, 1 off in
    changes = [(1, 128), (1, 129), (1, 131), (1, 132)]
    lab = _strip_of_blocks((100, 130, 120), changes)
    mask = mh.skin_mask(lab, np.array([100.0, 130.0, 120.0]), np.array([10.0, 0.8, 4.0]), 2.5)
    assert np.array_equal(mask[0], np.repeat([False, True, True, False], 3))
    assert np.array_equal(mask[0], mask[2])


def _headband_height_by_height(lab: np.ndarray, alpha: np.ndarray, skin: np.ndarray,
                               crown_y: float, points: np.ndarray) -> tuple[float, float]:
    """The former search of :func:`~photocheck.measures.headwear.headband`, one band height at a
    time, on the same row profile."""
    profile = mh.band_rows(lab, alpha, skin, crown_y, points)
    if profile is None:
        return 0.0, 0.0
    csum, ccount = profile
    n = len(csum) - 1
    margin = max(2, int(0.1 * mh.IOD_PX))
    best, best_h = 0.0, 0.0
    for height in range(2 * max(1, int(0.04 * mh.IOD_PX)), int(0.6 * mh.IOD_PX) + 1, 2):
        tops = np.arange(2 * margin, n - height - 2 * margin + 1)
        if len(tops) == 0:
            continue

        def window(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            cnt = ccount[hi] - ccount[lo]
            return (csum[hi] - csum[lo]) / np.maximum(cnt, 1.0)[:, None], cnt

        band, n_band = window(tops, tops + height)
        above, n_above = window(tops - 2 * margin, tops)
        below, n_below = window(tops + height, tops + height + 2 * margin)
        ok = (n_band >= 0.7 * height) & (n_above >= margin) & (n_below >= margin)
        contrast = np.minimum(np.linalg.norm(band - above, axis=1),
                              np.linalg.norm(band - below, axis=1))
        contrast = np.where(ok, contrast, 0.0)
        i = int(np.argmax(contrast))
        if contrast[i] > best:
            best, best_h = float(contrast[i]), height / mh.IOD_PX
    return best, best_h


def test_headband_equals_the_height_by_height_search_exactly() -> None:
    rng = np.random.default_rng(5)
    pts = fake_points()
    shape = (mh.CANVAS_H, mh.CANVAS_W)
    found = 0
    for trial in range(120):
        lab = np.full(shape + (3,), (40.0, 130.0, 135.0), np.float32)
        lab += rng.normal(0.0, 3.0, lab.shape).astype(np.float32)
        top, high = int(rng.integers(60, 220)), int(rng.integers(1, 45))
        lab[top:top + high] = rng.integers(0, 256, 3)  # a band (or a hat's brim) of any colour
        alpha = (rng.random(shape) < rng.uniform(0.5, 1.0)).astype(np.float32)
        skin = rng.random(shape) < rng.uniform(0.0, 0.4)
        crown_y = float(rng.uniform(-5.0, 200.0)) if trial % 4 else 0.0
        want = _headband_height_by_height(lab, alpha, skin, crown_y, pts)
        assert mh.headband(lab, alpha, skin, crown_y, pts) == want
        found += want[0] > 0
    assert found > 60  # most trials have a band to find
    # the known band of the test above, exactly: its ΔE at 16 px (0.25 IOD)
    lab = np.full(shape + (3,), (40.0, 130.0, 135.0), np.float32)
    band_top = int(mh.EYE_Y - 1.6 * D)
    lab[band_top:band_top + 16] = (60.0, 170.0, 80.0)
    ones, none = np.ones(shape, np.float32), np.zeros(shape, bool)
    assert mh.headband(lab, ones, none, 0.0, pts) == (float(np.sqrt(20.0**2 + 40.0**2 + 55.0**2)),
                                                      0.25)
    assert mh.headband(lab, ones, none, 0.0, pts) == _headband_height_by_height(
        lab, ones, none, 0.0, pts)


def _cheek_stats(bgr: np.ndarray, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The skin reference :func:`~photocheck.measures.headwear.measure_headwear` takes: the
    cheek pixels' Lab, converted as one row."""
    return mh.cheek_stats(lab_u8(mh.cheek_pixels(bgr, points)[None])[0].astype(np.float32))


def test_headwear_measures_of_a_real_head_canvas_equal_the_whole_canvas_figures(online) -> None:
    import cv2

    from photocheck.checks.headwear import head_canvas
    from tests.helpers import shared_photos

    ctx = online.context(shared_photos() / "a_compliant_plain_bg" / "london_001_03.jpg")
    canvas = head_canvas(ctx)
    lab = lab_u8(canvas.bgr)  # the whole canvas's Lab
    mu, sd = _cheek_stats(canvas.bgr, canvas.points)
    skin = mh.skin_mask(lab, mu, sd)
    assert int(skin.sum()) == 28554  # 17 % of the canvas: the face's skin, not hair or wall
    head = mh.head_component(canvas.alpha, canvas.points)
    binary = (canvas.alpha > 0.5).astype(np.uint8)
    _, labels = cv2.connectedComponents(binary, connectivity=4)
    assert np.array_equal(head, labels == labels[220, 192])  # the seed, in the forehead
    assert 0.1 < head.mean() < 0.8  # the head (the matte holds no body below the canvas)
    crown_y = mh.crown_row(head.astype(np.float32), canvas.points)
    args = (lab.astype(np.float32), canvas.alpha, skin, crown_y, canvas.points)
    # the search over the whole canvas's Lab and skin finds the band the measures find in
    # their window, and so does the height-by-height search
    assert mh.headband(*args) == (29.86209454331832, 0.28125) == _headband_height_by_height(*args)


def test_cheek_pixels_are_the_two_cheek_patches_in_row_major_order() -> None:
    # eyes at row 256, face centre at column 192: rows 278.4 < y < 313.6 and 16 < |x − 192| <
    # 51.2 (0.35–0.9 and 0.25–0.8 IOD)
    pts = fake_points()
    index = np.arange(mh.CANVAS_H * mh.CANVAS_W).reshape(mh.CANVAS_H, mh.CANVAS_W)
    cols = np.r_[141:176, 209:244]
    want = (np.arange(279, 314)[:, None] * mh.CANVAS_W + cols[None, :]).ravel()
    assert np.array_equal(mh.cheek_pixels(index, pts), want)
    colour = np.dstack([index, -index, 2 * index])
    assert np.array_equal(mh.cheek_pixels(colour, pts), np.column_stack([want, -want, 2 * want]))


def test_oval_visibility_of_a_checkerboard_is_its_exact_share_per_segment() -> None:
    yy, xx = np.mgrid[0:mh.CANVAS_H, 0:mh.CANVAS_W]
    face = (yy // 2 + xx // 3) % 2 == 0
    vis = mh.oval_visibility(face, fake_points())
    assert vis == {"cheek_left": 0.504, "cheek_right": 0.504, "chin": 0.5018181818181818,
                   "forehead": 0.4997043169722058}
    assert all(type(v) is float for v in vis.values())


def test_headwear_figures_of_a_real_head_canvas_are_the_known_values(online) -> None:
    from photocheck.checks.headwear import head_canvas
    from tests.helpers import shared_photos

    ctx = online.context(shared_photos() / "a_compliant_plain_bg" / "london_001_03.jpg")
    canvas = head_canvas(ctx)
    mu, sd = _cheek_stats(canvas.bgr, canvas.points)
    assert mu.tolist() == [179.0, 137.0, 145.0]
    assert sd.tolist() == [17.974170684814453, 3.0, 3.0]
    m = mh.measure_headwear(canvas)
    assert (m.band_contrast, m.band_height_iod) == (29.86209454331832, 0.28125)
    assert m.oval_visibility == {"cheek_left": 1.0, "cheek_right": 1.0, "chin": 1.0,
                                 "forehead": 1.0}


def test_skin_mask_in_a_window_is_the_whole_mask_there_and_false_elsewhere() -> None:
    mu, sd = np.array([100.0, 130.0, 140.5]), np.array([8.0, 2.0, 2.0])
    lab = np.zeros((5, 5, 3), np.uint8)
    lab[...] = (100, 130, 140)
    lab[0, :] = (124, 130, 140)
    lab[:, 4] = (100, 130, 146)
    # the whole mask is the 4×4 block (rows 1–4, columns 0–3); the window holds rows 3–4,
    # columns 2–4 of it
    want = np.zeros((5, 5), bool)
    want[3:5, 2:4] = True
    assert np.array_equal(mh.skin_mask(lab, mu, sd, window=(3, 5, 2, 5)), want)
    assert not mh.skin_mask(lab, mu, sd, window=(4, 2, 0, 5)).any()  # an empty window
    rng = np.random.default_rng(4)
    # blobs of 3×3 px (specks that survive the opening in places), cut at odd offsets
    noisy = np.repeat(np.repeat(rng.integers(90, 170, (21, 18, 3), dtype=np.uint8), 3, 0), 3,
                      1)[1:61, 2:52]
    whole = mh.skin_mask(noisy, np.array([130.0] * 3), np.array([12.0, 8.0, 8.0]))
    assert 0.05 < whole.mean() < 0.95
    for r0, r1, c0, c1 in ((10, 30, 5, 40), (-4, 7, 44, 60), (0, 60, 0, 50), (58, 70, -3, 2)):
        part = mh.skin_mask(noisy, np.array([130.0] * 3), np.array([12.0, 8.0, 8.0]),
                            window=(r0, r1, c0, c1))
        inside = np.zeros(whole.shape, bool)
        inside[max(r0, 0):r1, max(c0, 0):c1] = True
        assert np.array_equal(part, whole & inside)


def test_measures_of_a_synthetic_head_canvas_read_lab_only_where_needed() -> None:
    # dark hair, a skin-coloured face and a purple band 16 px (0.25 IOD) high across the head;
    # the measures convert the cheek sample and the band's window only: the known figures of
    # the whole canvas's Lab
    rng = np.random.default_rng(21)
    bgr = np.zeros((mh.CANVAS_H, mh.CANVAS_W, 3), np.uint8)
    bgr[...] = (40, 50, 60)
    yy, xx = np.mgrid[0:mh.CANVAS_H, 0:mh.CANVAS_W]
    face = ((xx - mh.EYE_X) / (1.05 * D)) ** 2 + ((yy - mh.EYE_Y - 0.4 * D) / (1.3 * D)) ** 2
    bgr[face < 1] = (120, 150, 200)
    band_top = int(mh.EYE_Y - 1.6 * D)
    bgr[band_top:band_top + 16] = (150, 40, 160)
    bgr = np.clip(bgr.astype(int) + rng.integers(-6, 7, bgr.shape), 0, 255).astype(np.uint8)
    alpha = np.zeros((mh.CANVAS_H, mh.CANVAS_W), np.float32)
    alpha[int(mh.EYE_Y - 2.2 * D):, int(mh.EYE_X - 1.3 * D):int(mh.EYE_X + 1.3 * D)] = 1.0
    canvas = mh.HeadCanvas(bgr=bgr, alpha=alpha, points=fake_points())
    m = mh.measure_headwear(canvas)
    assert (m.band_contrast, m.band_height_iod) == (85.00462013722904, 0.25)
    assert set(m.oval_visibility.values()) == {1.0}
    # the cheek sample converted as one row holds the whole canvas's Lab of those pixels
    lab = lab_u8(bgr)
    cheek = mh.cheek_pixels(lab, canvas.points)
    assert np.array_equal(lab_u8(mh.cheek_pixels(bgr, canvas.points)[None])[0], cheek)
    mu, sd = mh.cheek_stats(cheek.astype(np.float32))
    assert (mu.tolist(), sd.tolist()) == ([169.0, 143.0, 151.0], [8.0, 3.0, 3.0])
    # the headband over the whole canvas's Lab and skin mask: the same figures
    crown_y = mh.crown_row(mh.head_component(alpha, canvas.points).astype(np.float32),
                           canvas.points)
    skin = mh.skin_mask(lab, mu, sd)
    assert mh.headband(lab.astype(np.float32), alpha, skin, crown_y, canvas.points) == (
        85.00462013722904, 0.25)


def _oval_visibility_by_slices(face_mask: np.ndarray, points: np.ndarray) -> dict[str, float]:
    """The reference: each 5×5 patch sliced and counted on its own, as Python slices it."""
    h, w = face_mask.shape
    out = {}
    for name, idx in (("cheek_left", mh.OVAL_CHEEK_LEFT), ("cheek_right", mh.OVAL_CHEEK_RIGHT),
                      ("chin", mh.OVAL_CHIN)):
        pts = points[list(idx)]
        vec = points[1] - pts
        inner = pts + vec / np.maximum(np.hypot(vec[:, 0], vec[:, 1]), 1e-6)[:, None] * (
            mh.INSET_IOD * D)
        fractions = []
        for x, y in inner:
            xi, yi = int(round(x)), int(round(y))
            patch = face_mask[max(yi - 2, 0):min(yi + 3, h), max(xi - 2, 0):min(xi + 3, w)]
            fractions.append(int(np.count_nonzero(patch)) / patch.size if patch.size else 0.0)
        out[name] = float(np.mean(fractions))
    return out


def test_oval_visibility_equals_patch_by_patch_slicing_even_off_the_mask() -> None:
    rng = np.random.default_rng(1)
    for trial in range(300):
        h, w = int(rng.integers(5, 60)), int(rng.integers(5, 60))
        mask = rng.random((h, w)) < rng.random()
        # points far off the mask too (a negative slice stop counts from the end), and exact
        # halves (round half to even)
        pts = rng.uniform(-80.0, 140.0, (468, 2))
        if trial % 3 == 0:
            pts = np.round(pts * 2) / 2
        vis = mh.oval_visibility(mask, pts)
        want = _oval_visibility_by_slices(mask, pts)
        assert {k: vis[k] for k in want} == want


def test_slice_bounds_resolve_like_python_slices() -> None:
    n = 7
    starts = np.arange(-12, 13)
    for stop_shift in (1, 3, 5):
        lo, hi = mh._slice_bounds(starts, starts + stop_shift, n)
        for s, a, b in zip(starts, lo, hi, strict=True):
            read = range(n)[max(s, 0):min(s + stop_shift, n)]
            assert b - a == len(read)
            assert not read or a == read[0]


def test_band_rows_of_8_bit_lab_equal_those_of_its_float32_copy() -> None:
    rng = np.random.default_rng(4)
    pts, shape = fake_points(), (mh.CANVAS_H, mh.CANVAS_W)
    compared = 0
    for trial in range(60):
        lab = rng.integers(0, 256, shape + (3,), dtype=np.uint8)
        if trial % 3 == 0:
            lab[:] = 255  # the largest sums
        alpha = (rng.random(shape) < rng.uniform(0.5, 1.0)).astype(np.float32)
        skin = rng.random(shape) < rng.uniform(0.0, 0.4)
        crown_y = float(rng.uniform(-5.0, 200.0))
        got = mh.band_rows(lab, alpha, skin, crown_y, pts)
        want = mh.band_rows(lab.astype(np.float32), alpha, skin, crown_y, pts)
        assert (got is None) == (want is None)
        if got is not None:
            assert all(np.array_equal(a, b) and a.dtype == b.dtype
                       for a, b in zip(got, want, strict=True))
            assert mh.headband(lab, alpha, skin, crown_y, pts) == mh.headband(
                lab.astype(np.float32), alpha, skin, crown_y, pts)
            compared += 1
    assert compared > 40


def test_norm3_is_numpys_norm_bit_for_bit() -> None:
    rng = np.random.default_rng(8)
    for shape in ((200_000, 3), (18, 120, 3), (1, 3)):
        v = rng.normal(0.0, 1.0, shape) * rng.uniform(0.0, 300.0, shape[:-1] + (1,))
        assert np.array_equal(mh._norm3(v), np.linalg.norm(v, axis=-1))


def test_crown_row_needs_more_than_half_of_the_central_columns() -> None:
    pts = fake_points()  # central columns: EYE_X ± 0.3 × 2 IOD, 77 of them
    alpha = np.zeros((mh.CANVAS_H, mh.CANVAS_W), np.float32)
    c0 = int(mh.EYE_X - 0.6 * D)
    alpha[40, c0 : c0 + 38] = 1.0  # 38 of 77: not half
    alpha[50, c0 : c0 + 39] = 1.0  # 39 of 77: more than half
    alpha[60:, :] = 1.0
    assert mh.crown_row(alpha, pts) == 50.0
    alpha[50, c0 + 38] = 0.5  # not above the threshold
    assert mh.crown_row(alpha, pts) == 60.0
