"""Head matte, crown and chin: the intermediates the 45×35 geometry is built on.

The crown is the top of the hair (or of a head covering) in the face column — J-LIS and ICAO
measure the head from there to the chin — found on a MODNet alpha matte of a crop around the
head, with the selfie-segmentation mask (:mod:`photocheck.segmentation`) as a fall-back. On a
plain background (the standard's own case, recognised by
:func:`photocheck.measures.crown.plain_background_crown`, ~1 ms) that crop is shorter and
cheaper.
The chin is FaceMesh point 152.
All points exchanged are ORIGINAL full-resolution, EXIF-oriented pixel coordinates.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

from photocheck import decode, face, scene
from photocheck.context import NotAssessable, PhotoContext, intermediate
from photocheck.inference.segmentation import modnet_alpha
from photocheck.landmarks import (
    CHIN_IDX,
    FACE_LEFT_IDX,
    FACE_RIGHT_IDX,
    FOREHEAD_IDX,
    NOSE_LINE_IDX,
)
from photocheck.measures.bounds import ceil_within, floor_within
from photocheck.measures.crown import hair_into_top_edge, plain_background_crown
from photocheck.measures.order import mean
from photocheck.measures.silhouette import component_at, top_edge_profile
from photocheck.segmentation import person_mask

MATTE_THRESHOLD = 0.5  # alpha above this is the person (hair included)
# MODNet's inference size on the head crop: 256 gives the same crowns as 320 (max 0.54 mm, p90
# 0.09 mm apart over the 131 compliant and hat photos) at 60 % of the cost
MODNET_LONG_SIDE_PX = 256
# Head crops extend this many forehead-to-chin lengths below the mesh forehead point: 1.3 (to
# 0.3 below the chin) in general; 0.5 (about the eye line) when the background is plain. Every
# matte measure (crown, hat silhouette, headband) lies above the brows, and the shorter crop is
# a 192×256 MODNet input instead of 256×256 (~25 % less). On the 167 photos with a colour crown
# the shorter matte moves the crown by p90 0.13 mm, max 0.56 mm.
FULL_DOWN_FACTOR = 1.3
PLAIN_DOWN_FACTOR = 0.5
# the colour crown must agree with the short matte's crown within this fraction of the
# crown-to-chin length (~1 mm of 34) for the short matte to be kept; else the full crop is used
PLAIN_AGREE_FRACTION = 0.03
# the short crop's top: this many forehead-to-chin lengths above the colour crown
PLAIN_TOP_MARGIN = 0.25
# hair into the top edge: the background is read beside ±this many face widths of the centre
PLAIN_SIDE_HALF_WIDTH = 1.0
# The short (plain-background) crop runs the int8 MODNet (~35 ms against ~60 ms: crowns p90
# 0.09 mm from fp32's on held-out photos); the full crop (busy background, hair into the top
# edge off a plain background, small in-the-wild heads) keeps fp32: there the int8 matte lost
# hair running into the top edge (crowns 55-75 px lower on aflw_image03004 / 03932)
SHORT_CROP_MODEL = "modnet"
FULL_CROP_MODEL = "modnet_fp32"
# The short crop's MODNet input long side: 224 (e.g. 128×224 instead of 160×256, 0.67 of the
# int8 cost) moves the crown by p90 0.1 mm, max 0.8 mm (of a 34-mm head) from 256's on the 132
# compliant, hat and head-covering photos (none switched to the full crop), p90 0 mm, max
# 0.4 mm on the 390 others (8 switched to the full crop); accuracy.py: no status of the 556
# photos changed. 192 switched a compliant photo to the full crop and changed its top edge.
SHORT_CROP_LONG_SIDE_PX = 224


@dataclass(frozen=True)
class HeadMatte:
    """MODNet alpha on a (face-upright) crop around the head.

    Attributes
    ----------
    alpha : numpy.ndarray
        float32 ``(h, w)`` in [0, 1]; 0 outside the image.
    origin_xy : tuple of float
        Full-res position of crop pixel (0, 0) (exact when ``angle_deg`` is 0).
    scale : float
        Crop px per full-res px.
    affine : numpy.ndarray
        ``(2, 3)`` full-res → crop affine (includes any rotation that made the face upright).
    angle_deg : float
        Rotation applied to make the face upright (0 except for rotated infant photos).
    valid : numpy.ndarray
        bool ``(h, w)``: crop pixels that come from inside the image.
    down_factor : float
        How far below the forehead point the crop reaches (forehead-to-chin lengths).
    crown_found : tuple or None
        The crown :func:`head_matte` already read on this matte to choose the crop
        (:func:`_crown_on`'s answer), else None.
    """

    alpha: np.ndarray
    origin_xy: tuple[float, float]
    scale: float
    affine: np.ndarray
    angle_deg: float
    valid: np.ndarray
    down_factor: float = FULL_DOWN_FACTOR
    crown_found: tuple[np.ndarray, bool, bool] | None = None

    @property
    def crown_read(self) -> bool:
        """Whether the crown was already read on this matte (:attr:`crown_found`)."""
        return self.crown_found is not None

    def to_full(self, points_uv: np.ndarray) -> np.ndarray:
        """Crop px ``(N, 2)`` → full-res px ``(N, 2)``."""
        inv = cv2.invertAffineTransform(self.affine)
        pts = np.atleast_2d(np.asarray(points_uv, dtype=np.float64))
        return pts @ inv[:, :2].T + inv[:, 2]

    def to_crop(self, points_xy: np.ndarray) -> np.ndarray:
        """Full-res px ``(N, 2)`` → crop px ``(N, 2)``."""
        pts = np.atleast_2d(np.asarray(points_xy, dtype=np.float64))
        return pts @ self.affine[:, :2].T + self.affine[:, 2]


@dataclass(frozen=True)
class HeadFrame:
    """Where the head is, from the landmarks (or the detection box when the mesh failed).

    Attributes
    ----------
    forehead_xy, chin_xy : numpy.ndarray
        Mesh points 10 and 152 (full-res px).
    centre_xy : numpy.ndarray
        Midpoint of the face-oval sides 234 / 454 (full-res px).
    nose_xy : numpy.ndarray
        Centre of the nose line (mean of the mesh's bridge-to-tip points), full-res px.
    face_width_px : float
        Distance between the face-oval sides 234 and 454.
    angle_deg : float
        In-plane rotation that makes the face upright (0 unless an infant photo was rotated).
    """

    forehead_xy: np.ndarray
    chin_xy: np.ndarray
    centre_xy: np.ndarray
    face_width_px: float
    angle_deg: float
    nose_xy: np.ndarray


@dataclass(frozen=True)
class Crown:
    """The top of the hair (or covering) in the face column.

    Attributes
    ----------
    point : numpy.ndarray
        ``(2,)`` full-res px.
    at_edge : bool
        The hair runs into the image border above the head: the true crown is outside the
        image and unknown (``point`` is then on the border).
    source : str
        ``modnet`` or ``selfie`` (fall-back when the matte did not hold the face);
        ``colour`` for :func:`colour_crown` (also :func:`crown_info`'s when
        :func:`gated_crown` skipped MODNet); ``edge`` when the gate found the hair running
        into the top edge of a plain background.
    """

    point: np.ndarray
    at_edge: bool
    source: str


# --- pure helpers (tested on synthetic arrays) -------------------------------------------------


def head_affine(
    frame: HeadFrame, image_w: int, image_h: int, *, up_factor: float = 1.1,
    max_side_px: float | None = None, down_factor: float = 1.3,
) -> tuple[np.ndarray, tuple[int, int]]:
    """Full-res → crop affine and crop size (w, h) of a face-upright crop around the head.

    The crop spans ±1.4 face widths sideways and from ``up_factor`` forehead-to-chin lengths
    above the forehead point to ``down_factor`` below it (default 1.3: 0.3 below the chin):
    room for big hair or a covering.
    ``max_side_px`` caps the crop's long side (default: no upscaling beyond full resolution).
    """
    del image_w, image_h  # the crop may extend outside the image; `valid` marks that part
    fh = float(np.hypot(*(frame.chin_xy - frame.forehead_xy)))
    fh = max(fh, 1.0)
    fw = max(frame.face_width_px, 0.5 * fh)
    half_w = 1.4 * fw
    top = -(up_factor * fh)  # relative to the forehead point, along the face's up axis
    bottom = fh * down_factor
    width_full, height_full = 2 * half_w, bottom - top
    scale = 1.0 if max_side_px is None else min(1.0, max_side_px / max(width_full, height_full))
    w, h = max(8, int(round(width_full * scale))), max(8, int(round(height_full * scale)))
    theta = np.radians(frame.angle_deg)
    cos, sin = np.cos(theta), np.sin(theta)
    # rotation by +angle maps the face upright; u along face-right, v along face-down
    rot = np.array([[cos, sin], [-sin, cos]]) * scale
    anchor = np.array([frame.centre_xy[0], frame.forehead_xy[1]], dtype=np.float64)
    if frame.angle_deg:
        # with rotation, anchor on the forehead point's projection onto the face axis
        anchor = frame.forehead_xy.astype(np.float64)
    offset = np.array([w / 2.0, -top * scale]) - rot @ anchor
    return np.concatenate([rot, offset[:, None]], axis=1), (w, h)


def crown_from_matte(
    alpha: np.ndarray,
    valid: np.ndarray,
    seed_uv: tuple[float, float],
    column_u: tuple[float, float],
    threshold: float = MATTE_THRESHOLD,
) -> tuple[tuple[float, float], bool, bool] | None:
    """Top of the person region connected to the face, inside a column of the crop.

    Parameters
    ----------
    alpha : numpy.ndarray
        ``(h, w)`` person alpha/probability.
    valid : numpy.ndarray
        bool ``(h, w)``: pixels inside the original image.
    seed_uv : tuple of float
        A point inside the face (crop px), e.g. just below the mesh forehead point.
    column_u : tuple of float
        The face column ``(u0, u1)`` (crop px) where the crown is sought.
    threshold : float
        Alpha level of the person's edge.

    Returns
    -------
    ((u, v), at_edge, at_crop_top) or None
        Crown in crop px; ``at_edge`` when invalid (outside-image) pixels lie right above it;
        ``at_crop_top`` when the region reaches the crop's first row (crop too short).
        None when the seed is not on the person.
    """
    h, w = alpha.shape
    binary = ((alpha > threshold) & valid).astype(np.uint8)
    su, sv = floor_within(round(seed_uv[0]), 0, w - 1), floor_within(round(seed_uv[1]), 0, h - 1)
    if binary[sv, su]:
        region = component_at(binary, su, sv)
    else:
        # seed may sit on a dark eyebrow gap in a poor matte: the most common region in a
        # small window
        _, labels = cv2.connectedComponents(binary, connectivity=4)
        win = labels[max(0, sv - 3): sv + 4, max(0, su - 3): su + 4]
        found = win[win > 0]
        if found.size == 0:
            return None
        region = labels == int(np.bincount(found).argmax())
    u0 = floor_within(column_u[0], 0, w - 1)
    u1 = ceil_within(column_u[1], u0 + 1, w)
    tops = top_edge_profile(region[:, u0:u1], h)
    if tops is None:
        return None
    i = int(tops.argmin())
    v = float(tops[i])
    u = float(u0 + i)
    vi, ui = int(v), int(u)
    # outside-image pixels right above the top (within 3 rows: the matte fades over the
    # border row, which the resampled `valid` may count in): the hair runs into the border
    above = valid[max(0, vi - 3): vi, max(0, ui - 1): ui + 2]
    at_edge = above.size > 0 and not above.all()
    if not at_edge and 0 < vi < h:
        # the matte fades below the threshold over a few border rows (more with the int8
        # model): a top within 6 rows of the border whose column stays at least half the
        # threshold up to the border runs into it too
        outside = np.nonzero(~valid[:vi, ui])[0]
        first = int(outside[-1]) + 1 if outside.size else None
        at_edge = first is not None and vi - first <= 6 and bool(
            (alpha[first:vi, ui] >= 0.5 * threshold).all())
    return (u, v), bool(at_edge), vi <= 0


_NOSE_LINE_ROWS = np.array(NOSE_LINE_IDX)


def nose_line(marks: np.ndarray) -> np.ndarray:
    """The face's vertical centre line: the mean of the mesh's nose-line points (bridge to tip).

    The one measure of "centred" (J-LIS: the nose line 17.5 ± 2 mm from each side edge): the
    ``geometry`` check measures a finished photo's ``geometry.off_centre`` with it and the trim
    centres its cut on it, so the trim's own output is not judged off-centre by a different
    line (the face-oval sides' midpoint differs from it by 0.7 mm sd on a 34 mm head).

    Parameters
    ----------
    marks : numpy.ndarray
        ``(468, 2 or 3)`` FaceMesh points, px.

    Returns
    -------
    numpy.ndarray
        ``(2,)`` px.
    """
    picked = np.asarray(marks, np.float64)[_NOSE_LINE_ROWS, :2]
    return mean(picked, axis=0)


# --- intermediates -----------------------------------------------------------------------------


@intermediate
def head_frame(ctx: PhotoContext) -> HeadFrame:
    """Forehead, chin, face centre and width from the mesh (raises ``face.not_found``)."""
    angle = 0.0
    if "infant" in ctx.exceptions:
        angle = float(face.upright_rotation_deg(ctx))
    marks = np.asarray(face.landmarks(ctx), dtype=np.float64)
    forehead, chin_pt = marks[FOREHEAD_IDX, :2], marks[CHIN_IDX, :2]
    left, right = marks[FACE_LEFT_IDX, :2], marks[FACE_RIGHT_IDX, :2]
    centre = (left + right) / 2.0
    nose = nose_line(marks)
    return HeadFrame(forehead_xy=forehead, chin_xy=chin_pt, centre_xy=centre,
                     face_width_px=float(np.hypot(*(right - left))), angle_deg=angle,
                     nose_xy=nose)


def _warp(image: np.ndarray, affine_analysis: np.ndarray, size: tuple[int, int],
          border: int) -> np.ndarray:
    return cv2.warpAffine(image, affine_analysis, size, flags=cv2.INTER_LINEAR,
                          borderMode=border, borderValue=0)


def _matte(ctx: PhotoContext, up_factor: float, *, down_factor: float = FULL_DOWN_FACTOR,
           long_side_px: int | None = None) -> HeadMatte:
    short = down_factor < FULL_DOWN_FACTOR
    if long_side_px is None:
        long_side_px = SHORT_CROP_LONG_SIDE_PX if short else MODNET_LONG_SIDE_PX
    frame = head_frame(ctx)
    image = decode.analysis_image(ctx)
    h_full = image.bgr.shape[0] / image.scale
    w_full = image.bgr.shape[1] / image.scale
    # no more detail than the analysis image holds: the cap is the crop's height at analysis
    # resolution (the full crop's calibrated setting, even when its width is a little longer);
    # the short crop is wider than high, so its cap is its width
    fh = float(np.hypot(*(frame.chin_xy - frame.forehead_xy)))
    long_full = (up_factor + down_factor) * fh
    if short:
        long_full = max(long_full, 2.8 * max(frame.face_width_px, 0.5 * fh))
    cap = max(64.0, long_full * image.scale)
    affine, size = head_affine(frame, int(w_full), int(h_full), up_factor=up_factor,
                               max_side_px=cap, down_factor=down_factor)
    # analysis px → full px → crop px
    to_full = np.diag([1.0 / image.scale, 1.0 / image.scale])
    aff_a = np.concatenate([affine[:, :2] @ to_full, affine[:, 2:]], axis=1)
    crop = _warp(image.bgr, aff_a, size, cv2.BORDER_REPLICATE)
    valid = _warp(np.ones(image.bgr.shape[:2], np.uint8), aff_a, size,
                  cv2.BORDER_CONSTANT).astype(bool)
    model = SHORT_CROP_MODEL if short else FULL_CROP_MODEL
    alpha = modnet_alpha(ctx.models, crop, long_side_px, model) * valid
    inv = cv2.invertAffineTransform(affine)
    scale = float(np.hypot(affine[0, 0], affine[0, 1]))
    return HeadMatte(alpha=alpha.astype(np.float32), origin_xy=(float(inv[0, 2]),
                     float(inv[1, 2])), scale=scale, affine=affine,
                     angle_deg=frame.angle_deg, valid=valid, down_factor=down_factor)


@intermediate
def head_matte(ctx: PhotoContext) -> HeadMatte:
    """MODNet alpha matte on a face-upright crop around the head (room for big hair).

    On a plain background (a colour crown exists, :func:`colour_crown`) the crop stops near
    the eye line — everything read on the matte is above the brows — and starts a little above
    the colour crown; it is kept when its crown agrees with the colour crown. The same short
    crop (starting just above the image) serves hair that runs into the top edge of a plain
    background when its crown is on the border too. Otherwise (busy background, low-contrast
    hair, the two crowns disagree) the crop spans 1.1 face lengths above the forehead to below
    the chin, as MODNet's portrait context wants.
    """
    frame = head_frame(ctx)
    coloured = colour_crown(ctx)
    fh = max(float(np.hypot(*(frame.chin_xy - frame.forehead_xy))), 1.0)
    if coloured is not None:
        # the crop's top a quarter face length above the colour crown (not 1.1 above the
        # forehead): less background for MODNet to look at
        up = (float(frame.forehead_xy[1] - coloured.point[1])) / fh + PLAIN_TOP_MARGIN
        short = _matte(ctx, min(max(float(up), 0.3), 1.1), down_factor=PLAIN_DOWN_FACTOR)
        found = _crown_on(ctx, short, short.alpha, frame)
        if found is not None and not found[2]:
            # heights only: along a flat top the crown's column is ill-defined
            head_px = float(frame.chin_xy[1] - coloured.point[1])
            if abs(found[0][1] - coloured.point[1]) <= PLAIN_AGREE_FRACTION * head_px:
                return replace(short, crown_found=found)
    elif hair_at_top(ctx):
        # hair into the top edge on a plain background: the short crop when it says so too;
        # its top 8 analysis px above the image (enough outside rows to see the border)
        sc = decode.analysis_image(ctx).scale
        up = (float(frame.forehead_xy[1]) + 8.0 / sc) / fh
        short = _matte(ctx, min(max(float(up), 0.3), 1.1), down_factor=PLAIN_DOWN_FACTOR)
        found = _crown_on(ctx, short, short.alpha, frame)
        if found is not None and found[1] and found[0][1] * sc <= 3.0:
            return replace(short, crown_found=found)
    return _matte(ctx, 1.1)


@intermediate
def hair_at_top(ctx: PhotoContext) -> bool:
    """Whether the hair runs into the top edge of a plain background
    (:func:`photocheck.measures.crown.hair_into_top_edge`; False on rotated infant photos).
    Read by both the MODNet gate and the matte's crop choice."""
    frame = head_frame(ctx)
    if frame.angle_deg:
        return False
    image = decode.analysis_image(ctx)
    sc = image.scale
    half = PLAIN_SIDE_HALF_WIDTH * frame.face_width_px
    col = 0.25 * frame.face_width_px
    cx = float(frame.centre_xy[0])
    return hair_into_top_edge(image.bgr, (cx - half) * sc, (cx + half) * sc, (cx - col) * sc,
                              (cx + col) * sc)


def _crown_on(ctx: PhotoContext, matte: HeadMatte, alpha: np.ndarray, frame: HeadFrame
              ) -> tuple[np.ndarray, bool, bool] | None:
    fore, chin_uv, centre = matte.to_crop(
        np.stack([frame.forehead_xy, frame.chin_xy, frame.centre_xy]))
    seed = fore + 0.15 * (chin_uv - fore)  # inside the forehead skin
    half = 0.25 * frame.face_width_px * matte.scale
    cx = 0.5 * (centre[0] + fore[0])
    found = crown_from_matte(alpha, matte.valid, (seed[0], seed[1]), (cx - half, cx + half))
    if found is None:
        return None
    (u, v), at_edge, at_top = found
    return matte.to_full(np.array([[u, v]]))[0], at_edge, at_top


# rows of "outside the image" added above the selfie mask's head matte: a crown on the top
# border then reads as running into it (:func:`crown_from_matte`'s ``at_edge``)
SELFIE_PAD_ROWS = 8


@intermediate
def selfie_matte(ctx: PhotoContext) -> HeadMatte:
    """The selfie-segmentation person probability (:func:`photocheck.segmentation.person_mask`,
    computed anyway for the background) as an upright head matte: the analysis frame from its
    top to 0.3 forehead-to-chin lengths below the chin and ±1.4 face widths (the full MODNet
    crop's extent), with :data:`SELFIE_PAD_ROWS` outside rows above the image. No model run of
    its own; the crop keeps the crown's connected-region search cheap (~4 ms on the whole
    12 MP analysis frame)."""
    mask = person_mask(ctx)
    frame = head_frame(ctx)
    s = float(mask.scale)
    h, w = mask.prob.shape
    fh = max(float(np.hypot(*(frame.chin_xy - frame.forehead_xy))), 1.0)
    half = 1.4 * max(frame.face_width_px, 0.5 * fh) * s
    cx = float(frame.centre_xy[0]) * s
    x0, x1 = floor_within(cx - half, 0, w - 1), ceil_within(cx + half, 1, w)
    y1 = ceil_within((float(frame.chin_xy[1]) + 0.3 * fh) * s, 1, h)
    x1 = max(x1, x0 + 1)
    alpha = np.zeros((y1 + SELFIE_PAD_ROWS, x1 - x0), np.float32)
    alpha[SELFIE_PAD_ROWS:] = mask.prob[:y1, x0:x1]
    valid = np.zeros(alpha.shape, bool)
    valid[SELFIE_PAD_ROWS:] = True
    affine = np.array([[s, 0.0, -float(x0)], [0.0, s, float(SELFIE_PAD_ROWS)]])
    return HeadMatte(alpha=alpha, origin_xy=(x0 / s, -SELFIE_PAD_ROWS / s), scale=s,
                     affine=affine, angle_deg=0.0, valid=valid)


@intermediate
def selfie_crown(ctx: PhotoContext) -> Crown | None:
    """The crown on the selfie mask (:func:`selfie_matte`), or None when the mask does not hold
    the face or the face was rotated upright (the mask is not)."""
    frame = head_frame(ctx)
    if frame.angle_deg:
        return None
    matte = selfie_matte(ctx)
    found = _crown_on(ctx, matte, matte.alpha, frame)
    if found is None:
        return None
    return Crown(point=np.asarray(found[0], dtype=np.float64), at_edge=bool(found[1]),
                 source="selfie")


@intermediate
def colour_crown(ctx: PhotoContext) -> Crown | None:
    """The crown by colour on a plain background, or None when the colour cannot tell.

    None when the background above the head is not plain, the hair does not stand out from
    it, the hair runs into the top edge, or the face was rotated upright (infant photos).
    """
    frame = head_frame(ctx)
    if frame.angle_deg:
        return None  # the colour search runs on upright image columns
    image = decode.analysis_image(ctx)
    sc = image.scale
    found = plain_background_crown(image.bgr, np.asarray(frame.forehead_xy) * sc,
                                   float(frame.centre_xy[0]) * sc, frame.face_width_px * sc)
    if found is None:
        return None
    return Crown(point=np.asarray(found[0], dtype=np.float64) / sc, at_edge=bool(found[1]),
                 source="colour")


def crowns_agree(coloured: Crown | None, selfie: Crown | None, chin_y: float,
                 tolerance: float) -> bool:
    """Whether the colour crown can stand for MODNet's: both crowns found, neither at the image
    edge, and their heights within ``tolerance`` crown-to-chin lengths of each other.

    Examples
    --------
    >>> c = Crown(np.array([50.0, 100.0]), False, "colour")
    >>> s = Crown(np.array([52.0, 104.0]), False, "selfie")
    >>> crowns_agree(c, s, 500.0, 0.009), crowns_agree(c, s, 500.0, 0.01)
    (False, True)
    """
    if coloured is None or selfie is None or coloured.at_edge or selfie.at_edge:
        return False
    head_px = chin_y - float(coloured.point[1])
    return head_px > 0 and abs(float(coloured.point[1] - selfie.point[1])) <= tolerance * head_px


def _selfie_reaches_top(ctx: PhotoContext, frame: HeadFrame) -> bool:
    """Whether the selfie mask may run into the top edge in the face column: a cheap necessary
    condition of :func:`selfie_crown`'s ``at_edge`` (either way of :func:`crown_from_matte`
    needs a probability of at least half the threshold within the first 3 rows there)."""
    mask = person_mask(ctx)
    s = float(mask.scale)
    cx = 0.5 * float(frame.centre_xy[0] + frame.forehead_xy[0]) * s
    half = 0.25 * frame.face_width_px * s + 2.0
    top = mask.prob[:3, max(0, int(cx - half)): max(0, int(cx + half) + 1)]
    return top.size > 0 and float(top.max()) >= 0.5 * MATTE_THRESHOLD


@intermediate
def gated_crown(ctx: PhotoContext) -> Crown | None:
    """The colour crown when MODNet's answer is not needed, else None (run MODNet).

    The profile's ``[crown]`` section: with ``skip_matte``, no declared infant, a background
    that passes ``background.not_plain`` (its own measure, computed for the background check)
    and a colour crown the selfie mask's crown confirms (:func:`crowns_agree` within
    ``max_colour_selfie_difference``). The colour and the selfie crowns fail together (a dark
    band above a head cropped out of a larger photo) only off a plain background. With
    ``skip_matte_hair_at_top``, also hair running into the top edge of a plain background
    (:func:`photocheck.measures.crown.hair_into_top_edge`) whose selfie crown is on the border:
    a crown on the border (``source`` ``edge``).
    """
    params = ctx.params("crown")
    if not params["skip_matte"] or "infant" in ctx.exceptions:
        return None
    frame = head_frame(ctx)
    coloured = colour_crown(ctx)
    if coloured is None:
        # hair into the top edge of a plain background, the selfie mask's crown on the border
        # too: the crown is on the border (its height then comes from the head's proportions)
        if not (params["skip_matte_hair_at_top"] and hair_at_top(ctx)
                and _selfie_reaches_top(ctx, frame)):
            return None
        selfie = selfie_crown(ctx)
        if selfie is None or not selfie.at_edge:
            return None
        found = Crown(point=np.array([float(selfie.point[0]), 0.0]), at_edge=True,
                      source="edge")
    elif coloured.at_edge or not crowns_agree(
            coloured, selfie_crown(ctx), float(frame.chin_xy[1]),
            float(params["max_colour_selfie_difference"])):
        return None
    else:
        found = coloured
    bg = ctx.params("background")
    if scene.busyness(scene.background_measures(ctx), bg) >= bg["warn_not_plain_ratio"]:
        return None
    return found


@intermediate
def crown_info(ctx: PhotoContext) -> Crown:
    """The crown with how it was found and whether it is cut off by the image border.

    The colour crown when :func:`gated_crown` trusts it (no MODNet run); else on the MODNet
    matte (a taller one when the hair fills the first crop), else the selfie mask. Alone the
    colour crown differs from the matte's by p50 0.09, p90 0.50, max 9.7 mm on the compliant
    photos; behind the gate by p50 0.08, p90 0.33, max 0.69 mm (held out).

    Raises
    ------
    NotAssessable
        ``face.not_found`` when there is no face (or neither mask holds it).
    """
    gated = gated_crown(ctx)
    if gated is not None:
        return gated
    frame = head_frame(ctx)
    matte = head_matte(ctx)
    # the short crop's crown was read when it was chosen: not searched twice
    found = matte.crown_found if matte.crown_read else _crown_on(ctx, matte, matte.alpha, frame)
    source = "modnet"
    if found is not None and found[2] and not found[1]:
        # the hair fills the crop up to its first row: look again with a taller crop
        taller = _matte(ctx, 2.2, down_factor=matte.down_factor)
        again = _crown_on(ctx, taller, taller.alpha, frame)
        if again is not None:
            matte, found = taller, again
    if found is None:
        # fall back on the selfie mask warped into the same crop
        mask = person_mask(ctx)
        aff = matte.affine
        to_full = np.diag([1.0 / mask.scale, 1.0 / mask.scale])
        aff_a = np.concatenate([aff[:, :2] @ to_full, aff[:, 2:]], axis=1)
        prob = _warp(mask.prob, aff_a, matte.alpha.shape[::-1], cv2.BORDER_CONSTANT)
        found = _crown_on(ctx, matte, prob, frame)
        source = "selfie"
    if found is None:
        raise NotAssessable("face.not_found", "no person region around the face")
    point, at_edge, _ = found
    return Crown(point=np.asarray(point, dtype=np.float64), at_edge=bool(at_edge), source=source)


@intermediate
def crown(ctx: PhotoContext) -> np.ndarray:
    """Top of the hair (or head covering) in the face column, ``(2,)`` full-res px.

    When :attr:`Crown.at_edge` the real crown is outside the image and this is on the border.
    """
    return crown_info(ctx).point


@intermediate
def chin(ctx: PhotoContext) -> np.ndarray:
    """Chin, FaceMesh point 152, ``(2,)`` full-res px."""
    return head_frame(ctx).chin_xy.copy()
