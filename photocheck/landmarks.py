"""FaceMesh landmark indices: every named set of MediaPipe's 468-point face mesh, in one place.

Indices into the ``(468, 3)`` array of :func:`photocheck.face.landmarks`. "Image-left" is the
left of the picture (the subject's right). Plain constants: no imports, usable by any module.
"""

from __future__ import annotations

FOREHEAD_IDX = 10  # top of the face oval on the mid-line
CHIN_IDX = 152  # bottom of the face oval on the mid-line
FACE_LEFT_IDX = 234  # face-oval side, image-left
FACE_RIGHT_IDX = 454  # face-oval side, image-right
NOSE_LINE_IDX = (168, 6, 197, 195, 5, 4, 1)  # bridge to tip: the vertical "nose line"

# The face-oval contour in order (MediaPipe FACEMESH_FACE_OVAL), from the forehead point
# towards the image right, down to the chin and back up the image-left side.
FACE_OVAL_IDX: tuple[int, ...] = (
    10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377,
    152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109,
)

EYE_LEFT_IDX = (33, 133)  # image-left eye corners: outer, inner
EYE_RIGHT_IDX = (362, 263)  # image-right eye corners: inner, outer
# Eye-opening contours (lid margins), image-left and image-right eye.
EYE_CONTOUR_LEFT_IDX = (33, 246, 161, 160, 159, 158, 157, 173, 133, 155, 154, 153, 145, 144,
                        163, 7)
EYE_CONTOUR_RIGHT_IDX = (263, 466, 388, 387, 386, 385, 384, 398, 362, 382, 381, 380, 374, 373,
                         390, 249)

MOUTH_IDX = (78, 308)  # inner mouth corners, image-left then image-right
# Inner-lip ring (upper lip inner edge 78 → 308, then lower lip inner edge back).
INNER_LIPS_IDX = (78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308,
                  324, 318, 402, 317, 14, 87, 178, 88, 95)
