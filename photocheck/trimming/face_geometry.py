"""Crown, chin and nose line on the upright print: the short path and the full face pipeline."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from photocheck import decode, person
from photocheck.context import PhotoContext
from photocheck.inference import blazeface as bf
from photocheck.inference import facemesh as fm
from photocheck.measures.crown import plain_background_crown
from photocheck.person import CHIN_IDX, FACE_LEFT_IDX, FACE_RIGHT_IDX, FOREHEAD_IDX
from photocheck.trimming.rect import apply_affine
from photocheck.trimming.standard import FaceGeometry

# The short face path (:func:`lean_geometry`) sees the upright print at about this long side
# (a face of 28–38 mm is then ~300 px high: FaceMesh reads a 192-px crop of it); the full face
# pipeline, when the short path is unsure, at the larger one.
LEAN_LONG_SIDE_PX = 512
FACE_LONG_SIDE_PX = 640

# The short path runs FaceMesh once, on the crop a second pass would take (MediaPipe tracks
# with the landmarks' own box ×1.5, eyes level; photocheck.face does that second pass): that
# crop is 1.08× the detector's 1.5× box and centred 0.063 box sizes higher. Fitted on 27
# compliant portraits of ../shared (a_compliant_plain_bg) and checked on 28 others: the one
# pass then differs from the two-pass mesh by 0.1 ± 0.5 % of forehead–chin at the chin (was
# −0.75 ± 0.5 % from the detector's box) and −0.1 ± 0.3 % at the nose line.
LEAN_ROI_SCALE = 1.08
LEAN_ROI_SHIFT_UP = 0.063


def pipeline_geometry(ctx: PhotoContext, *, fast_crown: bool = True) -> FaceGeometry:
    """Face geometry from photocheck's own face and person intermediates.

    The crown is the top of the hair, the chin FaceMesh point 152, the nose line
    :func:`photocheck.person.nose_line` (``person.head_frame``) — the definitions the
    ``geometry`` check measures a finished photo with. With ``fast_crown`` the crown is first
    sought by colour on the plain background (:func:`plain_background_crown`, ~1 ms), and the
    MODNet matte (``person.crown_info``) is used only when the background is not plain or the
    head does not stand out.

    Raises
    ------
    NotAssessable
        ``face.not_found`` when no face is found.
    """
    frame = person.head_frame(ctx)
    chin = np.asarray(person.chin(ctx), float)
    if fast_crown:
        # memoised: the head matte's crop choice reads the same colour crown
        coloured = person.colour_crown(ctx)
        if coloured is not None:
            return FaceGeometry(crown=np.asarray(coloured.point, float), chin=chin,
                                nose=np.asarray(frame.nose_xy, float),
                                crown_at_edge=coloured.at_edge)
    info = person.crown_info(ctx)
    return FaceGeometry(crown=np.asarray(info.point, float), chin=chin,
                        nose=np.asarray(frame.nose_xy, float),
                        crown_at_edge=bool(info.at_edge))


def context_from_pixels(bgr: np.ndarray, base: PhotoContext, name: str) -> PhotoContext:
    """A PhotoContext around in-memory pixels (no encode/decode round trip).

    The decode intermediates (``header``, ``analysis_image``, ``full_image``) are pre-filled, so
    face/person intermediates run on ``bgr`` directly; checks that read the file's bytes
    (file, metadata) must not be run on it.
    """
    h, w = bgr.shape[:2]
    ctx = PhotoContext(data=b"", source=name, profile=base.profile, exceptions=base.exceptions,
                       applied_on=base.applied_on, models=base.models)
    head = decode.ImageHeader(format="jpeg", width=w, height=h, colour="rgb")
    image = decode.Decoded(bgr=bgr, scale=1.0)
    ctx.memo("header", lambda: head)
    ctx.memo("full_image", lambda: image)
    ctx.memo("analysis_image", lambda: image)
    return ctx


@dataclass(frozen=True)
class LeanMesh:
    """The four FaceMesh points the trim's geometry needs, in the coordinates of one image.

    Attributes
    ----------
    forehead, chin, left, right : numpy.ndarray
        ``(2,)`` px: points 10 and 152 and the face-oval sides 234 and 454.
    nose : numpy.ndarray
        ``(2,)`` px: the nose line (:func:`photocheck.person.nose_line`), the face's centre.
    """

    forehead: np.ndarray
    chin: np.ndarray
    left: np.ndarray
    right: np.ndarray
    nose: np.ndarray

    def mapped(self, affine: np.ndarray) -> LeanMesh:
        """The same points through a ``(2, 3)`` affine."""
        return LeanMesh(*(apply_affine(affine, p) for p in (self.forehead, self.chin, self.left,
                                                       self.right, self.nose)))


def lean_mesh(bgr: np.ndarray, models: Any, *, min_score: float = 0.5,
              min_presence: float = 0.5) -> LeanMesh | None:
    """BlazeFace front-128 and one FaceMesh pass on an upright print (see :func:`lean_geometry`).

    Returns
    -------
    LeanMesh or None
        None without a face or with a weak mesh.
    """
    # the detector's 128-px input, made by one area reduction instead of its letterbox's
    h, w = bgr.shape[:2]
    k = max(1.0, max(h, w) / 128.0)
    small = cv2.resize(bgr, (max(1, round(w / k)), max(1, round(h / k))),
                       interpolation=cv2.INTER_AREA) if k > 1.0 else bgr
    sx, sy = w / small.shape[1], h / small.shape[0]
    faces = bf.detect(models.session(bf.FRONT), small, min_score)
    if not faces:
        return None
    face = max(faces, key=lambda fb: float(np.prod(fb.box[2:] - fb.box[:2])) * fb.score)
    box = face.box * np.array([sx, sy, sx, sy])
    eyes = face.keypoints[:2] * np.array([sx, sy])
    centre, side, angle = fm.roi_for_face(box, eyes[0], eyes[1])
    # the crop a second, landmark-based pass would take (see LEAN_ROI_*), in the face's frame
    box_px = float(max(box[2] - box[0], box[3] - box[1]))
    up = np.array([np.sin(angle), -np.cos(angle)])
    mesh = fm.run(models.session(fm.NAME), bgr,
                  fm.crop_affine(centre + LEAN_ROI_SHIFT_UP * box_px * up,
                                 side * LEAN_ROI_SCALE, angle, fm.INPUT_PX))
    if mesh.presence < min_presence:
        return None
    pts = mesh.points[:, :2]
    return LeanMesh(pts[FOREHEAD_IDX].copy(), pts[CHIN_IDX].copy(), pts[FACE_LEFT_IDX].copy(),
                    pts[FACE_RIGHT_IDX].copy(), person.nose_line(pts))


def lean_crown(bgr: np.ndarray, mesh: LeanMesh) -> FaceGeometry | None:
    """The face geometry from ``mesh`` (same image px) and the colour crown on ``bgr``.

    Returns
    -------
    FaceGeometry or None
        None when the crown cannot be read by colour (no plain background above the head).
    """
    centre = (mesh.left + mesh.right) / 2.0
    found = plain_background_crown(bgr, mesh.forehead, float(centre[0]),
                                   float(np.hypot(*(mesh.right - mesh.left))))
    if found is None:
        return None
    # the crown is read in the head's column (between the oval's sides); the cut is centred on
    # the nose line, as the geometry check measures it
    return FaceGeometry(crown=found[0], chin=mesh.chin.copy(), nose=mesh.nose.copy(),
                        crown_at_edge=found[1])


def lean_geometry(bgr: np.ndarray, models: Any, *, min_score: float = 0.5,
                  min_presence: float = 0.5) -> FaceGeometry | None:
    """Face geometry on an upright print by the shortest path: BlazeFace, one FaceMesh, colour.

    A deskewed ID print holds one large frontal face on a plain background (J-LIS), so the
    general search of :mod:`photocheck.face` (quarter turns, small-face fall-backs, a second
    FaceMesh pass to level the crop) has nothing to add: front-128 finds the face, one
    FaceMesh pass on the crop the second pass would take (``LEAN_ROI_SCALE``,
    ``LEAN_ROI_SHIFT_UP``) gives the chin (point 152), the forehead (10), the face-oval
    sides (234, 454; the crown is read between them) and the nose line
    (:func:`person.nose_line`), and :func:`plain_background_crown` the crown. Same definitions
    as :func:`pipeline_geometry`.

    Returns
    -------
    FaceGeometry or None
        None when any step is unsure (no face, a weak mesh, no plain background above the head):
        the caller then runs the full pipeline.
    """
    mesh = lean_mesh(bgr, models, min_score=min_score, min_presence=min_presence)
    return None if mesh is None else lean_crown(bgr, mesh)
