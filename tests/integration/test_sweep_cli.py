"""`brainsmith sweep` as a user runs it: wheels of brainsmith-core[dask] and the builtin plugin in
a fresh venv, the real command, 12 points over the TFC-like export with `-b builtin:dataflow`.

- the local executor (2 processes) and a 2-worker Dask LocalCluster give identical results;
- a sweep killed half-way (SIGKILL of its process group) and run again compiles only the
  points that had not finished;
- `brainsmith sweep report DIR` prints the table and writes the page.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
TFC = ROOT / "tests" / "models" / "brevitas" / "tfc_w4a4" / "torchscript.onnx"
SWEEP = f"""
model: {TFC}
blueprint: builtin:dataflow
target: {{clock_mhz: 100}}
grid:
  target_fps: [1000, 10000, 100000]
  builtin:SpecializeBackends.preferences: [{{MVAU: [hls]}}, {{MVAU: [rtl, hls]}}]
  builtin:SetFolding.max_weight_stream_width: [36, 72]
"""
COMPARED = ("id", "status", "reason", "fps", "LUT", "FF", "BRAM_18K", "DSP", "pareto")


@pytest.fixture(scope="module")
def venv(make_venv):  # type: ignore[no-untyped-def]
    return make_venv("brainsmith-core[dask]", "brainsmith-plugins-builtin")


def results(venv, folder: Path) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    shown = venv.run("brainsmith", "sweep", "report", str(folder), "--json", check=True)
    return [{k: p[k] for k in COMPARED} for p in json.loads(shown.stdout)["points"]]


def finished(store: Path) -> dict[str, int]:
    if not store.is_file():
        return {}
    with sqlite3.connect(store, timeout=30) as db:
        rows = db.execute("SELECT id, runs FROM points WHERE status != 'pending'").fetchall()
    return dict(rows)


def test_local_and_dask_give_identical_results(venv, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "sweep.yaml").write_text(SWEEP)
    local = venv.run(
        "brainsmith", "sweep", "sweep.yaml", "-o", "local", "--workers", "2", cwd=tmp_path
    )
    assert local.returncode == 0, local.stderr
    assert "12/12" in local.stderr and "ETA" in local.stderr
    dask = venv.run(
        "brainsmith", "sweep", "sweep.yaml", "-o", "dask", "--executor", "dask", "--workers", "2",
        cwd=tmp_path,
    )  # fmt: skip
    assert dask.returncode == 0, dask.stderr
    expected = results(venv, tmp_path / "local")
    assert len(expected) == 12 and {p["status"] for p in expected} == {"ok"}
    assert results(venv, tmp_path / "dask") == expected
    workers = {
        row[0].rsplit(":", 1)[1]
        for row in sqlite3.connect(tmp_path / "dask" / "sweep.sqlite").execute(
            "SELECT worker FROM points"
        )
    }
    assert len(workers) == 2  # both Dask workers compiled points
    page = (tmp_path / "local" / "sweep_report.html").read_text()
    assert page.count("<svg") == 2
    table = venv.run("brainsmith", "sweep", "report", "local", cwd=tmp_path, check=True)
    assert len(table.stdout.splitlines()) == 13


def test_a_killed_sweep_resumes_with_the_missing_points_only(venv, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "sweep.yaml").write_text(SWEEP)
    store = tmp_path / "out" / "sweep.sqlite"
    command = [str(venv.bin / "brainsmith"), "sweep", "sweep.yaml", "-o", "out", "--workers", "1"]
    process = subprocess.Popen(
        command,
        cwd=tmp_path,
        env=venv.env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 300
    while len(finished(store)) < 4 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    before = finished(store)
    assert 4 <= len(before) < 12, "the sweep was not killed half-way"

    again = venv.run("brainsmith", "sweep", "sweep.yaml", "-o", "out", "--json", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    after = finished(store)
    assert len(after) == 12
    assert all(after[i] == 1 for i in before)  # finished points were not compiled again
    assert all(runs == 1 for runs in after.values())
    assert {p["status"] for p in json.loads(again.stdout)["points"]} == {"ok"}
    third = venv.run("brainsmith", "sweep", "sweep.yaml", "-o", "out", cwd=tmp_path, check=True)
    assert "12 of 12 points finished in an earlier run" in third.stderr
    assert "compiled 0" in third.stderr
