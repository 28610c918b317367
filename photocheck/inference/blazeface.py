"""BlazeFace face detector (MediaPipe short-range front-128 and back-256): pre/post-processing.

Pure numpy/OpenCV around a shared onnxruntime session: letterbox → run → sigmoid → anchors →
weighted NMS → boxes and 6 keypoints in the input image's pixel coordinates.

The shipped ONNX files have a fixed batch dimension of 1, so :func:`detect_batch` loops over
the images (one ``run`` each); it stacks them in a single call when a model with a dynamic batch
dimension is supplied.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from photocheck.inference.pixels import SIGNED, rgb_float
from photocheck.measures.resize import area_u8

FRONT = "blazeface_front_128"
BACK = "blazeface_back_256"

# MediaPipe SSD anchor layout shared by both models: 16×16 cells × 2 anchors + 8×8 × 6.
_LAYERS: tuple[tuple[int, int], ...] = ((16, 2), (8, 6))
_SCORE_CLIP = 100.0


@dataclass(frozen=True, slots=True)
class FaceBox:
    """One detected face in the pixel coordinates of the image given to the detector.

    Attributes
    ----------
    box : numpy.ndarray
        ``(4,)`` ``[x0, y0, x1, y1]`` px.
    score : float
        Sigmoid confidence 0–1.
    keypoints : numpy.ndarray
        ``(6, 2)`` px: eye image-left, eye image-right, nose tip, mouth centre, tragion
        image-left, tragion image-right.
    """

    box: np.ndarray
    score: float
    keypoints: np.ndarray


def anchors() -> np.ndarray:
    """Anchor centres ``(896, 2)`` in normalised units (x, y), row-major, as MediaPipe lays them.

    Both the 128 and 256 models use 16×16 cells with 2 anchors and 8×8 cells with 6 anchors.
    """
    out: list[np.ndarray] = []
    for cells, per_cell in _LAYERS:
        centres = (np.arange(cells, dtype=np.float32) + 0.5) / cells
        yy, xx = np.meshgrid(centres, centres, indexing="ij")
        grid = np.stack([xx.ravel(), yy.ravel()], axis=1)
        out.append(np.repeat(grid, per_cell, axis=0))
    return np.concatenate(out, axis=0)


_ANCHORS = anchors()


@dataclass(frozen=True, slots=True)
class Letterbox:
    """How a letterboxed square input maps back to the source image.

    ``source_px = normalised * side - (pad_x, pad_y)``.
    """

    side: float
    pad_x: float
    pad_y: float

    def to_source(self, normalised: np.ndarray) -> np.ndarray:
        """Map normalised ``(..., 2)`` coordinates of the square input to source pixels."""
        return normalised * self.side - np.array([self.pad_x, self.pad_y], dtype=np.float32)


def letterbox(bgr: np.ndarray, size: int) -> tuple[np.ndarray, Letterbox]:
    """Pad an image to a centred square with black and resize it to the model's input.

    Parameters
    ----------
    bgr : numpy.ndarray
        ``(H, W, 3)`` uint8 BGR.
    size : int
        Model input side (128 or 256).

    Returns
    -------
    tensor : numpy.ndarray
        ``(size, size, 3)`` float32 RGB scaled to [-1, 1] (``x / 127.5 - 1``).
    mapping : Letterbox
    """
    h, w = bgr.shape[:2]
    if h == 0 or w == 0:  # nothing to see: an all-black input
        return np.full((size, size, 3), -1.0, np.float32), Letterbox(1.0, 0.0, 0.0)
    side = max(h, w)
    pad_x, pad_y = (side - w) // 2, (side - h) // 2
    mapping = Letterbox(float(side), float(pad_x), float(pad_y))
    if side > size and _aligned(side, size, pad_x, w) and _aligned(side, size, pad_y, h):
        # the padding ends on output-pixel boundaries (a 4:3 or 3:2 photo whose side is a
        # multiple of the factor): area-averaging the image alone gives exactly the pixels of
        # the padded square (same weights), without averaging the black band
        ox, oy = pad_x * size // side, pad_y * size // side
        inner = area_u8(bgr, (w * size // side, h * size // side))
        out = np.full((size, size, 3), -1.0, np.float32)
        out[oy : oy + inner.shape[0], ox : ox + inner.shape[1]] = rgb_float(inner, SIGNED)
        return out, mapping
    square = cv2.copyMakeBorder(bgr, pad_y, side - h - pad_y, pad_x, side - w - pad_x,
                                cv2.BORDER_CONSTANT, value=(0, 0, 0))
    small = (area_u8(square, (size, size)) if side > size
             else cv2.resize(square, (size, size), interpolation=cv2.INTER_LINEAR))
    return rgb_float(small, SIGNED), mapping


def _aligned(side: int, size: int, pad: int, length: int) -> bool:
    """Whether a band of ``pad`` px, then ``length`` px of image, ends on output-pixel
    boundaries when ``side`` px are area-reduced to ``size``."""
    return (pad * size) % side == 0 and (length * size) % side == 0


def sigmoid(logits: np.ndarray) -> np.ndarray:
    """Sigmoid of logits clipped to ±100 (MediaPipe's score clipping)."""
    # np.clip's figures (NaN kept) without its Python wrapper
    clipped = np.minimum(np.maximum(np.asarray(logits, dtype=np.float64), -_SCORE_CLIP),
                         _SCORE_CLIP)
    return 1.0 / (1.0 + np.exp(-clipped))


def decode(
    regressors: np.ndarray, anchor_xy: np.ndarray, input_size: int
) -> tuple[np.ndarray, np.ndarray]:
    """Decode raw regressors into boxes and keypoints, in normalised units.

    Parameters
    ----------
    regressors : numpy.ndarray
        ``(N, 16)``: centre offset (2), size (2), 6 keypoint offsets (12), in input pixels.
    anchor_xy : numpy.ndarray
        ``(N, 2)`` anchor centres (normalised).
    input_size : int
        Model input side in px.

    Returns
    -------
    boxes : numpy.ndarray
        ``(N, 4)`` ``[x0, y0, x1, y1]`` normalised.
    keypoints : numpy.ndarray
        ``(N, 6, 2)`` normalised.
    """
    reg = regressors.astype(np.float32) / float(input_size)
    centre = anchor_xy + reg[:, 0:2]
    half = reg[:, 2:4] / 2.0
    boxes = np.concatenate([centre - half, centre + half], axis=1)
    keypoints = anchor_xy[:, None, :] + reg[:, 4:16].reshape(-1, 6, 2)
    return boxes, keypoints


def iou(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Intersection over union of one ``[x0, y0, x1, y1]`` box with each of ``boxes (N, 4)``."""
    # x and y together: the same element operations as one coordinate at a time, half the calls
    lo = np.maximum(box[:2], boxes[:, :2])
    hi = np.minimum(box[2:], boxes[:, 2:])
    # np.clip(x, 0, None) is np.maximum(x, 0), without its Python wrappers
    overlap = np.maximum(hi - lo, 0)
    inter = overlap[:, 0] * overlap[:, 1]
    area = (box[2] - box[0]) * (box[3] - box[1])
    sizes = boxes[:, 2:] - boxes[:, :2]
    areas = sizes[:, 0] * sizes[:, 1]
    union = area + areas - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-12), 0.0)


def weighted_nms(
    boxes: np.ndarray, keypoints: np.ndarray, scores: np.ndarray, iou_threshold: float = 0.3
) -> list[tuple[np.ndarray, np.ndarray, float]]:
    """MediaPipe's weighted NMS: each cluster (IoU ≥ threshold with its best box) is replaced by
    the score-weighted mean of its boxes and keypoints, keeping the best score.

    Returns
    -------
    list of (box (4,), keypoints (6, 2), score)
    """
    order = (-scores).argsort(kind="stable")  # the method: np.argsort adds a Python wrapper
    out: list[tuple[np.ndarray, np.ndarray, float]] = []
    while order.size:
        top = int(order[0])
        overlap = iou(boxes[top], boxes[order]) >= iou_threshold
        # a box is in its own cluster even when degenerate (no area: IoU 0 with itself),
        # else it would never leave ``order``
        overlap[0] = True
        members = order[overlap]
        weights = scores[members][:, None]
        # the ufunc sums that ``.sum`` calls through its Python wrapper
        total = float(np.add.reduce(weights, axis=None))
        box = np.add.reduce(boxes[members] * weights, axis=0) / total
        kps = np.add.reduce(keypoints[members] * weights[:, :, None], axis=0) / total
        out.append((box, kps, float(scores[top])))
        order = order[~overlap]
    return out


def _input_size(session: Any) -> int:
    return int(session.get_inputs()[0].shape[1])


def run_batched(session: Any, batch: np.ndarray) -> list[np.ndarray]:
    """Run a session on ``(N, ...)`` inputs: one call when its batch dimension is dynamic,
    else one call per item (the shipped MediaPipe conversions are fixed at batch 1)."""
    meta = session.get_inputs()[0]
    name, dim = meta.name, meta.shape[0]
    if not isinstance(dim, int) or dim == batch.shape[0]:
        return list(session.run(None, {name: batch}))
    parts = [session.run(None, {name: batch[i : i + 1]}) for i in range(batch.shape[0])]
    return [np.concatenate([p[k] for p in parts], axis=0) for k in range(len(parts[0]))]


def postprocess(
    outputs: Sequence[np.ndarray],
    index: int,
    mapping: Letterbox,
    input_size: int,
    min_score: float,
    iou_threshold: float = 0.3,
) -> list[FaceBox]:
    """Turn the raw outputs of one batch item into faces in source pixels, best first."""
    scores, regs = _scored(outputs, index)
    return _faces(scores, regs, mapping, input_size, min_score, iou_threshold)


def _scored(outputs: Sequence[np.ndarray], index: int) -> tuple[np.ndarray, np.ndarray]:
    """Every anchor's score ``(896,)`` and regressors ``(896, 16)`` of one batch item."""
    score_a, score_b, reg_a, reg_b = outputs
    logits = np.concatenate([score_a[index, :, 0], score_b[index, :, 0]])
    regs = np.concatenate([reg_a[index], reg_b[index]], axis=0)
    return sigmoid(logits), regs


def _faces(scores: np.ndarray, regs: np.ndarray, mapping: Letterbox, input_size: int,
           min_score: float, iou_threshold: float = 0.3) -> list[FaceBox]:
    """The faces of :func:`postprocess` from the anchors' scores and regressors."""
    keep = np.nonzero(scores >= min_score)[0]  # one scan of the mask for the three picks
    if not keep.size:
        return []
    boxes, kps = decode(regs[keep], _ANCHORS[keep], input_size)
    merged = weighted_nms(boxes, kps, scores[keep], iou_threshold)
    # float64 already (the scores' float64 weights): astype without its copy
    return [FaceBox(mapping.to_source(box.reshape(2, 2)).reshape(4).astype(np.float64, copy=False),
                    score, mapping.to_source(kp).astype(np.float64, copy=False))
            for box, kp, score in merged]


def detect_batch(
    session: Any, images: Sequence[np.ndarray], min_score: float = 0.5
) -> list[list[FaceBox]]:
    """Detect faces in several BGR images (letterboxed to the model's square input).

    Parameters
    ----------
    session : onnxruntime.InferenceSession
        ``blazeface_front_128`` or ``blazeface_back_256``.
    images : sequence of numpy.ndarray
        uint8 BGR images of any size.
    min_score : float
        Detections below this confidence are dropped before NMS.

    Returns
    -------
    list of list of FaceBox
        Per image, faces in that image's pixel coordinates, highest score first.
    """
    if not images:
        return []
    outputs, mappings, size = _raw_outputs(session, images)
    return [postprocess(outputs, i, m, size, min_score) for i, m in enumerate(mappings)]


def _raw_outputs(session: Any, images: Sequence[np.ndarray]
                 ) -> tuple[list[np.ndarray], list[Letterbox], int]:
    """The model's raw outputs for letterboxed ``images``, in a fixed order, with each
    image's letterbox mapping and the input size."""
    size = _input_size(session)
    prepared = [letterbox(img, size) for img in images]
    batch = np.stack([t for t, _ in prepared]).astype(np.float32, copy=False)  # float32 already
    outputs = run_batched(session, batch)
    # the outputs are named Identity..Identity_3: scores (512, 384), regressors (512, 384)
    outputs = sorted(outputs, key=lambda a: (a.shape[2], -a.shape[1]))
    return outputs, [m for _, m in prepared], size


def detect_with_hints(session: Any, bgr: np.ndarray, min_score: float,
                      hint_score: float) -> tuple[list[FaceBox], list[FaceBox]]:
    """One detector run, post-processed twice: the faces at ``min_score`` (exactly as
    :func:`detect` gives them) and the weaker finds at ``hint_score`` (NMS over all finds at
    that level), which say where a finer search might confirm a face.

    Returns
    -------
    faces, hints : list of FaceBox
        ``hints`` holds only the merged finds scoring below ``min_score``.
    """
    outputs, (mapping,), size = _raw_outputs(session, [bgr])
    scores, regs = _scored(outputs, 0)  # one sigmoid for both levels
    faces = _faces(scores, regs, mapping, size, min_score)
    weak = _faces(scores, regs, mapping, size, min(hint_score, min_score))
    return faces, [f for f in weak if f.score < min_score]


def detect(session: Any, bgr: np.ndarray, min_score: float = 0.5) -> list[FaceBox]:
    """Detect faces in one BGR image; see :func:`detect_batch`."""
    return detect_batch(session, [bgr], min_score)[0]
