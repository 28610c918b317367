"""The colour crown on a plain background (photocheck.measures.crown), on synthetic heads."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from photocheck.measures.crown import hair_into_top_edge, median_lab_u8, plain_background_crown

BG = (235, 232, 228)  # a light grey-white studio background (BGR)
HAIR = (35, 40, 48)
SKIN = (140, 165, 205)


def _head(h: int = 640, w: int = 480, crown_y: int = 96, hair=HAIR, bg=BG) -> np.ndarray:
    """A head: hair ellipse with its top at ``crown_y``, a face ellipse inside it."""
    img = np.full((h, w, 3), bg, np.uint8)
    # hair ellipse centre (240, crown_y + 160), semi-axes (120, 160): top row is crown_y
    cv2.ellipse(img, (240, crown_y + 160), (120, 160), 0, 0, 360, hair, -1)
    cv2.ellipse(img, (240, crown_y + 240), (95, 125), 0, 0, 360, SKIN, -1)  # face
    return img


# the face of _head: its top is at crown_y + 115; the mesh forehead point (10) sits just below
# it, near the hairline; face width ~ 190 px
FOREHEAD_DY, FACE_W = 120.0, 190.0


@pytest.mark.parametrize("crown_y", [60, 96, 150])
def test_crown_within_a_pixel_of_the_drawn_one(crown_y: int) -> None:
    img = _head(crown_y=crown_y)
    found = plain_background_crown(img, np.array([240.0, crown_y + FOREHEAD_DY]), 240.0, FACE_W)
    assert found is not None
    (x, y), at_edge = found
    assert abs(y - crown_y) <= 1.0
    assert abs(x - 240.0) <= 0.25 * FACE_W  # somewhere in the face column
    assert not at_edge


def test_brown_hair_on_a_white_background() -> None:
    img = _head(hair=(60, 90, 130), bg=(245, 245, 245))
    found = plain_background_crown(img, np.array([240.0, 96 + FOREHEAD_DY]), 240.0, FACE_W)
    assert found is not None and abs(found[0][1] - 96.0) <= 1.0


def test_blond_hair_on_a_white_background() -> None:
    img = _head(hair=(150, 200, 225), bg=(245, 245, 245))  # Lab ΔE 47 from the background
    found = plain_background_crown(img, np.array([240.0, 96 + FOREHEAD_DY]), 240.0, FACE_W)
    assert found is not None and abs(found[0][1] - 96.0) <= 1.0


def test_no_answer_on_a_busy_background() -> None:
    rng = np.random.default_rng(3)
    img = _head()
    busy = rng.integers(0, 255, size=img.shape, dtype=np.uint8)
    busy = cv2.GaussianBlur(busy, (0, 0), 1.5)
    background = (img == BG).all(axis=2)
    img[background] = busy[background]
    assert plain_background_crown(img, np.array([240.0, 96 + FOREHEAD_DY]), 240.0,
                                  FACE_W) is None


def test_no_answer_when_the_hair_matches_the_background() -> None:
    img = _head(hair=(230, 228, 225))  # ΔE ≈ 3 from the background
    assert plain_background_crown(img, np.array([240.0, 96 + FOREHEAD_DY]), 240.0,
                                  FACE_W) is None


def test_no_answer_when_the_hair_fills_the_top_edge() -> None:
    img = _head(crown_y=-40)  # the hair runs out of the image
    assert plain_background_crown(img, np.array([240.0, -40 + FOREHEAD_DY]), 240.0,
                                  FACE_W) is None


def test_hair_into_the_top_edge_on_a_plain_background() -> None:
    img = _head(crown_y=-40)  # hair runs out of the top; background plain beside it
    assert hair_into_top_edge(img, 240.0 - 130, 240.0 + 130, 240.0 - 48, 240.0 + 48)
    # the head fully inside the image: background in the face column too, even when the
    # crown is only 5 rows below the top edge
    assert not hair_into_top_edge(_head(crown_y=60), 110.0, 370.0, 192.0, 288.0)
    assert not hair_into_top_edge(_head(crown_y=5), 110.0, 370.0, 192.0, 288.0)
    # a bun cut by the edge over a fifth of the face column is enough
    bun = _head(crown_y=60)
    cv2.rectangle(bun, (250, 0), (268, 60), HAIR, -1)
    assert hair_into_top_edge(bun, 110.0, 370.0, 192.0, 288.0)
    # a different colour on each side (a door frame, a second wall): not one plain background
    two = img.copy()
    two[:, 400:] = (90, 120, 160)
    assert not hair_into_top_edge(two, 110.0, 370.0, 192.0, 288.0)


def test_hair_into_the_top_edge_refuses_texture_and_a_head_spanning_the_width() -> None:
    img = _head(crown_y=-40)
    rng = np.random.default_rng(5)
    img[:40, :60] = rng.integers(0, 255, size=(40, 60, 3), dtype=np.uint8)  # clutter, top left
    assert not hair_into_top_edge(img, 110.0, 370.0, 192.0, 288.0)
    # no room beside the head
    assert not hair_into_top_edge(_head(crown_y=-40), 1.0, 479.0, 192.0, 288.0)


@pytest.mark.parametrize("shape", [(1, 1, 3), (3, 7, 3), (4, 50, 3), (31, 33, 3), (5000, 3)])
def test_median_lab_u8_is_numpys_float32_median_of_each_channel(shape: tuple[int, ...]) -> None:
    rng = np.random.default_rng(sum(shape))
    lab = rng.integers(90, 170, size=shape, dtype=np.uint8)
    lab[..., 1] = rng.choice([127, 128, 200], size=shape[:-1])  # runs of equal levels
    expected = np.median(lab.reshape(-1, 3).astype(np.float32), axis=0)
    got = median_lab_u8(lab)
    assert got.dtype == np.float32
    assert got.tobytes() == expected.tobytes()


def test_median_lab_u8_of_two_levels_is_their_float32_mean() -> None:
    lab = np.array([[[10, 0, 255], [11, 255, 254]]], np.uint8)
    assert median_lab_u8(lab).tolist() == [10.5, 127.5, 254.5]
