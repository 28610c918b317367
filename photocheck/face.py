"""The applicant's face: detection, FaceMesh landmarks, iris/eye landmarks, pose.

Intermediates of a :class:`~photocheck.context.PhotoContext` (see docs/architecture.md).
Everything runs on the reduced analysis image
(:func:`photocheck.decode.analysis_image`) and is returned in ORIGINAL full-resolution,
EXIF-oriented pixel coordinates; only the small eye crops for the iris model use the full
resolution, and only when the analysis image is too coarse for them.

Search order for the applicant (J-LIS: one frontal face): BlazeFace front-128 on the letterboxed
frame in all four quarter turns (the turn with the clearly best score wins, upright otherwise),
so a photo taken lying down is found; when none finds a face: back-256 on the frame, then
front-128 on squares of the upper middle (a small face in a large frame). The applicant is the
largest, most central confident face. Roll is always measured in the unrotated photo, except for
a declared ``infant`` whose in-plane rotation is normalised (:func:`upright_rotation_deg`).
Other people (``face.multiple``): front-128's finds on the frame (from the search), back-256 on
the whole frame and on overlapping tiles, merged, detections of the applicant's own face
removed, and each remaining candidate confirmed by FaceMesh's face-presence score on its crop.
The back-256 passes run only where someone else may be: the whole frame when the selfie
segmentation's person mask reaches outside the applicant's head and shoulders or front-128
found (even weakly) another face; a tile when the mask shows someone there or a weak
whole-frame find lies in it. A single-person portrait needs no back-256 pass at all.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from photocheck import decode, segmentation
from photocheck.context import NotAssessable, PhotoContext, intermediate
from photocheck.inference import Models
from photocheck.inference import blazeface as bf
from photocheck.inference import facemesh as fm
from photocheck.inference import iris as ir
from photocheck.landmarks import CHIN_IDX, EYE_LEFT_IDX, EYE_RIGHT_IDX, FOREHEAD_IDX
from photocheck.measures.face import eye_centres

# Detection defaults (overridable in the profile's [face] section).
DEFAULTS: dict[str, float] = {
    "min_score": 0.5,  # applicant: front/back model confidence
    "other_min_score": 0.5,  # any other face (face.multiple), then verified by FaceMesh
    "min_mesh_presence": 0.5,  # FaceMesh face-presence probability
}

# Symmetric landmark pairs (image-left, image-right) and the mid-line used for pose.
_PAIRS = np.array([(33, 263), (133, 362), (234, 454), (61, 291), (78, 308), (127, 356),
                   (93, 323), (132, 361), (58, 288), (172, 397), (70, 300), (105, 334)])
_IRIS_MIN_EYE_PX = 28.0  # eye width below which the analysis image is too coarse for Iris


@dataclass(frozen=True, slots=True)
class Detection:
    """One face, full-resolution px.

    Attributes
    ----------
    box : numpy.ndarray
        ``(4,)`` ``[x0, y0, x1, y1]``.
    score : float
        Detector confidence 0–1.
    keypoints : numpy.ndarray
        ``(6, 2)`` BlazeFace order: eye image-left, eye image-right, nose tip, mouth centre,
        tragion image-left, tragion image-right (for a face found turned by a quarter turn the
        order is that of the upright face: the subject's right eye first).
    """

    box: np.ndarray
    score: float
    keypoints: np.ndarray

    @property
    def width(self) -> float:
        """Box width, px."""
        return float(self.box[2] - self.box[0])

    @property
    def centre(self) -> np.ndarray:
        """Box centre ``(2,)``, px."""
        return np.array([(self.box[0] + self.box[2]) / 2.0, (self.box[1] + self.box[3]) / 2.0])


@dataclass(frozen=True, slots=True)
class Eye:
    """One eye from the Iris model, full-res px: ``contour (71, 2)`` (0 = outer corner,
    8 = inner corner, 0–8 lower lid, 9–15 upper lid, then brow) and ``iris (5, 2)`` (centre,
    then 4 boundary points)."""

    contour: np.ndarray
    iris: np.ndarray


@dataclass(frozen=True, slots=True)
class EyeLandmarks:
    """Both eyes: ``image_left`` (mesh 33/133) and ``image_right`` (mesh 362/263)."""

    image_left: Eye
    image_right: Eye


@dataclass(frozen=True, slots=True)
class Pose:
    """Head pose in degrees (ICAO: yaw left/right, pitch up/down, roll in-plane).

    ``roll_deg`` is the eye-line angle (positive: the image-right eye lower), measured after
    undoing :func:`upright_rotation_deg`. ``yaw_deg`` positive: the face turned towards the
    image right. ``pitch_deg`` positive: the chin raised.
    """

    yaw_deg: float
    pitch_deg: float
    roll_deg: float


@dataclass(frozen=True, slots=True)
class _Search:
    """Result of the applicant search (analysis px, mapped back to the unrotated frame)."""

    applicant: bf.FaceBox | None
    quarter_turns: int  # CCW quarter turns of the analysis image in which it was found
    image_bgr: np.ndarray  # the analysis image (unrotated)
    scale: float  # analysis px per full-res px
    upright_front: list[bf.FaceBox] | None = None  # front-128 on the upright frame, min_score
    upright_hints: list[bf.FaceBox] | None = None  # its weaker finds (≥ _HINT_SCORE)
    # FaceMesh on the applicant's detector crop when the search ran it to confirm the find:
    # the first pass of _mesh, not run twice
    applicant_mesh: fm.Mesh | None = None


# --- geometry helpers ------------------------------------------------------------------------


def _turn_affine(k: int, w: int, h: int) -> np.ndarray:
    """2×3 affine of ``np.rot90(image, k)`` (CCW quarter turns) on continuous px coordinates."""
    k %= 4
    # only the turn asked for is built
    rows = (((1.0, 0, 0), (0, 1.0, 0)), ((0, 1.0, 0), (-1.0, 0, w)),
            ((-1.0, 0, w), (0, -1.0, h)), ((0, -1.0, h), (1.0, 0, 0)))[k]
    return np.array(rows)


def _map_face(face: bf.FaceBox, affine: np.ndarray, factor: float = 1.0,
              offset: tuple[float, float] = (0.0, 0.0)) -> bf.FaceBox:
    """Map a face found in a transformed image back: ``source = inv(affine)(p)``, then
    ``(source + offset) * factor``."""
    kps = fm.invert_points(affine, face.keypoints)
    corners = fm.invert_points(affine, face.box.reshape(2, 2))
    # the ufunc reductions (``.min``/``.max`` add Python wrappers)
    lo, hi = np.minimum.reduce(corners, axis=0), np.maximum.reduce(corners, axis=0)
    off = np.array(offset)
    return bf.FaceBox(np.concatenate([lo + off, hi + off]) * factor, face.score,
                      (kps + off) * factor)


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    return float(bf.iou(a, b[None, :])[0])


def inside_fraction(inner: np.ndarray, outer: np.ndarray) -> float:
    """Fraction of box ``inner``'s area inside box ``outer`` (both ``x0, y0, x1, y1``)."""
    ix = max(0.0, min(inner[2], outer[2]) - max(inner[0], outer[0]))
    iy = max(0.0, min(inner[3], outer[3]) - max(inner[1], outer[1]))
    area = max(1e-9, (inner[2] - inner[0]) * (inner[3] - inner[1]))
    return ix * iy / area


def _params(ctx: PhotoContext) -> dict[str, Any]:
    try:
        section = dict(ctx.params("face"))
    except (KeyError, AttributeError):
        section = {}
    return {k: section.get(k, v) for k, v in DEFAULTS.items()}


def _models(ctx: PhotoContext) -> Any:
    if ctx.models is None:
        ctx.models = Models.load()
    return ctx.models


# --- the search ------------------------------------------------------------------------------


def _rank(face: bf.FaceBox, w: int, h: int) -> float:
    """Largest and most central confident face first."""
    c = np.array([(face.box[0] + face.box[2]) / 2.0, (face.box[1] + face.box[3]) / 2.0])
    off = np.hypot((c[0] - w / 2.0) / w, (c[1] - h / 2.0) / h)
    area = (face.box[2] - face.box[0]) * (face.box[3] - face.box[1]) / float(w * h)
    return float(math.sqrt(max(area, 0.0)) * (1.0 - off) * (0.5 + 0.5 * face.score))


_ROTATE_CODES = {1: cv2.ROTATE_90_COUNTERCLOCKWISE, 2: cv2.ROTATE_180,
                 3: cv2.ROTATE_90_CLOCKWISE}


def _turned(bgr: np.ndarray, k: int) -> np.ndarray:
    """``np.rot90(bgr, k)`` (``k`` CCW quarter turns), contiguous: OpenCV's rotation is the same
    pixel permutation at a fraction of the cost of copying numpy's strided view."""
    return cv2.rotate(bgr, _ROTATE_CODES[k % 4]) if k % 4 else bgr


def _find_small(models: Any, bgr: np.ndarray, min_score: float, k: int) -> list[bf.FaceBox]:
    """Fall-back for a small face in a large frame, in the image turned by ``k`` CCW quarter
    turns: back-256 on the frame, then front-128 on the upper-middle squares where a
    portrait's head is; faces mapped back to ``bgr``'s px."""
    h, w = bgr.shape[:2]
    turned = _turned(bgr, k)
    found = bf.detect(models.session(bf.BACK), turned, min_score)
    if not found:
        th, tw = turned.shape[:2]
        side = min(th, tw)
        for sub_side, y0 in ((side, 0), (side // 2, side // 8)):
            if sub_side < _MIN_CROP_PX:
                break
            x0 = (tw - sub_side) // 2
            crop = turned[y0 : y0 + sub_side, x0 : x0 + sub_side]
            sub = bf.detect(models.session(bf.FRONT), crop, min_score)
            found = [bf.FaceBox(f.box + [x0, y0, x0, y0], f.score, f.keypoints + [x0, y0])
                     for f in sub]
            if found:
                break
    affine = _turn_affine(k, w, h)
    return [_map_face(f, affine) for f in found]


# A face seen in a wrong quarter turn still scores ~0.75–0.85 with front-128, the right one
# ~0.9+; upright wins unless another turn scores clearly higher.
_UPRIGHT_MARGIN = 0.05
_TURNED_MIN_SCORE = 0.8  # a turned frame must be found confidently (clutter scores ~0.7)
_MIN_CROP_PX = 16  # smaller crops hold no detectable face
# Upright finds scoring below this are confirmed by FaceMesh before they are kept (compliant
# portraits: ~10 % score below it, all with presence 1.0; rejected finds were 0.50–0.83)
_CONFIRM_BELOW = 0.9
# A weak find (below the detection threshold) this strong says where someone else may be: its
# tiles are searched by back-256 (face.multiple)
_HINT_SCORE = 0.3


def _confirming_mesh(ctx: PhotoContext, bgr: np.ndarray, k: int,
                     face: bf.FaceBox) -> fm.Mesh | None:
    """FaceMesh on a detector's find in the frame turned by ``k`` (the crop :func:`_mesh`
    starts from), or None when it sees no face there."""
    h, w = bgr.shape[:2]
    mapped = _map_face(face, _turn_affine(k, w, h))
    affine = fm.affine_for_face(mapped.box, mapped.keypoints[0], mapped.keypoints[1])
    mesh = fm.run(_models(ctx).session(fm.NAME), bgr, affine)
    return mesh if mesh.presence >= float(_params(ctx)["min_mesh_presence"]) else None


def _mesh_confirms(ctx: PhotoContext, bgr: np.ndarray, k: int, face: bf.FaceBox) -> bool:
    """Whether FaceMesh sees a face where a detector found one in the frame turned by ``k``."""
    return _confirming_mesh(ctx, bgr, k, face) is not None


@intermediate
def _search(ctx: PhotoContext) -> _Search:
    image = decode.analysis_image(ctx)
    bgr = image.bgr
    h, w = bgr.shape[:2]
    models = _models(ctx)
    min_score = float(_params(ctx)["min_score"])
    # front-128 on all four quarter turns: the turn with the best face wins. A turned frame
    # must beat the upright one by _UPRIGHT_MARGIN, impossible when upright already scores
    # ≥ 1 - margin (scores are ≤ 1): then the three turns (rotations, letterboxes, model
    # calls) are skipped with the same result.
    front = models.session(bf.FRONT)
    upright, hints = bf.detect_with_hints(front, bgr, min_score, _HINT_SCORE)
    per_turn = [upright]
    if not per_turn[0] or per_turn[0][0].score < 1.0 - _UPRIGHT_MARGIN:
        per_turn += bf.detect_batch(front, [_turned(bgr, k) for k in (1, 2, 3)], min_score)
    turns = list(range(len(per_turn)))
    best: tuple[int, list[bf.FaceBox]] | None = None
    for k, faces in zip(turns, per_turn, strict=True):
        faces = [f for f in faces if k == 0 or f.score >= _TURNED_MIN_SCORE]
        if not faces:
            continue
        margin = _UPRIGHT_MARGIN if best is not None and best[0] == 0 else 0.0
        if best is None or faces[0].score > best[1][0].score + margin:
            best = (k, faces)
    if best is not None and best[0] != 0 and not _mesh_confirms(ctx, bgr, best[0], best[1][0]):
        best = None if not per_turn[0] else (0, per_turn[0])
    if best is None:
        # a small face in a large frame: slower fall-backs, upright first; what they find must
        # also convince FaceMesh (they fire on texture and noise more than front-128 does)
        for k in range(4):
            faces = _find_small(models, bgr, max(min_score, _TURNED_MIN_SCORE if k else 0.0), k)
            for top in sorted(faces, key=lambda f: -_rank(f, w, h))[:3]:
                mesh = _confirming_mesh(ctx, bgr, 0, top)
                if mesh is not None:
                    return _Search(top, k, bgr, image.scale, per_turn[0], hints, mesh)
        return _Search(None, 0, bgr, image.scale, per_turn[0], hints)
    k, faces = best
    affine = _turn_affine(k, w, h)
    mapped = [_map_face(f, affine) for f in faces]
    top = max(mapped, key=lambda f: _rank(f, w, h))
    if k == 0 and top.score < _CONFIRM_BELOW:
        mesh = _confirming_mesh(ctx, bgr, 0, top)
        if mesh is not None:
            return _Search(top, k, bgr, image.scale, per_turn[0], hints, mesh)
        # a weak upright find that FaceMesh rejects (a brim shading the face, a hand, a small
        # face placed badly) would end in face.not_found: try the back-256 fall-back first
        alts = _find_small(models, bgr, min_score, 0)
        for alt in sorted(alts, key=lambda f: -_rank(f, w, h))[:3]:
            mesh = _confirming_mesh(ctx, bgr, 0, alt)
            if mesh is not None:
                return _Search(alt, 0, bgr, image.scale, per_turn[0], hints, mesh)
    return _Search(top, k, bgr, image.scale, per_turn[0], hints)


def _to_full(face: bf.FaceBox, scale: float) -> Detection:
    return Detection(face.box / scale, float(face.score), face.keypoints / scale)


@intermediate
def applicant(ctx: PhotoContext) -> Detection:
    """The applicant's face (the largest, most central confident face).

    Raises
    ------
    NotAssessable
        ``face.not_found`` when no face is found in any orientation searched.
    """
    found = _search(ctx)
    if found.applicant is None:
        raise NotAssessable("face.not_found", "no face found by BlazeFace front/back")
    det = _to_full(found.applicant, found.scale)
    info = ctx.face_info if ctx.face_info is not None else {}
    info["box"] = [round(float(v), 1) for v in det.box]
    info["keypoints"] = [[round(float(x), 1), round(float(y), 1)] for x, y in det.keypoints]
    ctx.face_info = info
    return det


def _tiles(w: int, h: int, side: int) -> list[tuple[int, int, int, int]]:
    """Overlapping square tiles (x0, y0, x1, y1) covering a ``w × h`` frame."""
    nx = max(1, math.ceil((w - side) / (side * 0.66)) + 1) if w > side else 1
    ny = max(1, math.ceil((h - side) / (side * 0.66)) + 1) if h > side else 1
    xs = np.linspace(0, max(0, w - side), nx).astype(int).tolist()
    ys = np.linspace(0, max(0, h - side), ny).astype(int).tolist()
    return [(x0, y0, min(w, x0 + side), min(h, y0 + side)) for y0 in ys for x0 in xs]


def is_same_face(other: np.ndarray, main: np.ndarray) -> bool:
    """Whether a detection is the applicant's own face again (another scale or tile): its
    centre inside the applicant's box, or overlapping it (IoU > 0.2, or mostly inside)."""
    cx, cy = (other[0] + other[2]) / 2.0, (other[1] + other[3]) / 2.0
    centre_in = main[0] < cx < main[2] and main[1] < cy < main[3]
    return centre_in or _iou(other, main) > 0.2 or inside_fraction(other, main) > 0.5


_MAX_OTHERS = 32  # candidates verified with FaceMesh (a crowd needs only one)


@dataclass(frozen=True, slots=True)
class Envelope:
    """Where the applicant's own head and body may be, in face-box widths ``w`` and heights
    ``h`` around the applicant's box: the head band from ``above_h`` above the box to
    ``below_h`` below it, ``half_w`` either side of its centre, then the torso widening by
    ``slope`` px per px downwards up to ``max_half_w`` either side."""

    half_w: float
    above_h: float
    below_h: float
    slope: float
    max_half_w: float
    min_prob: float  # person probability from which a pixel is someone


# Tiles are searched only where the selfie segmentation sees someone besides the applicant
# (person probability ≥ 0.25 outside the generous envelope: shoulders and arms of any portrait)
# or where a weak whole-frame find lies; a tile needs (side / _TILE_MIN_DIV)² such px (a head's
# worth at the smallest face a tile finds).
TILE_ENVELOPE = Envelope(half_w=1.25, above_h=1.2, below_h=0.3, slope=2.0, max_half_w=1e9,
                         min_prob=0.25)
_TILE_MIN_DIV = 32
# The whole-frame back-256 pass is skipped only when nobody is outside the tight envelope (head
# and hair ± 0.9 w, shoulders ± 1.8 w from the box's bottom): a bystander beside the head or
# the shoulders, or a child in front of them, reaches outside it. Far stricter than the tiles'
# test (probability ≥ 0.1, (side / _WHOLE_MIN_DIV)² px): a distant person 3 % of the frame
# wide is only a faint blob in the 256-px segmentation. 10 of the 110 compliant portraits of
# ../shared/photos still run it, every bystander of the multi-person photos triggers it.
WHOLE_ENVELOPE = Envelope(half_w=0.9, above_h=1.2, below_h=0.0, slope=1e9, max_half_w=1.8,
                          min_prob=0.1)
_WHOLE_MIN_DIV = 100
_MASK_STEP = 4  # the mask is sampled every 4th px: the counts need no finer grid


def others_mask(prob: np.ndarray, face_box: np.ndarray, envelope: Envelope = TILE_ENVELOPE,
                step: int = 1) -> np.ndarray:
    """Where someone other than the applicant may be: person probability ≥
    ``envelope.min_prob`` outside the applicant's head-and-shoulders ``envelope``.

    Parameters
    ----------
    prob : numpy.ndarray
        ``(H, W)`` person probability (selfie segmentation) of the frame.
    face_box : numpy.ndarray
        The applicant's ``[x0, y0, x1, y1]`` in the same px.
    envelope : Envelope
        The applicant's own region.
    step : int
        Sample every ``step``-th row and column (the result is ``prob[::step, ::step]``-sized).

    Returns
    -------
    numpy.ndarray
        bool, True where a bystander could be (J-LIS: nobody else in the photo).
    """
    sub = prob[::step, ::step]
    x0, y0, x1, y1 = (float(v) for v in face_box)
    fw, fh = max(1.0, x1 - x0), max(1.0, y1 - y0)
    cx = (x0 + x1) / 2.0
    ys = np.arange(sub.shape[0], dtype=np.float32) * step
    xs = np.arange(sub.shape[1], dtype=np.float32) * step
    chin = y1 + envelope.below_h * fh
    torso = envelope.half_w * fw + envelope.slope * np.maximum(0.0, ys - chin)
    half = np.where(ys < y0 - envelope.above_h * fh, -1.0,
                    np.minimum(torso, envelope.max_half_w * fw))
    inside = np.abs(xs[None, :] - cx) <= half[:, None]
    return (sub >= envelope.min_prob) & ~inside


def tiles_with_people(tiles: list[tuple[int, int, int, int]], others: np.ndarray,
                      step: int) -> list[tuple[int, int, int, int]]:
    """The tiles holding at least ``(side / _TILE_MIN_DIV)²`` px of :func:`others_mask`
    (``others`` sampled every ``step`` px)."""
    if not tiles:
        return []
    integral = cv2.integral(others.astype(np.uint8))  # (h+1, w+1) counts
    kept = []
    for x0, y0, x1, y1 in tiles:
        a, b = -(-y0 // step), min(others.shape[0], -(-y1 // step))
        c, d = -(-x0 // step), min(others.shape[1], -(-x1 // step))
        count = int(integral[b, d] - integral[a, d] - integral[b, c] + integral[a, c]) * step**2
        side = max(x1 - x0, y1 - y0)
        if count >= (side / _TILE_MIN_DIV) ** 2:
            kept.append((x0, y0, x1, y1))
    return kept


def tiles_with_hints(tiles: list[tuple[int, int, int, int]],
                     hints: list[bf.FaceBox]) -> list[tuple[int, int, int, int]]:
    """The tiles holding the centre of a weak whole-frame find."""
    centres = [((h.box[0] + h.box[2]) / 2.0, (h.box[1] + h.box[3]) / 2.0) for h in hints]
    return [t for t in tiles if any(t[0] <= x < t[2] and t[1] <= y < t[3] for x, y in centres)]


def _others(ctx: PhotoContext, main_box: np.ndarray, envelope: Envelope) -> np.ndarray | None:
    """:func:`others_mask` of the person mask sampled every ``_MASK_STEP`` px (upright frame);
    None without a person mask."""
    try:
        prob = segmentation.person_mask(ctx).prob
    except NotAssessable:
        return None
    return others_mask(prob, main_box, envelope, _MASK_STEP)


@intermediate
def detections(ctx: PhotoContext) -> list[Detection]:
    """Every face found, applicant first, then other people (however small).

    Returns
    -------
    list of Detection
        Empty when there is no applicant (``applicant`` then raises ``face.not_found``).
    """
    found = _search(ctx)
    try:
        main = applicant(ctx)
    except NotAssessable:
        return []
    bgr, scale = found.image_bgr, found.scale
    h, w = bgr.shape[:2]
    models = _models(ctx)
    other_min = float(_params(ctx)["other_min_score"])
    k = found.quarter_turns
    turned = _turned(bgr, k)
    affine = _turn_affine(k, w, h)
    th, tw = turned.shape[:2]
    main_box = main.box * scale
    reused = k == 0 and found.upright_front is not None and other_min == float(
        _params(ctx)["min_score"])
    if reused:
        front = found.upright_front or []  # the search already ran front-128 on this frame
        front_hints = found.upright_hints or []
    else:
        front, front_hints = bf.detect(models.session(bf.FRONT), turned, other_min), []
    # tiles at half the long side catch faces ≥ ~1/20 of the frame the whole-frame pass misses
    side = max(256, int(max(th, tw) * 0.5))
    tiles = _tiles(tw, th, side) if max(th, tw) >= 1.5 * 256 else []
    alone = reused and not any(not is_same_face(f.box, main_box) for f in front + front_hints)
    if alone:
        beside = _others(ctx, main_box, WHOLE_ENVELOPE)
        alone = beside is not None and np.count_nonzero(beside) * _MASK_STEP**2 < (
            side / _WHOLE_MIN_DIV) ** 2
    per_image: list[list[bf.FaceBox]] = []
    offsets: list[tuple[int, int]] = []
    if not alone:
        # someone else may be in the photo (the person mask, front-128's finds): back-256 on
        # the whole frame, then on the tiles where someone may be; nobody but the applicant
        # anywhere (a single-person photo) needs neither
        back = models.session(bf.BACK)
        whole, hints = bf.detect_with_hints(back, turned, other_min, _HINT_SCORE)
        per_image, offsets = [whole], [(0, 0)]
        others = _others(ctx, main_box, TILE_ENVELOPE) if k == 0 and tiles else None
        if others is not None:  # else (a turned frame, no mask) every tile
            people = tiles_with_people(tiles, others, _MASK_STEP)
            hints = [_map_face(f, affine) for f in hints + front_hints]
            near = tiles_with_hints(tiles, [f for f in hints if not is_same_face(f.box, main_box)])
            tiles = [t for t in tiles if t in set(people) | set(near)]
        offsets += [(x0, y0) for x0, y0, _, _ in tiles]
        per_image += bf.detect_batch(back, [turned[y0:y1, x0:x1] for x0, y0, x1, y1 in tiles],
                                     other_min)
    candidates: list[bf.FaceBox] = []
    for faces, (ox, oy) in zip(per_image, offsets, strict=True):
        for f in faces:
            shifted = bf.FaceBox(f.box + [ox, oy, ox, oy], f.score, f.keypoints + [ox, oy])
            candidates.append(_map_face(shifted, affine))
    candidates += [_map_face(f, affine) for f in front]
    kept: list[bf.FaceBox] = []
    for f in sorted(candidates, key=lambda f: -f.score):
        if is_same_face(f.box, main_box):
            continue
        if any(_iou(f.box, g.box) > 0.3 or inside_fraction(f.box, g.box) > 0.5 for g in kept):
            continue
        kept.append(f)
    # BlazeFace back-256 fires at ~0.5–0.8 on some clothing and hair; FaceMesh's face-presence
    # on the candidate's crop separates them (≤ 0.05 on those, ≥ 0.7 on real faces ≥ 24 px)
    kept = kept[:_MAX_OTHERS]
    session = models.session(fm.NAME)
    meshes = fm.run_batch(session, [bgr] * len(kept),
                          [fm.affine_for_face(f.box, f.keypoints[0], f.keypoints[1])
                           for f in kept])
    min_presence = float(_params(ctx)["min_mesh_presence"])
    others = [f for f, m in zip(kept, meshes, strict=True) if m.presence >= min_presence]
    return [main] + [_to_full(f, scale) for f in others]


# --- mesh, eyes, pose ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _MeshResult:
    points: np.ndarray  # (468, 3) full-res px
    presence: float


def _mesh_roi_affine(points: np.ndarray) -> np.ndarray:
    """MediaPipe's landmarks → ROI: the landmarks' rotated bounding box ×1.5, eyes level."""
    d = points[263, :2] - points[33, :2]
    angle = float(np.arctan2(d[1], d[0]))
    c, s = math.cos(-angle), math.sin(-angle)
    rot = np.array([[c, -s], [s, c]])
    # (2, N): each coordinate's min and max along a contiguous row (reducing the (N, 2)
    # product along axis 0 strides across rows, ~5x slower); min and max are exact either way
    local = (points[:, :2] @ rot.T).T.copy()
    lo, hi = np.minimum.reduce(local, axis=1), np.maximum.reduce(local, axis=1)
    centre = ((lo + hi) / 2.0) @ rot  # back to image axes
    side = fm.BOX_SCALE * float(max(hi - lo))
    return fm.crop_affine(centre, side, angle, fm.INPUT_PX)


@intermediate
def _mesh(ctx: PhotoContext) -> _MeshResult:
    det = applicant(ctx)
    found = _search(ctx)
    bgr, scale = found.image_bgr, found.scale
    session = _models(ctx).session(fm.NAME)
    box, kps = det.box * scale, det.keypoints * scale
    first = found.applicant_mesh
    if first is None:
        first = fm.run(session, bgr, fm.affine_for_face(box, kps[0], kps[1]))
    if first.presence < float(_params(ctx)["min_mesh_presence"]):
        raise NotAssessable("face.not_found", f"FaceMesh presence {first.presence:.2f}")
    # second pass on the ROI of the first mesh, as MediaPipe tracks: tighter and level
    second = fm.run(session, bgr, _mesh_roi_affine(first.points))
    mesh = second if second.presence >= first.presence * 0.9 else first
    return _MeshResult(mesh.points / scale, mesh.presence)


@intermediate
def landmarks(ctx: PhotoContext) -> np.ndarray:
    """FaceMesh's 468 landmarks of the applicant, ``(468, 3)`` full-res px (z relative depth,
    same px scale, smaller = nearer the camera).

    Raises
    ------
    NotAssessable
        ``face.not_found`` when there is no applicant or the mesh rejects the crop.
    """
    return _mesh(ctx).points


def eye_image(ctx: PhotoContext) -> tuple[np.ndarray, float]:
    """The image the eye measures use and its px per full-res px: the analysis image when it
    resolves the eye at least as finely as the 64-px Iris input, else the full decode."""
    pts = landmarks(ctx)[:, :2]
    found = _search(ctx)
    eye_px = float(np.hypot(*(pts[133] - pts[33]))) * found.scale
    if eye_px >= _IRIS_MIN_EYE_PX:
        return found.image_bgr, found.scale
    full = decode.full_image(ctx)
    return full.bgr, 1.0


@intermediate
def eye_landmarks(ctx: PhotoContext) -> EyeLandmarks:
    """Iris-model eye contours and irises of both eyes, full-res px.

    The crops come from the analysis image when it resolves the eye at least as finely as the
    64-px model input; otherwise from the full-resolution decode.
    """
    pts = landmarks(ctx)[:, :2]
    bgr, scale = eye_image(ctx)
    p = pts * scale
    (a, b), (c, d) = EYE_LEFT_IDX, EYE_RIGHT_IDX
    left, right = ir.run_eyes(_models(ctx).session(ir.NAME), bgr, (p[a], p[b]), (p[c], p[d]))
    return EyeLandmarks(Eye(left.contour / scale, left.iris / scale),
                        Eye(right.contour / scale, right.iris / scale))


def eye_line_deg(points: np.ndarray) -> float:
    """Angle of the line from the image-left to the image-right eye centre (mesh corners),
    degrees, positive clockwise on screen (y down)."""
    left, right = eye_centres(points)
    d = right - left
    return math.degrees(math.atan2(d[1], d[0]))


def pose_from_mesh(points: np.ndarray, roll_deg: float | None = None,
                   pitch_baseline_deg: float = 0.0) -> tuple[float, float]:
    """Yaw and pitch (degrees) from the 3-D mesh, after removing the in-plane roll.

    Yaw is the angle of the mean left→right vector of symmetric landmark pairs out of the image
    plane; pitch the angle of the chin→forehead mid-line out of the image plane, less
    ``pitch_baseline_deg`` (the mesh's lean on level faces: the profile's
    ``[pose] pitch_baseline_deg``).
    """
    roll = math.radians(eye_line_deg(points) if roll_deg is None else roll_deg)
    c, s = math.cos(-roll), math.sin(-roll)
    rot = np.array([[c, -s], [s, c]])
    xy = points[:, :2] @ rot.T
    z = points[:, 2]
    across = np.hstack([xy[_PAIRS[:, 1]] - xy[_PAIRS[:, 0]],
                        (z[_PAIRS[:, 1]] - z[_PAIRS[:, 0]])[:, None]]).sum(axis=0)
    yaw = math.degrees(math.atan2(across[2], across[0]))
    up = np.array([*(xy[FOREHEAD_IDX] - xy[CHIN_IDX]), z[FOREHEAD_IDX] - z[CHIN_IDX]])
    pitch = math.degrees(math.atan2(up[2], -up[1])) - pitch_baseline_deg
    return yaw, pitch


@intermediate
def upright_rotation_deg(ctx: PhotoContext) -> float:
    """The in-plane rotation undone to find the face: 0 normally; for a declared ``infant``
    the eye-line angle (which includes the quarter turns searched), degrees, in (-180, 180].

    The face is upright after turning the photo counter-clockwise on screen by this angle
    (``cv2.getRotationMatrix2D(centre, angle, 1)``): +90 for a face lying with its eyes
    stacked vertically, image-left eye on top, i.e. photographed turned clockwise.
    """
    if "infant" not in ctx.exceptions:
        return 0.0
    return eye_line_deg(landmarks(ctx))


def _wrap_deg(angle: float) -> float:
    return (angle + 180.0) % 360.0 - 180.0


@intermediate
def pose(ctx: PhotoContext) -> Pose:
    """Yaw, pitch and roll of the applicant's head, degrees (ICAO / ISO 39794-5 axes)."""
    pts = landmarks(ctx)
    line = eye_line_deg(pts)
    roll = _wrap_deg(line - upright_rotation_deg(ctx))
    yaw, pitch = pose_from_mesh(pts, line, float(ctx.params("pose")["pitch_baseline_deg"]))
    result = Pose(float(yaw), float(pitch), float(roll))
    info = ctx.face_info if ctx.face_info is not None else {}
    info["pose_deg"] = {"yaw": round(result.yaw_deg, 2), "pitch": round(result.pitch_deg, 2),
                        "roll": round(result.roll_deg, 2)}
    # the mesh's top point (10), to show how far the crown lies above it
    forehead = pts[FOREHEAD_IDX]
    info["forehead"] = [round(float(forehead[0]), 1), round(float(forehead[1]), 1)]
    ctx.face_info = info
    return result
