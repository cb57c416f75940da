"""Kernel inference on small graphs: executed before and after (bit-exact), declines recorded."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from brainsmith.hardware import mapping_summary
from brainsmith_builtin.hw_transforms.absorb_flatten import AbsorbFlattenIntoMVAU
from brainsmith_builtin.hw_transforms.infer_add_streams import InferAddStreams
from brainsmith_builtin.hw_transforms.infer_convolution_input_generator import (
    InferConvolutionInputGenerator,
)
from brainsmith_builtin.hw_transforms.infer_layernorm import InferLayerNorm
from brainsmith_builtin.hw_transforms.infer_mvau import InferMVAU
from brainsmith_builtin.hw_transforms.infer_streaming_maxpool import InferStreamingMaxPool
from brainsmith_builtin.hw_transforms.infer_thresholding import InferThresholding
from brainsmith_builtin.hw_transforms.partition_dataflow import PartitionDataflow
from hw_graphs import BUILTIN, QONNX, make_model, random_of, run
from onnx import helper
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.core.onnx_exec import execute_onnx
from qonnx.custom_op.registry import getCustomOp
from qonnx.transformation.infer_datatypes import InferDataTypes
from qonnx.transformation.infer_shapes import InferShapes

RNG = np.random.default_rng(7)
ALL_RULES = (
    InferMVAU,
    InferThresholding,
    InferConvolutionInputGenerator,
    InferStreamingMaxPool,
    InferAddStreams,
    InferLayerNorm,
    AbsorbFlattenIntoMVAU,
    PartitionDataflow,
)


def mapped(model: ModelWrapper) -> ModelWrapper:
    model = model.transform(InferDataTypes())
    for rule in ALL_RULES:
        model = model.transform(rule())
    return model


def assert_same_outputs(
    before: ModelWrapper, after: ModelWrapper, feeds: list[dict[str, Any]], exact: bool = True
) -> None:
    for feed in feeds:
        expected, actual = run(before, feed), run(after, feed)
        if exact:
            np.testing.assert_array_equal(actual, expected)
        else:
            np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-5)


def op_types(model: ModelWrapper) -> list[str]:
    return [n.op_type for n in model.graph.node]


def reasons_for(model: ModelWrapper, node: str) -> list[str]:
    for entry in mapping_summary(model)["software"]:
        if entry["node"] == node:
            return [r["reason"] for r in entry["reasons"]]
    raise AssertionError(f"{node} is not a software node")


def thresholds(rows: int, steps: int, spread: float) -> Any:
    # unsorted, non-integer: inference must round up and sort them without changing results
    return RNG.uniform(-spread, spread, size=(rows, steps)).astype(np.float32)


def mlp() -> ModelWrapper:
    """float x -> input quantiser (MT) -> 3 integer layers -> float de-quantisation (Mul)."""
    w0, w1, w2 = (
        random_of(dt, s, RNG) for dt, s in (("INT4", (8, 6)), ("INT2", (6, 6)), ("BIPOLAR", (6, 4)))
    )
    nodes = [
        helper.make_node(
            "MultiThreshold", ["x", "t_in"], ["q"], domain=QONNX, name="quant_in", out_dtype="UINT4"
        ),
        helper.make_node("MatMul", ["q", "w0"], ["a0"], name="fc0"),
        helper.make_node(
            "MultiThreshold",
            ["a0", "t0"],
            ["h0"],
            domain=QONNX,
            name="act0",
            out_dtype="INT3",
            out_bias=-4.0,
        ),
        helper.make_node("MatMul", ["h0", "w1"], ["a1"], name="fc1"),
        helper.make_node(
            "MultiThreshold", ["a1", "t1"], ["h1"], domain=QONNX, name="act1", out_dtype="UINT2"
        ),
        helper.make_node("MatMul", ["h1", "w2"], ["a2"], name="fc2"),
        helper.make_node("Mul", ["a2", "scale"], ["y"], name="dequant"),
    ]
    inits = {
        "t_in": (np.sort(RNG.uniform(-1, 1, (1, 15)), axis=1), None),
        "w0": (w0, "INT4"),
        "t0": (thresholds(6, 7, 60), None),
        "w1": (w1, "INT2"),
        "t1": (thresholds(1, 3, 12), None),
        "w2": (w2, "BIPOLAR"),
        "scale": (np.float32(0.125), None),
    }
    return make_model(nodes, {"x": ([3, 8], "FLOAT32")}, {"y": [3, 4]}, inits)


def test_mlp_maps_to_mvaus_and_keeps_pre_and_post_processing_in_software() -> None:
    before = mlp()
    after = mapped(before)
    assert op_types(after) == ["MultiThreshold", "MVAU", "MVAU", "MVAU", "Mul"]
    fc0, fc1, fc2 = (getCustomOp(n) for n in after.graph.node[1:4])
    for op in (fc0, fc1, fc2):
        op.verify_node()
    assert (fc0.get_nodeattr("noActivation"), fc0.get_nodeattr("ActVal")) == (0, -4)
    assert fc0.get_nodeattr("outputDataType") == "INT3"
    assert fc2.get_nodeattr("noActivation") == 1
    assert after.get_tensor_datatype("a2").name == fc2.get_nodeattr("accDataType")
    assert [n.output[0] for n in after.graph.node] == ["q", "h0", "h1", "a2", "y"]
    feeds = [{"x": RNG.uniform(-1.5, 1.5, size=(3, 8)).astype(np.float32)} for _ in range(4)]
    assert_same_outputs(before, after, feeds)

    summary = mapping_summary(after)
    assert summary["kernels"] == {"MVAU": 3}
    assert summary["mapped"][0]["sources"] == [
        {"node": "fc0", "op_type": "MatMul"},
        {"node": "act0", "op_type": "MultiThreshold"},
    ]
    assert reasons_for(after, "quant_in") == [
        "input 'x' has datatype FLOAT32, not an integer datatype (quantise it upstream: a Quant "
        "or MultiThreshold, then streamline)"
    ]
    assert reasons_for(after, "dequant") == ["no kernel inference rule maps Mul"]
    partition = summary["partition"]
    assert (partition["inputs"], partition["outputs"]) == (["q"], ["a2"])
    assert partition["preprocessing"] == ["quant_in"]
    assert partition["postprocessing"] == ["dequant"]
    assert partition["interior_software"] == []


def test_mvau_declines_and_fusion_declines_are_recorded() -> None:
    w = random_of("INT4", (4, 4), RNG)
    nodes = [
        helper.make_node("MatMul", ["x", "w"], ["a"], name="fc"),
        helper.make_node(
            "MultiThreshold",
            ["a", "t"],
            ["h"],
            domain=QONNX,
            name="act",
            out_dtype="UINT2",
            out_scale=0.5,
        ),
        helper.make_node("MatMul", ["h", "v"], ["b"], name="dynamic"),
        helper.make_node("MatMul", ["b", "wf"], ["y"], name="floatw"),
    ]
    inits = {"w": (w, "INT4"), "t": (thresholds(4, 3, 20), None), "wf": (np.eye(4) * 0.5, None)}
    before = make_model(nodes, {"x": ([2, 4], "INT4"), "v": ([4, 4], "INT4")}, {"y": [2, 4]}, inits)
    after = mapped(before)
    assert op_types(after) == ["MVAU", "MultiThreshold", "MatMul", "MatMul"]
    assert getCustomOp(after.graph.node[0]).get_nodeattr("noActivation") == 1
    assert reasons_for(after, "act") == [
        "not fused into MVAU 'fc': out_scale=0.5, must be 1 (kernels count thresholds without "
        "scaling)",
        "out_scale=0.5, must be 1 (kernels count thresholds without scaling)",
    ]
    assert reasons_for(after, "dynamic") == ["weights 'v' is not a constant initializer"]
    assert reasons_for(after, "floatw")[0].startswith("input 'b' has datatype FLOAT32")
    partition = mapping_summary(after)["partition"]
    assert partition["postprocessing"] == ["act", "dynamic", "floatw"]
    feeds = [
        {"x": random_of("INT4", (2, 4), RNG), "v": random_of("INT4", (4, 4), RNG)} for _ in range(3)
    ]
    assert_same_outputs(before, after, feeds)


def test_thresholding_on_channels_last_integer_input() -> None:
    nodes = [
        helper.make_node(
            "MultiThreshold",
            ["x", "t"],
            ["h"],
            domain=QONNX,
            name="act",
            out_dtype="INT2",
            out_bias=-2.0,
            data_layout="NHWC",
        ),
        helper.make_node(
            "MultiThreshold", ["h", "t2"], ["y"], domain=QONNX, name="nchw", out_dtype="UINT1"
        ),
    ]
    inits = {"t": (thresholds(5, 3, 30), None), "t2": (np.zeros((1, 1)), None)}
    before = make_model(nodes, {"x": ([1, 3, 3, 5], "INT6")}, {"y": [1, 3, 3, 5]}, inits)
    after = mapped(before)
    assert op_types(after) == ["Thresholding", "MultiThreshold"]
    op = getCustomOp(after.graph.node[0])
    op.verify_node()
    assert (op.get_nodeattr("numSteps"), op.get_nodeattr("numInputVectors")) == (3, [1, 3, 3])
    assert reasons_for(after, "nchw") == [
        "thresholds apply over axis 1 (data_layout NCHW), not the last (channels-last) axis; "
        "convert the graph to channels-last first"
    ]
    assert mapping_summary(after)["partition"]["interior_software"] == []
    assert_same_outputs(
        before, after, [{"x": random_of("INT6", (1, 3, 3, 5), RNG)} for _ in range(3)]
    )


def test_convolution_lowered_to_sliding_window_and_mvau() -> None:
    nodes = [
        helper.make_node(
            "Im2Col",
            ["x"],
            ["cols"],
            domain=QONNX,
            name="im2col",
            stride=[1, 1],
            kernel_size=[3, 3],
            input_shape="(1, 6, 6, 3)",
        ),
        helper.make_node("MatMul", ["cols", "w"], ["acc"], name="conv"),
        helper.make_node(
            "MultiThreshold",
            ["acc", "t"],
            ["y"],
            domain=QONNX,
            name="act",
            out_dtype="UINT3",
            data_layout="NHWC",
        ),
        helper.make_node(
            "Im2Col",
            ["y"],
            ["z"],
            domain=QONNX,
            name="padded",
            stride=[1, 1],
            kernel_size=[3, 3],
            input_shape="(1, 4, 4, 4)",
            pad_amount=[1, 1, 1, 1],
        ),
    ]
    inits = {"w": (random_of("INT3", (27, 4), RNG), "INT3"), "t": (thresholds(4, 7, 40), None)}
    before = make_model(nodes, {"x": ([1, 6, 6, 3], "INT4")}, {"z": [1, 4, 4, 36]}, inits)
    after = mapped(before)
    assert op_types(after) == ["ConvolutionInputGenerator", "MVAU", "Im2Col"]
    swg, mvau = (getCustomOp(n) for n in after.graph.node[:2])
    swg.verify_node()
    assert swg.get_nodeattr("OFMDim") == [4, 4]
    assert mvau.get_nodeattr("numInputVectors") == [1, 4, 4]
    assert reasons_for(after, "padded")[0].startswith("pad_amount=[1, 1, 1, 1]: padding needs")
    assert_same_outputs(
        before, after, [{"x": random_of("INT4", (1, 6, 6, 3), RNG)} for _ in range(3)]
    )


def test_maxpool_absorbs_surrounding_transposes() -> None:
    nodes = [
        helper.make_node("Transpose", ["x"], ["x_nchw"], perm=[0, 3, 1, 2], name="to_nchw"),
        helper.make_node(
            "MaxPool", ["x_nchw"], ["p"], kernel_shape=[2, 2], strides=[2, 2], name="pool"
        ),
        helper.make_node("Transpose", ["p"], ["y"], perm=[0, 2, 3, 1], name="to_nhwc"),
    ]
    before = make_model(nodes, {"x": ([1, 4, 6, 3], "INT5")}, {"y": [1, 2, 3, 3]})
    after = mapped(before)
    assert op_types(after) == ["StreamingMaxPool"]
    assert list(after.graph.node[0].input) == ["x"] and list(after.graph.node[0].output) == ["y"]
    assert_same_outputs(
        before, after, [{"x": random_of("INT5", (1, 4, 6, 3), RNG)} for _ in range(3)]
    )


def test_bare_maxpool_gets_transposes_and_overlapping_pooling_is_declined() -> None:
    nodes = [
        helper.make_node("MaxPool", ["x"], ["p"], kernel_shape=[2, 2], strides=[2, 2], name="pool"),
        helper.make_node(
            "MaxPool", ["p"], ["y"], kernel_shape=[2, 2], strides=[1, 1], name="overlap"
        ),
    ]
    before = make_model(nodes, {"x": ([1, 2, 8, 8], "UINT3")}, {"y": [1, 2, 3, 3]})
    after = mapped(before)
    assert op_types(after) == ["Transpose", "StreamingMaxPool", "Transpose", "MaxPool"]
    assert reasons_for(after, "overlap") == [
        "unsupported pooling: kernel_shape=[2, 2] differs from strides=[1, 1]"
    ]
    feeds = [{"x": random_of("UINT3", (1, 2, 8, 8), RNG)} for _ in range(3)]
    assert_same_outputs(before, after, feeds)


def test_maxpool_nhwc_maps_directly() -> None:
    node = helper.make_node(
        "MaxPoolNHWC",
        ["x"],
        ["y"],
        domain=QONNX,
        kernel_shape=[1, 2],
        strides=[1, 2],
        pads=[0, 0, 0, 0],
        name="pool_nhwc",
    )
    before = make_model([node], {"x": ([1, 3, 4, 2], "INT3")}, {"y": [1, 3, 2, 2]})
    after = mapped(before)
    assert op_types(after) == ["StreamingMaxPool"]
    assert getCustomOp(after.graph.node[0]).get_nodeattr("PoolDim") == [1, 2]
    feeds = [{"x": random_of("INT3", (1, 3, 4, 2), RNG)} for _ in range(3)]
    assert_same_outputs(before, after, feeds)


def test_add_streams_for_two_integer_streams_only() -> None:
    nodes = [
        helper.make_node("Add", ["a", "b"], ["s"], name="residual"),
        helper.make_node("Add", ["s", "bias"], ["y"], name="bias_add"),
    ]
    inputs = {"a": ([1, 2, 2, 4], "INT4"), "b": ([1, 2, 2, 4], "UINT4")}
    before = make_model(nodes, inputs, {"y": [1, 2, 2, 4]}, {"bias": (np.ones(4), None)})
    after = mapped(before)
    assert op_types(after) == ["AddStreams", "Add"]
    assert after.get_tensor_datatype("s").name == "INT6"
    assert reasons_for(after, "bias_add") == [
        "input 'bias' is a constant (a bias, not a second stream)"
    ]
    feeds = [
        {"a": random_of("INT4", (1, 2, 2, 4), RNG), "b": random_of("UINT4", (1, 2, 2, 4), RNG)}
        for _ in range(3)
    ]
    assert_same_outputs(before, after, feeds)


@pytest.mark.parametrize("affine", [False, True])
def test_layernorm_with_unit_or_separate_scale_and_bias(affine: bool) -> None:
    scale = RNG.uniform(0.5, 2, 8) if affine else np.ones(8)
    bias = RNG.uniform(-1, 1, 8) if affine else np.zeros(8)
    nodes = [
        helper.make_node(
            "LayerNormalization", ["x", "g", "b"], ["y"], axis=-1, epsilon=1e-4, name="ln"
        ),
        helper.make_node("LayerNormalization", ["y", "g1"], ["z"], axis=1, name="ln_axis1"),
    ]
    inits = {"g": (scale, None), "b": (bias, None), "g1": (np.ones((2, 8)), None)}
    before = make_model(nodes, {"x": ([3, 2, 8], "INT8")}, {"z": [3, 2, 8]}, inits)
    after = mapped(before)
    expected = (
        ["LayerNorm", "Mul", "Add", "LayerNormalization"]
        if affine
        else ["LayerNorm", "LayerNormalization"]
    )
    assert op_types(after) == expected
    assert getCustomOp(after.graph.node[0]).get_nodeattr("inputDataType") == "INT8"
    assert reasons_for(after, "ln_axis1") == [
        "axis=1 normalises over more than the last axis of [3, 2, 8]"
    ]
    assert_same_outputs(
        before, after, [{"x": random_of("INT8", (3, 2, 8), RNG)} for _ in range(3)], exact=False
    )


def test_interior_software_node_breaks_the_partition() -> None:
    nodes = [
        helper.make_node("MatMul", ["x", "w0"], ["a"], name="fc0"),
        helper.make_node("Relu", ["a"], ["r"], name="relu"),
        helper.make_node("MatMul", ["r", "w1"], ["y"], name="fc1"),
    ]
    inits = {
        "w0": (random_of("INT2", (4, 4), RNG), "INT2"),
        "w1": (random_of("INT2", (4, 2), RNG), "INT2"),
    }
    before = make_model(nodes, {"x": ([1, 4], "INT2")}, {"y": [1, 2]}, inits)
    before.set_tensor_datatype("r", before.get_tensor_datatype("x"))
    after = mapped(before)
    partition = mapping_summary(after)["partition"]
    assert partition["interior_software"] == ["relu"]
    assert (partition["inputs"], partition["outputs"]) == (["x", "r"], ["a", "y"])


def test_rerunning_inference_records_each_decline_once() -> None:
    model = mapped(mapped(mlp()))
    assert reasons_for(model, "quant_in") == reasons_for(mapped(mlp()), "quant_in")
    assert len(reasons_for(model, "quant_in")) == 1
    assert all(n.domain in ("", QONNX, BUILTIN) for n in model.graph.node)


def sign(name: str, x: str, t: str, y: str, **overrides: Any) -> Any:
    """A qonnx bipolar sign activation (2 * count - 1), as the lowering of BipolarQuant."""
    attrs: dict[str, Any] = {"out_dtype": "BIPOLAR", "out_scale": 2.0, "out_bias": -1.0}
    attrs.update(overrides)
    return helper.make_node("MultiThreshold", [x, t], [y], domain=QONNX, name=name, **attrs)


def test_bipolar_mlp_fuses_sign_activations_into_mvaus() -> None:
    """tfc_w1a1's shape: sign(x) -> [MatMul -> sign] x 2 -> MatMul -> Mul."""
    nodes = [
        sign("quant_in", "x", "t_in", "q"),
        helper.make_node("MatMul", ["q", "w0"], ["a0"], name="fc0"),
        sign("act0", "a0", "t0", "h0"),
        helper.make_node("MatMul", ["h0", "w1"], ["a1"], name="fc1"),
        sign("act1", "a1", "t1", "h1"),
        helper.make_node("MatMul", ["h1", "w2"], ["a2"], name="fc2"),
        helper.make_node("Mul", ["a2", "scale"], ["y"], name="dequant"),
    ]
    inits = {
        "t_in": (np.zeros((1, 1)), None),
        "w0": (random_of("BIPOLAR", (16, 8), RNG), "BIPOLAR"),
        "t0": (thresholds(8, 1, 3), None),
        "w1": (random_of("BIPOLAR", (8, 8), RNG), "BIPOLAR"),
        "t1": (thresholds(1, 1, 2), None),
        "w2": (random_of("BIPOLAR", (8, 4), RNG), "BIPOLAR"),
        "scale": (np.float32(0.5), None),
    }
    before = make_model(nodes, {"x": ([2, 16], "FLOAT32")}, {"y": [2, 4]}, inits)
    after = mapped(before)
    assert op_types(after) == ["MultiThreshold", "MVAU", "MVAU", "MVAU", "Mul"]
    for index in (1, 2):
        op = getCustomOp(after.graph.node[index])
        op.verify_node()
        assert op.get_nodeattr("outputDataType") == "BIPOLAR"
        assert (op.get_nodeattr("noActivation"), op.get_nodeattr("ActVal")) == (0, 0)
        assert after.get_tensor_datatype(after.graph.node[index].output[0]).name == "BIPOLAR"
    partition = mapping_summary(after)["partition"]
    assert partition["interior_software"] == []
    assert (partition["preprocessing"], partition["postprocessing"]) == (["quant_in"], ["dequant"])
    feeds = [{"x": RNG.normal(0, 1, size=(2, 16)).astype(np.float32)} for _ in range(6)]
    assert_same_outputs(before, after, feeds)
    hidden = [execute_onnx(after, feed, return_full_exec_context=True)["h0"] for feed in feeds]
    assert set(np.unique(hidden)) == {-1.0, 1.0}


@pytest.mark.filterwarnings("ignore:The values of tensor:UserWarning")
def test_bipolar_thresholding_and_declined_bipolar_forms() -> None:
    # "two_steps" and "unscaled" are not valid bipolar activations (their outputs are not +-1):
    # only their declines are checked, not their outputs
    nodes = [
        sign("sign", "x", "t", "s", data_layout="NHWC"),
        sign("two_steps", "x", "t2", "u", data_layout="NHWC"),
        sign("unscaled", "x", "t", "v", data_layout="NHWC", out_scale=1.0),
    ]
    inits = {
        "t": (thresholds(4, 1, 5), None),
        "t2": (np.sort(thresholds(4, 2, 5), axis=1), None),
    }
    outputs: dict[str, Any] = {"s": [1, 2, 2, 4], "u": [1, 2, 2, 4], "v": [1, 2, 2, 4]}
    before = make_model(nodes, {"x": ([1, 2, 2, 4], "INT4")}, outputs, inits)
    after = mapped(before)
    assert op_types(after) == ["Thresholding", "MultiThreshold", "MultiThreshold"]
    op = getCustomOp(after.graph.node[0])
    op.verify_node()
    assert op.get_nodeattr("outputDataType") == "BIPOLAR" and op.get_nodeattr("numSteps") == 1
    assert reasons_for(after, "two_steps") == [
        "a BIPOLAR output needs one threshold per channel, the thresholds have shape [4, 2]"
    ]
    assert reasons_for(after, "unscaled") == [
        "out_dtype=BIPOLAR with out_scale=1, out_bias=-1: a bipolar kernel output is "
        "2 * count - 1, so it needs out_scale=2 and out_bias=-1"
    ]
    for _ in range(4):
        feed = {"x": random_of("INT4", (1, 2, 2, 4), RNG)}
        np.testing.assert_array_equal(run(after, feed, "s"), run(before, feed, "s"))


def pooled_classifier(flatten: Any, producer_op: str = "MaxPoolNHWC") -> ModelWrapper:
    """int x (1, 4, 4, 3) -> 2x2 max pool (NHWC, or a Transpose to NCHW) -> ``flatten`` -> fc."""
    if producer_op == "MaxPoolNHWC":
        first = helper.make_node(
            "MaxPoolNHWC",
            ["x"],
            ["p"],
            domain=QONNX,
            name="pool",
            kernel_shape=[2, 2],
            strides=[2, 2],
            pads=[0, 0, 0, 0],
        )
        flat_len = 2 * 2 * 3
    else:
        first = helper.make_node("Transpose", ["x"], ["p"], name="to_nchw", perm=[0, 3, 1, 2])
        flat_len = 4 * 4 * 3
    nodes = [
        first,
        flatten,
        helper.make_node("MatMul", ["f", "w"], ["a"], name="fc"),
        helper.make_node("Mul", ["a", "scale"], ["y"], name="dequant"),
    ]
    inits: dict[str, tuple[Any, str | None]] = {
        "w": (random_of("INT4", (flat_len, 5), RNG), "INT4"),
        "scale": (np.float32(0.25), None),
    }
    model = make_model(nodes, {"x": ([1, 4, 4, 3], "UINT4")}, {"y": [1, 5]}, inits)
    model.set_initializer("shape", np.array([1, -1], dtype=np.int64))  # Reshape's target
    return model.transform(InferShapes())


@pytest.mark.parametrize(
    "flatten",
    [
        helper.make_node("Flatten", ["p"], ["f"], name="flat", axis=1),
        helper.make_node("Reshape", ["p", "shape"], ["f"], name="flat"),
    ],
    ids=["Flatten", "Reshape"],
)
def test_channels_last_flatten_vanishes_into_the_mvau(flatten: Any) -> None:
    before = pooled_classifier(flatten)
    after = mapped(before)
    assert op_types(after) == ["StreamingMaxPool", "MVAU", "Mul"]
    mvau = after.graph.node[1]
    assert mvau.input[0] == "p"
    op = getCustomOp(mvau)
    op.verify_node()
    assert (op.get_nodeattr("MW"), op.get_nodeattr("numInputVectors")) == (12, [1])
    assert "shape" not in {t.name for t in after.graph.initializer}
    summary = mapping_summary(after)
    (entry,) = [m for m in summary["mapped"] if m["node"] == "fc"]
    assert entry["sources"][0] == {"node": "fc", "op_type": "MatMul"}
    assert entry["sources"][1]["node"] == "flat"
    assert entry["sources"][1]["op_type"] == flatten.op_type
    assert "channels-last output of kernel node 'pool'" in entry["sources"][1]["absorbed"]
    assert summary["partition"]["interior_software"] == []
    feeds = [{"x": random_of("UINT4", (1, 4, 4, 3), RNG)} for _ in range(4)]
    assert_same_outputs(before, after, feeds)


def test_channels_first_or_shared_flatten_stays_in_software() -> None:
    flatten = helper.make_node("Flatten", ["p"], ["f"], name="flat", axis=1)
    after = mapped(pooled_classifier(flatten, producer_op="Transpose"))
    assert op_types(after) == ["Transpose", "Flatten", "MVAU", "Mul"]
    (reason,) = reasons_for(after, "flat")
    assert reason.startswith("input 'p' ([1, 3, 4, 4]) is not known to be channels-last")
    assert "software node 'to_nchw'" in reason

    before = pooled_classifier(flatten)
    before.graph.node.append(helper.make_node("Identity", ["f"], ["g"], name="peek"))
    before.graph.output.append(helper.make_tensor_value_info("g", 1, None))
    after = mapped(before)
    assert "Flatten" in op_types(after)
    assert reasons_for(after, "flat") == [
        "its output 'f' is read by MVAU 'fc', Identity 'peek'; it is absorbed only when an "
        "MVAU kernel node is its one reader (as input 0)"
    ]
