"""Semantic cues of the applicant's head: ImageNet features of a head crop and an eye crop.

Two face-aligned square crops go through EfficientNet-Lite0
(:mod:`photocheck.inference.semantic`), lazily and once per photo, only when a check asks:

- the **head crop** (from the analysis image): rotated so the eyes are level, 3 eye-to-chin
  lengths wide and high, from 1.8 lengths above the eye line (room above the crown for a hat)
  to 0.4 below the chin (a scarf's drape around the face and neck);
- the **eye crop** (from the image the eye measures use, :func:`photocheck.face.eye_image`):
  centred on the four eye corners, 1.35 outer-corner distances wide (a spectacle frame with its
  rims and the brows).

When FaceMesh could not read the face (a camera or a hand in front of it) the head crop is
placed from the detector's eye and mouth keypoints instead, and there is no eye crop.
The classifiers of :mod:`photocheck.classifiers` read the cues returned here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from photocheck import decode, face
from photocheck.context import NotAssessable, PhotoContext, intermediate
from photocheck.inference import semantic as sem
from photocheck.inference.facemesh import crop_affine
from photocheck.landmarks import EYE_LEFT_IDX, EYE_RIGHT_IDX
from photocheck.measures.face import eye_centres
from photocheck.measures.order import mean

# Head crop, in eye-to-chin lengths: side, and centre offset along eye→chin (negative: up).
HEAD_SIDE = 3.2
HEAD_CENTRE_SHIFT = -0.2
# Eye crop: side in outer-eye-corner distances, centre offset along eye→chin in eye-to-chin
# lengths (slightly up: the brows and the top rim of a frame).
EYE_SIDE = 1.35
EYE_CENTRE_SHIFT = -0.05
# Eye-to-chin over eye-to-mouth on a frontal face (mean of the mesh on the compliant photos
# is 1.60–1.70): places the chin from the detector's keypoints when there is no mesh.
CHIN_OVER_MOUTH = 1.65

EYE_CORNERS = EYE_LEFT_IDX + EYE_RIGHT_IDX  # (33, 133, 362, 263)
OUTER_LEFT, OUTER_RIGHT = 33, 263
CHIN = 152
# index arrays built once (a list turns into an array every call)
_EYE_CORNER_ROWS = np.array(EYE_CORNERS)


@dataclass(frozen=True)
class SemanticCues:
    """Model outputs for one photo's applicant.

    Attributes
    ----------
    head_features, eye_features : numpy.ndarray
        float32 ``(1280,)``; ``eye_features`` is None without landmarks.
    head_probabilities, eye_probabilities : numpy.ndarray
        float32 ``(1000,)`` ImageNet probabilities (eye: None without landmarks).
    from_landmarks : bool
        Whether the crops were placed by FaceMesh (False: by the detector's keypoints).
    """

    head_features: np.ndarray
    head_probabilities: np.ndarray
    eye_features: np.ndarray | None
    eye_probabilities: np.ndarray | None
    from_landmarks: bool


def head_crop_affine(eye_left: np.ndarray, eye_right: np.ndarray,
                     chin: np.ndarray) -> np.ndarray:
    """Source px → head-crop px affine (2 × 3) from the two eye centres and the chin.

    Parameters
    ----------
    eye_left, eye_right : numpy.ndarray
        ``(2,)`` eye centres, image-left first (upright face's order).
    chin : numpy.ndarray
        ``(2,)`` chin point.
    """
    left, right = np.asarray(eye_left, np.float64), np.asarray(eye_right, np.float64)
    mid = (left + right) / 2.0
    down = np.asarray(chin, np.float64) - mid
    length = max(float(np.hypot(*down)), 1.0)
    angle = float(np.arctan2(*(right - left)[::-1]))
    centre = mid + HEAD_CENTRE_SHIFT * down
    return crop_affine(centre, HEAD_SIDE * length, angle, sem.INPUT_PX)


def eye_crop_affine(points: np.ndarray) -> np.ndarray:
    """Source px → eye-crop px affine (2 × 3) from FaceMesh points ``(468, 2+)``."""
    pts = np.asarray(points, np.float64)[:, :2]
    left, right = pts[OUTER_LEFT], pts[OUTER_RIGHT]
    mid = mean(pts[_EYE_CORNER_ROWS], axis=0)
    down = pts[CHIN] - (left + right) / 2.0
    width = max(float(np.hypot(*(right - left))), 1.0)
    angle = float(np.arctan2(*(right - left)[::-1]))
    return crop_affine(mid + EYE_CENTRE_SHIFT * down, EYE_SIDE * width, angle, sem.INPUT_PX)


def _scaled(affine: np.ndarray, scale: float) -> np.ndarray:
    """An affine on full-res px applied to an image decoded at ``scale`` px per full-res px."""
    inv = 1.0 / scale  # np.diag's matrix from one np.array call
    return affine @ np.array([[inv, 0.0, 0.0], [0.0, inv, 0.0], [0.0, 0.0, 1.0]])


def crops(ctx: PhotoContext) -> tuple[np.ndarray, np.ndarray | None]:
    """The head crop and the eye crop (None without landmarks), uint8 BGR ``INPUT_PX`` squares.

    Raises
    ------
    NotAssessable
        ``face.not_found`` when there is no applicant at all.
    """
    image = decode.analysis_image(ctx)
    try:
        pts = np.asarray(face.landmarks(ctx), np.float64)[:, :2]
    except NotAssessable as exc:
        if exc.cause != "face.not_found":
            raise
        det = face.applicant(ctx)  # raises face.not_found when there is no face at all
        left, right, mouth = det.keypoints[0], det.keypoints[1], det.keypoints[3]
        mid = (left + right) / 2.0
        chin = mid + CHIN_OVER_MOUTH * (mouth - mid)
        affine = head_crop_affine(left, right, chin)
        return sem.warp_crop(image.bgr, _scaled(affine, image.scale)), None
    eye_left, eye_right = eye_centres(pts)
    affine = head_crop_affine(eye_left, eye_right, pts[CHIN])
    head = sem.warp_crop(image.bgr, _scaled(affine, image.scale))
    eye_bgr, eye_scale = face.eye_image(ctx)
    return head, sem.warp_crop(eye_bgr, _scaled(eye_crop_affine(pts), eye_scale))


@intermediate
def semantic_cues(ctx: PhotoContext) -> SemanticCues:
    """The model outputs of the applicant's head and eye crops (:func:`crops`).

    Raises
    ------
    NotAssessable
        ``face.not_found`` when there is no applicant at all.
    """
    if ctx.models is None:
        raise NotAssessable("internal_error", "no models")
    head, eyes = crops(ctx)
    out = sem.run(ctx.models.session(sem.NAME), [head] if eyes is None else [head, eyes])
    if eyes is None:
        return SemanticCues(out.features[0], out.probabilities[0], None, None, False)
    return SemanticCues(out.features[0], out.probabilities[0], out.features[1],
                        out.probabilities[1], True)
