"""A dataflow compile with a target reports its folding and estimates, writes the folding beside
the model in FINN's shape, and prints a summary table — through the real command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from brainsmith.cli import main

ROOT = Path(__file__).resolve().parents[4]
TFC = ROOT / "tests" / "models" / "brevitas" / "tfc_w4a4" / "torchscript.onnx"

pytestmark = pytest.mark.skipif(not TFC.exists(), reason="no Brevitas exports in tests/models")


def test_folding_and_estimates_in_the_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    args = ["compile", str(TFC), "-b", "builtin:dataflow", "-o", str(out)]
    assert main([*args, "--target-fps", "10000", "--device", "xc7z020"]) == 0
    err = capsys.readouterr().err
    report = json.loads((out / "compile_report.json").read_text())
    assert report["target"]["fps"] == 10000 and report["target"]["target_cycles"] == 10000
    estimates = report["estimates"]
    assert estimates["meets_target"] and estimates["max_cycles"] <= 10000
    assert estimates["device"]["name"] == "xc7z020" and estimates["over_capacity"] == []
    layers = {layer["node"]: layer for layer in estimates["layers"]}
    config = json.loads((out / "folding_config.json").read_text())
    assert config == report["folding"]["config"]
    for node, folding in config.items():
        assert {k: layers[node][k] for k in folding} == folding
    assert "throughput" in err and f"bottleneck {estimates['bottleneck']}" in err
    assert "xc7z020: LUT" in err


def test_a_compile_without_hardware_has_no_hardware_sections(tmp_path: Path) -> None:
    assert main(["compile", "--example", "-o", str(tmp_path), "-q"]) == 0
    report = json.loads((tmp_path / "compile_report.json").read_text())
    assert report["mapping"] is report["folding"] is report["estimates"] is None
    assert not (tmp_path / "folding_config.json").exists()
