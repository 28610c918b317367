"""Image-quality check: focus and camera shake, noise, compression blocks, enlargement from a low
resolution (jaggies), printed halftone dots.

J-LIS (顔写真のチェックポイント) refuses photos that are out of focus or shaken, noisy, with
jaggies, halftone dots or ink bleed; ICAO 9303-3 / ISO 39794-5 ask for a sharp portrait free of
compression artefacts. Figures are normalised by the face size (inter-ocular distance, IOD).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from photocheck import decode, scene
from photocheck.checks.base import Check, finding, grade, graded, worst
from photocheck.context import PhotoContext, intermediate
from photocheck.measures import quality as qm
from photocheck.report import Finding, Status

# A trimmed output's context carries how much the trim enlarged the scan (output px per scan
# px, photocheck.trimming): the photo is judged at the scan's own pixel grid, not the trim's.
RESAMPLED_KEY = "quality_resampled_by"

CODES = ("quality.blur", "quality.noise", "quality.compression", "quality.upscaled",
         "quality.halftone")


@dataclass(frozen=True)
class QualityMeasures:
    """Quality figures of the applicant's face crop.

    Attributes
    ----------
    sharpness : numpy.ndarray
        ``(4,)`` directional sharpness at the blur IOD.
    native : numpy.ndarray
        ``(4,)`` directional sharpness at the crop's own resolution (the pixel grid).
    coarse : numpy.ndarray
        ``(4,)`` directional sharpness at a quarter of the pixel grid's IOD (at least the
        profile's ``upscale_min_coarse_iod_px``).
    iod_px : float
        IOD of the crop (px), and ``reduction`` of its decode.
    noise_sigma : float
        Grey levels, at the crop's resolution.
    blockiness : float
        NaN when the crop was decoded at a reduction over 2.
    jpeg_quality : float or None
        From the luminance quantisation table.
    halftone : float
        Spectral peak excess (log10).
    replication : tuple of float
        Pixel-replication peaks ``(off_grid, on_grid)`` (see
        :func:`~photocheck.measures.quality.replication_peaks`).
    """

    sharpness: np.ndarray
    native: np.ndarray
    coarse: np.ndarray
    iod_px: float
    reduction: int
    noise_sigma: float
    blockiness: float
    jpeg_quality: float | None
    halftone: float
    replication: tuple[float, float] = (0.0, 0.0)


@intermediate
def quality_measures(ctx: PhotoContext) -> QualityMeasures:
    """Quality figures of the face crop (profile ``[quality]``)."""
    p = ctx.params("quality")
    crop = scene.face_crop(ctx)
    exact, iod = crop.gray, crop.iod_px
    # the measures that need no resampling (native sharpness, blockiness, halftone, the noise's
    # clipping test) read the uint8 crop (a quarter of the memory, same sums); resampling and
    # the noise's filters work in float32
    gray = exact.astype(np.float32)
    blur_iod = float(p["blur_iod_px"])
    enlarged = float(ctx.peek(RESAMPLED_KEY) or 1.0)
    # the trim enlarged the scan: the pixel grid is the scan's own (the blur IOD at the least),
    # where an enlargement done before the print was made still shows and the trim's own does not
    grid_iod = max(blur_iod, iod / enlarged) if enlarged > 1.05 else iod
    # an enlargement by k leaves no detail finer than k px: a 4× one shows at a quarter of the
    # grid's IOD, which may lie below the blur IOD (a 120-px face enlarged from a 30-px one)
    coarse_iod = max(float(p["upscale_min_coarse_iod_px"]), grid_iod / 4.0)
    blur, coarse = qm.sharpness_at_scales(gray, iod, [blur_iod, coarse_iod])
    if grid_iod < iod:
        native = qm.sharpness_at_scales(gray, iod, [grid_iod])[0]
    else:
        native = (qm.directional_sharpness(exact) if iod > blur_iod
                  else blur)  # the crop is not above the blur IOD: the same image
    period = 8 // crop.reduction
    profiles = qm.diff_profiles(exact)  # shared by the blocking and replication figures
    block = qm.blockiness(exact, period, profiles) if period >= 4 else float("nan")
    replication = qm.replication_peaks(profiles, 8.0 / crop.reduction)
    head = decode.header(ctx)
    jq = qm.jpeg_quality(head.jpeg.quant_tables) if head.jpeg is not None else None
    return QualityMeasures(sharpness=blur, native=native, coarse=coarse, iod_px=iod,
                           reduction=crop.reduction, noise_sigma=qm.noise_sigma(exact),
                           blockiness=block, jpeg_quality=jq, halftone=qm.halftone_peak(exact),
                           replication=replication)


def _min(values: np.ndarray) -> float:
    """The least finite value of a few floats (NaN when none is), in Python: numpy's calls
    cost more than the comparisons."""
    return min((v for v in values.tolist() if math.isfinite(v)), default=math.nan)


def run(ctx: PhotoContext, params: Mapping[str, Any]) -> Iterator[Finding]:
    """Emit the five quality findings."""
    m = quality_measures(ctx)
    sharp = _min(m.sharpness)  # the least sharp direction catches motion blur too
    yield graded("quality.blur", round(sharp, 3) if math.isfinite(sharp) else 0.0,
                 fail=params["fail_min_sharpness"], warn=params["warn_min_sharpness"],
                 upper=False, unit="ratio")
    sigma = m.noise_sigma if math.isfinite(m.noise_sigma) else 0.0
    yield graded("quality.noise", round(sigma, 2), fail=params["fail_max_noise_sigma"],
                 warn=params["warn_max_noise_sigma"], unit="grey levels")
    block = m.blockiness if math.isfinite(m.blockiness) else 1.0
    jq = m.jpeg_quality
    status = grade(block, fail=params["fail_max_blockiness"], warn=params["warn_max_blockiness"])
    if jq is not None:
        status = worst(status, grade(jq, fail=params["fail_min_jpeg_quality"],
                                     warn=params["warn_min_jpeg_quality"], upper=False))
    yield finding("quality.compression", status,
                  {"blockiness": round(block, 3),
                   "jpeg_quality": None if jq is None else round(jq, 1)},
                  {"max": params["warn_max_blockiness"], "fail_max": params["fail_max_blockiness"],
                   "min_jpeg_quality": params["warn_min_jpeg_quality"],
                   "fail_min_jpeg_quality": params["fail_min_jpeg_quality"]}, "ratio")
    # enlarged from a low resolution: smooth at its own pixel grid, yet sharp once shrunk —
    # unlike defocus, which stays smooth at every scale
    native = float(np.nanmean(m.native)) if np.isfinite(m.native).any() else float("nan")
    coarse = float(np.nanmean(m.coarse)) if np.isfinite(m.coarse).any() else float("nan")
    gain = (coarse / native if math.isfinite(native) and native > 0 and math.isfinite(coarse)
            else 1.0)
    smooth = (math.isfinite(native) and native < params["max_native_sharpness"]
              and gain > params["min_upscale_gain"])
    # enlarged by pixel replication (blocky pixels): the differences pulse at the block period;
    # on the JPEG grid's own period heavy compression pulses too, so that has its own limits
    off_grid, on_grid = m.replication
    status = worst(Status.FAIL if smooth else Status.PASS,
                   grade(off_grid, fail=params["fail_max_replication_peak"],
                         warn=params["warn_max_replication_peak"]),
                   grade(on_grid, fail=params["fail_max_grid_replication_peak"],
                         warn=params["warn_max_grid_replication_peak"]))
    yield finding("quality.upscaled", status,
                  {"native_sharpness": round(native, 3) if math.isfinite(native) else None,
                   "gain": round(gain, 3), "replication_peak": round(off_grid, 3),
                   "grid_replication_peak": round(on_grid, 3)},
                  {"max": params["max_native_sharpness"],
                   "min_gain": params["min_upscale_gain"],
                   "max_replication_peak": params["warn_max_replication_peak"],
                   "fail_max_replication_peak": params["fail_max_replication_peak"],
                   "max_grid_replication_peak": params["warn_max_grid_replication_peak"],
                   "fail_max_grid_replication_peak": params["fail_max_grid_replication_peak"]},
                  "ratio")
    halftone = m.halftone if math.isfinite(m.halftone) else 0.0
    yield graded("quality.halftone", round(halftone, 3), fail=params["fail_max_halftone_peak"],
                 warn=params["warn_max_halftone_peak"], unit="log10")


CHECK = Check(
    name="quality",
    codes=CODES,
    params={
        "min_iod_px": (int, float),
        "blur_iod_px": (int, float),
        "warn_min_sharpness": float,
        "fail_min_sharpness": float,
        "warn_max_noise_sigma": float,
        "fail_max_noise_sigma": float,
        "warn_max_blockiness": float,
        "fail_max_blockiness": float,
        "warn_min_jpeg_quality": float,
        "fail_min_jpeg_quality": float,
        "max_native_sharpness": float,
        "min_upscale_gain": float,
        "upscale_min_coarse_iod_px": (int, float),
        "warn_max_replication_peak": float,
        "fail_max_replication_peak": float,
        "warn_max_grid_replication_peak": float,
        "fail_max_grid_replication_peak": float,
        "warn_max_halftone_peak": float,
        "fail_max_halftone_peak": float,
    },
    run=run,
)
