"""``brainsmith compile MODEL --verify`` with the default blueprint, on one model of each kind
qonnx's passes got wrong (raised, wrote an invalid model, changed the function) or the input
check refused: each compiles, verifies, and computes what the original computes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import case_models as cases
import numpy as np
import onnx
import pytest
from brainsmith.cli import main
from qonnx.core.modelwrapper import ModelWrapper

KINDS: dict[str, Callable[[], onnx.ModelProto]] = {
    "gemm_no_bias": lambda: cases.gemm(bias=False),
    "gemm_no_bias_custom_domain_first": lambda: cases.gemm(
        bias=False, domains_first=[cases.QONNX_DOMAIN]
    ),
    "gemm_beta_half": lambda: cases.gemm(beta=0.5),
    "gemm_float16_alpha": lambda: cases.gemm(alpha=0.25, elem=onnx.TensorProto.FLOAT16),
    "batchnorm_params_are_graph_inputs": lambda: cases.batchnorm(params_as_inputs=True),
    "bn_after_dynamic_reshape": cases.bn_after_dynamic_reshape,
    "bn_after_dynamic_reshape_custom_domain_first": lambda: cases.bn_after_dynamic_reshape(
        [cases.QONNX_DOMAIN]
    ),
    "single_identity_node": cases.single_identity,
    "neutral_chain_forked": cases.neutral_chain,
    "div_int64_by_constant": cases.div_int64,
    "ir3_unused_initializer_listed_as_input": cases.ir3_unused_initializer,
    "quant_domain_without_opset_import": cases.quant_without_opset_import,
    "old_finn_domain_without_opset_import": lambda: cases.quant_without_opset_import(
        "finn.custom_op.general"
    ),
    # listed, but qonnx renames the domain on loading: the new name needs an entry too
    "old_finn_domain_listed": lambda: cases.quant_without_opset_import(
        "finn.custom_op.general", listed=True
    ),
}


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no project settings; relative outputs land here


def _compile(tmp_path: Path, proto: onnx.ModelProto, name: str) -> Path:
    source = tmp_path / f"{name}.onnx"
    onnx.save(proto, source)
    out = tmp_path / "out"
    assert main(["compile", "-q", str(source), "--verify", "-o", str(out)]) == 0
    return out


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_kind_compiles_and_verifies(kind: str, tmp_path: Path) -> None:
    out = _compile(tmp_path, KINDS[kind](), kind)
    report = json.loads((out / "compile_report.json").read_text())
    assert report["verification"]["passed"] is True
    onnx.checker.check_model(onnx.load(out / "model.onnx"), full_check=True)


def test_integer_division_survives(tmp_path: Path) -> None:
    out = _compile(tmp_path, cases.div_int64(2), "div")
    compiled = onnx.load(out / "model.onnx")
    feeds: dict[str, Any] = {compiled.graph.input[0].name: np.array([10, 20, 30, 41], np.int64)}
    assert cases.run(compiled, feeds)[0].tolist() == [5, 10, 15, 20]


def test_batchnorm_after_a_computed_reshape_becomes_affine(tmp_path: Path) -> None:
    out = _compile(tmp_path, cases.bn_after_dynamic_reshape([cases.QONNX_DOMAIN]), "bn")
    ops = {node.op_type for node in onnx.load(out / "model.onnx").graph.node}
    assert "BatchNormalization" not in ops and "Shape" not in ops


def test_missing_domain_is_added_with_a_warning(tmp_path: Path) -> None:
    out = _compile(tmp_path, cases.quant_without_opset_import(), "quant")
    report = json.loads((out / "compile_report.json").read_text())
    assert any(cases.QONNX_DOMAIN in w and "opset_import" in w for w in report["warnings"])
    compiled = onnx.load(out / "model.onnx")
    assert cases.QONNX_DOMAIN in {entry.domain for entry in compiled.opset_import}


def test_unused_initializer_input_leaves_with_a_warning(tmp_path: Path) -> None:
    out = _compile(tmp_path, cases.ir3_unused_initializer(), "ir3")
    report = json.loads((out / "compile_report.json").read_text())
    assert any("unused" in w and "initializer" in w for w in report["warnings"])
    compiled = onnx.load(out / "model.onnx")
    initializers = {t.name for t in compiled.graph.initializer}
    assert [t.name for t in compiled.graph.input if t.name not in initializers] != []
    assert len([t for t in compiled.graph.input if t.name not in initializers]) == 1


def test_quantize_linear_int4_compiles(tmp_path: Path) -> None:
    source = tmp_path / "int4.onnx"
    onnx.save(cases.quantize_linear(onnx.TensorProto.INT4), source)
    out = tmp_path / "out"
    assert main(["compile", "-q", str(source), "-o", str(out)]) == 0
    compiled = ModelWrapper(str(out / "model.onnx"))
    assert compiled.get_tensor_datatype(compiled.graph.output[0].name).name == "INT4"


def test_quiet_prints_nothing_for_warnings_raised_while_loading(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """qonnx's wrapper warns about old-style FINN domains when the model is loaded, before any
    stage: under --quiet that goes to the report's warnings, not to stderr."""
    proto = cases.quant_without_opset_import("finn.custom_op.general", listed=True)
    capsys.readouterr()
    out = _compile(tmp_path, proto, "old_domain")
    assert capsys.readouterr().err == ""
    report = json.loads((out / "compile_report.json").read_text())
    assert any("old-style domain" in w for w in report["warnings"])
