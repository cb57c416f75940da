"""Each builtin kernel's golden model against an independent ONNX/qonnx formulation."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
from brainsmith.hardware import HWKernel, KernelNodeError
from hw_graphs import BUILTIN, QONNX, make_model, random_of, run
from onnx import helper
from qonnx.core.datatype import DataType
from qonnx.custom_op.registry import getCustomOp
from qonnx.transformation.infer_datatypes import InferDataTypes
from qonnx.transformation.infer_shapes import InferShapes

RNG_SEED = 20240517


def kernel_of(model: Any) -> HWKernel:
    op = getCustomOp(model.graph.node[0])
    assert isinstance(op, HWKernel)
    op.verify_node()
    return op


def sorted_thresholds(rng: np.random.Generator, rows: int, steps: int, lo: int, hi: int) -> Any:
    return np.sort(rng.integers(lo, hi + 1, size=(rows, steps)), axis=1).astype(np.float32)


MVAU_CASES = [
    # idt, wdt, MW, MH, vecs, SIMD, PE, steps
    ("INT4", "INT4", 12, 8, [1], 3, 2, 15),
    ("UINT8", "INT2", 16, 6, [3], 16, 6, 3),
    ("BIPOLAR", "BIPOLAR", 8, 4, [2], 1, 1, 1),
    ("INT2", "UINT3", 6, 10, [1, 3, 3], 2, 5, 0),  # noActivation
]


@pytest.mark.parametrize(("idt", "wdt", "mw", "mh", "vecs", "simd", "pe", "steps"), MVAU_CASES)
def test_mvau_matches_matmul_and_multithreshold(
    idt: str, wdt: str, mw: int, mh: int, vecs: list[int], simd: int, pe: int, steps: int
) -> None:
    rng = np.random.default_rng(RNG_SEED)
    w = random_of(wdt, (mw, mh), rng)
    x = random_of(idt, (*vecs, mw), rng)
    acc_bound = float(
        np.abs(w).sum(axis=0).max() * max(abs(DataType[idt].min()), DataType[idt].max())
    )
    no_act = int(steps == 0)
    inits: dict[str, tuple[Any, str | None]] = {"W": (w, wdt)}
    ref_nodes = [helper.make_node("MatMul", ["x", "W"], ["acc"])]
    if no_act:
        ref_nodes[0].output[0] = "y"
        odt = "INT16"
    else:
        thresholds = sorted_thresholds(rng, mh, steps, -int(acc_bound), int(acc_bound))
        inits["T"] = (thresholds, "INT16")
        odt = "INT4" if steps == 15 else "UINT2" if steps == 3 else "BINARY"
        act_val = -8 if steps == 15 else 0
        ref_nodes.append(
            helper.make_node(
                "MultiThreshold",
                ["acc", "T"],
                ["y"],
                domain=QONNX,
                out_dtype=odt,
                out_bias=float(act_val),
            )
        )
    shape = [*vecs, mw]
    reference = make_model(ref_nodes, {"x": (shape, idt)}, {"y": None}, inits)
    expected = run(reference, {"x": x})

    attrs: dict[str, Any] = {
        "MW": mw,
        "MH": mh,
        "SIMD": simd,
        "PE": pe,
        "inputDataType": idt,
        "weightDataType": wdt,
        "outputDataType": odt if not no_act else "INT16",
        "accDataType": "INT16",
        "noActivation": no_act,
        "numInputVectors": vecs,
    }
    inputs = ["x", "W"]
    if not no_act:
        inputs.append("T")
        attrs["ActVal"] = act_val
    node = helper.make_node("MVAU", inputs, ["y"], domain=BUILTIN, name="mvau", **attrs)
    model = make_model([node], {"x": (shape, idt)}, {"y": None}, inits)
    np.testing.assert_array_equal(run(model, {"x": x}), expected)

    op = kernel_of(model)
    assert op.get_folded_input_shape() == (*vecs, mw // simd, simd)
    assert op.get_folded_output_shape() == (*vecs, mh // pe, pe)
    assert op.get_instream_width() == simd * DataType[idt].bitwidth()
    assert op.get_outstream_width() == pe * op.get_output_datatype().bitwidth()
    assert op.get_instream_width_padded() % 8 == 0
    assert op.get_exp_cycles() == int(np.prod(vecs)) * (mh // pe) * (mw // simd)
    model = model.transform(InferShapes()).transform(InferDataTypes())
    assert model.get_tensor_shape("y") == [*vecs, mh]


def test_mvau_outputs_invariant_under_every_legal_folding() -> None:
    rng = np.random.default_rng(RNG_SEED)
    w, x = random_of("INT3", (6, 4), rng), random_of("INT3", (2, 6), rng)
    outputs = set()
    for simd, pe in itertools.product((1, 2, 3, 6), (1, 2, 4)):
        node = helper.make_node(
            "MVAU",
            ["x", "W"],
            ["y"],
            domain=BUILTIN,
            MW=6,
            MH=4,
            SIMD=simd,
            PE=pe,
            inputDataType="INT3",
            weightDataType="INT3",
            outputDataType="INT9",
            accDataType="INT9",
            noActivation=1,
            numInputVectors=[2],
        )
        model = make_model([node], {"x": ([2, 6], "INT3")}, {"y": None}, {"W": (w, "INT3")})
        assert kernel_of(model).get_exp_cycles() == 2 * (4 // pe) * (6 // simd)
        outputs.add(run(model, {"x": x}).tobytes())
    assert len(outputs) == 1


def test_thresholding_matches_multithreshold() -> None:
    rng = np.random.default_rng(RNG_SEED)
    for idt, channels, pe, shared in (("INT8", 6, 3, False), ("UINT4", 4, 4, True)):
        x = random_of(idt, (1, 3, 3, channels), rng)
        t = sorted_thresholds(rng, 1 if shared else channels, 7, -20, 20)
        ref = helper.make_node(
            "MultiThreshold",
            ["x", "T"],
            ["y"],
            domain=QONNX,
            out_dtype="INT3",
            out_bias=-4.0,
            data_layout="NHWC",
        )
        inits: dict[str, tuple[Any, str | None]] = {"T": (t, "INT6")}
        expected = run(
            make_model([ref], {"x": ([1, 3, 3, channels], idt)}, {"y": None}, inits), {"x": x}
        )
        node = helper.make_node(
            "Thresholding",
            ["x", "T"],
            ["y"],
            domain=BUILTIN,
            name="th",
            NumChannels=channels,
            PE=pe,
            numSteps=7,
            inputDataType=idt,
            weightDataType="INT6",
            outputDataType="INT3",
            ActVal=-4,
            numInputVectors=[1, 3, 3],
        )
        model = make_model([node], {"x": ([1, 3, 3, channels], idt)}, {"y": None}, inits)
        np.testing.assert_array_equal(run(model, {"x": x}), expected)
        op = kernel_of(model)
        assert op.get_exp_cycles() == 9 * channels // pe
        assert op.get_outstream_width() == pe * 3


@pytest.mark.parametrize(
    ("ifm", "k", "stride", "dilation", "channels", "simd"),
    [
        ((6, 6), (3, 3), (1, 1), (1, 1), 4, 2),
        ((7, 5), (2, 3), (2, 1), (1, 2), 3, 3),
        ((1, 8), (1, 3), (1, 2), (1, 1), 2, 1),
    ],
)
def test_convolution_input_generator_matches_im2col(
    ifm: tuple[int, int],
    k: tuple[int, int],
    stride: tuple[int, int],
    dilation: tuple[int, int],
    channels: int,
    simd: int,
) -> None:
    rng = np.random.default_rng(RNG_SEED)
    shape = [1, *ifm, channels]
    x = random_of("INT4", shape, rng)
    ref = helper.make_node(
        "Im2Col",
        ["x"],
        ["y"],
        domain=QONNX,
        stride=list(stride),
        kernel_size=list(k),
        input_shape=str(tuple(shape)),
        dilations=list(dilation),
    )
    expected = run(make_model([ref], {"x": (shape, "INT4")}, {"y": None}), {"x": x})
    ofm = [(ifm[i] - dilation[i] * (k[i] - 1) - 1) // stride[i] + 1 for i in range(2)]
    node = helper.make_node(
        "ConvolutionInputGenerator",
        ["x"],
        ["y"],
        domain=BUILTIN,
        name="swg",
        ConvKernelDim=list(k),
        IFMChannels=channels,
        IFMDim=list(ifm),
        OFMDim=ofm,
        SIMD=simd,
        Stride=list(stride),
        Dilation=list(dilation),
        inputDataType="INT4",
        outputDataType="INT4",
    )
    model = make_model([node], {"x": (shape, "INT4")}, {"y": None})
    np.testing.assert_array_equal(run(model, {"x": x}), expected)
    op = kernel_of(model)
    cfold = channels // simd
    assert op.get_folded_output_shape() == (1, *ofm, k[0] * k[1] * cfold, simd)
    assert op.get_exp_cycles() == ifm[1] * cfold * (k[0] - 1) * dilation[0] + ofm[0] * max(
        ofm[1] * k[0] * k[1] * cfold, stride[0] * ifm[1] * cfold
    )


def test_convolution_input_generator_rejects_inconsistent_ofm() -> None:
    node = helper.make_node(
        "ConvolutionInputGenerator",
        ["x"],
        ["y"],
        domain=BUILTIN,
        name="swg",
        ConvKernelDim=[3, 3],
        IFMChannels=2,
        IFMDim=[5, 5],
        OFMDim=[5, 5],
        inputDataType="INT4",
        outputDataType="INT4",
    )
    model = make_model([node], {"x": ([1, 5, 5, 2], "INT4")}, {"y": None})
    with pytest.raises(KernelNodeError, match=r"OFMDim\[0\]=5 does not match .* \(expected 3\)"):
        getCustomOp(model.graph.node[0]).verify_node()


@pytest.mark.parametrize(
    ("img", "pool", "channels", "pe", "dt"),
    [((4, 4), (2, 2), 3, 3, "INT4"), ((6, 9), (3, 3), 4, 2, "UINT2")],
)
def test_streaming_maxpool_matches_onnx_maxpool(
    img: tuple[int, int], pool: tuple[int, int], channels: int, pe: int, dt: str
) -> None:
    rng = np.random.default_rng(RNG_SEED)
    x = random_of(dt, (1, *img, channels), rng)
    ref = helper.make_node("MaxPool", ["x"], ["y"], kernel_shape=list(pool), strides=list(pool))
    nchw = x.transpose(0, 3, 1, 2)
    expected = run(make_model([ref], {"x": (list(nchw.shape), dt)}, {"y": None}), {"x": nchw})
    node = helper.make_node(
        "StreamingMaxPool",
        ["x"],
        ["y"],
        domain=BUILTIN,
        name="pool",
        PoolDim=list(pool),
        NumChannels=channels,
        ImgDim=list(img),
        PE=pe,
        dataType=dt,
    )
    model = make_model([node], {"x": ([1, *img, channels], dt)}, {"y": None})
    np.testing.assert_array_equal(run(model, {"x": x}), expected.transpose(0, 2, 3, 1))
    op = kernel_of(model)
    assert op.get_exp_cycles() == img[0] * img[1] * channels // pe


def test_add_streams_matches_add() -> None:
    rng = np.random.default_rng(RNG_SEED)
    a, b = random_of("INT4", (2, 3, 8), rng), random_of("UINT5", (2, 3, 8), rng)
    ref = helper.make_node("Add", ["a", "b"], ["y"])
    inputs = {"a": ([2, 3, 8], "INT4"), "b": ([2, 3, 8], "UINT5")}
    expected = run(make_model([ref], inputs, {"y": None}), {"a": a, "b": b})
    node = helper.make_node(
        "AddStreams",
        ["a", "b"],
        ["y"],
        domain=BUILTIN,
        name="add",
        NumChannels=8,
        PE=4,
        inputDataTypes=["INT4", "UINT5"],
        outputDataType="INT7",
        numInputVectors=[2, 3],
    )
    model = make_model([node], inputs, {"y": None})
    np.testing.assert_array_equal(run(model, {"a": a, "b": b}), expected)
    op = kernel_of(model)
    assert op.get_exp_cycles() == 6 * 2
    assert (op.get_instream_width(0), op.get_instream_width(1)) == (16, 20)
    bad = helper.make_node(
        "AddStreams",
        ["a", "b"],
        ["y"],
        domain=BUILTIN,
        name="add",
        NumChannels=8,
        inputDataTypes=["INT4", "UINT5"],
        outputDataType="INT5",
        numInputVectors=[2, 3],
    )
    with pytest.raises(KernelNodeError, match=r"outputDataType=INT5 cannot hold sums in \[-8"):
        getCustomOp(make_model([bad], inputs, {"y": None}).graph.node[0]).verify_node()


def test_layernorm_matches_onnx_layernormalization() -> None:
    rng = np.random.default_rng(RNG_SEED)
    x = random_of("INT8", (2, 5, 16), rng)
    ref = helper.make_node("LayerNormalization", ["x", "scale"], ["y"], axis=-1, epsilon=1e-3)
    inits: dict[str, tuple[Any, str | None]] = {"scale": (np.ones(16), None)}
    expected = run(make_model([ref], {"x": ([2, 5, 16], "INT8")}, {"y": None}, inits), {"x": x})
    node = helper.make_node(
        "LayerNorm",
        ["x"],
        ["y"],
        domain=BUILTIN,
        name="ln",
        SIMD=4,
        NumChannels=16,
        epsilon=1e-3,
        inputDataType="INT8",
        outputDataType="FLOAT32",
        numInputVectors=[2, 5],
    )
    model = make_model([node], {"x": ([2, 5, 16], "INT8")}, {"y": None})
    np.testing.assert_allclose(run(model, {"x": x}), expected, rtol=1e-5, atol=1e-5)
    assert kernel_of(model).get_exp_cycles() == 10 * 4


def test_fifo_and_data_width_converter_are_identities_with_their_widths() -> None:
    rng = np.random.default_rng(RNG_SEED)
    x = random_of("INT4", (1, 12), rng)
    fifo = helper.make_node(
        "StreamingFIFO",
        ["x"],
        ["m"],
        domain=BUILTIN,
        name="fifo",
        depth=16,
        folded_shape=[1, 4, 3],
        normal_shape=[1, 12],
        dataType="INT4",
    )
    dwc = helper.make_node(
        "StreamingDataWidthConverter",
        ["m"],
        ["y"],
        domain=BUILTIN,
        name="dwc",
        inWidth=12,
        outWidth=24,
        shape=[1, 12],
        dataType="INT4",
    )
    model = make_model([fifo, dwc], {"x": ([1, 12], "INT4")}, {"y": None})
    np.testing.assert_array_equal(run(model, {"x": x}), x)
    f, d = (getCustomOp(n) for n in model.graph.node)
    f.verify_node()
    d.verify_node()
    assert f.get_exp_cycles() == 4 and f.get_instream_width() == 12
    assert d.get_folded_input_shape() == (1, 4, 3) and d.get_folded_output_shape() == (1, 2, 6)
    assert (d.get_instream_width(), d.get_outstream_width()) == (12, 24)
    assert d.get_exp_cycles() == 4
    assert f.folding_parameters() == {} and d.folding_parameters() == {}
    d.set_nodeattr("outWidth", 20)
    with pytest.raises(
        KernelNodeError, match=r"(?s)outWidth=20 must be a multiple .* \[4, 8, 12, 16, 24, 48\]"
    ):
        d.verify_node()


def test_folding_errors_name_node_parameter_and_legal_values() -> None:
    node = helper.make_node(
        "MVAU",
        ["x", "W"],
        ["y"],
        domain=BUILTIN,
        name="fc3",
        MW=12,
        MH=8,
        SIMD=5,
        PE=3,
        inputDataType="INT4",
        weightDataType="INT4",
        outputDataType="INT12",
        accDataType="INT12",
        noActivation=1,
    )
    model = make_model(
        [node], {"x": ([1, 12], "INT4")}, {"y": None}, {"W": (np.zeros((12, 8)), "INT4")}
    )
    op = getCustomOp(model.graph.node[0])
    with pytest.raises(KernelNodeError) as info:
        op.check_folding()
    assert str(info.value).startswith("MVAU node 'fc3': SIMD=5 does not divide MW=12")
    assert "[1, 2, 3, 4, 6, 12]" in str(info.value)
    op.set_nodeattr("SIMD", 4)
    with pytest.raises(KernelNodeError, match=r"(?s)PE=3 does not divide MH=8.*\[1, 2, 4, 8\]"):
        op.check_folding()
    assert op.folding_parameters()["PE"].legal_values == (1, 2, 4, 8)


def bipolar_activation(inputs: list[str], output: str) -> Any:
    """The qonnx bipolar sign activation: 2 * count - 1 with one threshold per channel."""
    return helper.make_node(
        "MultiThreshold",
        inputs,
        [output],
        domain=QONNX,
        out_dtype="BIPOLAR",
        out_scale=2.0,
        out_bias=-1.0,
        data_layout="NHWC",
    )


@pytest.mark.parametrize(("idt", "act_val"), [("BIPOLAR", 0), ("INT3", 5)])
def test_mvau_bipolar_output_matches_multithreshold(idt: str, act_val: int) -> None:
    rng = np.random.default_rng(RNG_SEED)
    mw, mh, vecs = 16, 6, [1, 2, 3]
    w = random_of("BIPOLAR", (mw, mh), rng)
    t = sorted_thresholds(rng, mh, 1, -6, 6)
    inits: dict[str, tuple[Any, str | None]] = {"W": (w, "BIPOLAR"), "T": (t, "INT8")}
    shape = [*vecs, mw]
    reference = make_model(
        [helper.make_node("MatMul", ["x", "W"], ["acc"]), bipolar_activation(["acc", "T"], "y")],
        {"x": (shape, idt)},
        {"y": None},
        inits,
    )
    node = helper.make_node(
        "MVAU",
        ["x", "W", "T"],
        ["y"],
        domain=BUILTIN,
        name="mvau",
        MW=mw,
        MH=mh,
        SIMD=4,
        PE=3,
        inputDataType=idt,
        weightDataType="BIPOLAR",
        outputDataType="BIPOLAR",
        accDataType="INT16",
        noActivation=0,
        ActVal=act_val,  # ignored for a BIPOLAR output
        numInputVectors=vecs,
    )
    model = make_model([node], {"x": (shape, idt)}, {"y": None}, inits)
    op = kernel_of(model)
    assert op.get_outstream_width() == 3  # PE one-bit elements
    assert model.get_tensor_datatype("y") == DataType["BIPOLAR"]
    for _ in range(4):
        x = random_of(idt, shape, rng)
        expected = run(reference, {"x": x})
        actual = run(model, {"x": x})
        np.testing.assert_array_equal(actual, expected)
        assert set(np.unique(actual)) == {-1.0, 1.0}


def test_thresholding_bipolar_output_matches_multithreshold() -> None:
    rng = np.random.default_rng(RNG_SEED)
    channels, shape = 8, [1, 3, 3, 8]
    t = sorted_thresholds(rng, channels, 1, -5, 5)
    inits: dict[str, tuple[Any, str | None]] = {"T": (t, "INT4")}
    reference = make_model(
        [bipolar_activation(["x", "T"], "y")], {"x": (shape, "INT4")}, {"y": None}, inits
    )
    node = helper.make_node(
        "Thresholding",
        ["x", "T"],
        ["y"],
        domain=BUILTIN,
        name="th",
        NumChannels=channels,
        PE=4,
        numSteps=1,
        inputDataType="INT4",
        weightDataType="INT4",
        outputDataType="BIPOLAR",
        numInputVectors=[1, 3, 3],
    )
    model = make_model([node], {"x": (shape, "INT4")}, {"y": None}, inits)
    assert kernel_of(model).get_outstream_width() == 4
    for _ in range(4):
        x = random_of("INT4", shape, rng)
        actual = run(model, {"x": x})
        np.testing.assert_array_equal(actual, run(reference, {"x": x}))
        assert set(np.unique(actual)) == {-1.0, 1.0}


def test_bipolar_output_needs_one_threshold_per_channel() -> None:
    node = helper.make_node(
        "Thresholding",
        ["x", "T"],
        ["y"],
        domain=BUILTIN,
        name="th2",
        NumChannels=4,
        numSteps=2,
        inputDataType="INT4",
        weightDataType="INT4",
        outputDataType="BIPOLAR",
    )
    inits: dict[str, tuple[Any, str | None]] = {"T": (np.zeros((4, 2)), "INT4")}
    model = make_model([node], {"x": ([1, 4], "INT4")}, {"y": None}, inits)
    with pytest.raises(KernelNodeError, match=r"node 'th2': .*BIPOLAR needs numSteps=1"):
        getCustomOp(model.graph.node[0]).verify_node()
    with pytest.raises(KernelNodeError, match=r"'th2': thresholds 'T': .*exactly one threshold"):
        run(model, {"x": np.zeros((1, 4), np.float32)})


def test_mvau_reads_an_unflattened_channels_last_input() -> None:
    rng = np.random.default_rng(RNG_SEED)
    w = random_of("INT3", (2 * 2 * 5, 3), rng)
    x = random_of("UINT4", (1, 2, 2, 5), rng)
    attrs: dict[str, Any] = {
        "MW": 20,
        "MH": 3,
        "inputDataType": "UINT4",
        "weightDataType": "INT3",
        "outputDataType": "INT12",
        "accDataType": "INT12",
        "noActivation": 1,
        "numInputVectors": [1],
    }
    node = helper.make_node("MVAU", ["x", "W"], ["y"], domain=BUILTIN, name="fc", **attrs)
    inits: dict[str, tuple[Any, str | None]] = {"W": (w, "INT3")}
    model = make_model([node], {"x": ([1, 2, 2, 5], "UINT4")}, {"y": None}, inits)
    assert model.get_tensor_shape("y") == [1, 3]
    np.testing.assert_array_equal(run(model, {"x": x}), x.reshape(1, 20) @ w)
    bad = make_model([node], {"x": ([1, 2, 5, 3], "UINT4")}, {"y": None}, inits)
    with pytest.raises(KernelNodeError, match=r"'fc': input 0 .* \(1, 2, 5, 3\).*MW=20"):
        run(bad, {"x": np.zeros((1, 2, 5, 3), np.float32)})
