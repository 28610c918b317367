"""The 45×35 mm head geometry (J-LIS 顔写真のチェックポイント; MOFA passport figures).

- ``geometry.head_height``: crown (top of hair) to chin 32–36 mm of the 45 mm height.
- ``geometry.top_margin``: crown to the top edge 2–6 mm.
- ``geometry.off_centre``: nose line within ±2 mm of the vertical centre line.
- ``geometry.not_trimmable``: no conforming 35:45 crop fits inside the image at the profile's
  minimum crop size (default 413×531 px = 300 dpi).

An image already 35:45 (within ``aspect_tolerance``) is measured as the photo itself; any
other shape gets the standard crop solved (:func:`photocheck.geometry.standard_crop`), reported
in ``ctx.crop_info``, and the first three codes say what that crop gives. ``frame_only``
(booth) measures the frame itself whatever its shape and refuses a frame that is not 35:45.

When the hair runs into the image border above the head the crown is outside the image: it is
estimated from the head's proportions (:func:`photocheck.geometry.estimate_crown`, at least at
the border) and head height / top margin are measured from that estimate, their ``measured``
being ``{"mm": …, "crown_estimated": true}`` (a crown above the frame fails the top margin);
the face info gives it as ``crown_estimate``. No crop is solved then (``head_cut_off``).

For a declared ``infant`` the ``infant_*`` tolerances apply (babies cannot hold a pose and
their head/hair proportions differ; defaults: head 28–38 mm, top margin 1–8 mm, centre ±3 mm),
and a photo taken lying sideways is measured in the face's upright quarter-turn.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from photocheck import decode, person
from photocheck import geometry as geo
from photocheck.checks.base import Check, finding, limit
from photocheck.context import PhotoContext
from photocheck.report import Finding, Status

CODES = ("geometry.head_height", "geometry.top_margin", "geometry.off_centre",
         "geometry.not_trimmable")

PARAMS = {
    "aspect_tolerance": float,
    "frame_only": bool,
    "head_min_mm": float,
    "head_max_mm": float,
    "top_min_mm": float,
    "top_max_mm": float,
    "centre_tol_mm": float,
    "infant_head_min_mm": float,
    "infant_head_max_mm": float,
    "infant_top_min_mm": float,
    "infant_top_max_mm": float,
    "infant_centre_tol_mm": float,
    "min_crop_w_px": int,
    "min_crop_h_px": int,
}


def tolerances(params: Mapping[str, Any], infant: bool) -> geo.Tolerances:
    """The conforming ranges of the profile (the infant ones when ``infant`` is declared)."""
    pre = "infant_" if infant else ""
    return geo.Tolerances(
        head_min_mm=float(params[f"{pre}head_min_mm"]),
        head_max_mm=float(params[f"{pre}head_max_mm"]),
        top_min_mm=float(params[f"{pre}top_min_mm"]),
        top_max_mm=float(params[f"{pre}top_max_mm"]),
        centre_tol_mm=float(params[f"{pre}centre_tol_mm"]),
    )


def quarter_turn(points: np.ndarray, k: int, w: float, h: float
                 ) -> tuple[np.ndarray, float, float]:
    """Rotate points ``(N, 2)`` of a ``w × h`` image by ``k`` quarter turns clockwise.

    Returns the points and the rotated image size (exact: no resampling).
    """
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    for _ in range(k % 4):
        pts = np.column_stack([h - pts[:, 1], pts[:, 0]])
        w, h = h, w
    return pts, w, h


def _r(value: float, nd: int = 2) -> float:
    return round(float(value), nd)


def _box_back(box: tuple[float, float, float, float], k: int, w: float, h: float
              ) -> list[float]:
    """A box of the k-turned image → the axis-aligned box in the original image."""
    if k % 4 == 0:
        return [_r(v, 1) for v in box]
    corners = np.array([[box[0], box[1]], [box[2], box[3]]])
    # turning back = (4 - k) more quarter turns of the turned image
    tw, th = (h, w) if k % 2 else (w, h)
    pts, _, _ = quarter_turn(corners, 4 - k, tw, th)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    return [_r(lo[0], 1), _r(lo[1], 1), _r(hi[0], 1), _r(hi[1], 1)]


def _mm(code: str, value: float, lo: float, hi: float, estimated: bool) -> Finding:
    """A crown-dependent limit in mm; with an estimated crown ``measured`` says so."""
    if not estimated:
        return limit(code, _r(value), min=lo, max=hi, unit="mm")
    ok = lo <= value <= hi
    return finding(code, Status.PASS if ok else Status.FAIL,
                   {"mm": _r(value), "crown_estimated": True}, {"min": lo, "max": hi}, "mm")


def _three(fg: geo.FrameGeometry, tol: geo.Tolerances, estimated: bool) -> Iterator[Finding]:
    yield _mm("geometry.head_height", fg.head_mm, tol.head_min_mm, tol.head_max_mm, estimated)
    yield _mm("geometry.top_margin", fg.top_margin_mm, tol.top_min_mm, tol.top_max_mm,
              estimated)
    yield limit("geometry.off_centre", _r(fg.centre_offset_mm), min=-tol.centre_tol_mm,
                max=tol.centre_tol_mm, unit="mm")


def run(ctx: PhotoContext, params: Mapping[str, Any]) -> Iterator[Finding]:
    """Measure the head on the frame (35:45 images) or on the solved standard crop."""
    head = decode.header(ctx)
    w0, h0 = (float(v) for v in head.oriented_size)
    crown = person.crown_info(ctx)
    chin = person.chin(ctx)
    frame = person.head_frame(ctx)
    infant = "infant" in ctx.exceptions
    k = int(round(-frame.angle_deg / 90.0)) % 4 if infant else 0
    crown_xy0 = np.asarray(crown.point, dtype=np.float64)
    if crown.at_edge:
        # the hair runs out of the image: the crown is above the border, estimated from the
        # head's proportions (a crown outside the frame fails the top margin)
        crown_xy0 = np.asarray(geo.estimate_crown(frame.forehead_xy, chin, crown.point))
    # np.stack's (3, 2) array of three points, from one np.array call (no wrapper)
    pts, w, h = quarter_turn(np.array([crown_xy0, chin, frame.nose_xy]), k, w0, h0)
    crown_xy, chin_xy, nose_x = pts[0], pts[1], float(pts[2, 0])
    info = ctx.face_info if ctx.face_info is not None else {}
    info["crown"] = [_r(crown.point[0], 1), _r(crown.point[1], 1)]
    info["chin"] = [_r(chin[0], 1), _r(chin[1], 1)]
    info["crown_at_edge"] = crown.at_edge
    if crown.at_edge:
        info["crown_estimate"] = [_r(crown_xy0[0], 1), _r(crown_xy0[1], 1)]
    ctx.face_info = info
    tol = tolerances(params, infant)
    aspect_ok = geo.is_standard_aspect(w, h, float(params["aspect_tolerance"]))
    sol = geo.standard_crop(
        crown_xy, chin_xy, nose_x, w, h, tolerances=tol,
        min_crop_w_px=float(params["min_crop_w_px"]),
        min_crop_h_px=float(params["min_crop_h_px"]), crown_at_edge=crown.at_edge,
    )
    ctx.crop_info = {
        "box": _box_back(sol.box, k, w0, h0),
        "trimmable": sol.trimmable,
        "reason": sol.reason,
        "px_per_mm": _r(sol.px_per_mm, 3),
        "head_mm": _r(sol.head_mm),
        "top_margin_mm": _r(sol.top_margin_mm),
        "centre_offset_mm": _r(sol.centre_offset_mm),
        "edge": sol.edge,
        "frame_is_35x45": aspect_ok,
        "quarter_turns": k,
    }
    if aspect_ok or params["frame_only"]:
        fg = geo.frame_geometry(crown_xy, chin_xy, nose_x, (0.0, 0.0, w, h))
        yield from _three(fg, tol, crown.at_edge)
        if params["frame_only"] and not aspect_ok:
            # booths must deliver the finished 35:45 photo
            yield finding("geometry.not_trimmable", Status.FAIL, _r(w / h, 4),
                          {"equals": _r(geo.ASPECT_W_OVER_H, 4),
                           "tolerance": params["aspect_tolerance"]}, "ratio")
            return
    elif sol.trimmable:
        yield from _three(geo.FrameGeometry(sol.px_per_mm, sol.head_mm, sol.top_margin_mm,
                                            sol.centre_offset_mm), tol, False)
    else:
        near = geo.nearest_fit_crop(crown_xy, chin_xy, nose_x, w, h)
        yield from _three(geo.frame_geometry(crown_xy, chin_xy, nose_x, near), tol,
                          crown.at_edge)
    if sol.trimmable:
        yield finding("geometry.not_trimmable", Status.PASS, "trimmable",
                      {"min_crop_px": [params["min_crop_w_px"], params["min_crop_h_px"]]})
    else:
        yield finding("geometry.not_trimmable", Status.FAIL, sol.reason,
                      {"min_crop_px": [params["min_crop_w_px"], params["min_crop_h_px"]]})


CHECK = Check(name="geometry", codes=CODES, params=PARAMS, run=run, modes=("check",))
