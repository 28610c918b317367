"""Eyes (J-LIS: eyes closed, red eye; ICAO: eyes open, looking at the camera, no red eye).

- ``eyes.closed``: an eye's aspect ratio (Iris-model lid gap over eye width) below
  ``fail_min_eye_openness`` is a closed eye (fails: the lids meet); below
  ``warn_min_eye_openness`` with no dark iris between the lids (iris contrast below
  ``min_iris_contrast``: a squint still shows the iris, a closed eye shows skin or an even lash
  line) it is nearly closed (warns). The worse eye decides. ``measured`` gives the openness and
  iris contrast of the deciding eye (the closed one, else the less open one).
- ``eyes.red_eye``: the larger fraction of red-dominated pixels in either pupil disc.
- ``eyes.gaze``: the iris centres' mean offset from the eye centres, as a fraction of the eye
  width (horizontal and vertical; the larger counts).

Eyes narrower than ``min_eye_width_px`` (full-resolution px) are not assessed (cause
``face.too_small``). ``eyes.hidden`` belongs to the eyewear check. Waivers
(``eyes_cannot_open``, ``gaze_unfixed``, ``infant``) are applied centrally by the validator:
the measures are still reported.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from photocheck import face
from photocheck.checks.base import Check, finding, graded
from photocheck.context import NotAssessable, PhotoContext
from photocheck.measures import face as mf
from photocheck.measures.order import mean
from photocheck.report import Finding, Status

CODES = ("eyes.closed", "eyes.red_eye", "eyes.gaze")

PARAMS = {
    "min_eye_width_px": float,
    "warn_min_eye_openness": float,
    "fail_min_eye_openness": float,
    "min_iris_contrast": float,
    "warn_max_red_fraction": float,
    "fail_max_red_fraction": float,
    "pupil_radius_ratio": float,
    "warn_max_gaze_offset": float,
    "fail_max_gaze_offset": float,
}


def gaze(eyes: face.EyeLandmarks) -> float:
    """Mean iris-centre offset of both eyes (fraction of eye width), the larger of the
    horizontal and vertical components."""
    (lh, lv), (rh, rv) = (mf.gaze_offset(e.iris[0], e.contour[0], e.contour[8], e.contour[12],
                                         e.contour[4]) for e in (eyes.image_left, eyes.image_right))
    # the mean of two Python floats as numpy's ``.mean(axis=0)`` takes it: (a + b) / 2
    return max(abs((lh + rh) / 2), abs((lv + rv) / 2))


def eye_closed(openness: float, contrast: float, params: Mapping[str, Any]) -> Status:
    """One eye's verdict: closed (FAIL) when the lids meet, nearly closed (WARN) when narrow
    with no visible iris (a nan contrast is no evidence of an iris), else PASS."""
    if openness < params["fail_min_eye_openness"]:
        return Status.FAIL
    if openness < params["warn_min_eye_openness"] and not contrast >= params["min_iris_contrast"]:
        return Status.WARN
    return Status.PASS


def closed_finding(bgr: np.ndarray, scale: float, both: tuple[face.Eye, face.Eye],
                   params: Mapping[str, Any]) -> Finding:
    """``eyes.closed`` from both eyes' openness and iris contrast (``bgr`` is the eye image,
    ``scale`` its px per full-res px)."""
    eyes = []
    for e in both:
        openness = mf.eye_openness(e.contour)
        # the contrast only decides narrow eyes: skip its crop on wide-open ones
        contrast = (mf.iris_contrast(bgr, e.contour * scale, e.iris * scale)
                    if openness < params["warn_min_eye_openness"] else math.nan)
        eyes.append((eye_closed(openness, contrast, params), openness, contrast))
    severity = {Status.FAIL: 0, Status.WARN: 1, Status.PASS: 2}
    status, openness, contrast = min(eyes, key=lambda t: (severity[t[0]], t[1]))
    measured = {"openness": round(openness, 4),
                "iris_contrast": None if math.isnan(contrast) else round(contrast, 4)}
    threshold = {k: params[k] for k in ("warn_min_eye_openness", "fail_min_eye_openness",
                                        "min_iris_contrast")}
    return finding("eyes.closed", status, measured, threshold, "ratio")


def run(ctx: PhotoContext, params: Mapping[str, Any]) -> Iterator[Finding]:
    """Emit the closed / red-eye / gaze findings of the applicant's eyes."""
    pts = face.landmarks(ctx)[:, :2]
    eye_px = min(float(np.hypot(*(pts[133] - pts[33]))), float(np.hypot(*(pts[263] - pts[362]))))
    if eye_px < params["min_eye_width_px"]:
        # lids and pupils a few px across cannot be judged: say so instead of guessing
        raise NotAssessable("face.too_small", f"eye width {eye_px:.1f} px")
    eyes = face.eye_landmarks(ctx)
    both = (eyes.image_left, eyes.image_right)
    bgr, scale = face.eye_image(ctx)
    yield closed_finding(bgr, scale, both, params)

    reds = []
    for e in both:
        iris = e.iris * scale
        radius = float(mean(np.hypot(*(iris[1:] - iris[0]).T)))
        reds.append(mf.red_fraction(bgr, iris[0], params["pupil_radius_ratio"] * radius))
    yield graded("eyes.red_eye", round(max(reds), 4), fail=params["fail_max_red_fraction"],
                 warn=params["warn_max_red_fraction"], unit="ratio")
    yield graded("eyes.gaze", round(gaze(eyes), 4), fail=params["fail_max_gaze_offset"],
                 warn=params["warn_max_gaze_offset"], unit="ratio")


CHECK = Check(name="eyes", codes=CODES, params=PARAMS, run=run)
