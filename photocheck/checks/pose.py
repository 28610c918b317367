"""Head pose (J-LIS: face turned sideways, head tilted; ICAO / ISO 39794-5 default limits:
|yaw|, |pitch| ≤ 5° ideal, |roll| ≤ 8°). Yaw and pitch come from the FaceMesh 3-D landmarks
and carry a few degrees of model noise, so the fail limits are tuned on labelled photos (see
``profiles/online.toml``).

When the mesh rejects the face (a profile view), the detector keypoints still give a rough yaw
and the roll; the face is then reported as turned (``pose.yaw`` fails) rather than passed.
For a declared ``infant`` the roll is measured after the in-plane rotation is normalised.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

from photocheck import face
from photocheck.checks.base import Check, finding, limit
from photocheck.context import NotAssessable, PhotoContext
from photocheck.measures.face import keypoint_yaw_deg
from photocheck.report import Finding, Status

CODES = ("pose.yaw", "pose.pitch", "pose.roll")

PARAMS = {"max_yaw_deg": float, "max_pitch_deg": float, "max_roll_deg": float}


def run(ctx: PhotoContext, params: Mapping[str, Any]) -> Iterator[Finding]:
    """Emit yaw, pitch and roll findings (absolute angles against the profile limits)."""
    try:
        pose = face.pose(ctx)
    except NotAssessable as exc:
        det = face.applicant(ctx)  # no face at all: propagate face.not_found
        if exc.cause != "face.not_found" or det is None:
            raise
        yaw = keypoint_yaw_deg(det.keypoints)
        d = det.keypoints[1] - det.keypoints[0]
        roll = math.degrees(math.atan2(d[1], d[0]))
        m = float(params["max_yaw_deg"])
        yield finding("pose.yaw", Status.FAIL, round(yaw, 1), {"min": -m, "max": m}, "deg")
        yield finding("pose.pitch", Status.NOT_ASSESSED, cause="pose.yaw")
        yield _signed("pose.roll", roll, params["max_roll_deg"])
        return
    yield _signed("pose.yaw", pose.yaw_deg, params["max_yaw_deg"])
    yield _signed("pose.pitch", pose.pitch_deg, params["max_pitch_deg"])
    yield _signed("pose.roll", pose.roll_deg, params["max_roll_deg"])


def _signed(code: str, angle_deg: float, max_abs_deg: float) -> Finding:
    """A signed angle against the symmetric limit ±``max_abs_deg``."""
    m = float(max_abs_deg)
    return limit(code, round(float(angle_deg), 2), min=-m, max=m, unit="deg")


CHECK = Check(name="pose", codes=CODES, params=PARAMS, run=run)
