"""Background measures: texture/objects, shadows beside the person, contrast along the
silhouette, and colour.

Pure numpy/OpenCV functions on a Lab image and a person probability of the same size (numbers
out, no thresholds). J-LIS refuses a background with objects or patterns, a shadow on the
background, a background close to the colour of hair, skin or clothes ("無背景"); ICAO 9303-3
asks for a plain, uniform, light background.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


def to_lab(bgr: np.ndarray) -> np.ndarray:
    """uint8 BGR → float32 CIE Lab (L* 0–100, a*, b* about −128…127)."""
    return cv2.cvtColor(np.asarray(bgr, dtype=np.float32) / 255.0, cv2.COLOR_BGR2LAB)


def distances(prob: np.ndarray, threshold: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """Pixel distance to the silhouette outside (background side) and inside (person side)."""
    person = (np.asarray(prob) >= threshold).astype(np.uint8)
    outside = cv2.distanceTransform(1 - person, cv2.DIST_L2, 3)
    inside = cv2.distanceTransform(person, cv2.DIST_L2, 3)
    return outside, inside


def least_squares(design: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Least-squares coefficients of ``design @ coef ≈ values`` (SVD, float64).

    OpenCV's solver, single-threaded: these systems are a few thousand rows by a few columns,
    where a threaded BLAS ``lstsq`` costs 20× more CPU in thread wake-ups than in arithmetic.
    """
    d = np.ascontiguousarray(design, dtype=np.float64)
    v = np.ascontiguousarray(values, dtype=np.float64)
    _, coef = cv2.solve(d, v.reshape(v.shape[0], -1), flags=cv2.DECOMP_SVD)
    return coef.reshape((d.shape[1],) + v.shape[1:])


def quadratic_residual(values: np.ndarray, mask: np.ndarray, degree: int = 2,
                       max_samples: int = 6000) -> np.ndarray:
    """``values`` minus a least-squares polynomial surface fitted on ``mask`` pixels.

    Removes a smooth illumination gradient (vignetting, a light falling off across a wall) so
    only texture, objects and edges remain. The fit uses at most ``max_samples`` evenly spread
    mask pixels. Returns zeros outside ``mask``.
    """
    vals3 = values.reshape(values.shape[0], values.shape[1], -1).astype(np.float32)
    h, w = mask.shape
    out = np.zeros_like(vals3)
    inside = np.asarray(mask, bool)
    ys, xs = np.nonzero(inside)
    if ys.size < 10:
        return out.reshape(values.shape)
    step = max(1, ys.size // max_samples)
    ys, xs = ys[::step], xs[::step]
    gx = np.arange(w, dtype=np.float32) / max(w, 1) - 0.5
    gy = np.arange(h, dtype=np.float32) / max(h, 1) - 0.5
    powers = [(total - j, j) for total in range(degree + 1) for j in range(total + 1)]
    design = np.stack([gx[xs] ** px * gy[ys] ** py for px, py in powers], axis=1)
    coef = least_squares(design, vals3[ys, xs]).astype(np.float32)
    # the surface is separable per term: sum_k gy^py_k · gx^px_k · coef_k, one outer product
    # per term and channel instead of a (pixels × terms) design matrix
    fitted = np.zeros_like(vals3)
    for (px, py), c in zip(powers, coef, strict=True):
        fitted += (gy ** py)[:, None, None] * ((gx ** px)[:, None] * c)[None, :, :]
    np.subtract(vals3, fitted, out=out, where=inside[..., None])
    return out.reshape(values.shape)


@dataclass(frozen=True)
class Texture:
    """How far the background is from a plain (smoothly lit) surface.

    Attributes
    ----------
    edge_density : float
        Fraction of background pixels whose L* gradient exceeds the edge level.
    residual_std : float
        Robust spread (1.4826·MAD) of L* after removing a quadratic illumination surface.
    colour_std : float
        Robust spread of a*, b* after the same removal (colour blobs, objects).
    area_fraction : float
        Background pixels used / image pixels.
    """

    edge_density: float
    residual_std: float
    colour_std: float
    area_fraction: float


def texture(lab: np.ndarray, background: np.ndarray, edge_level: float = 3.0) -> Texture:
    """Texture figures of the background region.

    Parameters
    ----------
    lab : numpy.ndarray
        float32 ``(H, W, 3)`` Lab (see :func:`to_lab`).
    background : numpy.ndarray
        bool ``(H, W)``: background pixels, already away from the silhouette edge.
    edge_level : float
        L* units per pixel above which a pixel counts as an edge (after a σ = 1 px blur).
    """
    bg = np.asarray(background, bool)
    n = int(bg.sum())
    if n < 50:
        return Texture(0.0, 0.0, 0.0, n / bg.size)
    lightness = cv2.GaussianBlur(lab[..., 0], (0, 0), 1.0)
    gx = cv2.Scharr(lightness, cv2.CV_32F, 1, 0) / 16.0
    gy = cv2.Scharr(lightness, cv2.CV_32F, 0, 1) / 16.0
    grad = np.hypot(gx, gy)
    edge_density = float((grad[bg] > edge_level).mean())
    res = quadratic_residual(lab, bg)
    r = res[bg]

    def spread(v: np.ndarray) -> float:
        return float(1.4826 * np.median(np.abs(v - np.median(v))))

    residual_std = spread(r[:, 0])
    colour_std = float(np.hypot(spread(r[:, 1]), spread(r[:, 2])))
    return Texture(edge_density, residual_std, colour_std, n / bg.size)


@dataclass(frozen=True)
class Shadow:
    """Darkening of the background just beside the person, per side.

    Attributes
    ----------
    left, right : float
        Fraction of the near band (image-left / image-right of the person) that is darker
        than ``dark_ratio`` × the illumination expected from the background further away.
    depth_left, depth_right : float
        ``1 − median(Y_near / Y_expected)`` per side (0 = no darkening).
    """

    left: float
    right: float
    depth_left: float
    depth_right: float

    @property
    def worst(self) -> float:
        """The larger of the two side fractions."""
        return max(self.left, self.right)


def shadow(luminance: np.ndarray, prob: np.ndarray, near_px: tuple[float, float],
           far_px: tuple[float, float], bottom_y: float | None = None,
           dark_ratio: float = 0.8, outside: np.ndarray | None = None) -> Shadow:
    """Compare luminance beside the silhouette with the background further out, per side.

    Illumination expected at each near-band pixel comes from a plane fitted (per side) on the
    far band, so a smooth gradient across the wall is not a shadow. Rows below ``bottom_y``
    (e.g. under the shoulders, where the frame is cut) are ignored.

    Parameters
    ----------
    luminance : numpy.ndarray
        Linear luminance ``(H, W)``.
    prob : numpy.ndarray
        Person probability ``(H, W)``.
    near_px, far_px : tuple of float
        Distance bands from the silhouette (px) for "beside" and "further away".
    outside : numpy.ndarray, optional
        Precomputed outside distance (see :func:`distances`).
    """
    h, w = luminance.shape
    if outside is None:
        outside, _ = distances(prob)
    person = np.asarray(prob) >= 0.5
    cols = np.nonzero(person.any(axis=0))[0]
    centre_x = float(cols.mean()) if cols.size else w / 2.0
    yy, xx = np.mgrid[0:h, 0:w]
    rows_ok = np.ones((h, w), bool) if bottom_y is None else yy < bottom_y
    near = (outside >= near_px[0]) & (outside < near_px[1]) & rows_ok
    far = (outside >= far_px[0]) & (outside < far_px[1]) & rows_ok
    fractions, depths = [], []
    for side in (xx < centre_x, xx >= centre_x):
        n_mask, f_mask = near & side, far & side
        if n_mask.sum() < 20 or f_mask.sum() < 20:
            fractions.append(0.0)
            depths.append(0.0)
            continue
        ys, xs = np.nonzero(f_mask)
        step = max(1, ys.size // 4000)  # a plane needs few samples
        ys, xs = ys[::step], xs[::step]
        design = np.stack([np.ones(ys.size), xs / w, ys / h], axis=1)
        coef = least_squares(design, luminance[ys, xs])
        ny, nx = np.nonzero(n_mask)
        expected = np.stack([np.ones(ny.size), nx / w, ny / h], axis=1) @ coef
        ratio = luminance[ny, nx] / np.maximum(expected, 1e-4)
        fractions.append(float((ratio < dark_ratio).mean()))
        depths.append(float(1.0 - np.median(ratio)))
    return Shadow(fractions[0], fractions[1], depths[0], depths[1])


def silhouette_contrast(lab: np.ndarray, prob: np.ndarray, band_px: tuple[float, float],
                        window_px: int, region: np.ndarray | None = None,
                        dist: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """CIE76 ΔE between the person side and the background side along the silhouette.

    For every silhouette pixel the mean Lab of the inner band (person, ``band_px`` inside) and
    of the outer band (background, ``band_px`` outside) within a ``window_px`` square are
    compared.

    Parameters
    ----------
    region : numpy.ndarray, optional
        bool ``(H, W)``: only silhouette pixels inside it are returned (e.g. the head).
    dist : tuple of numpy.ndarray, optional
        Precomputed ``(outside, inside)`` distances (see :func:`distances`).

    Returns
    -------
    numpy.ndarray
        ΔE at each usable silhouette pixel (1-D, possibly empty).
    """
    outside, inside = dist if dist is not None else distances(prob)
    inner = ((inside >= band_px[0]) & (inside < band_px[1])).astype(np.float32)
    outer = ((outside >= band_px[0]) & (outside < band_px[1])).astype(np.float32)
    person = (np.asarray(prob) >= 0.5).astype(np.uint8)
    edge = (person - cv2.erode(person, np.ones((3, 3), np.uint8))).astype(bool)
    h, w = edge.shape
    # the frame border is not a silhouette
    edge[:1, :] = edge[-1:, :] = False
    edge[:, :1] = edge[:, -1:] = False
    if region is not None:
        edge &= np.asarray(region, bool)
    k = (int(window_px), int(window_px))
    w_in = cv2.blur(inner, k)
    w_out = cv2.blur(outer, k)
    usable = edge & (w_in > 0.02) & (w_out > 0.02)
    if not usable.any():
        return np.zeros(0, np.float32)
    mean_in = np.stack([cv2.blur(lab[..., c] * inner, k) for c in range(3)], axis=-1)
    mean_out = np.stack([cv2.blur(lab[..., c] * outer, k) for c in range(3)], axis=-1)
    a = mean_in[usable] / w_in[usable][:, None]
    b = mean_out[usable] / w_out[usable][:, None]
    return np.linalg.norm(a - b, axis=1).astype(np.float32)


@dataclass(frozen=True)
class Colour:
    """Background colour: median L* and chroma C*ab."""

    lightness: float
    chroma: float


def colour(lab: np.ndarray, background: np.ndarray) -> Colour:
    """Median L* and chroma of the background pixels (NaN when there are none)."""
    bg = np.asarray(background, bool)
    if not bg.any():
        return Colour(float("nan"), float("nan"))
    px = lab[bg]
    med = np.median(px, axis=0)
    return Colour(float(med[0]), float(np.hypot(med[1], med[2])))
