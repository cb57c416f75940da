"""The lifecycle examples run as the docs say, as subprocesses, and leave their outputs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def run(script: Path, out: Path) -> str:
    done = subprocess.run(
        [sys.executable, str(script), str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_training_example(tmp_path: Path) -> None:
    pytest.importorskip("numpy")
    out = run(EXAMPLES / "training" / "train.py", tmp_path)
    assert "report: epoch  5" in out
    assert "stopped at epoch" in out and "by early_stopping" in out
    assert {p.name for p in tmp_path.iterdir()} >= {
        "hook_stats.json",
        "metrics.jsonl",
        "timing.json",
        "plugin_checkpoints",
        "plugin_state.json",
    }
    first = json.loads((tmp_path / "metrics.jsonl").read_text().splitlines()[0])
    assert first["loss"] == round(first["loss"], 4)  # the example's middleware rounded it
    stats = json.loads((tmp_path / "hook_stats.json").read_text())
    assert stats["stopped"]["by"] == "early_stopping"


def test_compile_events_example(tmp_path: Path) -> None:
    pytest.importorskip("qonnx")
    out = run(EXAMPLES / "compile_events" / "compile.py", tmp_path)
    assert "compile begin" in out
    assert "skip qonnx:GiveReadableTensorNames" in out
    assert "done qonnx:InferShapes (modified: True)" in out
    assert "compile end: 3 transforms, status ok" in out
    assert "applied: ['qonnx:GiveUniqueNodeNames', 'qonnx:InferShapes']" in out
    assert {p.name for p in tmp_path.iterdir()} >= {"model.onnx", "compile_report.json"}
    timing = json.loads((tmp_path / "timing.json").read_text())
    stages = [s["stage"] for s in timing["stages"]]
    assert stages[:2] == ["graph_cleanup", "topology_optimization"]  # then the empty defaults
