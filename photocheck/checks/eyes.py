"""Eyes (J-LIS: eyes closed, red eye; ICAO: eyes open, looking at the camera, no red eye).

- ``eyes.closed``: the smaller eye aspect ratio of the two eyes (Iris-model lid gap over eye
  width) below the profile minimum.
- ``eyes.red_eye``: the larger fraction of red-dominated pixels in either pupil disc.
- ``eyes.gaze``: the iris centres' mean offset from the eye centres, as a fraction of the eye
  width (horizontal and vertical; the larger counts).

Eyes narrower than ``min_eye_width_px`` (full-resolution px) are not assessed (cause
``face.too_small``). ``eyes.hidden`` belongs to the eyewear check. Waivers
(``eyes_cannot_open``, ``gaze_unfixed``, ``infant``) are applied centrally by the validator:
the measures are still reported.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from photocheck import face
from photocheck.checks.base import Check, limit
from photocheck.context import NotAssessable, PhotoContext
from photocheck.measures import face as mf
from photocheck.report import Finding

CODES = ("eyes.closed", "eyes.red_eye", "eyes.gaze")

PARAMS = {
    "min_eye_width_px": float,
    "min_eye_openness": float,
    "max_red_fraction": float,
    "pupil_radius_ratio": float,
    "max_gaze_offset": float,
}


def gaze(eyes: face.EyeLandmarks) -> float:
    """Mean iris-centre offset of both eyes (fraction of eye width), the larger of the
    horizontal and vertical components."""
    offsets = np.array([mf.gaze_offset(e.iris[0], e.contour[0], e.contour[8], e.contour[12],
                                       e.contour[4]) for e in (eyes.image_left, eyes.image_right)])
    mean = offsets.mean(axis=0)
    return float(max(abs(mean[0]), abs(mean[1])))


def run(ctx: PhotoContext, params: Mapping[str, Any]) -> Iterator[Finding]:
    """Emit the closed / red-eye / gaze findings of the applicant's eyes."""
    pts = face.landmarks(ctx)[:, :2]
    eye_px = min(float(np.hypot(*(pts[133] - pts[33]))), float(np.hypot(*(pts[263] - pts[362]))))
    if eye_px < params["min_eye_width_px"]:
        # lids and pupils a few px across cannot be judged: say so instead of guessing
        raise NotAssessable("face.too_small", f"eye width {eye_px:.1f} px")
    eyes = face.eye_landmarks(ctx)
    both = (eyes.image_left, eyes.image_right)
    openness = min(mf.eye_openness(e.contour) for e in both)
    yield limit("eyes.closed", round(openness, 4), min=params["min_eye_openness"], unit="ratio")

    bgr, scale = face.eye_image(ctx)
    reds = []
    for e in both:
        iris = e.iris * scale
        radius = float(np.hypot(*(iris[1:] - iris[0]).T).mean())
        reds.append(mf.red_fraction(bgr, iris[0], params["pupil_radius_ratio"] * radius))
    yield limit("eyes.red_eye", round(max(reds), 4), max=params["max_red_fraction"],
                unit="ratio")
    yield limit("eyes.gaze", round(gaze(eyes), 4), max=params["max_gaze_offset"], unit="ratio")


CHECK = Check(name="eyes", codes=CODES, params=PARAMS, run=run)
