"""--verify executes a model with custom ops node by node: its shapes are inferred once for
every input set, not once per run."""

from __future__ import annotations

from typing import Any

import pytest
from brainsmith.compile import verify
from brainsmith.examples import mlp_model
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.transformation.infer_shapes import InferShapes


def test_shapes_are_inferred_once_per_model(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    apply = InferShapes.apply

    def counting(self: Any, model: Any) -> Any:
        calls.append(len(model.graph.node))
        return apply(self, model)

    monkeypatch.setattr(InferShapes, "apply", counting)
    proto = mlp_model(3, quantized=True)
    del proto.graph.value_info[:]
    original = ModelWrapper(proto.SerializeToString())
    compiled = ModelWrapper(proto.SerializeToString())
    result = verify(original, compiled)
    assert result.passed and result.verified
    assert len(result.inputs) >= 3
    assert len(calls) == 2  # once for each model, whatever the number of input sets
