"""photocheck.trimming.face_geometry: crown, chin and nose line on the upright print."""

from __future__ import annotations

import cv2
import numpy as np

from photocheck.measures.crown import plain_background_crown
from photocheck.trimming.early import image_to_scan
from photocheck.trimming.face_geometry import (
    LeanMesh,
    context_from_pixels,
    lean_geometry,
    pipeline_geometry,
)
from photocheck.trimming.rect import PrintRect
from tests.helpers import shared_photos


def test_lean_geometry_is_none_without_a_face(models) -> None:
    flat = np.full((512, 400, 3), (224, 214, 213), np.uint8)
    assert lean_geometry(flat, models) is None


def test_lean_geometry_agrees_with_the_full_face_pipeline(validator) -> None:
    path = shared_photos() / "a_compliant_plain_bg" / "london_036_03.jpg"
    data = path.read_bytes()
    ctx = validator.context(data)
    bgr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    f = 512 / max(bgr.shape[:2])
    img = cv2.resize(bgr, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
    lean = lean_geometry(img, validator.models)
    assert lean is not None
    full = pipeline_geometry(context_from_pixels(img, ctx, "upright"))
    face_px = float(full.chin[1] - full.crown[1])
    # same definitions, one FaceMesh pass instead of two: within 1 % of the head height
    # (0.34 mm of a 34 mm head) for crown, chin and nose line
    for a, b in ((lean.crown, full.crown), (lean.chin, full.chin), (lean.nose, full.nose)):
        assert np.abs(np.asarray(a) - np.asarray(b)).max() < 0.01 * face_px


def test_lean_mesh_points_map_through_an_affine_exactly() -> None:
    mesh = LeanMesh(np.array([10.0, 20.0]), np.array([10.0, 80.0]), np.array([0.0, 50.0]),
                    np.array([20.0, 50.0]), np.array([11.0, 55.0]))
    shifted = mesh.mapped(np.array([[2.0, 0.0, 5.0], [0.0, 2.0, -1.0]]))
    np.testing.assert_allclose(shifted.chin, [25.0, 159.0])
    np.testing.assert_allclose(shifted.left, [5.0, 99.0])
    np.testing.assert_allclose(shifted.nose, [27.0, 109.0])
    # an upright image at half the print's px, print not rotated: image px × 2 + corner
    rect = PrintRect(np.array([[100.0, 200.0], [900.0, 200.0], [900.0, 1200.0],
                               [100.0, 1200.0]]), 0.0, 800.0, 1000.0)
    to_scan = image_to_scan(rect, np.zeros((500, 400, 3), np.uint8))
    np.testing.assert_allclose(to_scan, [[2.0, 0.0, 100.0], [0.0, 2.0, 200.0]], atol=1e-9)


def test_plain_background_crown_finds_the_top_of_the_hair() -> None:
    img = np.full((600, 500, 3), (225, 215, 205), np.uint8)
    cv2.ellipse(img, (250, 260), (130, 150), 0, 0, 360, (40, 45, 50), -1)  # hair, top at y=110
    cv2.ellipse(img, (250, 330), (100, 130), 0, 0, 360, (150, 175, 215), -1)  # face
    found = plain_background_crown(img, np.array([250.0, 215.0]), 250.0, 200.0)
    assert found is not None
    (x, y), at_edge = found
    assert abs(y - 110.0) <= 1.0 and abs(x - 250.0) <= 50 and not at_edge
    # hair as dark as the background: no answer (the caller falls back on the matte)
    dark = img.copy()
    dark[(dark == (225, 215, 205)).all(axis=2)] = (38, 44, 50)
    assert plain_background_crown(dark, np.array([250.0, 215.0]), 250.0, 200.0) is None


def test_plain_background_crown_close_to_the_top_edge() -> None:
    # a large head whose crown is 40 px below the top: the background is read in the first rows
    img = np.full((600, 480, 3), (225, 215, 205), np.uint8)
    cv2.ellipse(img, (240, 250), (170, 210), 0, 0, 360, (40, 45, 50), -1)  # hair, top y=40
    cv2.ellipse(img, (240, 330), (135, 170), 0, 0, 360, (150, 175, 215), -1)  # face
    found = plain_background_crown(img, np.array([240.0, 165.0]), 240.0, 270.0)
    assert found is not None
    (x, y), at_edge = found
    assert abs(y - 40.0) <= 1.0 and not at_edge
    # the same head with its hair running into the top edge at the middle but background at
    # the sides: no answer from colour (the parting would pass for the crown)
    cut = img.copy()
    cv2.rectangle(cut, (140, 0), (340, 60), (40, 45, 50), -1)
    cv2.rectangle(cut, (225, 0), (255, 120), (150, 175, 215), -1)  # a parting of skin
    assert plain_background_crown(cut, np.array([240.0, 165.0]), 240.0, 270.0) is None
