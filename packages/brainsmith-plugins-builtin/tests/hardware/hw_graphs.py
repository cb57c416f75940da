"""Small graph builders and random integer data for the hardware tests."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from onnx import TensorProto, helper
from qonnx.core.datatype import DataType
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.core.onnx_exec import execute_onnx
from qonnx.transformation.infer_datatypes import InferDataTypes
from qonnx.transformation.infer_shapes import InferShapes
from qonnx.util.basic import qonnx_make_model

BUILTIN = "brainsmith.builtin"
QONNX = "qonnx.custom_op.general"


def random_of(dt_name: str, shape: Sequence[int], rng: np.random.Generator) -> Any:
    """Random float32 array of values allowed by the qonnx datatype ``dt_name``."""
    dt = DataType[dt_name]
    if dt_name == "BIPOLAR":
        return rng.choice([-1.0, 1.0], size=tuple(shape)).astype(np.float32)
    return rng.integers(int(dt.min()), int(dt.max()) + 1, size=tuple(shape)).astype(np.float32)


def make_model(
    nodes: list[Any],
    inputs: dict[str, tuple[Sequence[int], str]],
    outputs: dict[str, Sequence[int] | None],
    initializers: dict[str, tuple[Any, str | None]] | None = None,
) -> ModelWrapper:
    """A model of ``nodes``; ``inputs`` maps names to (shape, datatype name), ``initializers``
    to (array, datatype name or None)."""
    graph = helper.make_graph(
        nodes,
        "test",
        [
            helper.make_tensor_value_info(n, TensorProto.FLOAT, list(s))
            for n, (s, _) in inputs.items()
        ],
        [
            helper.make_tensor_value_info(n, TensorProto.FLOAT, None if s is None else list(s))
            for n, s in outputs.items()
        ],
    )
    model = ModelWrapper(qonnx_make_model(graph, opset_imports=[helper.make_opsetid("", 17)]))
    for name, (_, dt) in inputs.items():
        model.set_tensor_datatype(name, DataType[dt])
    for name, (value, dt) in (initializers or {}).items():
        model.set_initializer(name, np.asarray(value, dtype=np.float32))
        if dt is not None:
            model.set_tensor_datatype(name, DataType[dt])
    return model.transform(InferShapes()).transform(InferDataTypes())


def run(model: ModelWrapper, feed: dict[str, Any], output: str | None = None) -> Any:
    """Execute ``model`` and return one output (the first graph output by default)."""
    name = output or model.graph.output[0].name
    return execute_onnx(model, feed)[name]
