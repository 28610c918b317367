"""Synthetic helper generator: composite a skin-coloured hand or arm entering the frame of a
portrait (issue 5: ``helper.visible`` must fire on ≥ 90 % of such composites).

The hand/arm is drawn procedurally (no image assets): a capsule (the forearm) from outside a
frame edge inwards, ending in a palm ellipse with four fingers and a thumb; flat skin colour
with cross-section shading, sensor noise and a soft edge, composited with an alpha mask.
It never covers the head (the face box grown by 60 %): a hand on the infant's head is
the infant's own region as far as colour goes; what is tested is a helper coming in.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

# BGR skin tones from very light to very dark (common RGB skin swatches, reversed to BGR)
SKIN_TONES_BGR = (
    (170, 194, 241), (140, 172, 224), (112, 144, 198), (90, 120, 170), (70, 96, 141),
    (52, 72, 110), (38, 52, 80), (30, 40, 60),
)


MIN_VISIBLE_FRAC = 0.01  # a hand/arm showing at least 1 % of the frame (a fingertip is not tested)


@dataclass(frozen=True)
class Composite:
    """A composited helper.

    Attributes
    ----------
    image : numpy.ndarray
        uint8 BGR, same size as the input.
    alpha : numpy.ndarray
        float32 ``(H, W)`` opacity of the hand/arm.
    kind : str
        ``arm`` (forearm + hand) or ``hand``.
    edge : str
        ``top``, ``left``, ``right`` or ``bottom``: where it enters.
    colour_bgr : tuple of int
    """

    image: np.ndarray
    alpha: np.ndarray
    kind: str
    edge: str
    colour_bgr: tuple[int, int, int]


def _shape_mask(h: int, w: int, start: np.ndarray, end: np.ndarray, width: float,
                kind: str, ss: int = 2) -> np.ndarray:
    """Binary mask of the arm/hand, drawn at ``ss``× and reduced (anti-aliased)."""
    big = np.zeros((h * ss, w * ss), np.uint8)
    d = (end - start) / max(1e-6, float(np.linalg.norm(end - start)))
    n = np.array([-d[1], d[0]])

    def p(v: np.ndarray) -> tuple[int, int]:
        return (int(round(v[0] * ss)), int(round(v[1] * ss)))

    t = max(2, int(round(width * ss)))
    if kind == "arm":
        cv2.line(big, p(start), p(end), 255, t, cv2.LINE_AA)
    else:  # a hand alone: the wrist from the edge
        cv2.line(big, p(start), p(end), 255, int(t * 0.8), cv2.LINE_AA)
    palm_c = end + d * width * 0.6
    axes = (int(width * 0.75 * ss), int(width * 0.6 * ss))
    angle = float(np.degrees(np.arctan2(d[1], d[0])))
    cv2.ellipse(big, p(palm_c), axes, angle, 0, 360, 255, -1, cv2.LINE_AA)
    finger_w = max(2, int(round(width * 0.22 * ss)))
    for k, off in enumerate((-0.45, -0.15, 0.15, 0.45)):
        base = palm_c + d * width * 0.6 + n * width * off
        tip = base + d * width * (0.75 if k in (1, 2) else 0.6)
        cv2.line(big, p(base), p(tip), 255, finger_w, cv2.LINE_AA)
    thumb_base = palm_c + n * width * 0.55
    cv2.line(big, p(thumb_base), p(thumb_base + (n * 0.7 + d * 0.5) * width * 0.8), 255,
             finger_w, cv2.LINE_AA)
    return cv2.resize(big, (w, h), interpolation=cv2.INTER_AREA)


def composite_helper(
    image: np.ndarray, face_box: np.ndarray, rng: np.random.Generator, *,
    kind: str | None = None, edge: str | None = None,
    colour_bgr: tuple[int, int, int] | None = None,
) -> Composite:
    """Composite a hand or arm entering ``image`` from an edge, away from the face.

    Parameters
    ----------
    image : numpy.ndarray
        uint8 BGR portrait.
    face_box : numpy.ndarray
        ``(x0, y0, x1, y1)`` of the face (px of ``image``); it (grown by 60 %) is never
        covered.
    rng : numpy.random.Generator
        Source of randomness (trials are reproducible from a seed).
    kind, edge, colour_bgr : optional
        Force the shape, entry edge or skin colour (random otherwise).
    """
    h, w = image.shape[:2]
    short = float(min(h, w))
    kind = kind or str(rng.choice(["arm", "hand"], p=[0.6, 0.4]))
    fb = np.asarray(face_box, dtype=np.float64)
    cx, cy = (fb[0] + fb[2]) / 2, (fb[1] + fb[3]) / 2
    fw, fh = (fb[2] - fb[0]) * 1.6, (fb[3] - fb[1]) * 1.6
    guard = np.array([cx - fw / 2, cy - fh / 2, cx + fw / 2, cy + fh / 2])
    if colour_bgr is None:
        # a tone of the palette, lighter or darker (light, shade), small colour cast
        base = np.array(SKIN_TONES_BGR[int(rng.integers(len(SKIN_TONES_BGR)))], np.float64)
        base = base * rng.uniform(0.85, 1.15) + rng.normal(0, 3, size=3)
        colour = tuple(int(v) for v in np.clip(base, 0, 255))
    else:
        colour = colour_bgr
    for _ in range(200):
        side = edge or str(rng.choice(["top", "left", "right", "bottom"],
                                      p=[0.2, 0.35, 0.35, 0.1]))
        width = rng.uniform(0.06, 0.10) * short
        length = rng.uniform(0.22, 0.40) * short if kind == "arm" else \
            rng.uniform(0.08, 0.14) * short
        if side == "top":
            start, inward = np.array([rng.uniform(0.05, 0.95) * w, -width]), np.array([0, 1.0])
        elif side == "bottom":
            start, inward = np.array([rng.uniform(0.05, 0.95) * w, h + width]), np.array([0, -1.0])
        elif side == "left":
            start, inward = np.array([-width, rng.uniform(0.05, 0.95) * h]), np.array([1.0, 0])
        else:
            start, inward = np.array([w + width, rng.uniform(0.05, 0.95) * h]), np.array([-1.0, 0])
        turn = np.radians(rng.uniform(-35, 35))
        rot = np.array([[np.cos(turn), -np.sin(turn)], [np.sin(turn), np.cos(turn)]])
        direction = rot @ inward
        end = start + direction * (length + width)
        mask = _shape_mask(h, w, start, end, width, kind)
        gx0, gy0, gx1, gy1 = (int(np.clip(v, 0, lim)) for v, lim in
                              zip(guard, (w, h, w, h), strict=True))
        if mask[gy0:gy1, gx0:gx1].max(initial=0) > 0 or mask.mean() < MIN_VISIBLE_FRAC * 255:
            continue  # covers the head, or barely enters the frame: draw again
        break
    else:  # pragma: no cover - a frame with no room away from the face
        raise ValueError("no room for a helper's hand away from the face")
    alpha = cv2.GaussianBlur(mask.astype(np.float32) / 255.0, (0, 0), 1.2)
    # shading across the limb (rounder look) and sensor noise
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    n = np.array([-direction[1], direction[0]], dtype=np.float32)
    across = ((xx - start[0]) * n[0] + (yy - start[1]) * n[1]) / max(1.0, float(width))
    shade = np.clip(1.0 - 0.25 * across**2, 0.7, 1.05)
    skin = np.empty((h, w, 3), np.float32)
    for c in range(3):
        skin[..., c] = colour[c] * shade
    skin += rng.normal(0, 4.0, size=skin.shape).astype(np.float32)
    out = image.astype(np.float32) * (1 - alpha[..., None]) + skin * alpha[..., None]
    return Composite(np.clip(out, 0, 255).astype(np.uint8), alpha, kind, side,
                     (int(colour[0]), int(colour[1]), int(colour[2])))
