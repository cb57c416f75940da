"""What a user must not miss is printed and listed in the report's warnings — through the
real command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from brainsmith.cli import main

ROOT = Path(__file__).resolve().parents[4]
TFC = ROOT / "tests" / "models" / "brevitas" / "tfc_w4a4" / "torchscript.onnx"

pytestmark = pytest.mark.skipif(not TFC.exists(), reason="no Brevitas exports in tests/models")


def warnings_of(out: Path) -> list[str]:
    warnings: list[str] = json.loads((out / "compile_report.json").read_text())["warnings"]
    return warnings


def test_a_folding_file_naming_nodes_that_do_not_exist_is_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "fold.json").write_text(json.dumps({"MVAU_hls_0": {"PE": 16}}))
    (tmp_path / "bp.yaml").write_text(
        "extends: builtin:dataflow\n"
        "edits:\n"
        "  - replace: builtin:SetFolding\n"
        f"    transform: {{builtin:SetFolding: {{folding_file: {tmp_path / 'fold.json'}}}}}\n"
    )
    out = tmp_path / "out"
    assert main(["compile", str(TFC), "-b", str(tmp_path / "bp.yaml"), "-o", str(out)]) == 0
    assert any("MVAU_hls_0" in w for w in warnings_of(out))
    assert "MVAU_hls_0" in capsys.readouterr().err


def test_a_target_nothing_folds_for_and_an_unknown_device_are_warnings(tmp_path: Path) -> None:
    assert main(["compile", "--example", "--target-fps", "1000", "-o", str(tmp_path / "a")]) == 0
    assert any("no folding pass ran" in w for w in warnings_of(tmp_path / "a"))
    out = tmp_path / "b"
    args = ["compile", str(TFC), "-b", "builtin:dataflow", "--device", "xc9nope", "-o", str(out)]
    assert main(args) == 0
    assert any("'xc9nope' is not in the device table" in w for w in warnings_of(out))


def test_software_inside_the_partition_is_a_warning(tmp_path: Path) -> None:
    assert main(["compile", "--example", "-b", "builtin:dataflow", "-o", str(tmp_path)]) == 0
    assert any("is not one pipeline" in w for w in warnings_of(tmp_path))


@pytest.mark.parametrize("fps", ["1e-320", "0", "-5", "nan"])
def test_impossible_rates_are_bad_input(
    tmp_path: Path, fps: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["compile", "--example", "--target-fps", fps, "-o", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "fps" in err and "Traceback" not in err
    assert not tmp_path.exists() or not any(tmp_path.iterdir())
