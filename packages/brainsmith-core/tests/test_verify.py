"""Verification: datatype-aware seeded inputs, per-output differences, clear failures."""

from __future__ import annotations

from pathlib import Path

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


def test_a_half_precision_output_passes_within_a_few_ulps_and_fails_beyond() -> None:
    """Reassociating float16 arithmetic (FuseScalarMuls: ``(x*a)*b`` to ``x*(a*b)``) moves an
    output by an ulp; a real change of the function still fails."""
    import numpy as np
    from brainsmith.compile._verify import HALF_PRECISION_ULPS, rounding_allowance

    values = np.array([0.5, -3.0, np.inf], dtype=np.float16)
    assert rounding_allowance(values) == HALF_PRECISION_ULPS * float(np.finfo(np.float16).eps) * 3
    assert rounding_allowance(values.astype(np.float32)) == 0.0
    assert rounding_allowance([values]) == 0.0


def test_a_float16_model_whose_muls_are_fused_verifies(tmp_path: Path) -> None:
    import numpy as np
    from brainsmith import compile_model
    from onnx import TensorProto, helper, numpy_helper

    nodes = [
        helper.make_node("Mul", ["x", "a"], ["m"]),
        helper.make_node("Mul", ["m", "b"], ["y"]),
    ]
    graph = helper.make_graph(
        nodes,
        "fp16",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT16, [64])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT16, [64])],
        [
            numpy_helper.from_array(np.array(0.1, np.float16), "a"),
            numpy_helper.from_array(np.array(3.3, np.float16), "b"),
        ],
    )
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    result = compile_model(proto, output_dir=tmp_path / "ok", verify=True)
    assert result.verification is not None and result.verification.passed
    assert [n.op_type for n in result.model.graph.node] == ["Mul"]  # fused: rounding differs


def test_integers_beyond_float64_precision_are_compared_exactly() -> None:
    """``x + 1`` compiled to ``x`` on int64 values near 2**60: the difference used to vanish
    in the float64 comparison and the wrong model passed."""
    from brainsmith.compile._input_sets import given_inputs
    from onnx import TensorProto, helper

    def model(nodes: list[onnx.NodeProto], inits: list[onnx.TensorProto]) -> ModelWrapper:
        graph = helper.make_graph(
            nodes,
            "g",
            [helper.make_tensor_value_info("x", TensorProto.INT64, [2])],
            [helper.make_tensor_value_info("y", TensorProto.INT64, [2])],
            inits,
        )
        return ModelWrapper(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]))

    one = numpy_helper.from_array(np.array(1, dtype=np.int64), "one")
    original = model([helper.make_node("Add", ["x", "one"], ["y"])], [one])
    wrong = model([helper.make_node("Identity", ["x"], ["y"])], [])
    big = given_inputs({"x": np.array([2**60, -(2**61)], dtype=np.int64)}, original)
    result = verify(original, wrong, inputs=big)
    assert not result.passed and result.max_abs_diff >= 1.0
    assert verify(original, original, inputs=big).passed
