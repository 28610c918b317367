"""Synthetic scans of printed ID photos with known geometry (for tests and the trim evaluation).

A portrait (a real compliant photo, or :func:`drawn_portrait`, a face-like drawing for tests that
must not depend on ``../shared``) is rendered as a print of a chosen physical size and face
geometry, placed on a scanner bed with a rotation, offset, paper tint, edge shadow and JPEG noise,
at a chosen dpi. The ground truth (the print's corners in scan px, its rotation, and the crown,
chin and nose in print mm) comes back with the bytes, so trimming errors can be measured.

Coordinates: print mm have their origin at the print's top-left corner, x right, y down; the
scan maps print mm to scan px by ``scan = R(rotation) · (dpi / 25.4) · mm + offset``, with the
rotation counter-clockwise as seen on screen for a positive angle.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field, replace

import cv2
import numpy as np
from PIL import Image

MM_PER_INCH = 25.4


@dataclass(frozen=True)
class Portrait:
    """A source portrait with its face geometry in its own pixel coordinates.

    Attributes
    ----------
    bgr : numpy.ndarray
        uint8 ``(H, W, 3)``.
    crown, chin, nose : numpy.ndarray
        ``(2,)`` px: top of the hair, bottom of the chin, a point on the vertical nose line.
    name : str
        For reports.
    """

    bgr: np.ndarray
    crown: np.ndarray
    chin: np.ndarray
    nose: np.ndarray
    name: str = "portrait"


@dataclass(frozen=True)
class PrintSpec:
    """What to render.

    Attributes
    ----------
    height_mm, width_mm : float
        Physical size of the print (45×35 is the standard).
    face_mm : float
        Crown-to-chin distance on the print.
    crown_mm : float
        Crown below the print's top edge (negative: the head is cut off).
    nose_dx_mm : float
        Nose line offset from the print's vertical centre line (positive: to the right).
    dpi : float
        Scan resolution.
    rotation_deg : float
        Rotation of the print on the bed (positive: counter-clockwise on screen).
    bed_mm : tuple of float or None
        (width, height) of the scanned area; None for the print plus ``margin_mm`` on every side.
    margin_mm : float
        Bed around the print when ``bed_mm`` is None (0: the scan IS the print).
    offset_mm : tuple of float
        Print centre offset from the bed centre.
    bed_bgr : tuple of int
        Scanner bed / form colour.
    paper_tint : tuple of float
        Multiplier per BGR channel applied to the print (paper and ink colour cast).
    shadow : float
        Darkening of the print edge's shadow line on the bed (0–1).
    jpeg_quality : int
        Quality of the scan's JPEG.
    noise_sigma : float
        Gaussian sensor noise (grey levels).
    record_dpi : bool
        Write the dpi into the JFIF header.
    seed : int
        Noise seed.
    """

    height_mm: float = 45.0
    width_mm: float = 35.0
    face_mm: float = 34.0
    crown_mm: float = 4.0
    nose_dx_mm: float = 0.0
    dpi: float = 600.0
    rotation_deg: float = 0.0
    bed_mm: tuple[float, float] | None = None
    margin_mm: float = 10.0
    offset_mm: tuple[float, float] = (0.0, 0.0)
    bed_bgr: tuple[int, int, int] = (246, 246, 244)
    paper_tint: tuple[float, float, float] = (1.0, 1.0, 1.0)
    shadow: float = 0.25
    jpeg_quality: int = 90
    noise_sigma: float = 1.5
    record_dpi: bool = True
    seed: int = 0


@dataclass(frozen=True)
class SynthScan:
    """A generated scan and its ground truth.

    Attributes
    ----------
    data : bytes
        The scan as a JPEG.
    quad_px : numpy.ndarray
        ``(4, 2)`` print corners in scan px: top-left, top-right, bottom-right, bottom-left.
    rotation_deg : float
        The print's rotation on the bed.
    crown_mm, chin_mm, nose_mm : numpy.ndarray
        ``(2,)`` face geometry in print mm.
    mm_to_scan : numpy.ndarray
        ``(2, 3)`` affine from print mm to scan px.
    spec : PrintSpec
        What was asked for.
    """

    data: bytes
    quad_px: np.ndarray
    rotation_deg: float
    crown_mm: np.ndarray
    chin_mm: np.ndarray
    nose_mm: np.ndarray
    mm_to_scan: np.ndarray
    spec: PrintSpec
    extra: dict[str, object] = field(default_factory=dict)


def drawn_portrait(width_px: int = 700, height_px: int = 900, *, seed: int = 0) -> Portrait:
    """A face-like drawing with exactly known crown, chin and nose (no model can be needed).

    Light grey-blue background, a dark hair cap, a skin ellipse, dark eyes, a nose mark and a
    shoulder block. Geometry: crown at the top of the hair ellipse, chin at the bottom of the
    skin ellipse, nose line at the vertical centre line.
    """
    rng = np.random.default_rng(seed)
    img = np.empty((height_px, width_px, 3), np.uint8)
    # a gentle vertical gradient so the background is not perfectly flat
    ramp = np.linspace(0, 12, height_px, dtype=np.float32)[:, None]
    img[:] = np.stack([np.full((height_px, width_px), 214, np.float32) - ramp] * 3, -1).astype(
        np.uint8
    )
    img[..., 0] = np.clip(img[..., 0].astype(np.int16) + 14, 0, 255).astype(np.uint8)
    cx = width_px / 2.0
    face_h = 0.5 * height_px
    crown_y = 0.14 * height_px
    chin_y = crown_y + face_h
    # shoulders
    cv2.ellipse(img, (int(cx), int(chin_y + 0.45 * face_h)), (int(0.62 * width_px),
                int(0.35 * face_h)), 0, 180, 360, (70, 60, 50), -1, cv2.LINE_AA)
    cv2.rectangle(img, (0, int(chin_y + 0.45 * face_h)), (width_px, height_px), (70, 60, 50), -1)
    # neck
    cv2.rectangle(img, (int(cx - 0.13 * face_h), int(chin_y - 0.2 * face_h)),
                  (int(cx + 0.13 * face_h), int(chin_y + 0.3 * face_h)), (105, 125, 165), -1)
    # hair: an ellipse whose top is the crown
    hair_ry = 0.36 * face_h
    cv2.ellipse(img, (int(cx), int(crown_y + hair_ry)), (int(0.4 * face_h), int(hair_ry)), 0, 0,
                360, (35, 40, 45), -1, cv2.LINE_AA)
    # face: an ellipse whose bottom is the chin
    face_ry = 0.4 * face_h
    face_cy = chin_y - face_ry
    cv2.ellipse(img, (int(cx), int(face_cy)), (int(0.31 * face_h), int(face_ry)), 0, 0, 360,
                (150, 175, 215), -1, cv2.LINE_AA)
    eye_y = int(face_cy - 0.05 * face_h)
    for sx in (-1, 1):
        cv2.ellipse(img, (int(cx + sx * 0.12 * face_h), eye_y), (int(0.05 * face_h),
                    int(0.022 * face_h)), 0, 0, 360, (40, 30, 30), -1, cv2.LINE_AA)
    cv2.line(img, (int(cx), int(face_cy)), (int(cx), int(face_cy + 0.12 * face_h)),
             (110, 130, 170), 3, cv2.LINE_AA)
    cv2.ellipse(img, (int(cx), int(face_cy + 0.22 * face_h)), (int(0.08 * face_h),
                int(0.02 * face_h)), 0, 0, 360, (90, 90, 160), -1, cv2.LINE_AA)
    noise = rng.normal(0, 2.0, img.shape).astype(np.float32)
    img = np.clip(img.astype(np.float32) + noise, 0, 255).astype(np.uint8)
    return Portrait(img, np.array([cx, crown_y]), np.array([cx, chin_y]),
                    np.array([cx, face_cy + 0.12 * face_h]), "drawn")


def drawn_geometry(bgr: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Crown, chin and nose of an upright :func:`drawn_portrait` rendering, by colour.

    A classical stand-in for the face models on drawings: the hair is the dark blob whose top is
    the crown; the lowest skin row is the chin (the neck is drawn in a darker shade); the nose
    line is the skin's mean column. Sub-pixel accuracy is not needed (1 mm ≈ 12 px at 300 dpi).
    """
    b, g, r = (bgr[..., i].astype(np.int16) for i in range(3))
    hair = (b < 90) & (g < 90) & (r < 90) & (np.abs(b - r) < 30)
    skin = (r > 185) & (r - b > 40) & (g > 145)
    if hair.sum() < 50 or skin.sum() < 50:
        return None
    n, labels, stats, _ = cv2.connectedComponentsWithStats(skin.astype(np.uint8), 8)
    big = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    ys, xs = np.nonzero(labels == big)
    chin_y = float(np.percentile(ys, 99.9))
    cx = float(xs.mean())
    x0, x1 = np.percentile(xs, [1, 99])
    hair_cols = hair[:, int(x0):int(x1) + 1]
    hair_rows = np.nonzero(hair_cols.sum(axis=1) >= 3)[0]
    hair_rows = hair_rows[hair_rows < ys.min() + 1]
    if hair_rows.size == 0:
        return None
    crown_y = float(hair_rows.min())
    face_h = chin_y - crown_y
    if np.ptp(ys) < np.ptp(xs):
        return None  # the face ellipse lies on its side: the drawing is not upright
    # the nose mark sits 0.12·face_h below the skin ellipse's centre (0.4·face_h above the chin)
    return np.array([cx, crown_y]), np.array([cx, chin_y]), np.array([cx, chin_y - 0.28 * face_h])


def _rotation(rotation_deg: float) -> np.ndarray:
    t = np.deg2rad(rotation_deg)
    # counter-clockwise on screen (y down): x' = x cos + y sin, y' = -x sin + y cos
    return np.array([[np.cos(t), np.sin(t)], [-np.sin(t), np.cos(t)]])


def print_corners_mm(width_mm: float, height_mm: float) -> np.ndarray:
    """``(4, 2)`` corners of a print in print mm: top-left, top-right, bottom-right, bottom-left."""
    return np.array([[0, 0], [width_mm, 0], [width_mm, height_mm], [0, height_mm]], float)


def print_to_scan(rotation_deg: float, px_per_mm: float, width_mm: float, height_mm: float,
                  centre_px: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where a print lies on a scan: turned by ``rotation_deg``, its centre at ``centre_px``.

    Returns
    -------
    mm_to_scan : numpy.ndarray
        ``(2, 3)`` affine from print mm to scan px.
    quad_px : numpy.ndarray
        ``(4, 2)`` the print's corners in scan px (as :func:`print_corners_mm`).
    """
    lin = _rotation(rotation_deg) * px_per_mm
    centre_mm = np.array([width_mm / 2, height_mm / 2])
    mm_to_scan = np.hstack([lin, (centre_px - lin @ centre_mm)[:, None]])
    quad = print_corners_mm(width_mm, height_mm) @ mm_to_scan[:, :2].T + mm_to_scan[:, 2]
    return mm_to_scan, quad


def print_placement(portrait: Portrait, face_mm: float, crown_mm: float, nose_dx_mm: float,
                    width_mm: float) -> tuple[float, np.ndarray]:
    """How a portrait lies on a print ``width_mm`` wide with the given face geometry.

    Returns
    -------
    scale : float
        Portrait px per print mm (the crown-to-chin distance becomes ``face_mm``).
    origin : numpy.ndarray
        ``(2,)`` the print's top-left corner in portrait px.
    """
    face_px = float(portrait.chin[1] - portrait.crown[1])
    s = face_px / face_mm
    origin = np.array([portrait.nose[0] - (width_mm / 2 + nose_dx_mm) * s,
                       portrait.crown[1] - crown_mm * s])
    return s, origin


def warp_portrait(bgr: np.ndarray, scale: float, origin: np.ndarray, px_per_mm: float,
                  mm_to_scan: np.ndarray, size: tuple[int, int],
                  tint: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, float]:
    """A portrait placed by :func:`print_placement` warped onto a scan of ``size`` (w, h).

    The portrait is first brought near the scan's ``px_per_mm`` when the warp would minify it a
    lot (aliasing); ``tint`` (per BGR channel) multiplies those pixels before the warp.

    Returns
    -------
    warped : numpy.ndarray
        float32 ``(h, w, 3)``; outside the portrait its border pixels are replicated.
    src_to_mm : numpy.ndarray
        ``(2, 3)`` affine from the (possibly resized) portrait's px to print mm.
    resize : float
        How the portrait was resized (``scale`` of the resized over ``scale``; 1 when it was not).
    """
    src = bgr
    pre = px_per_mm / scale
    if pre < 0.8:
        src = cv2.resize(src, None, fx=pre, fy=pre, interpolation=cv2.INTER_AREA)
        s_src, origin_src = scale * pre, origin * pre
    else:
        s_src, origin_src = scale, origin
    if tint is not None:
        src = np.clip(src.astype(np.float32) * tint, 0, 255).astype(np.uint8)
    src_to_mm = np.array([[1 / s_src, 0, -origin_src[0] / s_src],
                          [0, 1 / s_src, -origin_src[1] / s_src]])
    src_to_scan = mm_to_scan @ np.vstack([src_to_mm, [0, 0, 1]])
    warped = cv2.warpAffine(src, src_to_scan, size, flags=cv2.INTER_CUBIC,
                            borderMode=cv2.BORDER_REPLICATE).astype(np.float32)
    return warped, src_to_mm, s_src / scale


def edge_shadow(mask: np.ndarray, px_per_mm: float, shift_mm: float,
                blur_mm: float) -> np.ndarray:
    """The shadow a print's edge casts below and right of it, float32 0–1 like ``mask``.

    ``mask`` (uint8, 255 on the print) moved ``shift_mm`` right and down, then blurred by
    ``blur_mm`` (at least a pixel's shift and 0.8 px of blur at low resolutions).
    """
    h, w = mask.shape
    shift = max(1.0, shift_mm * px_per_mm)
    sh = cv2.warpAffine(mask, np.float32([[1, 0, shift], [0, 1, shift]]), (w, h))
    return cv2.GaussianBlur(sh, (0, 0), max(0.8, blur_mm * px_per_mm)).astype(np.float32) / 255


def encode_scan(bgr: np.ndarray, *, seed: int, noise_sigma: float, jpeg_quality: int,
                dpi: float | None, greyscale: bool = False) -> bytes:
    """A float BGR image with Gaussian sensor noise (seeded), as a JPEG.

    ``dpi`` is written into the JFIF header when given; ``greyscale`` makes a one-channel JPEG.
    """
    if noise_sigma > 0:
        rng = np.random.default_rng(seed)
        bgr = bgr + rng.normal(0, noise_sigma, bgr.shape).astype(np.float32)
    scan8 = np.clip(bgr, 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    kwargs: dict[str, object] = {"quality": jpeg_quality}
    if dpi is not None:
        kwargs["dpi"] = (int(round(dpi)), int(round(dpi)))
    colour = cv2.COLOR_BGR2GRAY if greyscale else cv2.COLOR_BGR2RGB
    Image.fromarray(cv2.cvtColor(scan8, colour)).save(buf, "JPEG", **kwargs)
    return buf.getvalue()


def render_scan(portrait: Portrait, spec: PrintSpec) -> SynthScan:
    """Render ``portrait`` as a print per ``spec`` on a scanner bed and encode it as a JPEG.

    Returns
    -------
    SynthScan
        The bytes and the ground truth geometry.
    """
    px_per_mm = spec.dpi / MM_PER_INCH
    # portrait px per print mm, and where the print's origin lies in the portrait
    s, origin = print_placement(portrait, spec.face_mm, spec.crown_mm, spec.nose_dx_mm,
                                spec.width_mm)
    if spec.bed_mm is None:
        corners_mm = print_corners_mm(spec.width_mm, spec.height_mm)
        rotated = (corners_mm - corners_mm.mean(0)) @ _rotation(spec.rotation_deg).T
        span = rotated.max(0) - rotated.min(0)
        bed_w_mm = span[0] + 2 * spec.margin_mm
        bed_h_mm = span[1] + 2 * spec.margin_mm
    else:
        bed_w_mm, bed_h_mm = spec.bed_mm
    out_w = int(round(bed_w_mm * px_per_mm))
    out_h = int(round(bed_h_mm * px_per_mm))
    bed_centre_px = np.array([out_w / 2, out_h / 2]) + np.array(spec.offset_mm) * px_per_mm
    mm_to_scan, quad = print_to_scan(spec.rotation_deg, px_per_mm, spec.width_mm,
                                     spec.height_mm, bed_centre_px)
    printed, src_to_mm, k = warp_portrait(portrait.bgr, s, origin, px_per_mm, mm_to_scan,
                                          (out_w, out_h), np.array(spec.paper_tint, np.float32))
    bed = np.empty((out_h, out_w, 3), np.float32)
    bed[:] = np.array(spec.bed_bgr, np.float32)
    # anti-aliased print mask from the quad at 4× supersampling
    mask = np.zeros((out_h, out_w), np.uint8)
    cv2.fillConvexPoly(mask, np.round(quad * 16).astype(np.int32), 255, cv2.LINE_AA, 4)
    alpha = mask.astype(np.float32)[..., None] / 255.0
    if spec.shadow > 0 and spec.margin_mm != 0:
        bed *= (1 - spec.shadow * edge_shadow(mask, px_per_mm, 0.25, 0.15))[..., None]
    scan = printed * alpha + bed * (1 - alpha)
    data = encode_scan(scan, seed=spec.seed, noise_sigma=spec.noise_sigma,
                       jpeg_quality=spec.jpeg_quality, dpi=spec.dpi if spec.record_dpi else None)
    to_mm = np.vstack([src_to_mm, [0, 0, 1]])
    # the portrait's geometry in print mm (scale the pre-resized coordinates back)
    crown_mm = (to_mm @ np.append(portrait.crown * k, 1))[:2]
    chin_mm = (to_mm @ np.append(portrait.chin * k, 1))[:2]
    nose_mm = (to_mm @ np.append(portrait.nose * k, 1))[:2]
    return SynthScan(data, quad, spec.rotation_deg, crown_mm, chin_mm, nose_mm, mm_to_scan, spec)


def expected_trim(
    spec: PrintSpec, *, tolerance_mm: float = 0.5, min_source_dpi: float = 170.0,
    conforming_margin_mm: float | None = None, max_pad_mm: float = 0.0,
) -> tuple[bool, str | None]:
    """Whether the standard crop fits the print (ground truth), and the reason when not.

    The same solver trimming uses (:func:`photocheck.trimming.plan_crop`), fed with the true
    geometry in scan px instead of measured geometry; ``conforming_margin_mm`` and
    ``max_pad_mm`` apply to a 45×35 mm print whose size the trim knows (dpi recorded), as in
    the trim.
    """
    from photocheck.trimming import FaceGeometry, plan_crop

    ppm = spec.dpi / MM_PER_INCH
    nose_x = spec.width_mm / 2 + spec.nose_dx_mm
    geom = FaceGeometry(crown=np.array([nose_x, spec.crown_mm]) * ppm,
                        chin=np.array([nose_x, spec.crown_mm + spec.face_mm]) * ppm,
                        nose=np.array([nose_x, spec.crown_mm + 0.7 * spec.face_mm]) * ppm,
                        crown_at_edge=spec.crown_mm < 0.5 * spec.face_mm / 34.0)
    standard = (spec.record_dpi and abs(spec.width_mm - 35.0) <= 1.0
                and abs(spec.height_mm - 45.0) <= 1.0)
    plan = plan_crop(geom, spec.width_mm * ppm, spec.height_mm * ppm,
                     tolerance_mm=tolerance_mm, min_source_dpi=min_source_dpi,
                     conforming_margin_mm=conforming_margin_mm if standard else None,
                     pad_px=max_pad_mm * ppm if standard else 0.0, print_px_per_mm=ppm)
    return plan.trimmable, plan.reason


def ambiguous(spec: PrintSpec, *, delta_mm: float = 0.5, **kwargs: float) -> bool:
    """Whether the expected outcome changes when any figure moves by ``delta_mm``.

    Such a scan is too close to a decision boundary for a measured geometry (±0.5 mm) to be
    scored against the truth.
    """
    base = expected_trim(spec, **kwargs)  # type: ignore[arg-type]
    fields = ("face_mm", "crown_mm", "nose_dx_mm", "width_mm", "height_mm")
    for name in fields:
        for sign in (-1, 1):
            moved = replace(spec, **{name: getattr(spec, name) + sign * delta_mm})
            if expected_trim(moved, **kwargs) != base:  # type: ignore[arg-type]
                return True
    return False


def portrait_from_photo(path: str, validator: object | None = None) -> Portrait | None:
    """A real portrait with its crown, chin and nose line measured once by photocheck.

    The same definitions trimming uses (:func:`photocheck.trimming.pipeline_geometry`), so the
    ground truth of a generated scan is photocheck's own reading of the source, transformed.
    Returns None when photocheck finds no face or the crown is cut off by the photo's border.
    """
    from photocheck import decode
    from photocheck.context import NotAssessable
    from photocheck.trimming import pipeline_geometry
    from photocheck.validator import Validator

    v = validator if isinstance(validator, Validator) else Validator("mail")
    ctx = v.context(path)
    try:
        geom = pipeline_geometry(ctx)
        bgr = decode.full_image(ctx).bgr
    except NotAssessable:
        return None
    if geom.crown_at_edge:
        return None
    return Portrait(bgr, geom.crown, geom.chin, geom.nose, str(path).rsplit("/", 1)[-1])


def drawn_face_geometry(ctx: object) -> object:
    """A ``face_geometry`` provider for :func:`photocheck.trimming.trim` on drawings.

    :func:`drawn_geometry` on the context's pixels; the crown counts as cut off when the hair
    reaches the image's first rows (as ``person.crown_info`` reports ``at_edge``).

    Raises
    ------
    NotAssessable
        ``face.not_found`` when no upright drawing is found.
    """
    from photocheck import decode
    from photocheck.context import NotAssessable, PhotoContext
    from photocheck.trimming import FaceGeometry

    assert isinstance(ctx, PhotoContext)
    found = drawn_geometry(decode.full_image(ctx).bgr)
    if found is None:
        raise NotAssessable("face.not_found", "no upright drawing")
    crown, chin, nose = found
    return FaceGeometry(crown, chin, nose, crown_at_edge=bool(crown[1] <= 1.5))
