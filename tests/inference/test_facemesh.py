"""FaceMesh crop affine (exact) and a real-photo run."""

from __future__ import annotations

from types import SimpleNamespace

import cv2
import numpy as np
import pytest

from photocheck.inference import blazeface as bf
from photocheck.inference import facemesh as fm
from tests.helpers import shared_photos


def test_crop_affine_centre_and_rotation() -> None:
    a = fm.crop_affine(np.array([100.0, 50.0]), 96.0, np.pi / 2, 192)
    # centre → crop centre; a point 10 px below the centre (along the 90° axis) → +x in the crop
    pts = np.array([[100.0, 50.0], [100.0, 60.0]])
    mapped = pts @ a[:, :2].T + a[:, 2]
    np.testing.assert_allclose(mapped, [[96.0, 96.0], [116.0, 96.0]], atol=1e-9)
    np.testing.assert_allclose(fm.invert_points(a, mapped), pts, atol=1e-9)


def test_roi_for_face() -> None:
    centre, side, angle = fm.roi_for_face(np.array([0, 0, 100, 80.0]), np.array([30, 40.0]),
                                          np.array([70, 80.0]))
    np.testing.assert_allclose(centre, [50, 40])
    assert side == 150.0
    assert abs(angle - np.pi / 4) < 1e-12


def test_mesh_on_compliant_photo(models) -> None:
    img = cv2.imread(str(shared_photos() / "a_compliant_plain_bg/canada_003f.jpg"),
                     cv2.IMREAD_REDUCED_COLOR_2)
    det = bf.detect(models.session(bf.FRONT), img)[0]
    mesh = fm.run(models.session(fm.NAME), img, fm.affine_for_face(det.box, *det.keypoints[:2]))
    p = mesh.points
    assert mesh.presence > 0.9
    assert p.shape == (468, 3)
    assert p[10, 1] < p[1, 1] < p[152, 1]  # forehead above nose above chin
    assert p[33, 0] < p[133, 0] < p[362, 0] < p[263, 0]
    # the mesh eyes agree with the detector's eye keypoints within a few px
    eye_l = p[[33, 133], :2].mean(axis=0)
    assert np.hypot(*(eye_l - det.keypoints[0])) < 0.1 * (det.box[2] - det.box[0])
    assert p[1, 2] < p[234, 2]  # nose tip nearer the camera than the face sides


class _RecordingSession:
    """A batch-1 FaceMesh stand-in: records its inputs, answers fixed landmarks."""

    def __init__(self) -> None:
        self.inputs: list[np.ndarray] = []

    def get_inputs(self) -> list[SimpleNamespace]:
        return [SimpleNamespace(name="input", shape=[1, fm.INPUT_PX, fm.INPUT_PX, 3])]

    def run(self, _names: None, feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
        self.inputs.append(feeds["input"].copy())
        coords = np.arange(468 * 3, dtype=np.float32).reshape(1, 1, 1, 1404)
        return [coords, np.array([[[[2.0]]]], np.float32)]


def test_run_batch_feeds_the_stacked_crops_and_maps_the_points_back() -> None:
    rng = np.random.default_rng(2)
    images = [rng.integers(0, 256, (300, 260, 3), dtype=np.uint8) for _ in range(2)]
    affines = [fm.crop_affine(np.array([130.0, 150.0]), 200.0, 0.1, fm.INPUT_PX),
               fm.crop_affine(np.array([120.0, 140.0]), 150.0, -0.2, fm.INPUT_PX)]
    for n in (1, 2):  # one crop (its own array, a leading axis added) and a stacked pair
        session = _RecordingSession()
        meshes = fm.run_batch(session, images[:n], affines[:n])
        want = np.stack([fm.prepare(b, a) for b, a in zip(images[:n], affines[:n], strict=True)])
        np.testing.assert_array_equal(np.concatenate(session.inputs), want)
        assert session.inputs[0].shape == (1, fm.INPUT_PX, fm.INPUT_PX, 3)
        for mesh, affine in zip(meshes, affines[:n], strict=True):
            pts = np.arange(468 * 3, dtype=np.float64).reshape(468, 3)
            np.testing.assert_array_equal(mesh.points[:, :2], fm.invert_points(affine, pts[:, :2]))
            assert mesh.presence == pytest.approx(1 / (1 + np.exp(-2.0)))
