"""Synthetic scans of paper application forms with the ID print glued into the photo box.

A mailed application is scanned as the form (or the part of it around the photo box): paper with
texture, ruled lines and printed text to the left and above, the printed ~39×49 mm photo box with
its caption, a red stamp, handwriting, and the 35×45 mm print glued inside the box — turned a few
degrees, off-centre by about a millimetre, sometimes over the box line, with a faint shadow where
its edge stands off the paper. Variants have no print (an empty box) or two prints.

The print is rendered as :mod:`benchmarks.scan_synth` renders one (a :class:`Portrait` mapped to
print mm by its crown, chin and nose line, then print mm → scan px by
``scan = R(rotation) · (dpi / 25.4) · mm + offset``); the ground truth has the same conventions:
the print's corners in scan px (TL, TR, BR, BL of the upright print), its rotation, and crown,
chin and nose in print mm.

Layouts, fonts (OpenCV's Hershey faces), colours and sizes are drawn from a seeded generator
(:func:`sample_form`), so a seed fixes a scan.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import cv2
import numpy as np

from benchmarks.scan_synth import (
    MM_PER_INCH,
    Portrait,
    edge_shadow,
    encode_scan,
    print_placement,
    print_to_scan,
    warp_portrait,
)

# J-LIS: crown to chin 34 ± 2 mm, crown 4 ± 2 mm below the top, nose line within ±2 mm of centre
STANDARD = {"head": (32.0, 36.0), "top": (2.0, 6.0), "centre": 2.0}
# Conforming prints are drawn this far inside the standard's ranges: the face models measure a
# head to ~0.5 mm, so a print right on a limit cannot be called either way
CONFORMING_MARGIN_MM = 0.5

HERSHEY = (cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_PLAIN, cv2.FONT_HERSHEY_DUPLEX,
           cv2.FONT_HERSHEY_COMPLEX, cv2.FONT_HERSHEY_TRIPLEX, cv2.FONT_HERSHEY_COMPLEX_SMALL,
           cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, cv2.FONT_HERSHEY_SCRIPT_COMPLEX)
CAPTIONS = ("PHOTO 4.5cm x 3.5cm", "Paste photo here", "PHOTOGRAPH (45 x 35 mm)",
            "Photo: taken within 6 months", "Attach one photo", "45mm x 35mm",
            "Front, no hat, plain background")
WORDS = ("Name", "Address", "Date of birth", "Sex", "Nationality", "Telephone", "Signature",
         "Application for Individual Number Card", "Prefecture", "City", "Postal code",
         "Reiwa", "Year", "Month", "Day", "Ward", "Office use only", "Received", "No.",
         "Furigana", "Applicant", "Please write in block letters", "Mail to", "Checked")


@dataclass(frozen=True)
class GluedPrint:
    """One print glued on the form.

    Attributes
    ----------
    centre_mm : tuple of float
        The print's centre on the page (mm from the page's top-left corner).
    rotation_deg : float
        Counter-clockwise on screen positive.
    height_mm, width_mm : float
        The print's size.
    face_mm, crown_mm, nose_dx_mm : float
        Crown-to-chin, crown below the print's top edge, nose line right of the centre line.
    shadow : float
        Darkening of the glue/edge shadow on the paper (0–1).
    portrait : int
        Index of the portrait (modulo the list given to :func:`render_form`).
    """

    centre_mm: tuple[float, float]
    rotation_deg: float = 0.0
    height_mm: float = 45.0
    width_mm: float = 35.0
    face_mm: float = 34.0
    crown_mm: float = 4.0
    nose_dx_mm: float = 0.0
    shadow: float = 0.12
    portrait: int = 0


@dataclass(frozen=True)
class FormSpec:
    """What to render (see :func:`sample_form` for the ranges used).

    Attributes
    ----------
    dpi : float
        Scan resolution (recorded in the JPEG's JFIF density when ``record_dpi``).
    page_mm : tuple of float
        (width, height) of the scanned part of the form.
    box_mm : tuple of float
        (left, top, width, height) of the printed photo box (outer edge of its line).
    box_line_mm : float
        Width of the box's line.
    caption : str or None
        Caption text; ``caption_below`` puts it under the box, else over it.
    prints : tuple of GluedPrint
        Empty: an empty box.
    rules, text, stamp, handwriting : bool
        Form furniture left of and above the box.
    ink_bgr : tuple of int
        Colour the form is printed in.
    paper_bgr : tuple of int
        Paper colour; ``texture`` the amplitude (grey levels) of its fibre/cloud texture.
    greyscale : bool
        Scanned in greyscale (a one-channel JPEG).
    font_seed, seed : int
        Layout of words/strokes, and sensor noise.
    """

    dpi: float = 300.0
    page_mm: tuple[float, float] = (120.0, 80.0)
    box_mm: tuple[float, float, float, float] = (72.0, 14.0, 39.0, 49.0)
    box_line_mm: float = 0.3
    caption: str | None = "PHOTO 4.5cm x 3.5cm"
    caption_below: bool = True
    prints: tuple[GluedPrint, ...] = ()
    rules: bool = True
    text: bool = True
    stamp: bool = True
    handwriting: bool = True
    ink_bgr: tuple[int, int, int] = (40, 40, 40)
    paper_bgr: tuple[int, int, int] = (238, 242, 244)
    texture: float = 3.0
    greyscale: bool = False
    jpeg_quality: int = 90
    noise_sigma: float = 1.5
    record_dpi: bool = True
    font_seed: int = 0
    seed: int = 0


@dataclass(frozen=True)
class FormPrintTruth:
    """Ground truth of one glued print (scan_synth's conventions).

    Attributes
    ----------
    quad_px : numpy.ndarray
        ``(4, 2)`` corners in scan px: TL, TR, BR, BL of the upright print.
    rotation_deg : float
    crown_mm, chin_mm, nose_mm : numpy.ndarray
        ``(2,)`` in print mm.
    mm_to_scan : numpy.ndarray
        ``(2, 3)`` affine from print mm to scan px.
    conforming : bool
        The print as glued meets the standard (head, top margin, centring, 35×45 ± 1 mm).
    """

    quad_px: np.ndarray
    rotation_deg: float
    crown_mm: np.ndarray
    chin_mm: np.ndarray
    nose_mm: np.ndarray
    mm_to_scan: np.ndarray
    spec: GluedPrint
    conforming: bool


@dataclass(frozen=True)
class FormScan:
    """A generated form scan: the JPEG and the truth of every glued print (none: empty box)."""

    data: bytes
    prints: tuple[FormPrintTruth, ...]
    spec: FormSpec
    box_quad_px: np.ndarray
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        """``empty``, ``print`` or ``two``."""
        return ("empty", "print")[len(self.prints)] if len(self.prints) < 2 else "two"


def print_conforms(p: GluedPrint, margin_mm: float = 0.0) -> bool:
    """Whether a print as glued meets the standard (with ``margin_mm`` inside every limit)."""
    (h0, h1), (t0, t1), c = STANDARD["head"], STANDARD["top"], STANDARD["centre"]
    return (h0 + margin_mm <= p.face_mm <= h1 - margin_mm
            and t0 + margin_mm <= p.crown_mm <= t1 - margin_mm
            and abs(p.nose_dx_mm) <= c - margin_mm
            and abs(p.height_mm - 45.0) <= 1.0 and abs(p.width_mm - 35.0) <= 1.0)


# --- sampling ----------------------------------------------------------------------------------


def _print_geometry(rng: np.random.Generator, conforming: bool) -> dict[str, float]:
    """Face geometry of a print: inside the standard (with a margin), or outside it."""
    m = CONFORMING_MARGIN_MM
    if conforming:
        return {"face_mm": float(rng.uniform(32.0 + m, 36.0 - m)),
                "crown_mm": float(rng.uniform(2.0 + m, 6.0 - m)),
                "nose_dx_mm": float(rng.uniform(-2.0 + m, 2.0 - m))}
    which = rng.integers(3)
    face = float(rng.uniform(32.5, 35.5))
    crown = float(rng.uniform(2.5, 5.5))
    dx = float(rng.uniform(-1.0, 1.0))
    if which == 0:  # head too small or too large
        face = float(rng.choice([rng.uniform(27.0, 31.0), rng.uniform(37.0, 39.0)]))
        crown = float(np.clip((45 - face * 45 / 34) / 2 + 4 * face / 34, 1.0, 8.0))
    elif which == 1:  # crown too close to the top or too low
        crown = float(rng.choice([rng.uniform(0.6, 1.4), rng.uniform(6.8, 8.0)]))
    else:  # off-centre
        dx = float(rng.choice([-1, 1]) * rng.uniform(2.8, 4.0))
    return {"face_mm": face, "crown_mm": crown, "nose_dx_mm": dx}


def sample_form(rng: np.random.Generator, i: int, *, kind: str | None = None,
                conforming: bool | None = None) -> FormSpec:
    """One random form specification.

    ``kind`` (``print``/``empty``/``two``) and ``conforming`` default to a mix driven by ``i``:
    every 10th form has an empty box, every 10th (offset 5) two prints; 4 in 5 single prints
    meet the standard. Resolutions cycle through 200/300/400/600 dpi.
    """
    if kind is None:
        kind = "empty" if i % 10 == 3 else "two" if i % 10 == 8 else "print"
    if conforming is None:
        conforming = i % 5 != 4
    dpi = (300.0, 400.0, 600.0, 300.0, 200.0, 400.0)[i % 6]
    box_w = float(rng.uniform(38.0, 41.0))
    box_h = float(rng.uniform(48.0, 51.0))
    left_mm = float(rng.uniform(40.0, 75.0))   # rules and text to the left
    top_mm = float(rng.uniform(8.0, 25.0))     # and above
    caption_below = bool(rng.random() < 0.6)
    extra_w = 45.0 if kind == "two" else 0.0   # room for the second print
    page = (left_mm + box_w + float(rng.uniform(6.0, 20.0)) + extra_w,
            top_mm + box_h + float(rng.uniform(10.0, 22.0)))
    box = (left_mm, top_mm, box_w, box_h)
    prints: list[GluedPrint] = []
    if kind in ("print", "two"):
        size = (float(rng.uniform(44.6, 45.4)), float(rng.uniform(34.6, 35.4)))
        geo = _print_geometry(rng, conforming)
        # glued near the box centre: ~1 mm off, sometimes more (over the box line)
        off = rng.normal(0.0, 0.7, 2)
        if rng.random() < 0.2:
            off += rng.choice([-1, 1], 2) * rng.uniform(1.2, 2.0, 2)
        centre = (left_mm + box_w / 2 + float(off[0]), top_mm + box_h / 2 + float(off[1]))
        prints.append(GluedPrint(centre, float(rng.uniform(-4.0, 4.0)), size[0], size[1],
                                 shadow=float(rng.uniform(0.02, 0.10)), portrait=i, **geo))
        if kind == "two":
            c2 = (left_mm + box_w + 8.0 + 17.5 + float(rng.uniform(-2, 2)),
                  top_mm + box_h / 2 + float(rng.uniform(-3, 3)))
            prints.append(GluedPrint(c2, float(rng.uniform(-6.0, 6.0)), size[0], size[1],
                                     shadow=float(rng.uniform(0.02, 0.10)), portrait=i + 1,
                                     **_print_geometry(rng, True)))
    coloured_ink = rng.random() < 0.35
    ink = tuple(int(v) for v in (rng.choice([(120, 90, 40), (60, 110, 60), (40, 70, 140)])
                                 if coloured_ink else rng.integers(20, 70, 3)))
    paper = tuple(int(v) for v in np.clip(rng.normal([236, 241, 244], 5), 200, 255))
    return FormSpec(
        dpi=dpi, page_mm=page, box_mm=box, box_line_mm=float(rng.uniform(0.15, 0.6)),
        caption=None if rng.random() < 0.1 else str(rng.choice(CAPTIONS)),
        caption_below=caption_below, prints=tuple(prints),
        rules=bool(rng.random() < 0.85), text=bool(rng.random() < 0.9),
        stamp=bool(rng.random() < 0.6), handwriting=bool(rng.random() < 0.7),
        ink_bgr=ink, paper_bgr=paper, texture=float(rng.uniform(1.0, 5.0)),
        greyscale=bool(rng.random() < 0.25), jpeg_quality=int(rng.integers(80, 96)),
        noise_sigma=float(rng.uniform(0.5, 2.5)), record_dpi=True,
        font_seed=int(rng.integers(1 << 30)), seed=int(rng.integers(1 << 30)),
    )


# --- rendering ---------------------------------------------------------------------------------


def _paper(h: int, w: int, spec: FormSpec, rng: np.random.Generator) -> np.ndarray:
    """Paper colour with a cloudy, fibrous texture."""
    ppm = spec.dpi / MM_PER_INCH
    page = np.empty((h, w, 3), np.float32)
    page[:] = np.array(spec.paper_bgr, np.float32)
    small = rng.normal(0, 1, (max(2, h // 16), max(2, w // 16))).astype(np.float32)
    cloud = cv2.resize(cv2.GaussianBlur(small, (0, 0), max(1.0, 0.15 * ppm)), (w, h),
                       interpolation=cv2.INTER_CUBIC)
    cloud *= spec.texture / max(1e-6, float(cloud.std()))
    fibre = cv2.GaussianBlur(rng.normal(0, 1, (h, w)).astype(np.float32), (0, 0), 0.7)
    fibre *= 0.5 * spec.texture / max(1e-6, float(fibre.std()))
    return page + (cloud + fibre)[..., None]


def _text(img: np.ndarray, words: str, org_mm: tuple[float, float], height_mm: float,
          font: int, colour: tuple[int, ...], ppm: float, thick_mm: float = 0.2) -> float:
    """Draw ``words`` with its baseline's left end at ``org_mm``; returns its width in mm."""
    base = cv2.getTextSize("H", font, 1.0, 1)[0][1]
    scale = height_mm * ppm / max(1, base)
    thick = max(1, int(round(thick_mm * ppm)))
    org = (int(org_mm[0] * ppm), int(org_mm[1] * ppm))
    cv2.putText(img, words, org, font, scale, colour, thick, cv2.LINE_AA)
    return cv2.getTextSize(words, font, scale, thick)[0][0] / ppm


def _furniture(ink: np.ndarray, spec: FormSpec, rng: np.random.Generator) -> None:
    """Ruled lines, labels and text blocks left of and above the box (drawn on ``ink``)."""
    ppm = spec.dpi / MM_PER_INCH
    left, top, bw, bh = spec.box_mm
    colour = (255, 255, 255)
    fonts = [int(f) for f in rng.choice(HERSHEY, 3)]
    if spec.rules:
        pitch = float(rng.uniform(7.0, 10.0))
        y = float(rng.uniform(6.0, 10.0))
        while y < spec.page_mm[1] - 3:
            x1 = left - float(rng.uniform(2.5, 5.0))
            cv2.line(ink, (int(3 * ppm), int(y * ppm)), (int(x1 * ppm), int(y * ppm)), colour,
                     max(1, int(round(0.15 * ppm))), cv2.LINE_AA)
            if spec.text and rng.random() < 0.7:
                _text(ink, str(rng.choice(WORDS)), (4.0, y - 1.2), float(rng.uniform(1.6, 2.6)),
                      fonts[0], colour, ppm, 0.15)
            y += pitch
        # a vertical rule closing the table on the left
        cv2.line(ink, (int(3 * ppm), int(4 * ppm)), (int(3 * ppm), int((y - pitch) * ppm)),
                 colour, max(1, int(round(0.2 * ppm))), cv2.LINE_AA)
    if spec.text:
        # a heading above the box and a paragraph of small print above the rules
        _text(ink, str(rng.choice(WORDS)), (left - 10, max(4.0, top - 6.0)),
              float(rng.uniform(2.5, 3.5)), fonts[1], colour, ppm, 0.3)
        for k in range(int(rng.integers(1, 4))):
            y = 3.5 + 2.6 * k
            if y > top - 8:
                break
            line = " ".join(str(w) for w in rng.choice(WORDS, 4))
            _text(ink, line, (5.0, y), 1.6, fonts[2], colour, ppm, 0.12)


def _caption(ink: np.ndarray, spec: FormSpec, rng: np.random.Generator) -> None:
    if not spec.caption:
        return
    ppm = spec.dpi / MM_PER_INCH
    left, top, bw, bh = spec.box_mm
    font = int(rng.choice(HERSHEY[:6]))
    h_mm = float(rng.uniform(1.6, 2.4))
    y = top + bh + 1.5 + h_mm if spec.caption_below else top - 1.5
    _text(ink, spec.caption, (left + 0.5, y), h_mm, font, (255, 255, 255), ppm, 0.15)


def _handwriting(page: np.ndarray, spec: FormSpec, rng: np.random.Generator) -> None:
    """Pen strokes (a smooth random walk) on the rules left of the box, in blue or black."""
    ppm = spec.dpi / MM_PER_INCH
    left = spec.box_mm[0]
    pen = (150, 60, 30) if rng.random() < 0.6 else (35, 30, 30)
    for _ in range(int(rng.integers(2, 6))):
        x = float(rng.uniform(15, max(16, left - 25)))
        y = float(rng.uniform(8, spec.page_mm[1] - 6))
        n = int(rng.integers(30, 90))
        ang = np.cumsum(rng.normal(0, 0.6, n))
        steps = np.stack([np.abs(np.cos(ang)) * 0.35 + 0.1, np.sin(ang) * 0.5], 1)
        pts = np.array([x, y]) + np.cumsum(steps, 0)
        pts[:, 0] = np.minimum(pts[:, 0], left - 3)
        cv2.polylines(page, [np.round(pts * ppm * 16).astype(np.int32)], False, pen,
                      max(1, int(round(0.3 * ppm))), cv2.LINE_AA, 4)


def _stamp(page: np.ndarray, spec: FormSpec, rng: np.random.Generator) -> None:
    """A red seal (ring, inner ring, characters) beside the box, partly transparent."""
    ppm = spec.dpi / MM_PER_INCH
    left, top, bw, bh = spec.box_mm
    r = float(rng.uniform(5.0, 8.0))
    cx = float(rng.uniform(r + 3, max(r + 4, left - r - 2)))
    cy = float(rng.uniform(top + r, top + bh))
    layer = np.zeros(page.shape[:2], np.uint8)
    c = (int(cx * ppm), int(cy * ppm))
    cv2.circle(layer, c, int(r * ppm), 255, max(1, int(0.6 * ppm)), cv2.LINE_AA)
    cv2.circle(layer, c, int(0.75 * r * ppm), 255, max(1, int(0.25 * ppm)), cv2.LINE_AA)
    _text(layer, "RCVD", (cx - 0.55 * r, cy + 0.15 * r), 0.35 * r, cv2.FONT_HERSHEY_DUPLEX,
          (255,), ppm, 0.35)
    a = cv2.GaussianBlur(layer, (0, 0), 0.4 * max(1.0, ppm / 12)).astype(np.float32) / 255
    a *= float(rng.uniform(0.55, 0.9))
    red = np.array([50, 40, 200], np.float32)
    page *= 1 - a[..., None]
    page += a[..., None] * red


def _print_pixels(portrait: Portrait, p: GluedPrint, mm_to_scan: np.ndarray,
                  size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """The portrait as a print warped onto the scan, and the affine portrait px → print mm."""
    ppm = float(np.sqrt(abs(np.linalg.det(mm_to_scan[:, :2]))))
    s, origin = print_placement(portrait, p.face_mm, p.crown_mm, p.nose_dx_mm, p.width_mm)
    warped, _, _ = warp_portrait(portrait.bgr, s, origin, ppm, mm_to_scan, size)
    full_to_mm = np.array([[1 / s, 0, -origin[0] / s], [0, 1 / s, -origin[1] / s]])
    return warped, full_to_mm


def quad_coverage(quad: np.ndarray, h: int, w: int) -> np.ndarray:
    """``(h, w)`` float32 fraction of each pixel (centre at integer coordinates) inside the
    convex ``quad``: per side ``clip(0.5 - d, 0, 1)`` for the pixel centre's signed distance
    ``d`` outside it, multiplied over the sides — 0.5 exactly on the true edge.

    ``cv2.fillConvexPoly(..., cv2.LINE_AA)`` draws its anti-aliased edge outside the polygon:
    the print it drew was ~0.7 px larger on every side than its ground-truth quad.
    """
    out = np.zeros((h, w), np.float32)
    x0, y0 = (max(0, int(np.floor(v)) - 2) for v in quad.min(axis=0))
    x1, y1 = int(min(w, np.ceil(quad[:, 0].max()) + 3)), int(min(h, np.ceil(quad[:, 1].max()) + 3))
    if x1 <= x0 or y1 <= y0:
        return out
    ys, xs = np.mgrid[y0:y1, x0:x1].astype(np.float64)
    centre = quad.mean(axis=0)
    cover = np.ones(xs.shape, np.float64)
    for a, b in zip(quad, np.roll(quad, -1, axis=0), strict=True):
        d = b - a
        n = np.array([d[1], -d[0]]) / float(np.hypot(*d))
        if n @ (centre - a) > 0:
            n = -n  # outward
        cover *= np.clip(0.5 - ((xs - a[0]) * n[0] + (ys - a[1]) * n[1]), 0.0, 1.0)
    out[y0:y1, x0:x1] = cover
    return out


def _glue(page: np.ndarray, portrait: Portrait, p: GluedPrint, ppm: float,
          rng: np.random.Generator) -> FormPrintTruth:
    """Composite one print onto ``page`` (in place) and return its truth."""
    h, w = page.shape[:2]
    mm_to_scan, quad = print_to_scan(p.rotation_deg, ppm, p.width_mm, p.height_mm,
                                     np.array(p.centre_mm) * ppm)
    printed, full_to_mm = _print_pixels(portrait, p, mm_to_scan, (w, h))
    tint = rng.uniform(0.95, 1.02, 3).astype(np.float32)
    printed *= tint
    alpha2 = quad_coverage(quad, h, w)
    mask = np.round(alpha2 * 255).astype(np.uint8)
    alpha = alpha2[..., None]
    if p.shadow > 0:
        # the print's edge stands off the paper: a soft shadow below-right, and a faint glue
        # halo all round
        sh = edge_shadow(mask, ppm, 0.2, 0.12)
        halo = cv2.GaussianBlur(mask, (0, 0), max(1.0, 0.3 * ppm)).astype(np.float32) / 255
        page *= (1 - p.shadow * sh - 0.3 * p.shadow * halo)[..., None]
    page[:] = printed * alpha + page * (1 - alpha)
    crown_mm, chin_mm, nose_mm = (full_to_mm[:, :2] @ q + full_to_mm[:, 2]
                                  for q in (portrait.crown, portrait.chin, portrait.nose))
    return FormPrintTruth(quad, p.rotation_deg, crown_mm, chin_mm, nose_mm, mm_to_scan, p,
                          print_conforms(p))


def render_form(portraits: list[Portrait], spec: FormSpec) -> FormScan:
    """Render the form per ``spec`` with its prints (portraits by index, modulo the list).

    Returns
    -------
    FormScan
        The JPEG and the ground truth.
    """
    rng = np.random.default_rng(spec.font_seed)
    ppm = spec.dpi / MM_PER_INCH
    w = int(round(spec.page_mm[0] * ppm))
    h = int(round(spec.page_mm[1] * ppm))
    page = _paper(h, w, spec, rng)
    # the printed form: an ink mask (white on black), laid on the paper as a multiply
    ink = np.zeros((h, w), np.uint8)
    left, top, bw, bh = spec.box_mm
    line = max(1, int(round(spec.box_line_mm * ppm)))
    half = spec.box_line_mm / 2
    p0 = (int(round((left + half) * ppm)), int(round((top + half) * ppm)))
    p1 = (int(round((left + bw - half) * ppm)), int(round((top + bh - half) * ppm)))
    cv2.rectangle(ink, p0, p1, 255, line, cv2.LINE_AA)
    _furniture(ink, spec, rng)
    _caption(ink, spec, rng)
    a = ink.astype(np.float32)[..., None] / 255.0
    page = page * (1 - a) + a * np.array(spec.ink_bgr, np.float32)
    if spec.handwriting:
        _handwriting(page, spec, rng)
    if spec.stamp:
        _stamp(page, spec, rng)
    truths = tuple(_glue(page, portraits[g.portrait % len(portraits)], g, ppm, rng)
                   for g in spec.prints)
    data = encode_scan(page, seed=spec.seed, noise_sigma=spec.noise_sigma,
                       jpeg_quality=spec.jpeg_quality, dpi=spec.dpi if spec.record_dpi else None,
                       greyscale=spec.greyscale)
    box = np.array([[left, top], [left + bw, top], [left + bw, top + bh], [left, top + bh]],
                   float) * ppm
    return FormScan(data, truths, spec, box)


def with_kind(spec: FormSpec, kind: str) -> FormSpec:
    """``spec`` with its prints removed (``empty``) or only the first kept (``print``)."""
    if kind == "empty":
        return replace(spec, prints=())
    if kind == "print":
        return replace(spec, prints=spec.prints[:1])
    return spec
