"""The scan decoded once, and the small copy the print is found on."""

from __future__ import annotations

from dataclasses import dataclass

import cv2

from photocheck import decode
from photocheck.context import NotAssessable, PhotoContext
from photocheck.trimming.early import early_print
from photocheck.trimming.finding import detection_factor

_SCAN_KEY = "trim_scan"


@dataclass(frozen=True)
class ScanImages:
    """The scan decoded once, and the small copy the print is found on.

    Attributes
    ----------
    full : photocheck.decode.Decoded
        Full resolution (scale 1).
    small : photocheck.decode.Decoded
        ``1/factor`` of it (``scale`` = small px per full px): each pixel the mean of the
        central 2×2 of its ``factor``×``factor`` block (``cv2.INTER_LINEAR`` at an integer
        factor), which reads a quarter of the scan's rows at ⅛ and costs ~2 % of the decode.
    factor : int
        Power of two; the small copy's long side is at least ``DETECT_LONG_SIDE_PX``.
    """

    full: decode.Decoded
    small: decode.Decoded
    factor: int


def decode_once(ctx: PhotoContext) -> ScanImages | None:
    """Decode the scan ONCE at full resolution and derive the small detection copy from it.

    A trim needs the full-resolution pixels for its output anyway; a second, DCT-reduced decode
    would cost another 30–40 % of a full decode (the Huffman decoding does not shrink with the
    DCT scale), an area reduction of the whole scan ~10 %, while the point-sampled 2×2 means of
    :class:`ScanImages` cost ~2 %. That copy is memoised as the scan's analysis image
    (``decode.analysis_image``, which the file check reads). When :func:`start_early_look` runs
    beside this decode on a second core, its detection copy (from its reduced decode) is taken
    instead, with the print it found on it.

    Returns
    -------
    ScanImages or None
        None when the scan cannot be decoded (the file check reports why, with its own decode
        attempt).
    """
    def build() -> ScanImages | None:
        try:
            full = decode.full_image(ctx)
        except NotAssessable:
            return None
        h, w = full.bgr.shape[:2]
        factor = detection_factor(max(h, w))
        early = early_print(ctx)
        if early is not None and early.factor == factor and early.small.bgr.shape[:2] == (
                h // factor, w // factor):
            small = early.small  # made by the second thread from its reduced decode
        elif factor > 1:
            sw, sh = max(1, w // factor), max(1, h // factor)
            small = decode.Decoded(bgr=cv2.resize(full.bgr, (sw, sh),
                                                  interpolation=cv2.INTER_LINEAR),
                                   scale=sw / w)
        else:
            small = full
        if not ctx.has("analysis_image"):
            ctx.memo("analysis_image", lambda: small)
        return ScanImages(full, small, factor)

    return ctx.memo(_SCAN_KEY, build)
