"""Synthetic degradations of real photos, for tests with known answers.

Every helper takes and returns uint8 BGR arrays (full resolution) and has a ``strength``
parameter; :data:`DEGRADATIONS` names each with the code it should trigger and a "clear"
(a person would call it clearly bad) and a "mild" (acceptable) strength. Helpers that need the
person or the face take ``mask`` (person probability, any size: it is resized to the image) and
``face_box`` (``[x0, y0, x1, y1]`` full-res px). Random helpers take a ``seed``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

Box = tuple[float, float, float, float] | np.ndarray


def _face_width(bgr: np.ndarray, face_box: Box | None) -> float:
    """Face width in px, or a typical portrait's (40 % of the short side) without a box."""
    if face_box is not None:
        return float(face_box[2] - face_box[0])
    return 0.4 * min(bgr.shape[:2])


def _mask_like(mask: np.ndarray, bgr: np.ndarray) -> np.ndarray:
    h, w = bgr.shape[:2]
    m = np.asarray(mask, dtype=np.float32)
    if m.max() > 1.0:
        m = m / 255.0
    if m.shape != (h, w):
        m = cv2.resize(m, (w, h), interpolation=cv2.INTER_LINEAR)
    return np.clip(m, 0.0, 1.0)


def _u8(x: np.ndarray) -> np.ndarray:
    return np.clip(np.round(x), 0, 255).astype(np.uint8)


def blur(bgr: np.ndarray, strength: float, face_box: Box | None = None) -> np.ndarray:
    """Defocus: Gaussian blur with sigma = ``strength`` × face width (px)."""
    sigma = strength * _face_width(bgr, face_box)
    if sigma <= 0.05:
        return bgr.copy()
    return cv2.GaussianBlur(bgr, (0, 0), sigma)


def motion_blur(bgr: np.ndarray, strength: float, face_box: Box | None = None,
                angle_deg: float = 0.0) -> np.ndarray:
    """Camera shake: a line kernel of length ``strength`` × face width at ``angle_deg``."""
    length = strength * _face_width(bgr, face_box)
    n = int(np.ceil(length)) | 1
    if n < 2:
        return bgr.copy()
    kernel = np.zeros((n, n), np.float32)
    c = n // 2
    dx, dy = np.cos(np.radians(angle_deg)), np.sin(np.radians(angle_deg))
    half = length / 2.0
    cv2.line(kernel, (round(c - dx * half), round(c - dy * half)),
             (round(c + dx * half), round(c + dy * half)), 1.0, 1, cv2.LINE_AA)
    kernel /= kernel.sum()
    return cv2.filter2D(bgr, -1, kernel, borderType=cv2.BORDER_REFLECT)


def darken(bgr: np.ndarray, strength: float) -> np.ndarray:
    """Under-exposure: linear light × 2^−(4·strength) (strength 1 = four stops darker)."""
    lin = (bgr.astype(np.float32) / 255.0) ** 2.2
    lin *= 2.0 ** (-4.0 * strength)
    return _u8(255.0 * lin ** (1 / 2.2))


def brighten(bgr: np.ndarray, strength: float) -> np.ndarray:
    """Over-exposure: linear light × 2^(4·strength), clipped (strength 1 = four stops)."""
    lin = (bgr.astype(np.float32) / 255.0) ** 2.2
    lin *= 2.0 ** (4.0 * strength)
    return _u8(255.0 * np.clip(lin, 0, 1) ** (1 / 2.2))


def face_shadow(bgr: np.ndarray, strength: float, face_box: Box,
                mask: np.ndarray | None = None, side: str = "right") -> np.ndarray:
    """A shadow across the face: linear light falls off to ``1 − strength`` across the central
    half of the face box, towards ``side`` (image-left or image-right), on the person only."""
    h, w = bgr.shape[:2]
    x0, _, x1, _ = (float(v) for v in face_box)
    cx, quarter = (x0 + x1) / 2.0, (x1 - x0) / 4.0
    xs = np.arange(w, dtype=np.float32)
    t = np.clip((xs - (cx - quarter)) / max(2 * quarter, 1.0), 0, 1)
    if side == "left":
        t = 1.0 - t
    factor = 1.0 - strength * t[None, :]
    weight = _mask_like(mask, bgr) if mask is not None else np.ones((h, w), np.float32)
    factor = 1.0 - weight * (1.0 - factor)
    lin = (bgr.astype(np.float32) / 255.0) ** 2.2 * factor[..., None]
    return _u8(255.0 * lin ** (1 / 2.2))


def darker_side(bgr: np.ndarray, face_box: Box) -> str:
    """``"left"`` or ``"right"``: the image half of the face box with less linear light.

    A side light deepens the shade a face already has on its far side. Shading the brighter
    side instead can cancel the photo's own light: on a source whose image-left half is
    already 0.6 stops darker, a 1-stop shadow on the right leaves 0.4 stops — an evenly lit
    face, no longer the defect the "clear" strength stands for.
    """
    x0, y0, x1, y1 = (int(round(float(v))) for v in face_box)
    h, w = bgr.shape[:2]
    x0, x1, y0, y1 = max(0, x0), min(w, x1), max(0, y0), min(h, y1)
    cx = (x0 + x1) // 2
    lin = ((bgr[y0:y1, x0:x1].astype(np.float32) / 255.0) ** 2.2).mean(axis=2)
    if lin.size == 0 or cx <= x0:
        return "right"
    return "left" if lin[:, : cx - x0].mean() < lin[:, cx - x0 :].mean() else "right"


def half_shadow(bgr: np.ndarray, strength: float, face_box: Box,
                mask: np.ndarray | None = None, side: str = "right") -> np.ndarray:
    """A hard side light: the image-``side`` half of the person (beyond the face box's centre
    line, edge softened over a tenth of the face width; ``"auto"``: the :func:`darker_side`)
    gets ``1 − strength`` of its linear light."""
    h, w = bgr.shape[:2]
    x0, _, x1, _ = (float(v) for v in face_box)
    cx, soft = (x0 + x1) / 2.0, max((x1 - x0) / 20.0, 1.0)
    t = np.clip((np.arange(w, dtype=np.float32) - (cx - soft)) / (2 * soft), 0, 1)
    if side == "auto":
        side = darker_side(bgr, face_box)
    if side == "left":
        t = 1.0 - t
    factor = np.broadcast_to(1.0 - strength * t[None, :], (h, w))
    weight = _mask_like(mask, bgr) if mask is not None else np.ones((h, w), np.float32)
    factor = 1.0 - weight * (1.0 - factor)
    lin = (bgr.astype(np.float32) / 255.0) ** 2.2 * factor[..., None]
    return _u8(255.0 * lin ** (1 / 2.2))


def top_shadow(bgr: np.ndarray, strength: float, face_box: Box,
               mask: np.ndarray | None = None) -> np.ndarray:
    """Light from above: linear light falls off to ``1 − strength`` from the brows (30 % down
    the face box) to the cheekbones (60 %) and stays there below, on the person only (eye
    sockets, cheeks and chin in the shade of an overhead light)."""
    h, w = bgr.shape[:2]
    _, y0, _, y1 = (float(v) for v in face_box)
    top, bottom = y0 + 0.3 * (y1 - y0), y0 + 0.6 * (y1 - y0)
    ys = np.arange(h, dtype=np.float32)
    t = np.clip((ys - top) / max(bottom - top, 1.0), 0, 1)
    factor = np.broadcast_to(1.0 - strength * t[:, None], (h, w))
    weight = _mask_like(mask, bgr) if mask is not None else np.ones((h, w), np.float32)
    factor = 1.0 - weight * (1.0 - factor)
    lin = (bgr.astype(np.float32) / 255.0) ** 2.2 * factor[..., None]
    return _u8(255.0 * lin ** (1 / 2.2))


def _clutter(h: int, w: int, seed: int) -> np.ndarray:
    """A cluttered scene: random rectangles, ellipses, lines and stripes on a wall colour."""
    rng = np.random.default_rng(seed)
    canvas = np.empty((h, w, 3), np.uint8)
    canvas[:] = rng.integers(120, 230, 3)
    scale = max(h, w)
    for _ in range(40):
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        kind = rng.integers(0, 3)
        x, y = int(rng.integers(0, w)), int(rng.integers(0, h))
        size = int(rng.integers(scale // 30, scale // 6))
        if kind == 0:
            cv2.rectangle(canvas, (x, y), (x + size, y + int(size * rng.uniform(0.3, 2))),
                          colour, -1)
        elif kind == 1:
            cv2.ellipse(canvas, (x, y), (size // 2, int(size * rng.uniform(0.2, 0.8))),
                        float(rng.uniform(0, 180)), 0, 360, colour, -1)
        else:
            cv2.line(canvas, (x, y), (x + size, y + int(rng.integers(-size, size))), colour,
                     max(1, scale // 200))
    return cv2.GaussianBlur(canvas, (0, 0), max(0.6, scale / 1500))


def busy_background(bgr: np.ndarray, strength: float, mask: np.ndarray,
                    seed: int = 0) -> np.ndarray:
    """Composite a cluttered scene behind the person (through ``mask``) at opacity
    ``strength`` over the original background."""
    h, w = bgr.shape[:2]
    person = _mask_like(mask, bgr)
    scene = _clutter(h, w, seed).astype(np.float32)
    bg = (1.0 - strength) * bgr.astype(np.float32) + strength * scene
    out = person[..., None] * bgr.astype(np.float32) + (1.0 - person[..., None]) * bg
    return _u8(out)


def background_shadow(bgr: np.ndarray, strength: float, mask: np.ndarray,
                      offset: float = 0.06, side: str = "right") -> np.ndarray:
    """A cast shadow beside the person: the silhouette shifted by ``offset`` × image width
    sideways (and half that down), softened, darkening the background's linear light by
    ``strength``."""
    h, w = bgr.shape[:2]
    person = _mask_like(mask, bgr)
    dx = offset * w * (1 if side == "right" else -1)
    shift = np.float32([[1, 0, dx], [0, 1, abs(dx) / 2]])
    cast = cv2.warpAffine(person, shift, (w, h), borderMode=cv2.BORDER_REPLICATE)
    cast = cv2.GaussianBlur(cast, (0, 0), max(1.0, 0.01 * w))
    factor = 1.0 - strength * cast * (1.0 - person)
    lin = (bgr.astype(np.float32) / 255.0) ** 2.2 * factor[..., None]
    return _u8(255.0 * lin ** (1 / 2.2))


def noise(bgr: np.ndarray, strength: float, seed: int = 0) -> np.ndarray:
    """Sensor-like noise: Gaussian, sigma = ``strength`` grey levels, independent per channel."""
    rng = np.random.default_rng(seed)
    return _u8(bgr.astype(np.float32) + rng.normal(0.0, strength, bgr.shape))


def jpeg(bgr: np.ndarray, strength: float) -> np.ndarray:
    """JPEG round trip at quality ``round(strength)`` (e.g. 10 for clearly blocky)."""
    ok, buf = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, int(round(strength))])
    if not ok:
        raise ValueError("JPEG encoding failed")
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)


def upscale(bgr: np.ndarray, strength: float) -> np.ndarray:
    """Low effective resolution: shrink by ``strength`` (area) and enlarge back (cubic)."""
    h, w = bgr.shape[:2]
    if strength <= 1.0:
        return bgr.copy()
    small = cv2.resize(bgr, (max(1, round(w / strength)), max(1, round(h / strength))),
                       interpolation=cv2.INTER_AREA)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)


def pixelate(bgr: np.ndarray, strength: float) -> np.ndarray:
    """Blocky pixels: shrink by ``strength`` (area) and enlarge back by pixel replication
    (nearest neighbour), as a low-resolution photo blown up without smoothing."""
    h, w = bgr.shape[:2]
    if strength <= 1.0:
        return bgr.copy()
    small = cv2.resize(bgr, (max(1, round(w / strength)), max(1, round(h / strength))),
                       interpolation=cv2.INTER_AREA)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_NEAREST)


def vignette(bgr: np.ndarray, strength: float) -> np.ndarray:
    """Lens vignetting: linear light × (1 − ``strength`` · r²), r = 1 at the corners."""
    h, w = bgr.shape[:2]
    yy, xx = np.ogrid[0:h, 0:w]
    r2 = (((xx - w / 2.0) / (w / 2.0)) ** 2 + ((yy - h / 2.0) / (h / 2.0)) ** 2) / 2.0
    factor = (1.0 - strength * r2).astype(np.float32)
    lin = (bgr.astype(np.float32) / 255.0) ** 2.2 * factor[..., None]
    return _u8(255.0 * lin ** (1 / 2.2))


def backdrop_gradient(bgr: np.ndarray, strength: float, mask: np.ndarray,
                      tint_bgr: tuple[float, float, float] = (1.0, 0.93, 0.97)) -> np.ndarray:
    """An unevenly lit (pastel) backdrop: the background's linear light falls off linearly by
    ``strength`` from the top-left to the bottom-right corner and takes a mild colour cast
    (``tint_bgr``) growing the same way; the person is untouched."""
    h, w = bgr.shape[:2]
    person = _mask_like(mask, bgr)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    t = (xx / max(w - 1, 1) + yy / max(h - 1, 1)) / 2.0
    gain = 1.0 - strength * t
    tint = np.asarray(tint_bgr, np.float32)
    factor = gain[..., None] * (1.0 + t[..., None] * (tint - 1.0))
    factor = 1.0 - (1.0 - person[..., None]) * (1.0 - factor)
    lin = (bgr.astype(np.float32) / 255.0) ** 2.2 * factor
    return _u8(255.0 * np.clip(lin, 0, 1) ** (1 / 2.2))


def backdrop_spot(bgr: np.ndarray, strength: float, mask: np.ndarray,
                  face_box: Box) -> np.ndarray:
    """A backdrop lit by a spot behind the head: the background's linear light falls off as
    (1 − ``strength`` · d²) with the distance d from the face centre (d = 1 at the farthest
    corner); the person is untouched."""
    h, w = bgr.shape[:2]
    person = _mask_like(mask, bgr)
    x0, y0, x1, y1 = (float(v) for v in face_box)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    yy, xx = np.ogrid[0:h, 0:w]
    d2 = (xx - cx) ** 2 + (yy - cy) ** 2
    d2 = d2 / max(float(d2.max()), 1.0)
    factor = (1.0 - strength * d2).astype(np.float32)
    factor = 1.0 - (1.0 - person) * (1.0 - factor)
    lin = (bgr.astype(np.float32) / 255.0) ** 2.2 * factor[..., None]
    return _u8(255.0 * lin ** (1 / 2.2))


def halftone(bgr: np.ndarray, strength: float, period_px: float = 4.2,
             angle_deg: float = 45.0) -> np.ndarray:
    """A printed screen, as a scanned print shows it: each channel thresholded against a
    rotated dot screen of ``period_px``, softened by the scanner, blended at ``strength``."""
    h, w = bgr.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    a = np.radians(angle_deg)
    u = (xx * np.cos(a) + yy * np.sin(a)) * (2 * np.pi / period_px)
    v = (-xx * np.sin(a) + yy * np.cos(a)) * (2 * np.pi / period_px)
    screen = (np.cos(u) + np.cos(v) + 2.0) / 4.0 * 255.0  # 0..255 dot profile
    dots = (bgr.astype(np.float32) > screen[..., None]).astype(np.float32) * 255.0
    dots = cv2.GaussianBlur(dots, (0, 0), 0.6)
    return _u8((1.0 - strength) * bgr.astype(np.float32) + strength * dots)


@dataclass(frozen=True)
class Degradation:
    """One degradation with its expected finding and its clear / mild strengths.

    Attributes
    ----------
    code : str
        The finding that should fail at the clear strength.
    also : tuple of str
        Other findings that count as detecting it (over-exposure shows as clipping too).
    apply : callable
        ``apply(bgr, strength, mask, face_box, seed) -> bgr``.
    clear, mild : float
        Strengths: clearly bad (must be detected) and mild (must not cause failures). ``clear``
        is None for a variation that is only ever acceptable (vignetting, a lit backdrop).
    every_photo : bool
        Whether the clear strength is caught on every photo (the test photos' known answers);
        False where a face's own asymmetry can hide it on some photos (rates: benchmark).
    """

    code: str
    apply: Callable[[np.ndarray, float, np.ndarray | None, Box | None, int], np.ndarray]
    clear: float | None
    mild: float
    also: tuple[str, ...] = ()
    every_photo: bool = True

    @property
    def codes(self) -> tuple[str, ...]:
        """Every finding that counts as detecting this degradation."""
        return (self.code, *self.also)


def _wrap(fn: Callable[..., np.ndarray], *, uses_mask: bool = False, uses_face: bool = False,
          uses_seed: bool = False, **fixed: Any
          ) -> Callable[[np.ndarray, float, np.ndarray | None, Box | None, int], np.ndarray]:
    def apply(bgr: np.ndarray, strength: float, mask: np.ndarray | None = None,
              face_box: Box | None = None, seed: int = 0) -> np.ndarray:
        kwargs: dict[str, Any] = dict(fixed)
        if uses_mask:
            if mask is None:
                raise ValueError(f"{fn.__name__} needs the person mask")
            kwargs["mask"] = mask
        if uses_face:
            kwargs["face_box"] = face_box
        if uses_seed:
            kwargs["seed"] = seed
        return fn(bgr, strength, **kwargs)

    return apply


DEGRADATIONS: dict[str, Degradation] = {
    "blur": Degradation("quality.blur", _wrap(blur, uses_face=True), clear=0.02, mild=0.001),
    "motion_blur": Degradation("quality.blur", _wrap(motion_blur, uses_face=True),
                               clear=0.08, mild=0.005),
    "darken": Degradation("lighting.too_dark", _wrap(darken), clear=0.6, mild=0.1),
    "brighten": Degradation("lighting.too_bright", _wrap(brighten), clear=0.5, mild=0.08,
                            also=("lighting.clipped",)),
    "face_shadow": Degradation("lighting.face_shadow",
                               _wrap(face_shadow, uses_face=True, uses_mask=True),
                               clear=0.85, mild=0.15),
    # one half of the face at half the other's light (1 stop) is a clear side light; on the
    # half the source already leaves darker (see darker_side: on the other it can even out)
    "half_shadow": Degradation("lighting.face_shadow",
                               _wrap(half_shadow, uses_face=True, uses_mask=True,
                                     side="auto"),
                               clear=0.5, mild=0.1, every_photo=False),
    # the face below the cheekbones at a quarter of the brows' light (2 stops)
    "top_shadow": Degradation("lighting.face_shadow",
                              _wrap(top_shadow, uses_face=True, uses_mask=True),
                              clear=0.75, mild=0.15, every_photo=False),
    "busy_background": Degradation("background.not_plain",
                                   _wrap(busy_background, uses_mask=True, uses_seed=True),
                                   clear=1.0, mild=0.04),
    "background_shadow": Degradation("background.shadow",
                                     _wrap(background_shadow, uses_mask=True),
                                     clear=0.6, mild=0.08),
    "noise": Degradation("quality.noise", _wrap(noise, uses_seed=True), clear=25.0, mild=2.0),
    "jpeg": Degradation("quality.compression", _wrap(jpeg), clear=10.0, mild=75.0),
    "upscale": Degradation("quality.upscaled", _wrap(upscale), clear=4.0, mild=1.3),
    # pixel replication at several factors; mild: a 1.25× nearest-neighbour enlargement (every
    # fifth row and column doubled) looks like the original
    **{f"pixelate_{k}": Degradation("quality.upscaled", _wrap(pixelate), clear=float(k),
                                    mild=1.25) for k in (3, 4, 5, 8)},
    # acceptable only: vignetting, a backdrop lit unevenly or by a spot behind the head
    "vignette": Degradation("lighting.face_shadow", _wrap(vignette), clear=None, mild=0.35),
    "backdrop_gradient": Degradation("background.shadow",
                                     _wrap(backdrop_gradient, uses_mask=True),
                                     clear=None, mild=0.4),
    "backdrop_spot": Degradation("background.shadow",
                                 _wrap(backdrop_spot, uses_mask=True, uses_face=True),
                                 clear=None, mild=0.45),
    "halftone": Degradation("quality.halftone", _wrap(halftone), clear=1.0, mild=0.0),
}


def encode(bgr: np.ndarray, quality: int = 95) -> bytes:
    """JPEG bytes of a BGR array (how a degraded photo is handed to the validator)."""
    ok, buf = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("JPEG encoding failed")
    return buf.tobytes()


@dataclass(frozen=True)
class Prepared:
    """A real photo ready to be degraded: pixels, person mask and face box."""

    name: str
    data: bytes
    bgr: np.ndarray
    mask: np.ndarray
    face_box: np.ndarray


def prepare(validator: Any, name: str, data: bytes) -> Prepared:
    """Decode a photo and find its person mask and face box with ``validator``'s models."""
    from photocheck import decode, face, segmentation

    ctx = validator.context(data)
    return Prepared(name=name, data=data, bgr=decode.full_image(ctx).bgr,
                    mask=segmentation.person_mask(ctx).prob,
                    face_box=np.asarray(face.applicant(ctx).box, dtype=np.float64))


def run_check(validator: Any, check: Any, data: bytes) -> dict[str, str]:
    """Code → status of one check on a photo, as the validator runs it."""
    ctx = validator.context(data)
    return {f.code: str(f.status) for f in validator._run_check(check, ctx)}  # noqa: SLF001


# Framings: face-box height over the image height, and where the face-box centre sits (fraction
# of the image height from the top). 3:4 portrait frames; a London studio photo is about
# head-and-shoulders.
FRAMINGS: dict[str, tuple[float, float]] = {
    "tight": (0.55, 0.5),
    "head_and_shoulders": (0.33, 0.42),
    "half_body": (0.18, 0.3),
}


def reframe(photo: Prepared, framing: str) -> Prepared:
    """The photo cropped or extended (edge pixels replicated: the backdrop continues, the
    clothes run down) to a :data:`FRAMINGS` framing at the same pixel scale, with its person
    mask (full resolution) and face box moved along."""
    face_frac, centre_frac = FRAMINGS[framing]
    x0, y0, x1, y1 = (float(v) for v in photo.face_box)
    out_h = int(round((y1 - y0) / face_frac))
    out_w = int(round(0.75 * out_h))
    left = int(round((x0 + x1) / 2 - out_w / 2))
    top = int(round((y0 + y1) / 2 - centre_frac * out_h))
    h, w = photo.bgr.shape[:2]
    mask = _mask_like(photo.mask, photo.bgr)
    pads = (max(0, -top), max(0, top + out_h - h), max(0, -left), max(0, left + out_w - w))

    def cut(img: np.ndarray) -> np.ndarray:
        img = cv2.copyMakeBorder(img, *pads, cv2.BORDER_REPLICATE)
        t, lft = top + pads[0], left + pads[2]
        return np.ascontiguousarray(img[t : t + out_h, lft : lft + out_w])

    bgr = cut(photo.bgr)
    shift = np.array([left, top, left, top], np.float64)
    return Prepared(name=f"{photo.name}@{framing}", data=encode(bgr), bgr=bgr, mask=cut(mask),
                    face_box=np.asarray(photo.face_box, np.float64) - shift)


def degrade(photo: Prepared, name: str, level: str, seed: int = 0) -> bytes:
    """The photo with one degradation at ``level`` ("clear" or "mild"), as JPEG bytes."""
    deg = DEGRADATIONS[name]
    out = deg.apply(photo.bgr, getattr(deg, level), photo.mask, photo.face_box, seed)
    return encode(out)
