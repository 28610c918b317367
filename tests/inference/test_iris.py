"""Iris eye crops (mirror exact) and a real-photo run."""

from __future__ import annotations

import cv2
import numpy as np

from photocheck.inference import blazeface as bf
from photocheck.inference import facemesh as fm
from photocheck.inference import iris
from tests.helpers import shared_photos


def _apply(a: np.ndarray, pts: np.ndarray) -> np.ndarray:
    return pts @ a[:, :2].T + a[:, 2]


def test_eye_affine_mirror() -> None:
    left, right = np.array([100.0, 200.0]), np.array([146.0, 200.0])
    plain = iris.eye_affine(left, right, mirror=False)
    mirrored = iris.eye_affine(left, right, mirror=True)
    side = 2.3 * 46.0
    s = 64 / side
    np.testing.assert_allclose(_apply(plain, np.array([left, right])),
                               [[32 - 23 * s, 32], [32 + 23 * s, 32]], atol=1e-9)
    np.testing.assert_allclose(_apply(mirrored, np.array([left, right])),
                               [[32 + 23 * s, 32], [32 - 23 * s, 32]], atol=1e-9)


def test_iris_on_compliant_photo(models) -> None:
    path = str(shared_photos() / "a_compliant_plain_bg/canada_003f.jpg")
    img = cv2.imread(path, cv2.IMREAD_REDUCED_COLOR_2)
    full = cv2.imread(path)
    det = bf.detect(models.session(bf.FRONT), img)[0]
    p = fm.run(models.session(fm.NAME), img,
               fm.affine_for_face(det.box, *det.keypoints[:2])).points[:, :2] * 2.0
    left, right = iris.run_eyes(models.session(iris.NAME), full, (p[33], p[133]),
                                (p[362], p[263]))
    for eye, (a, b) in ((left, (33, 133)), (right, (263, 362))):  # (outer, inner)
        lo, hi = sorted((p[a, 0], p[b, 0]))
        assert lo < eye.iris[0, 0] < hi  # iris centre between the corners
        radius = np.hypot(*(eye.iris[1:] - eye.iris[0]).T).mean()
        assert 0.15 < radius / (hi - lo) < 0.35
        # contour point 0 is the outer corner, 8 the inner one (mirroring undone)
        assert np.hypot(*(eye.contour[0] - p[a])) < 0.12 * (hi - lo)
        assert np.hypot(*(eye.contour[8] - p[b])) < 0.12 * (hi - lo)
