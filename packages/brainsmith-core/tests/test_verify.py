"""Verification: datatype-aware seeded inputs, per-output differences, clear failures."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from brainsmith.compile import VerificationError, random_inputs, verify
from brainsmith.compile._verify import failure
from brainsmith.examples import example_model, mlp_model
from onnx import numpy_helper
from qonnx.core.datatype import DataType
from qonnx.core.modelwrapper import ModelWrapper


def test_inputs_follow_datatype_and_seed() -> None:
    model = ModelWrapper(example_model())
    assert model.get_tensor_datatype("input") == DataType["INT8"]
    values = random_inputs(model, seed=3)["input"]
    assert values.shape == (1, 16) and values.dtype == np.float32
    assert np.all(values == np.round(values)) and values.min() >= -128 and values.max() <= 127
    assert np.array_equal(values, random_inputs(model, seed=3)["input"])
    assert not np.array_equal(values, random_inputs(model, seed=4)["input"])
    floats = random_inputs(ModelWrapper(mlp_model(2)), seed=0)["input"]
    assert np.any(floats != np.round(floats)) and np.abs(floats).max() <= 1.0


def test_identical_models_pass() -> None:
    result = verify(ModelWrapper(example_model()), ModelWrapper(example_model()))
    assert result.passed and result.max_abs_diff == 0.0
    assert result.to_json()["outputs"][0]["output"] == example_model().graph.output[0].name


def test_changed_model_fails_naming_the_output() -> None:
    changed = example_model()
    bias = next(t for t in changed.graph.initializer if t.name.startswith("bias"))
    bias.CopyFrom(numpy_helper.from_array(np.full(bias.dims, 5.0, dtype=np.float32), bias.name))
    result = verify(ModelWrapper(example_model()), ModelWrapper(changed), tolerance=1e-3)
    assert not result.passed and result.max_abs_diff > 1e-3
    error = failure(result)
    assert error.exit_code == 1
    name = example_model().graph.output[0].name
    assert f"output {name!r}" in str(error) and "tolerance 0.001" in str(error)


def test_output_shape_mismatch_fails_as_infinite_difference() -> None:
    result = verify(ModelWrapper(example_model()), ModelWrapper(mlp_model(2, width=16)))
    assert not result.passed and result.max_abs_diff == float("inf")


def test_input_count_mismatch_is_an_error() -> None:
    two_inputs = mlp_model(1)
    two_inputs.graph.input.append(onnx.helper.make_tensor_value_info("extra", 1, [1]))
    with pytest.raises(VerificationError, match="compiled model has 2 inputs, the original 1"):
        verify(ModelWrapper(mlp_model(1)), ModelWrapper(two_inputs))
