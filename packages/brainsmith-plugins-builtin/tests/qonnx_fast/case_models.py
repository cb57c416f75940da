"""Small models of each kind qonnx's passes get wrong, built with ``onnx.helper``, and helpers
to run them (onnxruntime, or qonnx node by node where custom ops need it)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

FLOAT = TensorProto.FLOAT
QONNX_DOMAIN = "qonnx.custom_op.general"


def value(name: str, shape: Sequence[int | str] | None, elem: int = FLOAT) -> Any:
    return helper.make_tensor_value_info(name, elem, shape)


def model(
    nodes: list[Any],
    inputs: list[Any],
    outputs: list[Any],
    inits: dict[str, Any] | None = None,
    *,
    opset: int = 17,
    domains_first: Sequence[str] = (),
    ir_version: int | None = None,
) -> onnx.ModelProto:
    """A model; ``domains_first`` are custom domains listed before the ONNX opset."""
    initializers = [numpy_helper.from_array(np.asarray(v), k) for k, v in (inits or {}).items()]
    graph = helper.make_graph(nodes, "case", inputs, outputs, initializers)
    opsets = [helper.make_opsetid(d, 1) for d in domains_first] + [helper.make_opsetid("", opset)]
    built = helper.make_model(graph, opset_imports=opsets)
    built.ir_version = ir_version if ir_version is not None else 8
    return built


def rng_input(shape: Sequence[int], dtype: Any = np.float32, seed: int = 0) -> Any:
    rng = np.random.default_rng(seed)
    if np.dtype(dtype).kind in "iu":
        return rng.integers(-50, 50, size=shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def run(proto: onnx.ModelProto, feeds: dict[str, Any]) -> list[Any]:
    """The model's outputs for ``feeds``: onnxruntime in one session, qonnx node by node when
    a node is in a custom domain."""
    if any(node.domain not in ("", "ai.onnx") for node in proto.graph.node):
        from qonnx.core.modelwrapper import ModelWrapper
        from qonnx.core.onnx_exec import execute_onnx

        wrapped = ModelWrapper(proto.SerializeToString())
        result = execute_onnx(wrapped, feeds)
        return [result[o.name] for o in proto.graph.output]
    session = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    return list(session.run(None, feeds))


# --- the kinds ------------------------------------------------------------------------------


def gemm(
    *,
    bias: bool = True,
    alpha: float = 1.0,
    beta: float = 1.0,
    trans_a: int = 0,
    trans_b: int = 0,
    elem: int = FLOAT,
    domains_first: Sequence[str] = (),
) -> onnx.ModelProto:
    """``y = Gemm(x, W[, c])`` on a ``[3, 5]`` input, ``[3, 4]`` output."""
    dtype = helper.tensor_dtype_to_np_dtype(elem)
    rng = np.random.default_rng(1)
    weight = rng.standard_normal([4, 5] if trans_b else [5, 4]).astype(dtype)
    inits: dict[str, Any] = {"W": weight}
    names = ["x", "W"]
    if bias:
        inits["c"] = rng.standard_normal([4]).astype(dtype)
        names.append("c")
    node = helper.make_node(
        "Gemm", names, ["y"], alpha=alpha, beta=beta, transA=trans_a, transB=trans_b
    )
    shape = [5, 3] if trans_a else [3, 5]
    return model(
        [node],
        [value("x", shape, elem)],
        [value("y", [3, 4], elem)],
        inits,
        opset=13,
        domains_first=domains_first,
    )


def gemm_chain(count: int) -> onnx.ModelProto:
    """``count`` Gemms without C, one after another on ``[2, 4]`` tensors."""
    nodes, inits = [], {}
    for i in range(count):
        inits[f"W{i}"] = np.eye(4, dtype=np.float32) * 0.5
        nodes.append(helper.make_node("Gemm", [f"t{i}", f"W{i}"], [f"t{i + 1}"], alpha=2.0))
    return model(nodes, [value("t0", [2, 4])], [value(f"t{count}", [2, 4])], inits, opset=13)


def single_identity() -> onnx.ModelProto:
    """The whole graph is one Identity from input to output."""
    return model(
        [helper.make_node("Identity", ["x"], ["y"])], [value("x", [1, 4])], [value("y", [1, 4])]
    )


def identity_rewire() -> onnx.ModelProto:
    """``i = Identity(x); y = Sub(x, i)``: removing the Identity makes ``Sub(x, x)``."""
    return model(
        [helper.make_node("Identity", ["x"], ["i"]), helper.make_node("Sub", ["x", "i"], ["y"])],
        [value("x", [1, 4])],
        [value("y", [1, 4])],
    )


def neutral_chain(forked: bool = True) -> onnx.ModelProto:
    """Relu, then Mul by one, Add of zero, Div by one, Identity, ending at the graph output;
    when ``forked``, a second output reads the Relu too."""
    nodes = [
        helper.make_node("Relu", ["x"], ["r"]),
        helper.make_node("Mul", ["r", "one"], ["m"]),
        helper.make_node("Add", ["m", "zero"], ["a"]),
        helper.make_node("Div", ["a", "one"], ["d"]),
        helper.make_node("Identity", ["d"], ["y"]),
    ]
    outputs = [value("y", [2, 4])]
    if forked:
        nodes.append(helper.make_node("Neg", ["r"], ["z"]))
        outputs.append(value("z", [2, 4]))
    return model(
        nodes,
        [value("x", [2, 4])],
        outputs,
        {"one": np.ones([4], np.float32), "zero": np.zeros([1], np.float32)},
    )


def broadcasting_zero() -> onnx.ModelProto:
    """``y = x + zeros([3, 4])`` with ``x`` of shape ``[4]``: the Add broadcasts, so it stays."""
    return model(
        [helper.make_node("Add", ["x", "zeros"], ["s"]), helper.make_node("Relu", ["s"], ["y"])],
        [value("x", [4])],
        [value("y", [3, 4])],
        {"zeros": np.zeros([3, 4], np.float32)},
    )


def batchnorm(
    *,
    params_as_inputs: bool = False,
    rank: int = 4,
    known_rank: bool = True,
    training: bool = False,
) -> onnx.ModelProto:
    """``y = BatchNormalization(x, scale, bias, mean, var)`` over 3 channels."""
    rng = np.random.default_rng(2)
    params = {
        "scale": rng.standard_normal(3).astype(np.float32),
        "bias": rng.standard_normal(3).astype(np.float32),
        "mean": rng.standard_normal(3).astype(np.float32),
        "var": rng.uniform(0.5, 2.0, 3).astype(np.float32),
    }
    shape = [2, 3, 4, 5][:rank]
    extra = {"training_mode": 1} if training else {}
    outputs = ["y"] + (["running_mean", "running_var"] if training else [])
    node = helper.make_node("BatchNormalization", ["x", *params], outputs, epsilon=1e-3, **extra)
    inputs = [value("x", shape)]
    graph_outputs = [value("y", shape if known_rank else ["d0", "d1", "d2"])]
    nodes = [node]
    if not known_rank:  # x reshaped by a target shape of unknown length: rank unknown
        node.input[0] = "r"
        nodes.insert(0, helper.make_node("Reshape", ["x", "target"], ["r"]))
        inputs.append(value("target", ["n"], TensorProto.INT64))
    if training:
        graph_outputs += [value("running_mean", [3]), value("running_var", [3])]
    if params_as_inputs:
        inputs += [value(name, [3]) for name in params]
        return model(nodes, inputs, graph_outputs, opset=15)
    return model(nodes, inputs, graph_outputs, params, opset=15)


def batchnorm_params() -> dict[str, Any]:
    """Feeds for the parameters of :func:`batchnorm` ``(params_as_inputs=True)``."""
    rng = np.random.default_rng(3)
    return {
        "scale": rng.standard_normal(3).astype(np.float32),
        "bias": rng.standard_normal(3).astype(np.float32),
        "mean": rng.standard_normal(3).astype(np.float32),
        "var": rng.uniform(0.5, 2.0, 3).astype(np.float32),
    }


def bn_after_dynamic_reshape(domains_first: Sequence[str] = ()) -> onnx.ModelProto:
    """``x [1, 4, 2, 2]`` reshaped to ``[N, -1]`` with ``N`` computed (Shape → Gather →
    Unsqueeze → Concat), then a BatchNormalization over the 16 channels."""
    rng = np.random.default_rng(4)
    inits = {
        "zero_index": np.array(0, np.int64),
        "axes": np.array([0], np.int64),
        "rest": np.array([-1], np.int64),
        "scale": rng.uniform(0.5, 1.5, 16).astype(np.float32),
        "bias": rng.uniform(0.5, 1.5, 16).astype(np.float32),
        "mean": rng.uniform(0.5, 1.5, 16).astype(np.float32),
        "var": rng.uniform(0.5, 1.5, 16).astype(np.float32),
    }
    nodes = [
        helper.make_node("Shape", ["x"], ["shape"]),
        helper.make_node("Gather", ["shape", "zero_index"], ["batch"], axis=0),
        helper.make_node("Unsqueeze", ["batch", "axes"], ["batch1"]),
        helper.make_node("Concat", ["batch1", "rest"], ["target"], axis=0),
        helper.make_node("Reshape", ["x", "target"], ["r"]),
        helper.make_node("BatchNormalization", ["r", "scale", "bias", "mean", "var"], ["y"]),
    ]
    return model(
        nodes,
        [value("x", [1, 4, 2, 2])],
        [value("y", [1, 16])],
        inits,
        opset=13,
        domains_first=domains_first,
    )


def div_int64(divisor: int = 2) -> onnx.ModelProto:
    """``y = x / divisor`` on int64."""
    return model(
        [helper.make_node("Div", ["x", "d"], ["y"])],
        [value("x", [4], TensorProto.INT64)],
        [value("y", [4], TensorProto.INT64)],
        {"d": np.array([divisor], np.int64)},
    )


def div_shared_divisor() -> onnx.ModelProto:
    """``y = x / c`` and ``z = x + c``: the divisor is read twice."""
    return model(
        [helper.make_node("Div", ["x", "c"], ["y"]), helper.make_node("Add", ["x", "c"], ["z"])],
        [value("x", [1, 4])],
        [value("y", [1, 4]), value("z", [1, 4])],
        {"c": np.array([2.0, 4.0, 8.0, 0.5], np.float32)},
    )


def ir3_unused_initializer() -> onnx.ModelProto:
    """IR 3: every initializer is also a graph input; ``unused`` no node reads, ``w`` a Mul."""
    inits = {"unused": np.ones([2], np.float32), "w": np.full([1, 4], 3.0, np.float32)}
    return model(
        [helper.make_node("Relu", ["x"], ["r"]), helper.make_node("Mul", ["r", "w"], ["y"])],
        [value("x", [1, 4]), value("unused", [2]), value("w", [1, 4])],
        [value("y", [1, 4])],
        inits,
        opset=8,
        ir_version=3,
    )


def quant_without_opset_import(
    domain: str = QONNX_DOMAIN, *, listed: bool = False
) -> onnx.ModelProto:
    """``y = Quant(x, scale, zero point, bit width)`` in ``domain``, which ``opset_import``
    does not list (unless ``listed``)."""
    inits = {
        "scale": np.array(0.25, np.float32),
        "zeropt": np.array(0.0, np.float32),
        "bitwidth": np.array(4.0, np.float32),
    }
    node = helper.make_node(
        "Quant",
        ["x", "scale", "zeropt", "bitwidth"],
        ["y"],
        domain=domain,
        signed=1,
        narrow=0,
        rounding_mode="ROUND",
    )
    listing = [domain] if listed else []
    return model(
        [node],
        [value("x", [1, 4])],
        [value("y", [1, 4])],
        inits,
        opset=13,
        domains_first=listing,
    )


def quantize_linear(elem: int, *, dequantize: bool = False) -> onnx.ModelProto:
    """``q = QuantizeLinear(x, scale, zero point)`` to ``elem`` (opset 25), optionally
    followed by ``y = DequantizeLinear(q, scale, zero point)``."""
    zero = helper.make_tensor("zero", elem, [3], [0, 0, 0])
    nodes = [helper.make_node("QuantizeLinear", ["x", "scale", "zero"], ["q"], axis=0)]
    outputs = [value("q", [3, 4], elem)]
    if dequantize:
        nodes.append(helper.make_node("DequantizeLinear", ["q", "scale", "zero"], ["y"], axis=0))
        outputs = [value("y", [3, 4])]
    graph = helper.make_graph(
        nodes,
        "quantize",
        [value("x", [3, 4])],
        outputs,
        [numpy_helper.from_array(np.full([3], 0.5, np.float32), "scale"), zero],
    )
    built = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 25)])
    built.ir_version = 11
    return built
