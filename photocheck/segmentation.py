"""The whole-frame person mask (selfie segmentation), an intermediate of a photo.

Below both :mod:`photocheck.face` (it tells where a bystander may be, to search for other
faces) and :mod:`photocheck.person` (the crown's fall-back when the head matte fails).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from photocheck import decode
from photocheck.context import NotAssessable, PhotoContext, intermediate
from photocheck.inference.segmentation import selfie_mask


@dataclass(frozen=True)
class PersonMask:
    """Selfie-segmentation person probability at the analysis-image resolution.

    Attributes
    ----------
    prob : numpy.ndarray
        float32 ``(H, W)`` in [0, 1], same size as ``decode.analysis_image(ctx).bgr``.
    scale : float
        Analysis px per full-res px.
    """

    prob: np.ndarray
    scale: float


@intermediate
def person_mask(ctx: PhotoContext) -> PersonMask:
    """Selfie-segmentation person probability of the analysis image (whole frame)."""
    image = decode.analysis_image(ctx)
    if ctx.models is None:
        raise NotAssessable("internal_error", "no models")
    return PersonMask(prob=selfie_mask(ctx.models, image.bgr), scale=image.scale)
