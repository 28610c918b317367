"""Image-quality measures: sharpness, noise, JPEG blocking, effective resolution, halftone.

Pure numpy/OpenCV functions on grey-level arrays (numbers out, no thresholds). J-LIS lists
"out of focus or camera shake", "noise, jaggies, halftone dots" among the reasons a photo is
refused; ICAO 9303-3 / ISO 39794-5 ask for a sharp, noise- and artefact-free portrait.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from functools import lru_cache

import cv2
import numpy as np

from photocheck.measures.jpeg import IJG_LUMA, natural_order
from photocheck.measures.order import median

# Directions for directional sharpness: (dy, dx) unit steps for 0°, 90°, 45°, 135°.
_DIRECTIONS: tuple[tuple[int, int], ...] = ((0, 1), (1, 0), (1, 1), (1, -1))

def _rms_shift_diff(gray: np.ndarray, dy: int, dx: int, step: int) -> float:
    """rms of ``I(p + step·d) − I(p)`` over the valid part, summed by OpenCV (no difference
    array is made)."""
    h, w = gray.shape
    sy, sx = dy * step, dx * step
    y0, y1 = max(0, -sy), h - max(0, sy)
    x0, x1 = max(0, -sx), w - max(0, sx)
    n = max(1, (y1 - y0) * (x1 - x0))
    ssd = cv2.norm(gray[y0 + sy : y1 + sy, x0 + sx : x1 + sx], gray[y0:y1, x0:x1], cv2.NORM_L2SQR)
    return math.sqrt(ssd / n)  # a Python float: math.sqrt is np.sqrt's correctly rounded root


def directional_sharpness(gray: np.ndarray) -> np.ndarray:
    """Fine-to-coarse gradient ratio in four directions (0°, 90°, 45°, 135°).

    ``r = 3 · rms(I(p+d) − I(p)) / rms(I(p+3d) − I(p))``: 1.0 for content that is smooth over
    three pixels (defocused, or motion-blurred along ``d``), about 1.7 for step edges, up to 3 for
    pixel noise. It does not depend on contrast or brightness, so a dark face is not "blurred".

    Parameters
    ----------
    gray : numpy.ndarray
        ``(H, W)`` grey levels (any dtype), at least 8×8.

    Returns
    -------
    numpy.ndarray
        ``(4,)`` ratios, NaN where the crop has no contrast at all.
    """
    # uint8 stays uint8 (exact integer sums, a quarter of the memory traffic)
    g = np.asarray(gray)
    g = g if g.dtype == np.uint8 else g.astype(np.float32, copy=False)
    out = np.full(4, np.nan)
    if min(g.shape) < 8:
        return out
    for i, (dy, dx) in enumerate(_DIRECTIONS):
        d1 = _rms_shift_diff(g, dy, dx, 1)
        d3 = _rms_shift_diff(g, dy, dx, 3)
        if d3 > 1e-6:
            out[i] = 3.0 * d1 / d3
    return out


def resample(gray: np.ndarray, factor: float) -> np.ndarray:
    """Resize by ``factor`` (area averaging when shrinking, cubic when enlarging)."""
    h, w = gray.shape[:2]
    size = (max(1, round(w * factor)), max(1, round(h * factor)))
    interp = cv2.INTER_AREA if factor < 1.0 else cv2.INTER_CUBIC
    return cv2.resize(np.asarray(gray, dtype=np.float32), size, interpolation=interp)


def sharpness_at_scales(gray: np.ndarray, iod_px: float,
                        target_iod_px: Sequence[float]) -> np.ndarray:
    """Directional sharpness of a face crop resampled to given inter-ocular distances.

    Normalising by the inter-ocular distance (IOD) makes the figure independent of the face's
    size in pixels (ISO 39794-5 specifies resolution as IOD).

    Parameters
    ----------
    gray : numpy.ndarray
        Face crop ``(H, W)``.
    iod_px : float
        The crop's inter-ocular distance in its own pixels.
    target_iod_px : sequence of float
        IODs to resample to; targets above ``iod_px`` are evaluated at ``iod_px`` (never upscale).

    Returns
    -------
    numpy.ndarray
        ``(len(target_iod_px), 4)`` directional ratios (see :func:`directional_sharpness`).
    """
    rows = []
    done: dict[float, np.ndarray] = {}
    for target in target_iod_px:
        factor = min(1.0, float(target) / max(iod_px, 1e-6))
        if factor not in done:
            # factor 1 is the crop itself: resizing to the same size is a copy
            image = np.asarray(gray) if factor >= 1.0 else resample(gray, factor)
            done[factor] = directional_sharpness(image)
        rows.append(done[factor])
    return np.array(rows)


# Immerkær's kernel, made once
_LAPLACIAN_DIFF = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], dtype=np.float32)
_LAPLACIAN_DIFF.flags.writeable = False


def noise_sigma(gray: np.ndarray, tile_px: int = 8, flat_fraction: float = 0.25,
                clip_levels: tuple[float, float] = (4.0, 251.0)) -> float:
    """Noise standard deviation (grey levels) in the flattest tiles (Immerkær 1996).

    The Laplacian-difference kernel cancels linear ramps; its mean absolute response on the
    flattest ``flat_fraction`` of tiles estimates sigma. Tiles touching clipped levels (no
    noise survives clipping) are left out.

    Returns
    -------
    float
        Sigma in grey levels; NaN when no usable tile exists.
    """
    src = np.asarray(gray)
    src = src if src.dtype == np.uint8 else src.astype(np.float32, copy=False)
    # the filters run on float32 (OpenCV filters uint8 into float32 3× slower; integer levels
    # give the same sums); the clipping test reads uint8 input as it is (4× faster than float)
    values = src.astype(np.float32, copy=False)
    h, w = src.shape
    if h < tile_px + 2 or w < tile_px + 2:
        return float("nan")
    th, tw = (h - 2) // tile_px, (w - 2) // tile_px
    if th * tw == 0:
        return float("nan")
    kernel = _LAPLACIAN_DIFF
    # in place where possible: fresh megapixel arrays cost page faults as much as arithmetic
    resp = cv2.filter2D(values, cv2.CV_32F, kernel, borderType=cv2.BORDER_REFLECT)
    np.abs(resp, out=resp)
    # the tiles (from pixel 1: the kernel needs a neighbour on each side)
    tiles = (slice(1, 1 + th * tile_px), slice(1, 1 + tw * tile_px))
    inner = src[tiles]

    def tile_means(a: np.ndarray) -> np.ndarray:
        # area resampling by an integer factor is the per-tile mean, without reshaping copies
        return cv2.resize(a, (tw, th), interpolation=cv2.INTER_AREA).reshape(-1)

    all_resp = tile_means(resp[tiles])
    # structure = gradient energy of a smoothed copy: high on edges, low on flat skin/background
    # (the x gradient reuses the response's buffer, no longer needed)
    smooth = cv2.GaussianBlur(values, (0, 0), 1.5)
    gx = cv2.Sobel(smooth, cv2.CV_32F, 1, 0, dst=resp, ksize=3)
    gy = cv2.Sobel(smooth, cv2.CV_32F, 0, 1, ksize=3)
    struct = cv2.magnitude(gx, gy, gx)[tiles]
    # no noise survives clipping: a tile is usable when all its levels are strictly inside the
    # clip range (255 where inside; a tile's area mean stays 255 only when all its pixels are)
    if inner.dtype == np.uint8:
        lo, hi = math.floor(clip_levels[0]) + 1.0, math.ceil(clip_levels[1]) - 1.0
    else:  # the float32 neighbours of the limits make the inclusive test strict
        lo = float(np.nextafter(np.float32(clip_levels[0]), np.float32(np.inf)))
        hi = float(np.nextafter(np.float32(clip_levels[1]), np.float32(-np.inf)))
    usable = tile_means(cv2.inRange(inner, lo, hi)) == 255
    mean_resp = all_resp[usable]
    if not mean_resp.size:
        return float("nan")
    score = tile_means(struct)[usable]
    keep = max(1, int(round(flat_fraction * score.size)))
    flat = score.argpartition(keep - 1)[:keep] if keep < score.size else slice(None)
    # np.sqrt's and np.median's figures without their wrappers (both correctly rounded roots;
    # order.median for these float32 means)
    return math.sqrt(math.pi / 2.0) / 6.0 * median(mean_resp[flat])


def blockiness(gray: np.ndarray, period_px: int = 8,
               profiles: tuple[np.ndarray, np.ndarray] | None = None) -> float:
    """JPEG blocking: how much the grid-boundary differences stand out (phase-free).

    The mean absolute first difference is folded modulo ``period_px`` along each axis; the
    figure is the strongest phase over the median of the other phases, averaged over both axes.
    About 1.0 for unblocked images; 1.5–3+ for heavily compressed ones. ``profiles`` are
    ``diff_profiles(gray)`` when the caller has them already.

    Returns
    -------
    float
        NaN when the crop is smaller than four periods.
    """
    g = np.asarray(gray)
    g = g if g.dtype == np.uint8 else g.astype(np.float32, copy=False)
    if period_px < 2 or min(g.shape) < 4 * period_px:
        return float("nan")
    ratios = []
    for profile in diff_profiles(g) if profiles is None else profiles:
        n = profile.size // period_px * period_px
        folded = profile[:n].reshape(-1, period_px).mean(axis=0)
        # the peak and the median of the other phases from one sort of these few float32
        # values (np.argmax / np.delete / np.median cost more in calls than in arithmetic): the
        # others are the sorted values less one copy of the largest; their median is the middle
        # one or the float32 mean of the middle two, as np.median's
        ordered = np.sort(folded)
        peak, k = ordered[-1], (period_px - 1) // 2
        middle = ordered[k] if (period_px - 1) % 2 else (ordered[k - 1] + ordered[k]) / 2
        ratios.append(float(peak / max(float(middle), 1e-3)))
    return _mean(ratios)


def _mean(values: Sequence[float]) -> float:
    """``float(np.mean(values))``; of two Python floats, numpy's own steps ``(a + b) / 2``
    without its call overhead."""
    if len(values) == 2:
        return (values[0] + values[1]) / 2
    return float(np.mean(values))


def diff_profiles(gray: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean absolute first difference per column boundary and per row boundary (float32).

    Column profile: ``mean_y |I(y, x+1) − I(y, x)|`` for each x; row profile likewise.
    """
    g = np.asarray(gray)
    g = g if g.dtype == np.uint8 else g.astype(np.float32, copy=False)
    cols = cv2.reduce(cv2.absdiff(g[:, 1:], g[:, :-1]), 0, cv2.REDUCE_AVG, dtype=cv2.CV_32F)
    rows = cv2.reduce(cv2.absdiff(g[1:, :], g[:-1, :]), 1, cv2.REDUCE_AVG, dtype=cv2.CV_32F)
    return cols.ravel(), rows.ravel()


def replication_peaks(profiles: Sequence[np.ndarray], grid_period_px: float = 8.0,
                      max_period_px: float = 16.0) -> tuple[float, float]:
    """Periodicity of the difference profiles: pixels enlarged by replication (nearest
    neighbour, "pixelation").

    An image whose pixels were replicated k times changes only every k px: its column (row)
    difference profile is a pulse train of period k, whose Fourier coefficient at 1/k is the
    whole profile's sum (peak 1.0); a natural image's profile has no period (≈ 0.01–0.06) and
    a smooth (interpolating) upscale has none either. Peaks are looked for at periods 2 to
    ``max_period_px``, any fractional period (a 685-px crop of 86 replicated pixels has a period
    of 7.97). JPEG blocking pulses at the 8-px grid too (``grid_period_px`` in the decoded
    image: 8 / DCT reduction), so the grid's harmonics are scored apart.

    Parameters
    ----------
    profiles : sequence of numpy.ndarray
        Column and row profiles of :func:`diff_profiles`.
    grid_period_px : float
        The JPEG block period in these pixels (harmonics within one frequency bin of
        ``m / grid_period_px`` are the grid's).

    Returns
    -------
    tuple of float
        ``(off_grid, on_grid)``: the strongest normalised peak away from the JPEG grid's
        harmonics and on them; each the smaller of the two axes (replication is in both,
        stripes in clothes or hair in one).
    """
    off, on = [], []
    for prof in profiles:
        n = prof.size
        total = float(np.add.reduce(prof))  # ``prof.sum()`` without its wrapper
        if n < 4 * max_period_px or total <= 1e-6:
            return 0.0, 0.0
        # zero padding (fine frequencies) to the power of two ≥ 4n: 2^ceil(log2(4n))
        size = max(8192, 1 << (4 * n - 1).bit_length())
        mag = np.abs(np.fft.rfft(prof.astype(np.float64), size)) / total
        off_grid, on_grid = _peak_bins(size, n, float(grid_period_px), float(max_period_px))
        off.append(float(np.maximum.reduce(mag[off_grid])) if off_grid.size else 0.0)
        on.append(float(np.maximum.reduce(mag[on_grid])) if on_grid.size else 0.0)
    return min(off), min(on)


@lru_cache(maxsize=32)
def _peak_bins(size: int, n: int, grid_period_px: float,
               max_period_px: float) -> tuple[np.ndarray, np.ndarray]:
    """The rfft bins (of a profile of ``n`` values padded to ``size``) that
    :func:`replication_peaks` searches, off and on the JPEG grid's harmonics.

    They depend on the sizes only (a crop's profiles repeat them), so they are made once.
    """
    freq = np.arange(size // 2 + 1) / size
    band = freq >= 1.0 / max_period_px - 1e-9
    grid = np.zeros(freq.size, bool)
    if grid_period_px >= 2.0:
        for m in range(1, int(grid_period_px // 2) + 1):
            grid |= np.abs(freq - m / grid_period_px) < 1.5 / n
    off_grid, on_grid = np.flatnonzero(band & ~grid), np.flatnonzero(band & grid)
    off_grid.flags.writeable = False
    on_grid.flags.writeable = False
    return off_grid, on_grid


def jpeg_quality(quant_tables: Mapping[int, Sequence[int]]) -> float | None:
    """Estimate the IJG quality (1–100) of a JPEG from its luminance quantisation table.

    Uses the inverse of the IJG scaling (``scale = 5000/q`` below 50, ``200 − 2q`` above),
    from the median ratio to the Annex K table; tables of other encoders give an equivalent
    figure.

    Returns
    -------
    float or None
        None when table 0 is absent or malformed.
    """
    table = quant_tables.get(0) if quant_tables else None
    if table is None or len(table) != 64:
        return None
    natural = natural_order(table, np.float64)
    # ``np.median``'s figure (finite ratios: positive Annex K divisors) by one partition
    scale = median(natural / IJG_LUMA) * 100.0
    if scale <= 0:
        return None
    quality = 5000.0 / scale if scale > 100.0 else (200.0 - scale) / 2.0
    return min(max(quality, 1.0), 100.0)  # ``np.clip`` of a Python float, without its call


@lru_cache(maxsize=8)
def _spectrum_masks(size: int, min_period_px: float,
                    max_period_px: float) -> tuple[np.ndarray, np.ndarray, bool]:
    """Hann window and the halftone band (off the 8-px block lattice, uint8 1 inside) of a
    centred spectrum, and whether the band is empty.

    They depend on the patch size only, so they are made once per size.
    """
    window = np.outer(np.hanning(size), np.hanning(size)).astype(np.float32)
    f = np.fft.fftshift(np.fft.fftfreq(size))
    fx, fy = np.meshgrid(f, f)
    radius = np.hypot(fx, fy)
    band = (radius >= 1.0 / max_period_px) & (radius <= 1.0 / min_period_px)
    lattice_gap = 1.5 / size
    on_lattice = (np.abs(fx * 8 - np.round(fx * 8)) / 8 < lattice_gap) | (
        np.abs(fy * 8 - np.round(fy * 8)) / 8 < lattice_gap)
    band &= ~on_lattice
    band_u8 = band.astype(np.uint8)
    window.flags.writeable = False
    band_u8.flags.writeable = False
    return window, band_u8, not band.any()


def halftone_peak(gray: np.ndarray, min_period_px: float = 2.2,
                  max_period_px: float = 12.0) -> float:
    """Strength of isolated periodic peaks (printed screen dots) in the power spectrum.

    The log power spectrum of a windowed crop is compared with its own median-filtered version;
    the figure is the largest excess (in log10 units) inside the band of halftone periods,
    excluding frequencies on the 8-pixel JPEG block lattice (blocking makes peaks there).

    Returns
    -------
    float
        About 0.3–0.6 for natural images, above 1 for screened prints; NaN for tiny crops.
    """
    g = np.asarray(gray)
    size = 1 << (min(g.shape).bit_length() - 1)  # 2^floor(log2(side)), in integers
    size = min(size, 256)
    if size < 32:
        return float("nan")
    y0, x0 = (g.shape[0] - size) // 2, (g.shape[1] - size) // 2
    patch = g[y0 : y0 + size, x0 : x0 + size].astype(np.float32)
    patch = patch - cv2.GaussianBlur(patch, (0, 0), 4.0)  # drop the low-frequency face shape
    window, band_u8, band_empty = _spectrum_masks(size, float(min_period_px),
                                                  float(max_period_px))
    # OpenCV's DFT (float64, like numpy's) costs a seventh of np.fft.fft2 on one core
    comp = cv2.dft(np.asarray(patch * window, np.float64), flags=cv2.DFT_COMPLEX_OUTPUT)
    # the same per-pixel steps in place on one buffer; centred after the float32 cast (a
    # shift moves values, so it commutes with them) to copy half the bytes
    power = comp[..., 0] ** 2
    power += comp[..., 1] ** 2
    power += 1e-3
    logp = np.fft.fftshift(np.log10(power, out=power).astype(np.float32))
    background = cv2.medianBlur(logp, 5)
    excess = cv2.GaussianBlur(logp - background, (3, 3), 0)
    if band_empty:
        return float("nan")
    # the largest value under the mask by OpenCV (the same maximum; numpy's boolean read holds
    # the GIL)
    return float(cv2.minMaxLoc(excess, band_u8)[1])
