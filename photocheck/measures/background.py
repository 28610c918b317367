"""Background measures: texture/objects, shadows beside the person, contrast along the
silhouette, and colour.

Pure numpy/OpenCV functions on a Lab image and a person probability of the same size (numbers
out, no thresholds). J-LIS refuses a background with objects or patterns, a shadow on the
background, a background close to the colour of hair, skin or clothes ("無背景"); ICAO 9303-3
asks for a plain, uniform, light background.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from photocheck.measures.bounds import ceil_within
from photocheck.measures.colour import channel_norm
from photocheck.measures.order import median


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
    It solves the normal equations (an SVD of the small ``terms × terms`` matrix, not of the
    whole design): the low-degree polynomial designs here are well conditioned.
    """
    d = np.ascontiguousarray(design, dtype=np.float64)
    v = np.ascontiguousarray(values, dtype=np.float64)
    _, coef = cv2.solve(d, v.reshape(v.shape[0], -1), flags=cv2.DECOMP_SVD | cv2.DECOMP_NORMAL)
    return coef.reshape((d.shape[1],) + v.shape[1:])


def _poly_terms(degree: int) -> list[tuple[int, int]]:
    """Exponents ``(px, py)`` of the polynomial terms of total degree ≤ ``degree``."""
    return [(total - j, j) for total in range(degree + 1) for j in range(total + 1)]


def channels_at(image: np.ndarray, mask: np.ndarray) -> list[np.ndarray]:
    """Each channel of an ``(H, W[, C])`` image at the ``mask`` pixels, in row-major order.

    Read once and shared by :func:`quadratic_residual_at` and :func:`colour` (a 2-D mask read
    holds the GIL over the whole image).
    """
    planes = image.reshape(image.shape[0], image.shape[1], -1)
    inside = np.asarray(mask, bool)
    return [planes[..., c][inside] for c in range(planes.shape[2])]


def quadratic_residual_at(values: np.ndarray, mask: np.ndarray, degree: int = 2,
                          max_samples: int = 6000,
                          values_at: Sequence[np.ndarray] | None = None) -> np.ndarray:
    """Residuals of ``values`` from a least-squares polynomial surface, at the ``mask`` pixels.

    Removes a smooth illumination gradient (vignetting, a light falling off across a wall) so
    only texture, objects and edges remain. The fit uses at most ``max_samples`` evenly spread
    mask pixels (coordinates normalised to −0.5…0.5 of the image size). ``values_at``:
    :func:`channels_at` of ``values`` and ``mask``, when already read.

    Returns
    -------
    numpy.ndarray
        float32 ``(n_mask_pixels, channels)`` in row-major pixel order (zeros when the mask has
        fewer than 10 pixels).
    """
    vals3 = values.reshape(values.shape[0], values.shape[1], -1)
    h, w = mask.shape
    inside = np.asarray(mask, bool)
    # flat indices: numpy's 2-D nonzero costs ~20× more than the 1-D one on an image
    flat = np.flatnonzero(inside)
    if flat.size < 10:
        return np.zeros((flat.size, vals3.shape[2]), np.float32)
    step = max(1, flat.size // max_samples)
    ys, xs = np.divmod(flat[::step], w)
    # the powers of the normalised coordinates, per image size (each the float32 array numpy's
    # ``g ** p`` gives), read at the samples for every term at once
    gx_pow, gy_pow = _grid_powers(w, degree), _grid_powers(h, degree)
    powers = _poly_terms(degree)
    px_of, py_of = [px for px, _ in powers], [py for _, py in powers]
    design = (gx_pow[:, xs][px_of] * gy_pow[:, ys][py_of]).T  # (samples, terms)
    coef = least_squares(design, vals3[ys, xs]).astype(np.float32)
    # the surface is separable per term: for each power of x, a column profile in y times a row
    # profile in x, summed at the mask pixels only (the same float32 products and sums as over
    # the whole image); the mask's pixels run row by row, so a column profile is repeated per
    # row instead of gathered; no (pixels × terms) matrix, no threaded BLAS. All channels at
    # once: each channel's row of these arrays takes that channel's own steps, in order.
    per_row = _row_counts(inside)
    at_x = flat - np.repeat(np.arange(h) * w, per_row)
    channels = vals3.shape[2]
    fitted = np.zeros((channels, flat.size), np.float32)
    for p_x in range(degree + 1):
        cols = np.zeros((channels, h), np.float32)
        for (px, py), k in zip(powers, coef, strict=True):
            if px == p_x:
                cols += k[:, None] * gy_pow[py]
        fitted += np.repeat(cols, per_row, axis=1) * gx_pow[p_x][at_x]
    # the residuals in place of the fit, channel by channel (a 2-D mask read of a 3-channel
    # image is 8× slower than of one channel plane), rounded to float32 as they are stored
    if values_at is None:
        values_at = channels_at(vals3, inside)
    for c in range(channels):
        np.subtract(values_at[c], fitted[c], out=fitted[c])
    return fitted.T


@lru_cache(maxsize=64)  # a handful of image sizes in practice
def _grid_powers(n: int, degree: int) -> np.ndarray:
    """``(degree + 1, n)`` float32: row ``p`` is ``g ** p`` of ``g = arange(n) / n − 0.5``
    (float32), as numpy gives it (``g ** 0`` ones, ``g ** 1`` ``g``, ``g ** 2`` ``g·g``).

    Made once per image side and degree: the working image keeps its size from photo to
    photo. Read-only.
    """
    g = np.arange(n, dtype=np.float32) / max(n, 1) - 0.5
    powers = np.stack([g ** p for p in range(degree + 1)])
    powers.flags.writeable = False
    return powers


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


def texture(lab: np.ndarray, background: np.ndarray, edge_level: float = 3.0,
            lab_at: Sequence[np.ndarray] | None = None) -> Texture:
    """Texture figures of the background region.

    Parameters
    ----------
    lab : numpy.ndarray
        float32 ``(H, W, 3)`` Lab (:func:`photocheck.measures.colour.to_lab`, scaling ``cie``).
    background : numpy.ndarray
        bool ``(H, W)``: background pixels, already away from the silhouette edge.
    edge_level : float
        L* units per pixel above which a pixel counts as an edge (after a σ = 1 px blur).
    lab_at : sequence of numpy.ndarray, optional
        :func:`channels_at` of ``lab`` and ``background``, when already read.
    """
    bg = np.asarray(background, bool)
    n = int(np.count_nonzero(bg))
    if n < 50:
        return Texture(0.0, 0.0, 0.0, n / bg.size)
    # the L* plane copied out by OpenCV (without the GIL)
    lightness = cv2.GaussianBlur(cv2.extractChannel(lab, 0), (0, 0), 1.0)
    gx = cv2.Scharr(lightness, cv2.CV_32F, 1, 0, scale=1.0 / 16.0)
    gy = cv2.Scharr(lightness, cv2.CV_32F, 0, 1, scale=1.0 / 16.0)
    grad = cv2.magnitude(gx, gy)
    edge_density = float(np.count_nonzero((grad > edge_level) & bg)) / n
    r = quadratic_residual_at(lab, bg, values_at=lab_at)

    def spread(v: np.ndarray) -> float:
        return float(1.4826 * median(np.abs(v - np.float32(median(v)))))

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
    slab_left, slab_right : float
        The same dark fraction in the worst run of ``slab_px`` rows of each side's band (0
        without a slab): a cast shadow beside the head darkens most of the band there however
        much of the frame the body fills below, where the whole-side fraction thins out.
    """

    left: float
    right: float
    depth_left: float
    depth_right: float
    slab_left: float = 0.0
    slab_right: float = 0.0

    @property
    def worst(self) -> float:
        """The larger of the two side fractions."""
        return max(self.left, self.right)

    @property
    def worst_slab(self) -> float:
        """The larger of the two worst-slab fractions."""
        return max(self.slab_left, self.slab_right)


def worst_slab_fraction(band_rows: np.ndarray, dark_rows: np.ndarray, slab_px: int,
                        min_pixels: int = 20) -> float:
    """Largest ``dark / band`` pixel ratio over every run of ``slab_px`` consecutive rows that
    holds at least ``min_pixels`` band pixels (0 when none does).

    Parameters
    ----------
    band_rows, dark_rows : numpy.ndarray
        Per-row counts of band pixels and of the dark ones among them.
    """
    k = int(max(1, min(slab_px, band_rows.size)))
    # both running sums at once, after a zero (fewer numpy calls, the same integers)
    sums = np.zeros((2, band_rows.size + 1), np.int64)
    np.add.accumulate((band_rows, dark_rows), axis=1, dtype=np.int64, out=sums[:, 1:])
    n_band, n_dark = sums[:, k:] - sums[:, :-k]
    usable = n_band >= min_pixels
    ratios = n_dark[usable] / n_band[usable]
    return float(np.maximum.reduce(ratios)) if ratios.size else 0.0


def _row_counts(mask: np.ndarray) -> np.ndarray:
    """``mask.sum(axis=1)`` of a 2-D bool array, summed by OpenCV (exact int32 counts; numpy's
    bool-to-int row sums are slower and hold the GIL)."""
    return cv2.reduce(mask.view(np.uint8), 1, cv2.REDUCE_SUM, dtype=cv2.CV_32S).reshape(-1)


def smooth_light(lum: np.ndarray, wall: np.ndarray, sigma_px: float | tuple[float, float],
                 keep_ratio: float = 0.9, passes: int = 3) -> np.ndarray:
    """The wall's light at every pixel: a heavily blurred (Gaussian ``sigma_px``, one value or
    ``(along x, along y)``) average of the ``wall`` pixels only (normalised convolution),
    computed ``passes`` times, each without the pixels below ``keep_ratio`` × the previous
    estimate, so a cast shadow reaching into the wall does not dim its own reference.

    Any smooth falloff — a gradient, vignetting, a spot behind the head, a tint — is followed
    by the model, so only a darkening narrower than ``sigma_px`` stands out. A shorter blur
    along y follows a level edge of the backdrop (where a paper roll or a wall ends) that runs
    from the person out to the frame: the wall beside the person in the same rows is as dark
    as the person's side of it, so it is no shadow. Computed at a quarter of the resolution
    (the model is smooth) and resized back.
    """
    h, w = lum.shape
    factor = 4 if min(h, w) >= 64 else 1
    size = (max(1, w // factor), max(1, h // factor))
    sigma_x, sigma_y = (sigma_px, sigma_px) if np.isscalar(sigma_px) else sigma_px
    sigma_x, sigma_y = max(1.0, float(sigma_x) / factor), max(1.0, float(sigma_y) / factor)
    weight = np.asarray(wall, np.float32)
    values = np.asarray(lum, np.float32)
    model = None
    for i in range(passes):
        weighted = values * weight
        wsmall = cv2.resize(weight, size, interpolation=cv2.INTER_AREA)
        vsmall = cv2.resize(weighted, size, interpolation=cv2.INTER_AREA)
        num = cv2.GaussianBlur(vsmall, (0, 0), sigma_x, sigmaY=sigma_y)
        den = cv2.GaussianBlur(wsmall, (0, 0), sigma_x, sigmaY=sigma_y)
        small = num / np.maximum(den, 1e-6)
        far = den < 1e-3
        if far.any():  # where no wall is near, the mean of the wall
            small[far] = float(weighted.sum() / max(float(weight.sum()), 1e-6))
        model = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
        if i + 1 < passes:
            weight = (np.asarray(wall, bool) & (values >= keep_ratio * model)).astype(np.float32)
    assert model is not None
    return model


def shadow(luminance: np.ndarray, prob: np.ndarray, near_px: tuple[float, float],
           light_sigma_px: float | tuple[float, float], bottom_y: float | None = None,
           dark_ratio: float = 0.8, outside: np.ndarray | None = None,
           slab_px: float | None = None) -> Shadow:
    """Compare luminance beside the silhouette with the background further out, per side.

    Illumination expected at each near-band pixel is the smooth light of the wall
    (:func:`smooth_light`, blurred over ``light_sigma_px``), so a gradient,
    vignetting or a light falling off across a pastel wall is not a shadow; a shadow is a
    darkening beside the person narrower than that. Rows below ``bottom_y`` (e.g. under the
    shoulders, where the frame is cut) are ignored.

    Parameters
    ----------
    luminance : numpy.ndarray
        Linear luminance ``(H, W)``.
    prob : numpy.ndarray
        Person probability ``(H, W)``.
    near_px : tuple of float
        Distance band from the silhouette (px) for "beside".
    light_sigma_px : float or tuple of float
        Blur (Gaussian sigma, px; one value or ``(along x, along y)``) of the wall's smooth
        light.
    outside : numpy.ndarray, optional
        Precomputed outside distance (see :func:`distances`).
    slab_px : float, optional
        Row run for :attr:`Shadow.slab_left` / ``slab_right`` (e.g. a face height); a run
        counts when its band holds a quarter of ``slab_px`` × the band's width.
    """
    h, w = luminance.shape
    if outside is None:
        outside, _ = distances(prob)
    person = np.asarray(prob) >= 0.5
    cols = np.nonzero(person.any(axis=0))[0]
    centre_x = float(cols.mean()) if cols.size else w / 2.0
    # rows below bottom_y never count: cut them off instead of masking them
    rows = h if bottom_y is None else ceil_within(bottom_y, 0, h)
    split = ceil_within(centre_x, 0, w)  # columns x < centre_x are the left side
    out = outside[:rows]
    lum = luminance[:rows]
    expected = smooth_light(lum, out >= near_px[0], light_sigma_px)
    fractions, depths, slabs = [], [], []
    for x0, x1 in ((0, split), (split, w)):
        n_mask = (out[:, x0:x1] >= near_px[0]) & (out[:, x0:x1] < near_px[1])
        if np.count_nonzero(n_mask) < 20:
            fractions.append(0.0)
            depths.append(0.0)
            slabs.append(0.0)
            continue
        ratio_map = lum[:, x0:x1] / np.maximum(expected[:, x0:x1], 1e-4)
        ratio = ratio_map[n_mask]
        fractions.append(float(np.count_nonzero(ratio < dark_ratio)) / ratio.size)
        depths.append(float(1.0 - median(ratio)))
        # a slab counts only where the band is there over a quarter of its full size: beside
        # hair the mask leaves out, a few band pixels are all "dark"
        slabs.append(0.0 if slab_px is None else worst_slab_fraction(
            _row_counts(n_mask), _row_counts(n_mask & (ratio_map < dark_ratio)),
            int(round(slab_px)),
            min_pixels=max(20, int(0.25 * slab_px * (near_px[1] - near_px[0])))))
    return Shadow(fractions[0], fractions[1], depths[0], depths[1], slabs[0], slabs[1])


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
    return silhouette_contrasts(lab, prob, band_px, window_px, [region], dist)[0]


def silhouette_contrasts(lab: np.ndarray, prob: np.ndarray, band_px: tuple[float, float],
                         window_px: int, regions: Sequence[np.ndarray | None],
                         dist: tuple[np.ndarray, np.ndarray] | None = None
                         ) -> list[np.ndarray]:
    """:func:`silhouette_contrast` for several regions at once (one set of window means)."""
    outside, inside = dist if dist is not None else distances(prob)
    person = (np.asarray(prob) >= 0.5).astype(np.uint8)
    edge = (person - cv2.erode(person, np.ones((3, 3), np.uint8))).astype(bool)
    # the frame border is not a silhouette
    edge[:1, :] = edge[-1:, :] = False
    edge[:, :1] = edge[:, -1:] = False
    # flat pixel indices: numpy's 2-D nonzero and 2-D fancy reads cost several times more
    at = np.flatnonzero(edge)
    if at.size == 0:
        return [np.zeros(0, np.float32) for _ in regions]
    inner = ((inside >= band_px[0]) & (inside < band_px[1])).astype(np.float32)
    outer = ((outside >= band_px[0]) & (outside < band_px[1])).astype(np.float32)
    k = (int(window_px), int(window_px))

    def window_means(weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # band share and band-weighted Lab sum over the window, read at the silhouette pixels
        share = cv2.blur(weight, k).reshape(-1)[at]
        # the weight repeated per channel: numpy broadcasts a trailing axis of 1 slowly
        weighted = cv2.blur(lab * cv2.merge([weight] * lab.shape[2]), k)
        return share, weighted.reshape(-1, lab.shape[2])[at]

    w_in, s_in = window_means(inner)
    w_out, s_out = window_means(outer)
    usable = (w_in > 0.02) & (w_out > 0.02)
    with np.errstate(invalid="ignore", divide="ignore"):
        a = s_in / w_in[:, None]
        b = s_out / w_out[:, None]
    # np.linalg.norm(a - b, axis=1)'s values (colour.channel_norm) without its wrapper's calls
    de = channel_norm(a - b).astype(np.float32, copy=False)
    out = []
    for region in regions:
        keep = usable if region is None else usable & np.asarray(region, bool).reshape(-1)[at]
        out.append(de[keep])
    return out


@dataclass(frozen=True)
class Colour:
    """Background colour: median L* and chroma C*ab."""

    lightness: float
    chroma: float


def colour(lab: np.ndarray, background: np.ndarray,
           lab_at: Sequence[np.ndarray] | None = None) -> Colour:
    """Median L* and chroma of the background pixels (NaN when there are none); ``lab_at``:
    :func:`channels_at` of ``lab`` and ``background``, when already read."""
    at = channels_at(lab, background) if lab_at is None else lab_at
    if not at[0].size:
        return Colour(float("nan"), float("nan"))
    med = [median(values) for values in at[:3]]
    return Colour(med[0], float(np.hypot(np.float32(med[1]), np.float32(med[2]))))
