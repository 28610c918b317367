"""BlazeFace pre/post-processing: exact on tiny arrays, plus one real photo."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from photocheck.inference import blazeface as bf
from tests.helpers import shared_photos


def test_anchor_layout() -> None:
    a = bf.anchors()
    assert a.shape == (896, 2)
    # first layer: 16×16 cells, 2 anchors each, row-major
    np.testing.assert_allclose(a[0], [1 / 32, 1 / 32])
    np.testing.assert_allclose(a[1], [1 / 32, 1 / 32])
    np.testing.assert_allclose(a[2], [3 / 32, 1 / 32])
    np.testing.assert_allclose(a[32], [1 / 32, 3 / 32])
    # second layer starts at 512: 8×8 cells, 6 anchors each
    np.testing.assert_allclose(a[512:518], np.tile([1 / 16, 1 / 16], (6, 1)))
    np.testing.assert_allclose(a[-1], [15 / 16, 15 / 16])


def test_decode_synthetic_regressor() -> None:
    anchor = np.array([[0.5, 0.25]], dtype=np.float32)
    reg = np.zeros((1, 16), dtype=np.float32)
    reg[0, :4] = [12.8, -6.4, 32.0, 64.0]  # centre offset and size in input px (128)
    reg[0, 4:6] = [-12.8, 0.0]  # first keypoint 0.1 left of the anchor
    boxes, kps = bf.decode(reg, anchor, 128)
    np.testing.assert_allclose(boxes[0], [0.6 - 0.125, 0.2 - 0.25, 0.6 + 0.125, 0.2 + 0.25],
                               atol=1e-6)
    np.testing.assert_allclose(kps[0, 0], [0.4, 0.25], atol=1e-6)
    np.testing.assert_allclose(kps[0, 1:], np.tile([0.5, 0.25], (5, 1)), atol=1e-6)


def test_weighted_nms_blends_cluster() -> None:
    boxes = np.array([[0, 0, 10, 10], [2, 0, 12, 10]], float)
    kps = np.zeros((2, 6, 2))
    kps[1] += 4.0
    merged = bf.weighted_nms(boxes, kps, np.array([0.75, 0.25]), 0.3)
    assert len(merged) == 1
    box, kp, score = merged[0]
    np.testing.assert_allclose(box, [0.5, 0, 10.5, 10])
    np.testing.assert_allclose(kp, np.ones((6, 2)))
    assert score == 0.75


def test_weighted_nms_ends_on_degenerate_boxes() -> None:
    # a box with no area has IoU 0 with itself: it still forms its own cluster (it used to
    # stay in the queue for ever)
    boxes = np.array([[5, 5, 3, 9], [0, 0, 10, 10], [4, 4, 4, 4]], float)
    kps = np.arange(36, dtype=float).reshape(3, 6, 2)
    merged = bf.weighted_nms(boxes, kps, np.array([0.9, 0.8, 0.7]), 0.3)
    assert [score for _, _, score in merged] == [0.9, 0.8, 0.7]
    for (box, kp, _), i in zip(merged, range(3), strict=True):
        np.testing.assert_allclose(box, boxes[i])
        np.testing.assert_allclose(kp, kps[i])


def test_iou_exact() -> None:
    boxes = np.array([[0, 0, 10, 10], [5, 0, 15, 10], [20, 20, 30, 30], [2, 2, 2, 8]], float)
    # identical; half overlapping (50 / 150); disjoint; no area (union 100, no intersection)
    assert bf.iou(boxes[0], boxes).tolist() == [1.0, 1 / 3, 0.0, 0.0]
    assert bf.iou(boxes[3], boxes[3:]).tolist() == [0.0]  # union 0: IoU 0, not NaN


def test_iou_same_bits_as_one_coordinate_at_a_time() -> None:
    rng = np.random.default_rng(7)
    corners = rng.uniform(0.0, 1.0, (64, 2, 2)).astype(np.float32)
    boxes = np.concatenate([corners.min(axis=1), corners.max(axis=1)], axis=1)
    for box in (boxes[0], boxes[5].astype(np.float64)):  # float32 and a float64 box
        ix0, iy0 = np.maximum(box[0], boxes[:, 0]), np.maximum(box[1], boxes[:, 1])
        ix1, iy1 = np.minimum(box[2], boxes[:, 2]), np.minimum(box[3], boxes[:, 3])
        inter = np.maximum(ix1 - ix0, 0) * np.maximum(iy1 - iy0, 0)
        union = ((box[2] - box[0]) * (box[3] - box[1])
                 + (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1]) - inter)
        expected = np.where(union > 0, inter / np.maximum(union, 1e-12), 0.0)
        got = bf.iou(box, boxes)
        assert got.dtype == expected.dtype and np.array_equal(got, expected)


def test_letterbox_maps_back() -> None:
    img = np.zeros((100, 200, 3), np.uint8)
    tensor, mapping = bf.letterbox(img, 128)
    assert tensor.shape == (128, 128, 3)
    assert tensor.min() == -1.0
    np.testing.assert_allclose(mapping.to_source(np.array([[0.5, 0.5], [0.0, 0.25]])),
                               [[100.0, 50.0], [0.0, 0.0]])


def test_sigmoid_clips() -> None:
    np.testing.assert_allclose(bf.sigmoid(np.array([0.0, 1e6, -1e6])), [0.5, 1.0, 0.0], atol=1e-30)


def test_detects_one_face_on_compliant_photo(models) -> None:
    root = shared_photos()
    img = cv2.imread(str(root / "a_compliant_plain_bg/canada_003f.jpg"),
                     cv2.IMREAD_REDUCED_COLOR_2)
    for name in (bf.FRONT, bf.BACK):
        faces = bf.detect(models.session(name), img, 0.5)
        assert len(faces) == 1
        f = faces[0]
        h, w = img.shape[:2]
        cx, cy = (f.box[0] + f.box[2]) / 2, (f.box[1] + f.box[3]) / 2
        assert abs(cx - w / 2) < 0.1 * w and 0.35 * h < cy < 0.75 * h
        assert f.keypoints[0, 0] < f.keypoints[1, 0]  # image-left eye first
        assert f.keypoints[2, 1] > f.keypoints[0, 1]  # nose below the eyes
    # batch call gives the same answer as single calls
    one = bf.detect(models.session(bf.FRONT), img)[0]
    two = bf.detect_batch(models.session(bf.FRONT), [img, img[:, ::-1].copy()])
    np.testing.assert_allclose(two[0][0].box, one.box)
    np.testing.assert_allclose(two[1][0].box[[0, 2]], img.shape[1] - one.box[[2, 0]], atol=8)


def _padded_letterbox(img: np.ndarray, size: int) -> np.ndarray:
    """The reference: pad to a centred black square, then area-reduce it."""
    h, w = img.shape[:2]
    side = max(h, w)
    px, py = (side - w) // 2, (side - h) // 2
    square = cv2.copyMakeBorder(img, py, side - h - py, px, side - w - px,
                                cv2.BORDER_CONSTANT, value=(0, 0, 0))
    small = cv2.resize(square, (size, size), interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(small, cv2.COLOR_BGR2RGB).astype(np.float32) / 127.5 - 1.0


@pytest.mark.parametrize(("h", "w"), [(1008, 756), (756, 1008), (768, 512), (1000, 750),
                                      (1001, 750), (640, 480), (900, 675)])
def test_letterbox_equals_padding_then_reducing(h: int, w: int) -> None:
    # the aligned shortcut (4:3 and 3:2 frames) and the general path give the very pixels of
    # the padded square reduced by area
    img = np.random.default_rng(h * w).integers(0, 256, (h, w, 3), dtype=np.uint8)
    for size in (128, 256):
        tensor, mapping = bf.letterbox(img, size)
        assert np.array_equal(tensor, _padded_letterbox(img, size)), (h, w, size)
        assert (mapping.pad_x, mapping.pad_y) == ((max(h, w) - w) // 2, (max(h, w) - h) // 2)


def test_sigmoid_is_that_of_the_clipped_logits_bit_for_bit() -> None:
    logits = np.concatenate([np.random.default_rng(5).normal(0.0, 80.0, 2000),
                             [np.nan, np.inf, -np.inf, -0.0, 100.0, -100.0, 100.5]])
    want = 1.0 / (1.0 + np.exp(-np.clip(logits, -100.0, 100.0)))
    np.testing.assert_array_equal(bf.sigmoid(logits.astype(np.float32)),
                                  1.0 / (1.0 + np.exp(-np.clip(logits.astype(np.float32)
                                                               .astype(np.float64), -100, 100))))
    np.testing.assert_array_equal(bf.sigmoid(logits), want)


def test_detect_with_hints_equals_two_postprocesses(models) -> None:
    img = cv2.imread(str(shared_photos() / "a_compliant_plain_bg/canada_003f.jpg"),
                     cv2.IMREAD_REDUCED_COLOR_4)
    session = models.session(bf.FRONT)
    outputs, (mapping,), size = bf._raw_outputs(session, [img])
    faces, hints = bf.detect_with_hints(session, img, 0.5, 0.05)
    weak = bf.postprocess(outputs, 0, mapping, size, 0.05)
    for got, want in ((faces, bf.postprocess(outputs, 0, mapping, size, 0.5)),
                      (hints, [f for f in weak if f.score < 0.5])):
        assert len(got) == len(want)
        for a, b in zip(got, want, strict=True):
            assert a.score == b.score
            assert np.array_equal(a.box, b.box) and np.array_equal(a.keypoints, b.keypoints)
    assert len(faces) == 1
