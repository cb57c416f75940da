"""The fast qonnx passes equal qonnx's own, byte for byte, and fall back outside their scope.

Models: generated MLPs (several sizes, seeds, quantized, with LayerNorm), the bundled example,
every pytorch-converted model onnx ships, and hand-built graphs with several inputs and
outputs, identity chains, shared initializers, and cases the fast path must hand to qonnx.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import pytest
from brainsmith.compile import Executor, Plan, Step
from brainsmith.examples import example_model, mlp_model
from brainsmith_builtin.qonnx_fast import give_readable_tensor_names as fast_module
from brainsmith_builtin.qonnx_fast.give_readable_tensor_names import GiveReadableTensorNames
from onnx import TensorProto, helper, numpy_helper
from qonnx.core.datatype import DataType
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.transformation.general import (
    ConvertDivToMul,
    ConvertSubToAdd,
    GiveUniqueNodeNames,
    RemoveUnusedTensors,
)
from qonnx.transformation.general import GiveReadableTensorNames as QonnxGiveReadableTensorNames
from qonnx.transformation.infer_datatypes import InferDataTypes
from qonnx.transformation.infer_shapes import InferShapes
from qonnx.transformation.remove import RemoveIdentityOps

PYTORCH = Path(onnx.__file__).parent / "backend/test/data/pytorch-converted"
PYTORCH_MODELS = sorted(p.name for p in PYTORCH.iterdir() if (p / "model.onnx").is_file())


def _graph(
    nodes: list[Any],
    inputs: list[str],
    outputs: list[str],
    inits: dict[str, Any] | None = None,
) -> onnx.ModelProto:
    """A float graph of ``[1, 4]`` tensors; ``inits`` maps names to numpy arrays."""

    def vi(name: str) -> Any:
        return helper.make_tensor_value_info(name, TensorProto.FLOAT, [1, 4])

    initializers = [numpy_helper.from_array(v, k) for k, v in (inits or {}).items()]
    graph = helper.make_graph(
        nodes, "g", [vi(n) for n in inputs], [vi(n) for n in outputs], initializers
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def _ones(value: float = 1.0) -> Any:
    return np.full([1, 4], value, dtype=np.float32)


def multi_io() -> onnx.ModelProto:
    """Two inputs, three outputs, one an intermediate tensor also read by a node."""
    return _graph(
        [
            helper.make_node("Add", ["a", "b"], ["s"]),
            helper.make_node("Mul", ["s", "w"], ["o1"]),
            helper.make_node("Relu", ["s"], ["o2"]),
            helper.make_node("Sub", ["o1", "b"], ["o3"]),
        ],
        ["a", "b"],
        ["o1", "o2", "o3"],
        {"w": _ones(2.0)},
    )


def identity_chain() -> onnx.ModelProto:
    """Identities and neutral Add/Mul in a chain (RemoveIdentityOps' work)."""
    return _graph(
        [
            helper.make_node("Identity", ["x"], ["i1"]),
            helper.make_node("Add", ["i1", "zero"], ["i2"]),
            helper.make_node("Identity", ["i2"], ["i3"]),
            helper.make_node("Mul", ["i3", "one"], ["i4"]),
            helper.make_node("Identity", ["i4"], ["i5"]),
            helper.make_node("Relu", ["i5"], ["y"]),
        ],
        ["x"],
        ["y"],
        {"zero": _ones(0.0), "one": _ones(1.0)},
    )


def shared_initializer() -> onnx.ModelProto:
    """One initializer read by three nodes (qonnx's cleanup gives each its own copy)."""
    return _graph(
        [
            helper.make_node("Mul", ["x", "w"], ["m1"]),
            helper.make_node("Add", ["m1", "w"], ["m2"]),
            helper.make_node("Div", ["m2", "w"], ["y"]),
        ],
        ["x"],
        ["y"],
        {"w": _ones(3.0)},
    )


def named_like_targets() -> onnx.ModelProto:
    """Tensors already called like readable names of other tensors (no clash in qonnx)."""
    return _graph(
        [
            helper.make_node("Relu", ["x"], ["Relu_1_out0"]),
            helper.make_node("Relu", ["Relu_1_out0"], ["global_in"]),
        ],
        ["x"],
        ["global_in"],
    )


# -- models the fast path hands to qonnx --------------------------------------------------


def clashing_unique_name() -> onnx.ModelProto:
    """A later tensor already named ``tensor_0``: GiveUniqueTensorNames merges two names."""
    return _graph(
        [
            helper.make_node("Relu", ["x"], ["p"]),
            helper.make_node("Relu", ["p"], ["tensor_0"]),
            helper.make_node("Relu", ["tensor_0"], ["y"]),
        ],
        ["x"],
        ["y"],
    )


def optional_input() -> onnx.ModelProto:
    """An empty (omitted optional) input name."""
    clip = helper.make_node("Clip", ["x", "", "hi"], ["y"])
    return _graph([clip], ["x"], ["y"], {"hi": _ones(6.0)})


FALLBACK_MODELS: dict[str, Callable[[], onnx.ModelProto]] = {
    "clashing unique name": clashing_unique_name,
    "optional input": optional_input,
}

FAST_MODELS: dict[str, Callable[[], onnx.ModelProto]] = {
    "example": example_model,
    "multi io": multi_io,
    "identity chain": identity_chain,
    "shared initializer": shared_initializer,
    "named like targets": named_like_targets,
    **{
        f"mlp {layers} seed {seed}": (lambda layers=layers, seed=seed: mlp_model(layers, seed=seed))
        for layers in (1, 5, 33)
        for seed in (0, 1)
    },
    "mlp quantized": lambda: mlp_model(9, quantized=True, seed=2),
    "mlp layernorm no bias": lambda: mlp_model(8, layernorm_every=3, bias=False, seed=3),
}


def _prepared(proto: onnx.ModelProto) -> ModelWrapper:
    """The model as the pass meets it in a blueprint: shapes, datatypes, unique node names."""
    random.seed(0)
    model = ModelWrapper(proto.SerializeToString())
    for transformation in (InferShapes(), InferDataTypes(), GiveUniqueNodeNames()):
        try:
            model = model.transform(transformation)
        except Exception:  # old opsets qonnx cannot infer: rename what loads
            model = model.transform(GiveUniqueNodeNames())
            break
    return model


def _outcome(run: Callable[[], Any]) -> bytes | str:
    """The model's bytes, or the exception's type and message."""
    try:
        model = run()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    data: bytes = model.model.SerializeToString()
    return data


def _compare(model: ModelWrapper, seed: int = 0) -> tuple[bytes | str, bytes | str]:
    """qonnx's and the fast pass's results through ``transform`` and through bare ``apply``."""
    results = []
    for cls in (QonnxGiveReadableTensorNames, GiveReadableTensorNames):
        random.seed(seed)
        via_transform = _outcome(lambda cls=cls: copy.deepcopy(model).transform(cls()))
        random.seed(seed)
        via_apply = _outcome(lambda cls=cls: cls().apply(copy.deepcopy(model))[0])
        results.append((via_transform, via_apply))
    (q_transform, q_apply), (f_transform, f_apply) = results
    assert f_apply == q_apply
    return q_transform, f_transform


class _Fallbacks:
    """Counts how often the fast pass handed (part of) the work to qonnx."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.whole = 0
        self.second_half = 0
        whole, second_half = fast_module.QonnxGiveReadableTensorNames, fast_module._readable_qonnx

        def count_whole() -> Any:
            self.whole += 1
            return whole()

        def count_second_half(model: Any) -> None:
            self.second_half += 1
            second_half(model)

        monkeypatch.setattr(fast_module, "QonnxGiveReadableTensorNames", count_whole)
        monkeypatch.setattr(fast_module, "_readable_qonnx", count_second_half)


@pytest.mark.parametrize("name", sorted(FAST_MODELS))
def test_fast_path_equals_qonnx(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    fallbacks = _Fallbacks(monkeypatch)
    model = _prepared(FAST_MODELS[name]())
    expected, got = _compare(model)
    assert isinstance(expected, bytes)
    assert got == expected
    assert (fallbacks.whole, fallbacks.second_half) == (0, 0)


@pytest.mark.parametrize("name", PYTORCH_MODELS)
def test_onnx_pytorch_converted_models(name: str) -> None:
    model = _prepared(onnx.load(str(PYTORCH / name / "model.onnx")))
    expected, got = _compare(model)
    assert got == expected


def test_enough_pytorch_converted_models_take_the_fast_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fallbacks = _Fallbacks(monkeypatch)
    fast = 0
    for name in PYTORCH_MODELS:
        before = fallbacks.whole + fallbacks.second_half
        _compare(_prepared(onnx.load(str(PYTORCH / name / "model.onnx"))))
        fast += fallbacks.whole + fallbacks.second_half == before
    assert fast >= 20


@pytest.mark.parametrize("name", sorted(FALLBACK_MODELS))
def test_out_of_scope_models_fall_back_to_qonnx(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    fallbacks = _Fallbacks(monkeypatch)
    model = _prepared(FALLBACK_MODELS[name]())
    expected, got = _compare(model)
    assert got == expected
    assert fallbacks.whole > 0


def test_clashing_readable_names_finish_with_qonnx(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two nodes with one name: the second half's renames clash, qonnx's code finishes."""
    fallbacks = _Fallbacks(monkeypatch)
    model = ModelWrapper(multi_io().SerializeToString())
    for node in model.graph.node:
        node.name = "same"
    expected, got = _compare(model)
    assert got == expected
    assert fallbacks.second_half > 0


def test_unnamed_nodes_fail_like_qonnx() -> None:
    model = ModelWrapper(multi_io().SerializeToString())
    expected, got = _compare(model)
    assert expected == got == "AssertionError: Found empty node name"


def test_dirty_model_gets_qonnx_cleanup_between_the_halves(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Unused initializer and value info, a shared parameter, an unsorted node list."""
    fallbacks = _Fallbacks(monkeypatch)
    model = _prepared(shared_initializer())
    model.set_initializer("unused", _ones(5.0))
    nodes = list(model.graph.node)
    model.graph.node.remove(nodes[0])
    model.graph.node.append(nodes[0])
    model.set_tensor_datatype("unused", DataType["INT4"])
    for seed in range(3):
        expected, got = _compare(model, seed)
        assert isinstance(expected, bytes)
        assert got == expected
    assert fallbacks.whole == 0


def test_static_graph_input_is_moved_like_qonnx(monkeypatch: pytest.MonkeyPatch) -> None:
    """An initializer also listed as a graph input (qonnx's cleanup moves it)."""
    fallbacks = _Fallbacks(monkeypatch)
    proto = shared_initializer()
    proto.graph.input.append(helper.make_tensor_value_info("w", TensorProto.FLOAT, [1, 4]))
    model = ModelWrapper(proto.SerializeToString())
    model = model.transform(GiveUniqueNodeNames(), cleanup=False)
    expected, got = _compare(model)
    assert isinstance(expected, bytes)
    assert got == expected
    assert fallbacks.whole == 0


CHEAP = [
    InferShapes,
    InferDataTypes,
    GiveUniqueNodeNames,
    QonnxGiveReadableTensorNames,
    RemoveIdentityOps,
    RemoveUnusedTensors,
    ConvertSubToAdd,
    ConvertDivToMul,
]


@pytest.mark.parametrize(
    "name", ["example", "identity chain", "shared initializer", "mlp 33 seed 1", "mlp quantized"]
)
def test_executor_with_fast_pass_equals_naive_qonnx_sequence(name: str) -> None:
    data = FAST_MODELS[name]().SerializeToString()
    random.seed(0)
    model = ModelWrapper(data)
    for cls in CHEAP:
        model = model.transform(cls())
    fast = [GiveReadableTensorNames if c is QonnxGiveReadableTensorNames else c for c in CHEAP]
    steps = tuple(Step("graph_cleanup", f"qonnx:{c.__name__}", c) for c in fast)
    result = Executor(Plan((("graph_cleanup", steps),))).run(ModelWrapper(data))
    assert result.model.model.SerializeToString() == model.model.SerializeToString()
