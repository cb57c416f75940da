"""The fast InferShapes and InferDataTypes equal qonnx's, byte for byte.

Models: the committed Brevitas exports (as exported, and after shape inference), generated
MLPs of both benchmark kinds (Gemm+BatchNorm, QONNX Quant+MatMul), the bundled example, onnx's
pytorch-converted models, and hand-built graphs: custom ops with and without value infos, an
initializer without one, a datatype set behind the index's back, duplicate value infos (qonnx's
error), a Loop, old-style domains (left to qonnx).
"""

from __future__ import annotations

import copy
import random
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import pytest
from brainsmith.compile import IndexedModel
from brainsmith.examples import example_model, mlp_model
from brainsmith_builtin.qonnx_fast.convert_sub_to_add import ConvertSubToAdd
from brainsmith_builtin.qonnx_fast.infer_datatypes import InferDataTypes
from brainsmith_builtin.qonnx_fast.infer_shapes import InferShapes
from onnx import TensorProto, helper, numpy_helper
from qonnx.core.datatype import DataType
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.transformation.general import ConvertSubToAdd as QonnxConvertSubToAdd
from qonnx.transformation.infer_datatypes import InferDataTypes as QonnxInferDataTypes
from qonnx.transformation.infer_shapes import InferShapes as QonnxInferShapes

ROOT = Path(__file__).resolve().parents[3]
BREVITAS = sorted((ROOT / "tests/models/brevitas").glob("*/*.onnx"))
PYTORCH = Path(onnx.__file__).parent / "backend/test/data/pytorch-converted"
PYTORCH_MODELS = sorted(p for p in PYTORCH.glob("*/model.onnx"))
QUANT = "qonnx.custom_op.general"

sys.path.insert(0, str(ROOT / "benchmarks"))
from _mlps import mlp  # noqa: E402


def _quant(x: str, y: str, *, bits: float = 4.0) -> tuple[Any, list[Any]]:
    node = helper.make_node(
        "Quant",
        [x, f"{y}_scale", f"{y}_zp", f"{y}_bits"],
        [y],
        domain=QUANT,
        signed=1,
        narrow=0,
        rounding_mode="ROUND",
    )
    inits = [
        numpy_helper.from_array(np.array(0.25, dtype=np.float32), f"{y}_scale"),
        numpy_helper.from_array(np.array(0.0, dtype=np.float32), f"{y}_zp"),
        numpy_helper.from_array(np.array(bits, dtype=np.float32), f"{y}_bits"),
    ]
    return node, inits


def quant_without_valueinfos() -> onnx.ModelProto:
    """Quant → MultiThreshold → MatMul with a weight initializer, no intermediate value infos."""
    q, inits = _quant("x", "q")
    thresholds = numpy_helper.from_array(np.arange(3, dtype=np.float32).reshape(1, 3), "t")
    w = numpy_helper.from_array(np.ones((4, 2), dtype=np.float32), "w")
    nodes = [
        q,
        helper.make_node("MultiThreshold", ["q", "t"], ["m"], domain=QUANT, out_dtype="UINT2"),
        helper.make_node("MatMul", ["m", "w"], ["y"]),
    ]
    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2])],
        [*inits, thresholds, w],
    )
    return helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid(QUANT, 1)]
    )


def quant_with_int_valueinfo() -> onnx.ModelProto:
    """A Quant whose output already has a value info (its element type is kept)."""
    model = quant_without_valueinfos()
    model.graph.value_info.append(helper.make_tensor_value_info("q", TensorProto.FLOAT, [1, 4]))
    return model


def loop_model() -> onnx.ModelProto:
    """A Loop whose body reads an outer tensor, then a Relu."""
    body = helper.make_graph(
        [
            helper.make_node("Identity", ["cond"], ["cond_out"]),
            helper.make_node("Add", ["acc", "step"], ["acc_out"]),
        ],
        "body",
        [
            helper.make_tensor_value_info("i", TensorProto.INT64, []),
            helper.make_tensor_value_info("cond", TensorProto.BOOL, []),
            helper.make_tensor_value_info("acc", TensorProto.FLOAT, [1, 4]),
        ],
        [
            helper.make_tensor_value_info("cond_out", TensorProto.BOOL, []),
            helper.make_tensor_value_info("acc_out", TensorProto.FLOAT, [1, 4]),
        ],
    )
    nodes = [
        helper.make_node("Relu", ["x"], ["step"]),
        helper.make_node("Loop", ["n", "", "x"], ["looped"], body=body),
        helper.make_node("Relu", ["looped"], ["y"]),
    ]
    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])],
        [numpy_helper.from_array(np.array(3, dtype=np.int64), "n")],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


def old_style_domain() -> onnx.ModelProto:
    """A Quant in the old ``finn.custom_op.general`` domain."""
    model = quant_without_valueinfos()
    model.graph.node[0].domain = "finn.custom_op.general"
    return model


MODELS: dict[str, Callable[[], onnx.ModelProto]] = {
    "example": example_model,
    "mlp quantized": lambda: mlp_model(7, quantized=True, seed=1),
    "mlp layernorm": lambda: mlp_model(6, layernorm_every=2, seed=2),
    "gemm_bn mlp": lambda: mlp("gemm_bn", 48),
    "quant mlp": lambda: mlp("quant", 48),
    "quant without value infos": quant_without_valueinfos,
    "quant with a value info": quant_with_int_valueinfo,
    "loop": loop_model,
    "old-style domain": old_style_domain,
    **{f"brevitas {p.parent.name}/{p.stem}": (lambda p=p: onnx.load(p)) for p in BREVITAS},
}


def _wrapped(proto: onnx.ModelProto) -> ModelWrapper:
    random.seed(0)
    return ModelWrapper(proto.SerializeToString())


def _run(model: ModelWrapper, transformation: Any) -> bytes:
    """``model.transform(transformation)`` with qonnx's deterministic cleanup."""
    random.seed(0)
    return bytes(model.transform(transformation).model.SerializeToString())


def _both(model: ModelWrapper, fast: Any, qonnx: Any) -> tuple[bytes, bytes]:
    return _run(copy.deepcopy(model), fast), _run(copy.deepcopy(model), qonnx)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_infer_shapes_equals_qonnx(name: str) -> None:
    model = _wrapped(MODELS[name]())
    fast, qonnx = _both(model, InferShapes(), QonnxInferShapes())
    assert fast == qonnx


@pytest.mark.parametrize("name", sorted(MODELS))
def test_infer_datatypes_equals_qonnx(name: str) -> None:
    model = _wrapped(MODELS[name]())
    model = model.transform(QonnxInferShapes())
    for allow in (False, True):
        fast, qonnx = _both(model, InferDataTypes(allow), QonnxInferDataTypes(allow))
        assert fast == qonnx


@pytest.mark.parametrize("path", PYTORCH_MODELS, ids=lambda p: p.parent.name)
def test_onnx_pytorch_models_equal_qonnx(path: Path) -> None:
    model = _wrapped(onnx.load(path))
    try:
        expected = _run(copy.deepcopy(model), QonnxInferShapes())
    except Exception as exc:  # qonnx fails: so must the fast pass, the same way
        with pytest.raises(type(exc)):
            _run(copy.deepcopy(model), InferShapes())
        return
    assert _run(copy.deepcopy(model), InferShapes()) == expected
    inferred = ModelWrapper(expected)
    fast, qonnx = _both(inferred, InferDataTypes(), QonnxInferDataTypes())
    assert fast == qonnx


def test_the_model_given_is_left_unchanged() -> None:
    """Like qonnx's, the pass returns a new model; unlike qonnx's, it puts the custom nodes of
    the model given back in place."""
    model = _wrapped(quant_without_valueinfos())
    before = model.model.SerializeToString()
    result, changed = InferShapes().apply(model)
    assert changed is False
    assert result is not model
    assert [n.op_type for n in model.graph.node] == ["Quant", "MultiThreshold", "MatMul"]
    assert model.model.SerializeToString() == before
    assert result.get_tensor_shape("m") == [1, 4]


def test_duplicate_value_infos_raise_qonnx_error() -> None:
    proto = quant_without_valueinfos()
    proto.graph.value_info.extend(
        [helper.make_tensor_value_info("q", TensorProto.FLOAT, [1, 4])] * 2
    )
    with pytest.raises(AssertionError, match="Multiple ValueInfoProto"):
        _run(_wrapped(proto), QonnxInferShapes())
    with pytest.raises(AssertionError, match="Multiple ValueInfoProto"):
        _run(_wrapped(proto), InferShapes())


def test_index_sees_changes_made_behind_its_back() -> None:
    model = _wrapped(quant_without_valueinfos()).transform(QonnxInferShapes())
    view = IndexedModel(model)
    assert view.get_tensor_datatype("q") == DataType["FLOAT32"]
    view.set_tensor_datatype("q", DataType["INT4"])
    assert view.get_tensor_datatype("q") == model.get_tensor_datatype("q") == DataType["INT4"]
    model.set_tensor_datatype("m", DataType["UINT2"])  # appended through the plain wrapper
    assert view.get_tensor_datatype("m") == DataType["UINT2"]
    view.set_initializer("w", np.zeros((4, 2), dtype=np.float32))
    assert view.get_initializer("w").sum() == 0
    view.set_tensor_datatype("q", None)
    assert view.get_tensor_datatype("q") == model.get_tensor_datatype("q")


def test_manifest_points_the_qonnx_names_at_the_fast_passes() -> None:
    from brainsmith.plugins.records import Kind
    from brainsmith.plugins.session import Session

    session = Session.from_environment(cache=False)
    for name, cls in (
        ("InferShapes", InferShapes),
        ("InferDataTypes", InferDataTypes),
        ("ConvertSubToAdd", ConvertSubToAdd),
    ):
        component = session.component(Kind.TRANSFORM, f"qonnx:{name}")
        assert session.load(component) is cls


def subs() -> onnx.ModelProto:
    """Subs of: a constant read by two Subs, a constant graph input (IR 3 style), a dynamic
    tensor, and a constant minuend; plus a constant with a value info of its own."""

    def init(name: str, value: float) -> Any:
        return numpy_helper.from_array(np.full([1, 4], value, dtype=np.float32), name)

    nodes = [
        helper.make_node("Sub", ["x", "c"], ["a"]),
        helper.make_node("Sub", ["a", "c"], ["b"]),
        helper.make_node("Sub", ["b", "g"], ["d"]),
        helper.make_node("Sub", ["d", "x"], ["e"]),
        helper.make_node("Sub", ["k", "e"], ["f"]),
        helper.make_node("Sub", ["f", "v"], ["y"]),
    ]
    vi = helper.make_tensor_value_info
    graph = helper.make_graph(
        nodes,
        "g",
        [vi("x", TensorProto.FLOAT, [1, 4]), vi("g", TensorProto.FLOAT, [1, 4])],
        [vi("y", TensorProto.FLOAT, [1, 4])],
        [init("c", 1.0), init("g", 2.0), init("k", 3.0), init("v", 4.0)],
        value_info=[vi("v", TensorProto.FLOAT, ["n", 4])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 3
    return model


@pytest.mark.parametrize(
    "make", [subs, lambda: mlp("gemm_bn", 48), example_model], ids=["subs", "gemm_bn", "example"]
)
def test_convert_sub_to_add_equals_qonnx(make: Callable[[], onnx.ModelProto]) -> None:
    model = _wrapped(make())
    fast, qonnx = _both(model, ConvertSubToAdd(), QonnxConvertSubToAdd())
    assert fast == qonnx
    bare = copy.deepcopy(model)
    ConvertSubToAdd().apply(bare)
    expected = copy.deepcopy(model)
    QonnxConvertSubToAdd().apply(expected)
    assert bare.model.SerializeToString() == expected.model.SerializeToString()


def test_convert_sub_to_add_with_repeated_names_is_qonnx() -> None:
    proto = subs()
    proto.graph.initializer.append(proto.graph.initializer[0])
    fast, qonnx = _both(_wrapped(proto), ConvertSubToAdd(), QonnxConvertSubToAdd())
    assert fast == qonnx
