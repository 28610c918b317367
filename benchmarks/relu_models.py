"""Make the PRelu-free FaceMesh and Iris models the package ships (issue 20), and check that
they give the very same outputs as the originals.

onnxruntime runs ``PRelu`` on the CPU as a generic broadcast between the activation and the
per-channel slope, outside the blocked (NCHWc) layout of the convolutions around it: in the two
MediaPipe landmark models it took more time than all their convolutions (FaceMesh 2.7 of 4.5 ms,
Iris 2.4 of 4.8 ms, one core). Each ``PRelu(x, slope)`` is written here as::

    Relu(x) + slope · Min(x, 0)

which is the same number for every float: for ``x > 0`` it is ``x + slope · 0 = x``, for
``x ≤ 0`` it is ``0 + slope · x``, each a single rounding as in ``PRelu`` itself. The checks
then see bit-identical landmarks (``--check`` verifies it on every input a check of the
photos feeds the models), at about half the model's time.

Rejected: writing it with operators the blocked layout also runs (``Relu(x)`` plus depthwise
1×1 convolutions by −1 and −slope, fused) saved another ~0.4 ms per call, but the convolutions
after it then sum in another order; landmarks moved by ≤ 3e-5 px, and that alone changed 5
statuses of 556 photos in ``benchmarks/accuracy.py``, both ways.

The shipped ``photocheck/models/<name>_relu.onnx`` files (:data:`SPECS`) are made here, and
only here, from the originals of ``../shared/models`` (sha256 checked against the recorded one);
``--write`` also records their sha256 and provenance in ``photocheck/models/manifest.json``.

onnx is needed here only (the ``[fit]`` extra); the package just loads the result.

Usage::

    python benchmarks/relu_models.py [--write] [--check] [--photos ../shared/photos]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

SHARED_MODELS = REPO.parent / "shared" / "models"
MODELS = REPO / "photocheck" / "models"
DEFAULT_PHOTOS = REPO.parent / "shared" / "photos"
# manifest key → (original file in ../shared/models, its sha256, version of the original)
SPECS = {
    "facemesh_468": ("facemesh_468.onnx",
                     "984a47120efe6cc8d808c3f4ef5670ae707b7e51010e8db65e7f0ba7c0f7bf22",
                     "mediapipe-0.10.21-face_landmark"),
    "iris_landmark": ("iris_landmark.onnx",
                      "af9e62c6d3d3fd11ca02f37b72528b64ef037de589233381de06dcf02162a3fc",
                      "mediapipe-0.10.21-iris_landmark"),
}
# photos whose check inputs --check replays (every category, so open and closed eyes, glasses,
# turned heads and infants are among them)
N_CHECK_PHOTOS = 40


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def relu_path(name: str) -> Path:
    return MODELS / f"{name}_relu.onnx"


def rewrite_prelu(model: Any) -> int:
    """Replace every ``PRelu(x, slope)`` of an ONNX model in place by
    ``Add(Relu(x), Mul(Min(x, 0), slope))``; returns how many were replaced."""
    from onnx import helper, numpy_helper

    graph = model.graph
    zero = "prelu_rewrite_zero"
    nodes, count = [], 0
    for node in graph.node:
        if node.op_type != "PRelu":
            nodes.append(node)
            continue
        x, slope = node.input
        out = node.output[0]
        nodes += [helper.make_node("Relu", [x], [f"{out}_relu"]),
                  helper.make_node("Min", [x, zero], [f"{out}_neg"]),
                  helper.make_node("Mul", [f"{out}_neg", slope], [f"{out}_scaled"]),
                  helper.make_node("Add", [f"{out}_relu", f"{out}_scaled"], [out],
                                   name=node.name)]
        count += 1
    if count:
        graph.initializer.append(numpy_helper.from_array(np.zeros((), np.float32), zero))
        del graph.node[:]
        graph.node.extend(nodes)
    return count


def make(name: str) -> tuple[Path, int]:
    """Write ``<name>_relu.onnx`` from the original; returns its path and the rewrites."""
    import onnx

    source = SHARED_MODELS / SPECS[name][0]
    if sha256(source) != SPECS[name][1]:
        raise SystemExit(f"{source} is not the recorded {name}")
    model = onnx.load(str(source))
    count = rewrite_prelu(model)
    onnx.checker.check_model(model)
    out = relu_path(name)
    onnx.save(model, str(out))
    return out, count


def write_manifest(name: str, count: int) -> None:
    path = MODELS / "manifest.json"
    manifest = json.loads(path.read_text("utf-8"))
    file, digest, version = SPECS[name]
    manifest[name].update({
        "file": relu_path(name).name,
        "sha256": sha256(relu_path(name)),
        "version": f"{version}-relu",
        "derived": (f"benchmarks/relu_models.py from {file} sha256 {digest[:12]}: its {count} "
                    "PRelu(x, slope) written as Relu(x) + slope·Min(x, 0), the same outputs "
                    "bit for bit"),
    })
    path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", "utf-8")


def check_feeds(photos: Path, n_photos: int) -> dict[str, list[dict[str, np.ndarray]]]:
    """Every input the checks of ``n_photos`` photos (spread over the categories of
    ``photos``) feed FaceMesh and Iris."""
    from benchmarks.quantise_models import _models_with
    from photocheck.validator import Validator

    every = sorted(p for p in photos.rglob("*.jpg") if p.is_file())
    step = max(1, len(every) // n_photos)
    models = _models_with({name: SHARED_MODELS / SPECS[name][0] for name in SPECS})
    validator = Validator("online", models=models)
    for path in every[::step][:n_photos]:
        validator.check(path.read_bytes(), applied_on="2026-11-21")
    return {name: models.feeds[name] for name in SPECS}


def compare(name: str, feeds: list[dict[str, np.ndarray]]) -> int:
    """How many of ``feeds`` give outputs that differ in any bit between the original and the
    shipped model."""
    import onnxruntime as ort

    from photocheck.inference import session_options

    def session(path: Path) -> Any:
        return ort.InferenceSession(str(path), session_options(1),
                                    providers=["CPUExecutionProvider"])

    original, rewritten = session(SHARED_MODELS / SPECS[name][0]), session(relu_path(name))
    differ = 0
    for feed in feeds:
        a, b = original.run(None, feed), rewritten.run(None, feed)
        differ += any(not np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    return differ


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true",
                        help="write photocheck/models/<name>_relu.onnx and the manifest")
    parser.add_argument("--check", action="store_true",
                        help="compare the shipped models with the originals on check inputs")
    parser.add_argument("--photos", type=Path, default=DEFAULT_PHOTOS)
    parser.add_argument("--n-photos", type=int, default=N_CHECK_PHOTOS)
    args = parser.parse_args(argv)
    if args.write:
        for name in SPECS:
            path, count = make(name)
            write_manifest(name, count)
            print(f"{name}: {count} PRelu rewritten → {path.name} sha256 {sha256(path)[:12]}")
    if args.check:
        feeds = check_feeds(args.photos, args.n_photos)
        for name, inputs in feeds.items():
            differ = compare(name, inputs)
            print(f"{name}: {len(inputs)} inputs of {args.n_photos} photos, "
                  f"{differ} with any output bit different")
            if differ:
                return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
