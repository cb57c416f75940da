"""compile_model wraps the input model as qonnx's ModelWrapper(data) does, byte for byte, in
one sweep (qonnx's constructor scans the graph per initializer without a value info)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from brainsmith.compile import wrap_model
from brainsmith.examples import example_model, mlp_model
from onnx import TensorProto, helper, numpy_helper
from qonnx.core.modelwrapper import ModelWrapper

ROOT = Path(__file__).resolve().parents[3]
FILES = sorted((ROOT / "tests/models/brevitas").glob("*/*.onnx"))
FILES += sorted(
    (Path(onnx.__file__).parent / "backend/test/data/pytorch-converted").glob("*/model.onnx")
)


def gemm_bn(layers: int) -> onnx.ModelProto:
    """Gemm + BatchNormalization layers: five initializers per layer, none with a value info;
    one initializer read by every layer and one read twice by a node."""
    nodes, inits, x = [], [numpy_helper.from_array(np.ones(4, np.float32), "shared")], "x"
    for i in range(layers):
        inits += [numpy_helper.from_array(np.eye(4, dtype=np.float32), f"w{i}")]
        inits += [
            numpy_helper.from_array(np.full(4, 1.0 + i, np.float32), f"{p}{i}") for p in ("m", "v")
        ]
        nodes += [
            helper.make_node("Gemm", [x, f"w{i}", "shared"], [f"g{i}"], transB=1),
            helper.make_node(
                "BatchNormalization", [f"g{i}", "shared", "shared", f"m{i}", f"v{i}"], [f"h{i}"]
            ),
        ]
        x = f"h{i}"
    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info(x, TensorProto.FLOAT, [1, 4])],
        inits,
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


CASES = {
    "gemm bn": lambda: gemm_bn(5).SerializeToString(),
    "example": lambda: example_model().SerializeToString(),
    "mlp quantized": lambda: mlp_model(4, quantized=True).SerializeToString(),
    **{
        f"{p.parent.parent.name}/{p.parent.name}/{p.name}": (lambda p=p: p.read_bytes())
        for p in FILES
    },
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_wrap_equals_qonnx_constructor(name: str) -> None:
    data = CASES[name]()
    try:
        expected = ModelWrapper(data).model.SerializeToString()
    except Exception as exc:
        with pytest.raises(type(exc)):
            wrap_model(data)
        return
    assert wrap_model(data).model.SerializeToString() == expected


def test_wrap_never_asks_for_shapes_one_by_one(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    monkeypatch.setattr(ModelWrapper, "get_tensor_shape", lambda self, name, *a: calls.append(name))
    model = wrap_model(gemm_bn(3).SerializeToString())
    assert calls == []
    assert {vi.name for vi in model.graph.value_info} >= {"w0", "shared", "m2", "v2"}
