"""benchmarks.relu_models: PRelu written as Relu + slope·Min gives the same bits."""

from __future__ import annotations

import json

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from benchmarks.relu_models import SHARED_MODELS, SPECS, relu_path, rewrite_prelu, sha256
from photocheck.inference import models_dir, session_options


def _prelu_model(slope: np.ndarray) -> onnx.ModelProto:
    """x → PRelu(x, slope) → Conv 1×1 (so that the result feeds a blocked-layout operator)."""
    channels = slope.shape[1]
    weight = np.eye(channels, dtype=np.float32).reshape(channels, channels, 1, 1)
    graph = helper.make_graph(
        [helper.make_node("PRelu", ["x", "slope"], ["p"]),
         helper.make_node("Conv", ["p", "w"], ["y"])],
        "prelu",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, channels, 3, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, channels, 3, 3])],
        [numpy_helper.from_array(slope, "slope"), numpy_helper.from_array(weight, "w")])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


def _run(model: onnx.ModelProto, x: np.ndarray) -> np.ndarray:
    session = ort.InferenceSession(model.SerializeToString(), session_options(1),
                                   providers=["CPUExecutionProvider"])
    return session.run(None, {"x": x})[0]


def test_rewrite_gives_the_same_bits_as_prelu() -> None:
    # slopes outside [0, 1] too (the MediaPipe models have -1.6 … 1.5)
    slope = np.array([0.25, -1.5, 1.5, 0.0], np.float32).reshape(1, 4, 1, 1)
    x = np.random.default_rng(0).normal(0, 3, (1, 4, 3, 3)).astype(np.float32)
    x[0, :, 0, 0] = [0.0, -0.0, 1e-38, -1e-38]  # zeros and denormal-adjacent values
    model = _prelu_model(slope)
    before = _run(model, x)
    assert rewrite_prelu(model) == 1
    onnx.checker.check_model(model)
    assert [n.op_type for n in model.graph.node] == ["Relu", "Min", "Mul", "Add", "Conv"]
    after = _run(model, x)
    assert np.array_equal(before, after)
    # known values of channel 1 (slope -1.5): a negative input becomes positive
    assert after[0, 1, 1, 1] == pytest.approx(x[0, 1, 1, 1] * (-1.5 if x[0, 1, 1, 1] < 0 else 1))


def test_a_model_without_prelu_is_left_alone() -> None:
    model = _prelu_model(np.ones((1, 2, 1, 1), np.float32))
    model.graph.node[0].op_type = "Relu"
    del model.graph.node[0].input[1:]
    assert rewrite_prelu(model) == 0
    assert len(model.graph.initializer) == 2


@pytest.mark.parametrize("name", sorted(SPECS))
def test_the_shipped_model_is_the_rewrite_and_has_no_prelu(name: str) -> None:
    manifest = json.loads((models_dir() / "manifest.json").read_text("utf-8"))
    assert manifest[name]["file"] == relu_path(name).name
    assert manifest[name]["sha256"] == sha256(relu_path(name))
    ops = {node.op_type for node in onnx.load(str(relu_path(name))).graph.node}
    assert "PRelu" not in ops and {"Relu", "Min", "Mul", "Add"} <= ops


@pytest.mark.skipif(not SHARED_MODELS.is_dir(), reason="../shared/models absent")
@pytest.mark.parametrize("name", sorted(SPECS))
def test_the_shipped_model_gives_the_originals_bits(name: str) -> None:
    original = SHARED_MODELS / SPECS[name][0]
    assert sha256(original) == SPECS[name][1]
    sessions = [ort.InferenceSession(str(p), session_options(1),
                                     providers=["CPUExecutionProvider"])
                for p in (original, relu_path(name))]
    feed_name = sessions[0].get_inputs()[0].name
    shape = sessions[0].get_inputs()[0].shape
    x = np.random.default_rng(1).random(shape).astype(np.float32)
    outs = [s.run(None, {feed_name: x}) for s in sessions]
    assert all(np.array_equal(a, b) for a, b in zip(*outs, strict=True))
