"""Deep MLPs built with ``onnx.helper``: the models issue 9 measured the default blueprint on.

Two kinds, four nodes per layer, every layer ``width`` units wide:

* ``gemm_bn``: ``Gemm`` (with bias, ``transB=1``) → ``BatchNormalization`` → ``Relu`` →
  ``Sub`` of a scalar constant — a float network as a PyTorch export writes it;
* ``quant``: an activation ``Quant`` and a weight ``Quant`` (QONNX, 4 bits) → ``MatMul`` →
  ``Relu`` — a Brevitas-style QONNX network.

Deterministic: the same arguments give byte-identical models.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

KINDS = ("gemm_bn", "quant")
"""The kinds :func:`mlp` builds."""
NODES_PER_LAYER = 4
QUANT_DOMAIN = "qonnx.custom_op.general"


def mlp(kind: str, nodes: int, width: int = 64, seed: int = 0) -> onnx.ModelProto:
    """An MLP of ``kind`` with ``nodes`` nodes (a multiple of 4), input and output
    ``[1, width]`` float32, named ``x`` and ``y``."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; use one of {', '.join(KINDS)}")
    if nodes < NODES_PER_LAYER or nodes % NODES_PER_LAYER:
        raise ValueError(f"nodes must be a positive multiple of {NODES_PER_LAYER}, got {nodes}")
    layers = nodes // NODES_PER_LAYER
    rng = np.random.default_rng(seed)
    build = _gemm_bn_layer if kind == "gemm_bn" else _quant_layer
    graph_nodes: list[onnx.NodeProto] = []
    inits: list[onnx.TensorProto] = []
    if kind == "quant":
        inits += [_const("zeropt", 0.0), _const("bits", 4.0), _const("act_scale", 0.125)]
    x = "x"
    for layer in range(layers):
        x = build(layer, x, width, rng, graph_nodes, inits)
    graph_nodes[-1].output[0] = "y"
    graph = helper.make_graph(
        graph_nodes,
        f"{kind}_mlp_{nodes}",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, width])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, width])],
        inits,
    )
    opsets = [helper.make_opsetid("", 13)]
    if kind == "quant":
        opsets.append(helper.make_opsetid(QUANT_DOMAIN, 1))
    model = helper.make_model(graph, opset_imports=opsets, producer_name="bench_scaling")
    model.ir_version = 8
    return model


def _const(name: str, value: object) -> onnx.TensorProto:
    return numpy_helper.from_array(np.asarray(value, dtype=np.float32), name)


def _gemm_bn_layer(
    i: int,
    x: str,
    width: int,
    rng: np.random.Generator,
    nodes: list[onnx.NodeProto],
    inits: list[onnx.TensorProto],
) -> str:
    inits += [
        _const(f"w{i}", rng.normal(0, 1 / np.sqrt(width), (width, width))),
        _const(f"b{i}", rng.normal(0, 0.1, width)),
        _const(f"gamma{i}", rng.uniform(0.5, 1.5, width)),
        _const(f"beta{i}", rng.normal(0, 0.1, width)),
        _const(f"mean{i}", rng.normal(0, 0.1, width)),
        _const(f"var{i}", rng.uniform(0.5, 1.5, width)),
        _const(f"c{i}", [0.05]),
    ]
    nodes += [
        helper.make_node("Gemm", [x, f"w{i}", f"b{i}"], [f"gemm{i}"], transB=1),
        helper.make_node(
            "BatchNormalization",
            [f"gemm{i}", f"gamma{i}", f"beta{i}", f"mean{i}", f"var{i}"],
            [f"bn{i}"],
        ),
        helper.make_node("Relu", [f"bn{i}"], [f"relu{i}"]),
        helper.make_node("Sub", [f"relu{i}", f"c{i}"], [f"h{i}"]),
    ]
    return f"h{i}"


def _quant_layer(
    i: int,
    x: str,
    width: int,
    rng: np.random.Generator,
    nodes: list[onnx.NodeProto],
    inits: list[onnx.TensorProto],
) -> str:
    inits += [
        _const(f"w{i}", np.eye(width) + rng.normal(0, 0.1 / np.sqrt(width), (width, width))),
        _const(f"wscale{i}", 0.05),
    ]
    nodes += [
        helper.make_node(
            "Quant",
            [x, "act_scale", "zeropt", "bits"],
            [f"qa{i}"],
            domain=QUANT_DOMAIN,
            signed=1,
            narrow=0,
            rounding_mode="ROUND",
        ),
        helper.make_node(
            "Quant",
            [f"w{i}", f"wscale{i}", "zeropt", "bits"],
            [f"qw{i}"],
            domain=QUANT_DOMAIN,
            signed=1,
            narrow=1,
            rounding_mode="ROUND",
        ),
        helper.make_node("MatMul", [f"qa{i}", f"qw{i}"], [f"mm{i}"]),
        helper.make_node("Relu", [f"mm{i}"], [f"h{i}"]),
    ]
    return f"h{i}"
