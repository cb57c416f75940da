"""The committed Brevitas QONNX exports run under qonnx and reproduce the torch outputs.

Models: every ``tests/models/brevitas/<name>/<exporter>.onnx`` of the repository (TorchScript and
dynamo exports of TFC-like MLPs and a small CNV-like CNN, written by
``tests/models/brevitas/make_models.py``), each checked against its folder's ``reference.npz``
(``inputs`` ``[n, *input_shape[1:]]`` and torch's eval-mode ``outputs`` ``[n, *output_shape[1:]]``).
Skipped where the folder is absent (an installed package without the repository around it).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.core.onnx_exec import execute_onnx
from qonnx.util.cleanup import cleanup_model

MODELS = Path(__file__).resolve().parents[3] / "tests" / "models" / "brevitas"
EXPORTS = sorted(MODELS.glob("*/*.onnx")) if MODELS.is_dir() else []
TOLERANCE = 1e-4
"""Max abs difference allowed between qonnx execution and torch (float32 rounding only)."""

pytestmark = pytest.mark.skipif(not EXPORTS, reason=f"no Brevitas models under {MODELS}")


@pytest.mark.parametrize(
    "path", EXPORTS, ids=[f"{p.parent.name}/{p.stem}" for p in EXPORTS] or None
)
def test_export_matches_torch_reference(path: Path) -> None:
    reference = np.load(path.parent / "reference.npz")
    inputs, outputs = reference["inputs"], reference["outputs"]
    assert len(inputs) == len(outputs) > 0
    model = cleanup_model(ModelWrapper(str(path)))
    (graph_input,) = model.graph.input
    (graph_output,) = model.graph.output
    assert model.get_tensor_shape(graph_input.name) == [1, *inputs.shape[1:]]

    produced = np.concatenate(
        [execute_onnx(model, {graph_input.name: x[np.newaxis]})[graph_output.name] for x in inputs]
    )

    assert produced.shape == outputs.shape
    # the outputs must depend on the input, or the comparison would prove little
    assert np.ptp(outputs, axis=0).max() > 10 * TOLERANCE
    np.testing.assert_allclose(produced, outputs, rtol=0, atol=TOLERANCE)


@pytest.mark.skipif(not MODELS.is_dir(), reason=f"no folder {MODELS}")
def test_index_lists_exactly_the_committed_exports() -> None:
    index = json.loads((MODELS / "models.json").read_text())
    listed = {
        export["file"]
        for entry in index["models"].values()
        for export in entry["exports"].values()
        if "file" in export
    }
    assert listed == {str(p.relative_to(MODELS)) for p in EXPORTS}
