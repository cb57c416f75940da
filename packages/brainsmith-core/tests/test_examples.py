"""The models built by code: deterministic, valid, runnable, of the promised shape."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from brainsmith.compile import random_inputs, run_model
from brainsmith.examples import QUANT_DOMAIN, example_model, mlp_model
from qonnx.core.modelwrapper import ModelWrapper


def test_example_is_deterministic_valid_and_quantized() -> None:
    model = example_model()
    assert model.SerializeToString() == example_model().SerializeToString()
    onnx.checker.check_model(model, full_check=True)
    ops = [n.op_type for n in model.graph.node]
    assert {"Quant", "MatMul", "Add", "LayerNormalization", "Relu", "Sub", "Div"} <= set(ops)
    assert all(n.domain == QUANT_DOMAIN for n in model.graph.node if n.op_type == "Quant")
    wrapper = ModelWrapper(model)
    (out,) = run_model(wrapper, random_inputs(wrapper))
    assert out.shape == (1, 10) and np.all(np.isfinite(out)) and np.any(out != 0)


@pytest.mark.parametrize(
    ("kwargs", "per_layer"),
    [({}, 3), ({"bias": False}, 2), ({"quantized": True}, 5)],
)
def test_mlp_node_count(kwargs: dict[str, bool], per_layer: int) -> None:
    model = mlp_model(7, **kwargs)
    onnx.checker.check_model(model)
    assert len(model.graph.node) == 7 * per_layer
    assert model.SerializeToString() == mlp_model(7, **kwargs).SerializeToString()
    assert model.SerializeToString() != mlp_model(7, seed=1, **kwargs).SerializeToString()


def test_deep_mlp_keeps_activations_alive() -> None:
    wrapper = ModelWrapper(mlp_model(60, layernorm_every=20))
    assert len(wrapper.get_nodes_by_op_type("LayerNormalization")) == 3
    (out,) = run_model(wrapper, random_inputs(wrapper))
    assert np.all(np.isfinite(out)) and np.count_nonzero(out) > 0


def test_mlp_rejects_empty() -> None:
    with pytest.raises(ValueError, match="at least one layer"):
        mlp_model(0)
