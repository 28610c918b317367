"""``helper.visible``: a helper's hands, arms, body or face in an infant's photo.

J-LIS accepts an infant photographed lying on a sheet, but only the infant may appear: no
hands, arms or face of the person holding or positioning them (docs/standard.md, "infant").
Emitted only when ``infant`` is declared. Three kinds of evidence, any one is enough:

- another face among ``photocheck.face.detections`` (besides the infant's);
- a person-mask region of some size not connected to the infant's own region;
- a skin-coloured region (hue and colourfulness of the infant's own face skin, not the
  backdrop's own colour) that comes in through the frame border in a stretch about a limb's
  width: the infant's body leaves only in one long stretch below the chin, and its neck or
  bare chest (skin joined to the head below the eyes) through the edge the chin points to;
  smooth like skin where it comes in (gradient over luma, so not hair of a skin-like hue).

Measured on the synthetic composites of ``tests/synthetic_helper.py`` over the compliant
photos: see ``benchmarks/helper_visible.py``. Known blind spots: a hand or arm of the
backdrop's colour, one coming in through the chin's edge while touching the neck (it reads
as the infant's chest), one merged with a skin-toned garment or a long stretch of
skin-toned backdrop, and a helper's skin of a clearly different hue from the infant's. An
infant's own bare arm leaving the frame away from its body (raised beside the head) reads
as a helper's.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import cv2
import numpy as np

from photocheck import decode, face, segmentation
from photocheck.checks.base import Check, finding
from photocheck.context import PhotoContext
from photocheck.landmarks import CHIN_IDX, EYE_LEFT_IDX, EYE_RIGHT_IDX, FACE_OVAL_IDX, FOREHEAD_IDX
from photocheck.measures import helper as hm
from photocheck.report import Finding, Status

CODES = ("helper.visible",)
WORK_SHORT_PX = 320  # the measure's frame: the analysis image reduced by an integer factor

PARAMS = {
    "min_person_area_frac": float,
    "min_skin_area_frac": float,
    "skin_max_hue_deg": float,
    "skin_min_chroma_ratio": float,
    "skin_max_chroma_ratio": float,
    "skin_min_luma_frac": float,
    "body_exit_below_chin": float,
    "max_texture_ratio": float,
    "max_contact_frac": float,
    "backdrop_spread_k": float,
}

# FaceMesh skin patches (cheeks, forehead): the skin model is fit on them
_CHEEKS_FOREHEAD = ((117, 118, 101, 36, 205, 187, 123), (346, 347, 330, 266, 425, 411, 352),
                    (109, 10, 338, 337, 9, 108))


def _polys(points: np.ndarray, groups: tuple[tuple[int, ...], ...]) -> list[np.ndarray]:
    return [np.round(points[list(g)]).astype(np.int32) for g in groups]


def measure(ctx: PhotoContext, params: Mapping[str, Any]) -> dict[str, Any]:
    """The three kinds of evidence, as numbers (frame fractions; boxes in full-res px)."""
    image = decode.analysis_image(ctx)
    bgr = image.bgr
    # regions are found on a frame of about WORK_SHORT_PX: a hand showing 1 % of the frame
    # is still over 1000 px there, and the measure stays cheap
    f = max(1, min(bgr.shape[:2]) // WORK_SHORT_PX)
    h, w = bgr.shape[0] // f, bgr.shape[1] // f
    if f > 1:
        # an exact multiple of f (≤ f − 1 px dropped): OpenCV's fast integer area reduction
        bgr = cv2.resize(bgr[: h * f, : w * f], (w, h), interpolation=cv2.INTER_AREA)
    scale = image.scale / f  # working px per full-res px
    marks = np.asarray(face.landmarks(ctx), dtype=np.float64)[:, :2] * scale
    main = face.applicant(ctx)
    # faces mostly (> 60 %) inside the applicant's own head region are the applicant's
    head = _grow(main.box, 1.6)
    others = [d for d in face.detections(ctx)[1:] if face.inside_fraction(d.box, head) <= 0.6]
    # the infant's own person region: the one holding the face centre
    prob = segmentation.person_mask(ctx).prob
    if f > 1:
        prob = cv2.resize(prob[: h * f, : w * f], (w, h), interpolation=cv2.INTER_AREA)
    centre = marks[[FOREHEAD_IDX, CHIN_IDX]].mean(axis=0)
    detached, _ = hm.detached_person_regions(prob, (centre[0], centre[1]))
    big_detached = [r for r in detached if r.area_frac >= params["min_person_area_frac"]]
    # the infant's head (face oval grown to ears and hair) and face-and-neck skin seed
    fore, chin = marks[FOREHEAD_IDX], marks[CHIN_IDX]
    down = chin - fore
    length = float(np.hypot(*down)) or 1.0
    down = down / length
    oval = marks[list(FACE_OVAL_IDX)]
    head = np.zeros((h, w), np.uint8)
    cv2.fillPoly(head, [np.round((oval - centre) * 1.35 + centre).astype(np.int32)], 1)
    face_mask = np.zeros((h, w), np.uint8)
    cv2.fillPoly(face_mask, _polys(marks, _CHEEKS_FOREHEAD), 1)
    # where the body leaves the frame: the edge the chin points to, and beyond the chin
    body_edge = (2 if down[1] > 0 else 0) if abs(down[1]) >= abs(down[0]) else \
        (1 if down[0] > 0 else 3)
    body_exit = hm.body_exit_mask(h, w, chin, down, params["body_exit_below_chin"] * length)
    # only below the eyes does skin join the head as the infant's own (neck, shoulders): a
    # hand on the hair does not
    eyes = marks[list(EYE_LEFT_IDX + EYE_RIGHT_IDX)].mean(axis=0)
    join_zone = ((np.arange(w, dtype=np.float32)[None, :] - eyes[0]) * down[0]
                 + (np.arange(h, dtype=np.float32)[:, None] - eyes[1]) * down[1]) > 0
    ycrcb = cv2.cvtColor(bgr, cv2.COLOR_BGR2YCrCb)
    model = hm.skin_model(ycrcb, face_mask.astype(bool))
    # the sheet's own colour is never a hand, however warm its tone
    backdrop = hm.backdrop_colour(ycrcb, prob, spread_k=params["backdrop_spread_k"])
    skin: list[hm.Region] = []
    if model is not None:
        skin = [r for r in hm.border_skin_regions(
            ycrcb, model, head.astype(bool), body_edge, body_exit,
            max_hue_deg=params["skin_max_hue_deg"],
            chroma_range=(params["skin_min_chroma_ratio"], params["skin_max_chroma_ratio"]),
            min_luma_frac=params["skin_min_luma_frac"], face_mask=face_mask.astype(bool),
            max_texture_ratio=params["max_texture_ratio"],
            max_run_frac=params["max_contact_frac"], join_zone=join_zone, backdrop=backdrop)
            if r.area_frac >= params["min_skin_area_frac"]]
    return {
        "other_faces": len(others),
        "detached_person_frac": round(sum(r.area_frac for r in big_detached), 4),
        "border_skin_frac": round(sum(r.area_frac for r in skin), 4),
        "regions": [_full_box(r.box, scale) for r in big_detached + skin]
        + [[round(float(v), 1) for v in d.box] for d in others],
    }


def _grow(box: np.ndarray, factor: float) -> np.ndarray:
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    hw, hh = (box[2] - box[0]) * factor / 2, (box[3] - box[1]) * factor / 2
    return np.array([cx - hw, cy - hh, cx + hw, cy + hh])



def _full_box(box: tuple[int, int, int, int], scale: float) -> list[float]:
    return [round(v / scale, 1) for v in box]


def run(ctx: PhotoContext, params: Mapping[str, Any]) -> Iterator[Finding]:
    """Flag a helper in the photo of a declared infant (nothing otherwise)."""
    if "infant" not in ctx.exceptions:
        return
    m = measure(ctx, params)
    visible = (m["other_faces"] > 0 or m["detached_person_frac"] > 0
               or m["border_skin_frac"] > 0)
    measured = {k: m[k] for k in ("other_faces", "detached_person_frac", "border_skin_frac")}
    if visible:
        measured["regions"] = m["regions"]
    yield finding(
        "helper.visible", Status.FAIL if visible else Status.PASS, measured,
        {"min_person_area_frac": params["min_person_area_frac"],
         "min_skin_area_frac": params["min_skin_area_frac"]},
        "fraction",
    )


CHECK = Check(name="helper", codes=CODES, params=PARAMS, run=run, modes=("check",))
