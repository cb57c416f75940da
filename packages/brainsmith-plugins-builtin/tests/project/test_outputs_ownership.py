"""Compiling into a folder replaces only what brainsmith wrote there, and leaves nothing of an
earlier run beside the new one — through the real command."""

from __future__ import annotations

from pathlib import Path

import pytest
from brainsmith.cli import main

ROOT = Path(__file__).resolve().parents[4]
TFC = ROOT / "tests" / "models" / "brevitas" / "tfc_w4a4" / "torchscript.onnx"

pytestmark = pytest.mark.skipif(not TFC.exists(), reason="no Brevitas exports in tests/models")


def compile_tfc(out: Path, *extra: str) -> int:
    return main(["compile", str(TFC), "-b", "builtin:dataflow", "-o", str(out), "-q", *extra])


def test_a_users_own_folder_of_an_artifacts_name_is_never_replaced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    notes = tmp_path / "accelerator" / "mywork" / "notes.txt"
    notes.parent.mkdir(parents=True)
    notes.write_text("precious")
    assert compile_tfc(tmp_path) == 1
    assert "'accelerator' in the output directory was not written by brainsmith" in (
        capsys.readouterr().err
    )
    assert notes.read_text() == "precious"
    assert not (tmp_path / "model.onnx").exists()


def test_results_of_running_the_projects_scripts_are_never_deleted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert compile_tfc(tmp_path) == 0
    report = tmp_path / "accelerator" / "vivado" / "utilization.rpt"
    report.parent.mkdir(exist_ok=True)
    report.write_text("hours of Vivado")
    before = (tmp_path / "model.onnx").read_bytes()
    assert compile_tfc(tmp_path, "--target-fps", "10000") == 1
    assert (
        "holds files brainsmith did not write (vivado/utilization.rpt)" in capsys.readouterr().err
    )
    assert report.read_text() == "hours of Vivado"
    assert (tmp_path / "model.onnx").read_bytes() == before
    # a compile without kernels would remove accelerator/: refused as well
    assert main(["compile", "--example", "-o", str(tmp_path), "-q"]) == 1
    assert report.read_text() == "hours of Vivado"


def test_what_an_earlier_run_wrote_and_this_one_does_not_is_removed(tmp_path: Path) -> None:
    assert compile_tfc(tmp_path, "--target-fps", "10000") == 0
    assert (tmp_path / "folding_config.json").is_file()
    assert compile_tfc(tmp_path, "--stop-stage", "kernel_mapping") == 0
    assert not (tmp_path / "folding_config.json").exists()  # no folding ran this time
    assert main(["compile", "--example", "-o", str(tmp_path), "-q"]) == 0
    left = {p.name for p in tmp_path.iterdir() if not p.name.startswith(".")}
    assert left == {"model.onnx", "compile_report.json", "hook_stats.json", "plugin_state.json"}
