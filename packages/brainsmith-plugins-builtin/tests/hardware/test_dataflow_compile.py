"""Issue 10's Done-when at compile level: every committed Brevitas export compiles through
``builtin:dataflow`` into kernels with only the input quantiser (and layout Transpose) before the
dataflow partition and the final de-quantisation after it; the compiled graph reproduces torch's
outputs and, between the kernels, the original model's integer activation levels bit for bit.

Models: ``tests/models/brevitas/<name>/<exporter>.onnx`` of the repository, with the folder's
``reference.npz`` (``inputs``, torch's ``outputs``). Skipped where the folder is absent.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from brainsmith.compile import compile_model
from brainsmith.hardware import is_kernel_node, kernel_name
from onnx import helper
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.core.onnx_exec import execute_onnx
from qonnx.custom_op.registry import getCustomOp
from qonnx.util.cleanup import cleanup_model

MODELS = Path(__file__).resolve().parents[4] / "tests" / "models" / "brevitas"
EXPORTS = sorted(MODELS.glob("*/*.onnx")) if MODELS.is_dir() else []
TOLERANCE = 1e-4
"""Max abs difference from torch's outputs (float32 rounding of the final scale only)."""
RANDOM_INPUTS = 3

COMPUTE_OPS = {"MatMul", "Gemm", "Conv", "Im2Col", "MaxPool", "MaxPoolNHWC", "Flatten", "Reshape"}
QUANTIZERS = {"Quant", "BipolarQuant", "MultiThreshold"}
PREPROCESSING_OPS = {"MultiThreshold", "Transpose"}
POSTPROCESSING_OPS = {"Mul", "Add"}

pytestmark = pytest.mark.skipif(not EXPORTS, reason=f"no Brevitas models under {MODELS}")


def full_context(model: ModelWrapper, x: np.ndarray) -> dict[str, np.ndarray]:
    name = model.graph.input[0].name
    return dict(execute_onnx(model, {name: x}, return_full_exec_context=True))


def original_levels(model: ModelWrapper, context: dict[str, np.ndarray]) -> list[np.ndarray]:
    """The integer level of every activation quantiser of the original model, in graph order."""
    levels = []
    for node in model.graph.node:
        if node.op_type not in ("Quant", "BipolarQuant"):
            continue
        if model.get_initializer(node.input[0]) is not None:  # a weight quantiser
            continue
        scale = model.get_initializer(node.input[1])
        zero = model.get_initializer(node.input[2]) if node.op_type == "Quant" else 0.0
        levels.append(np.round(context[node.output[0]] / scale + zero))
    return levels


def compiled_levels(model: ModelWrapper, context: dict[str, np.ndarray]) -> list[np.ndarray]:
    """The integer tensors the compiled graph's activations produce, in graph order: outputs of
    MVAUs with thresholds, Thresholding and remaining MultiThreshold nodes, back in NCHW."""
    levels = []
    for node in model.graph.node:
        if is_kernel_node(node):
            op = getCustomOp(node)
            kernel = kernel_name(node.op_type)  # MVAU_hls implements MVAU
            activation = kernel == "Thresholding" or (
                kernel == "MVAU" and op.get_nodeattr("noActivation") == 0
            )
            nhwc = True
        else:
            activation = node.op_type == "MultiThreshold"
            nhwc = activation and getCustomOp(node).get_nodeattr("data_layout") == "NHWC"
        if not activation:
            continue
        value = context[node.output[0]]
        levels.append(value.transpose(0, 3, 1, 2) if nhwc and value.ndim == 4 else value)
    return levels


def check_only_io_stays_in_software(model: ModelWrapper, mapping: dict[str, Any]) -> None:
    partition = mapping["partition"]
    assert partition["interior_software"] == []
    nodes = list(model.graph.node)
    names = {n.name: n for n in nodes}
    assert set(partition["hardware_nodes"]) == {n.name for n in nodes if is_kernel_node(n)}
    software = [n for n in nodes if not is_kernel_node(n)]
    assert {n.name for n in software} == set(partition["preprocessing"]) | set(
        partition["postprocessing"]
    )
    assert not COMPUTE_OPS & {n.op_type for n in software}
    pre = [names[n] for n in partition["preprocessing"]]
    assert {n.op_type for n in pre} <= PREPROCESSING_OPS, [n.op_type for n in pre]
    quantisers = [n for n in software if n.op_type in QUANTIZERS]
    # the one quantiser left is the input quantiser, reading the float graph input
    assert [n.input[0] for n in quantisers] == [model.graph.input[0].name]
    post = [names[n] for n in partition["postprocessing"]]
    assert {n.op_type for n in post} <= POSTPROCESSING_OPS, [n.op_type for n in post]
    assert len(partition["inputs"]) == len(partition["outputs"]) == 1


@pytest.mark.parametrize(
    "path", EXPORTS, ids=[f"{p.parent.name}/{p.stem}" for p in EXPORTS] or None
)
def test_export_compiles_to_kernels_and_keeps_its_integers(path: Path, tmp_path: Path) -> None:
    result = compile_model(path, blueprint="builtin:dataflow", output_dir=tmp_path, verify=True)
    compiled = result.model
    mapping = result.report["mapping"]
    check_only_io_stays_in_software(compiled, mapping)
    assert mapping["kernels"].get("MVAU", 0) >= 1

    reference = np.load(path.parent / "reference.npz")
    inputs, outputs = reference["inputs"], reference["outputs"]
    output_name = compiled.graph.output[0].name
    produced = np.concatenate(
        [
            execute_onnx(compiled, {compiled.graph.input[0].name: x[None]})[output_name]
            for x in inputs
        ]
    )
    np.testing.assert_allclose(produced, outputs, rtol=0, atol=TOLERANCE)

    original = cleanup_model(ModelWrapper(str(path)))
    # every flatten of the original (cnv: before the first fully-connected layer) vanished into
    # an MVAU, and the mapping record says so
    flattens = sorted(n.op_type for n in original.graph.node if n.op_type in ("Flatten", "Reshape"))
    absorbed = [s for m in mapping["mapped"] for s in m["sources"] if "absorbed" in s]
    assert sorted(s["op_type"] for s in absorbed) == flattens
    assert all(m["kernel"] == "MVAU" for m in mapping["mapped"] if "absorbed" in str(m))
    rng = np.random.default_rng(10)
    low, high = float(inputs.min()), float(inputs.max())
    shape = (RANDOM_INPUTS, *inputs.shape[1:])
    samples = [*inputs, *rng.uniform(low, high, size=shape).astype(np.float32)]
    for x in samples:
        want = original_levels(original, full_context(original, x[None]))
        have = compiled_levels(compiled, full_context(compiled, x[None]))
        assert len(have) == len(want) > 1
        for index, (expected, actual) in enumerate(zip(want, have, strict=True)):
            assert actual.shape == expected.shape, index
            np.testing.assert_array_equal(actual, expected, err_msg=f"activation {index}")


def test_operator_without_kernel_stays_in_software_and_is_reported(tmp_path: Path) -> None:
    """A Sin between two quantised layers of tfc_w4a4: the model still compiles (and verifies),
    the Sin stays in software inside the partition, and the report says why."""
    path = MODELS / "tfc_w4a4" / "torchscript.onnx"
    if not path.is_file():
        pytest.skip(f"no {path}")
    model = cleanup_model(ModelWrapper(str(path)))
    matmuls = [n for n in model.graph.node if n.op_type in ("MatMul", "Gemm")]
    first = matmuls[0]
    consumers = model.find_consumers(first.output[0])
    sin_out = f"{first.output[0]}_sin"
    sin = helper.make_node("Sin", [first.output[0]], [sin_out], name="odd_sin")
    for consumer in consumers:
        for i, name in enumerate(consumer.input):
            if name == first.output[0]:
                consumer.input[i] = sin_out
    model.graph.node.insert(list(model.graph.node).index(first) + 1, sin)

    result = compile_model(model, blueprint="builtin:dataflow", output_dir=tmp_path, verify=True)
    mapping = result.report["mapping"]
    # (the blueprint's graph cleanup gives every node a unique name of its op_type)
    (entry,) = [s for s in mapping["software"] if s["op_type"] == "Sin"]
    assert entry["node"] == "Sin_0"
    assert entry["reasons"] == [{"kernel": None, "reason": "no kernel inference rule maps Sin"}]
    assert entry["node"] in mapping["partition"]["interior_software"]
    # the quantiser after the Sin now sees a float input: its decline names that precondition
    reasons = [r["reason"] for s in mapping["software"] for r in s["reasons"]]
    assert any("FLOAT32, not an integer datatype" in r for r in reasons)
    assert mapping["kernels"].get("MVAU", 0) >= 2
    assert result.verification is not None
