"""Trim a scanned print to the 45×35 mm standard: find the print, deskew, crop, resample once.

J-LIS accepts a mailed photo of the wrong size when it can be trimmed to the standard
(45 mm high × 35 mm wide; crown to chin 34 mm, crown 4 mm below the top edge, nose line centred).
This module does exactly that and nothing else: a rotation, a crop and one resampling of the
scan's own pixels. It never retouches (no background replacement, no filters).

Pipeline (all on one decoded scan):

1. read the scan (JPEG, PNG, TIFF…); its resolution comes from the file (JFIF density, pHYs,
   TIFF) or ``dpi=``. Without one the physical size is unknown: ``trim.print_size`` is
   ``not_assessed`` and trimming still works, because the standard crop is defined by the face
   (34 mm crown to chin fixes the scale);
   The scan is decoded ONCE at full resolution (the output needs those pixels); the small copy
   the print is found on is derived from it (:func:`decode_once`), not decoded again — unless a
   second core is free (``overlap_decode``): then a second thread decodes the JPEG at ¼ (600
   dpi; ½ at 300, ⅛ at 1200) by DCT scaling while the full decode runs, finds the print on
   that and hands it over at once (:func:`early_print`), then runs the face mesh on that print
   as found (:func:`early_look`, step 3 below); the main thread, its decode done, measures the
   sides at full resolution meanwhile, then reads the crown and cuts (each thread resamples and
   encodes half the output; :func:`warp_encode_split`);
2. find the print on the bed: a small copy (long side ≥ 400 px: ⅛ of a 600-dpi A6 scan), the
   difference from the bed colour (estimated on the scan's border), the largest blob and its
   four fitted sides; then each side measured on the full-resolution scan in a narrow strip
   along it (:func:`refine_sides_full`: sub-pixel, the side's own direction from 16 stretches,
   the print's edge rather than its shadow's). When a side shows no clear step (a print whose
   background fades into a bed of the same colour), the print is found again on a finer copy
   with the edge tests of :func:`find_print`, which close that side from where its two
   neighbours' edges (or the lamp's shadow line along them) end sharply. A scan without a
   uniform border is taken to BE the print;
3. deskew: the print is warped upright at a moderate resolution from the full-resolution
   pixels around it, and the face geometry found on that in-memory image: first by the short
   path (:func:`lean_geometry`: BlazeFace, one FaceMesh pass, the crown by colour), and when
   that is unsure by the full face pipeline (``photocheck.face`` / ``photocheck.person``,
   quarter turns, the MODNet crown);
4. measure the print (``trim.print_size``) and solve the standard crop in print pixels; when it
   needs pixels outside the print (beyond ``[trim] max_pad_mm`` for a 45×35 print), or the scan
   is too coarse (``trim.scan_resolution`` fails: fewer than ~60 px between the eyes),
   ``trim.not_trimmable`` with the reason and no output; a coarse scan that can still be
   judged (below ~90 px between the eyes, a 200-dpi scan) is cut with that finding warning;
5. compose print-frame rotation + crop + scale into ONE affine from output px to scan px and
   resample only the output rectangle from the full-resolution scan, once (bilinear near 1:1,
   bicubic when enlarging by more than 1.25; an anti-alias pre-blur of the source region only
   when it is minified), encode a JPEG with its dpi in the JFIF header;
6. run the content checks of the ``mail`` profile on the output and merge the reports.

Modules, in the order a scan goes through them:

- :mod:`~photocheck.trimming.standard`: the 45×35 mm figures, :class:`FaceGeometry`, the crop plan;
- :mod:`~photocheck.trimming.rect`: :class:`PrintRect` and its algebra;
- :mod:`~photocheck.trimming.finding`: :func:`find_print` on a reduced copy of the scan;
- :mod:`~photocheck.trimming.edges`: the print's sides measured sub-pixel (small copy, full scan);
- :mod:`~photocheck.trimming.forms`: the glued print on a scanned application form
  (:func:`locate_on_form`: one print, several, or an empty photo box);
- :mod:`~photocheck.trimming.form_sides`: that print's sides measured on the full-resolution
  scan with the form's strokes painted over (:func:`measure_on_form`);
- :mod:`~photocheck.trimming.scan`: the scan decoded once (:func:`decode_once`);
- :mod:`~photocheck.trimming.early`: the second thread (:func:`early_look`) and its pool;
- :mod:`~photocheck.trimming.face_geometry`: crown, chin, nose line (short path, full pipeline);
- :mod:`~photocheck.trimming.output`: the one resampling and the JPEG (:func:`warp_region`);
- :mod:`~photocheck.trimming.options`: what a trim is asked to do, on the scan's context;
- :mod:`~photocheck.trimming.pipeline`: :func:`trim_outcome`, the ``trim`` check's stage;
- :mod:`~photocheck.trimming.entry`: :func:`trim`, the public entry point.

The command line (``photocheck trim``) is in :mod:`photocheck.cli`.
"""

from __future__ import annotations

from photocheck.trimming.early import (
    EARLY_MIN_PRINT_PX,
    EarlyLook,
    EarlyPrint,
    early_look,
    early_print,
    early_reduction,
    early_result,
    overlap_available,
    start_early_look,
)
from photocheck.trimming.edges import refine_sides_full
from photocheck.trimming.entry import TrimResult, trim
from photocheck.trimming.face_geometry import (
    FACE_LONG_SIDE_PX,
    LEAN_LONG_SIDE_PX,
    LEAN_ROI_SCALE,
    LEAN_ROI_SHIFT_UP,
    LeanMesh,
    context_from_pixels,
    lean_crown,
    lean_geometry,
    lean_mesh,
    pipeline_geometry,
)
from photocheck.trimming.finding import (
    DETECT_LONG_SIDE_PX,
    FALLBACK_LONG_SIDE_PX,
    detection_factor,
    find_print,
)
from photocheck.trimming.output import (
    encode_jpeg,
    join_jpeg_rows,
    source_chroma,
    upright_print,
    warp_encode_split,
    warp_region,
)
from photocheck.trimming.pipeline import TrimOutcome, run_trim_check, trim_outcome
from photocheck.trimming.rect import PrintRect, inset
from photocheck.trimming.scan import ScanImages, decode_once
from photocheck.trimming.standard import (
    CROWN_TO_CHIN_MM,
    CROWN_TOP_MM,
    MM_PER_INCH,
    PRINT_HEIGHT_MM,
    PRINT_WIDTH_MM,
    REASONS,
    FaceGeometry,
    GeometryFn,
    plan_crop,
)

__all__ = [
    "CROWN_TOP_MM",
    "CROWN_TO_CHIN_MM",
    "DETECT_LONG_SIDE_PX",
    "EARLY_MIN_PRINT_PX",
    "EarlyLook",
    "EarlyPrint",
    "FACE_LONG_SIDE_PX",
    "FALLBACK_LONG_SIDE_PX",
    "FaceGeometry",
    "GeometryFn",
    "LEAN_LONG_SIDE_PX",
    "LEAN_ROI_SCALE",
    "LEAN_ROI_SHIFT_UP",
    "LeanMesh",
    "MM_PER_INCH",
    "PRINT_HEIGHT_MM",
    "PRINT_WIDTH_MM",
    "PrintRect",
    "REASONS",
    "ScanImages",
    "TrimOutcome",
    "TrimResult",
    "context_from_pixels",
    "decode_once",
    "detection_factor",
    "early_look",
    "early_print",
    "early_reduction",
    "early_result",
    "encode_jpeg",
    "find_print",
    "inset",
    "join_jpeg_rows",
    "lean_crown",
    "lean_geometry",
    "lean_mesh",
    "overlap_available",
    "pipeline_geometry",
    "plan_crop",
    "refine_sides_full",
    "run_trim_check",
    "source_chroma",
    "start_early_look",
    "trim",
    "trim_outcome",
    "upright_print",
    "warp_encode_split",
    "warp_region",
]
