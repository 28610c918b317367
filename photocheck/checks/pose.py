"""Head pose (J-LIS: face turned sideways, head tilted; ICAO / ISO 39794-5 default limits:
|yaw|, |pitch| ≤ 5° ideal, |roll| ≤ 8°). Yaw and pitch come from the FaceMesh 3-D landmarks
and carry a few degrees of model noise: each angle has a warn limit (review) and a fail limit
a few noise standard deviations further out (see ``profiles/online.toml``).

When the mesh rejects the face (a profile view), the detector keypoints still give a rough yaw
and the roll; the face is then reported as turned (``pose.yaw`` fails) rather than passed.
For a declared ``infant`` the roll is measured after the in-plane rotation is normalised.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

from photocheck import face
from photocheck.checks.base import Check, finding, grade
from photocheck.context import NotAssessable, PhotoContext
from photocheck.measures.face import keypoint_yaw_deg
from photocheck.report import Finding, Status

CODES = ("pose.yaw", "pose.pitch", "pose.roll")

AXES = ("yaw", "pitch", "roll")
PARAMS = {f"{level}_max_{axis}_deg": float for axis in AXES for level in ("warn", "fail")}
PARAMS["pitch_baseline_deg"] = float  # read by photocheck.face.pose (a calibration of the measure)


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
        # a face the mesh rejects is turned too far to read: strong evidence, it fails
        found = signed("pose.yaw", yaw, params)
        yield finding("pose.yaw", Status.FAIL, round(yaw, 1), found.threshold, "deg")
        yield finding("pose.pitch", Status.NOT_ASSESSED, cause="pose.yaw")
        yield signed("pose.roll", roll, params)
        return
    yield signed("pose.yaw", pose.yaw_deg, params)
    yield signed("pose.pitch", pose.pitch_deg, params)
    yield signed("pose.roll", pose.roll_deg, params)


def signed(code: str, angle_deg: float, params: Mapping[str, Any]) -> Finding:
    """A signed angle against the symmetric limits: beyond ±warn warns, beyond ±fail fails."""
    axis = code.split(".", 1)[1]
    warn, fail = float(params[f"warn_max_{axis}_deg"]), float(params[f"fail_max_{axis}_deg"])
    angle = round(float(angle_deg), 2)
    return finding(code, grade(abs(angle), fail=fail, warn=warn), angle,
                   {"min": -warn, "max": warn, "fail_min": -fail, "fail_max": fail}, "deg")


CHECK = Check(name="pose", codes=CODES, params=PARAMS, run=run)
