"""The sweep's shared-prefix cache (issue 14): a 12-point sweep whose points differ only in
``kernel_optimization`` options against twelve independent compiles of the same points.

The TFC-like Brevitas export, ``builtin:dataflow``, estimates only. The twelve points are
``builtin:SetFolding`` targets (3 cycle counts) x ``max_weight_stream_width`` (2) x
``builtin:SpecializeBackends`` MVAU preferences (2). Measured side by side, twice:

1. **as a user runs them**: ``brainsmith sweep SWEEP.yaml -o DIR --workers 1`` (one process)
   against twelve ``brainsmith compile`` processes, one per point, with the same generated
   blueprints and target;
2. **in one warm process**: ``run_sweep(..., workers=1)`` against twelve ``compile_model``
   calls, after a warm-up compile (imports and caches paid on both sides), both without the
   plugins' artifacts (a sweep compares estimates; ``brainsmith compile`` in part 1 writes
   them, which the sweep's points skip by default).

Both must be <= 0.5x; the sweep's estimates must equal the independent compiles'. Run::

    python benchmarks/bench_sweep.py
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from brainsmith import Session, compile_model
from brainsmith.sweep import run_sweep

ROOT = Path(__file__).resolve().parents[1]
TFC = ROOT / "tests" / "models" / "brevitas" / "tfc_w4a4" / "torchscript.onnx"
BRAINSMITH = Path(sys.executable).parent / "brainsmith"
TARGET_RATIO = 0.5
SWEEP = f"""
model: {TFC}
blueprint: builtin:dataflow
grid:
  builtin:SetFolding.target_cycles: [2000, 10000, 50000]
  builtin:SetFolding.max_weight_stream_width: [36, 72]
  builtin:SpecializeBackends.preferences: [{{MVAU: [hls]}}, {{MVAU: [rtl, hls]}}]
"""


def points(folder: Path) -> list[tuple[str, Path]]:
    """``(id, blueprint file)`` of every point of the sweep in ``folder``."""
    found = []
    for report in sorted((folder / "points").glob("*/compile_report.json")):
        document = json.loads(report.read_text())
        found.append((report.parent.name, Path(document["blueprint"]["path"])))
    return found


def estimates(folder: Path) -> dict[str, object]:
    return json.loads((folder / "compile_report.json").read_text())["estimates"]


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="bench-sweep-"))
    try:
        sweep_file = work / "sweep.yaml"
        sweep_file.write_text(SWEEP)
        began = time.perf_counter()
        subprocess.run(
            [
                str(BRAINSMITH),
                "sweep",
                str(sweep_file),
                "-o",
                str(work / "cli"),
                "--workers",
                "1",
                "-q",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        sweep_cli = time.perf_counter() - began
        listed = points(work / "cli")
        assert len(listed) == 12, listed
        began = time.perf_counter()
        for identifier, blueprint in listed:
            subprocess.run(
                [
                    str(BRAINSMITH),
                    "compile",
                    str(TFC),
                    "-b",
                    str(blueprint),
                    "-o",
                    str(work / "alone-cli" / identifier),
                    "--quiet",
                ],
                check=True,
                stdout=subprocess.DEVNULL,
            )
        alone_cli = time.perf_counter() - began

        session = Session.from_environment()
        compile_model(
            TFC, blueprint=listed[0][1], output_dir=work / "warm", session=session, artifacts=False
        )
        began = time.perf_counter()
        for identifier, blueprint in listed:
            compile_model(
                TFC,
                blueprint=blueprint,
                output_dir=work / "alone" / identifier,
                session=session,
                artifacts=False,
            )
        alone = time.perf_counter() - began
        began = time.perf_counter()
        summary = run_sweep(sweep_file, work / "api", workers=1, session=session)
        swept = time.perf_counter() - began
        assert summary.ran == 12 and {r.status for r in summary.rows} == {"ok"}
        for identifier, _ in listed:
            same = estimates(work / "api" / "points" / identifier)
            assert same == estimates(work / "alone" / identifier), identifier
            assert same == estimates(work / "alone-cli" / identifier), identifier
    finally:
        shutil.rmtree(work, ignore_errors=True)
    ratios = {"processes": sweep_cli / alone_cli, "one process": swept / alone}
    print(
        f"12 points as processes: sweep {sweep_cli:.2f}s, 12 compiles {alone_cli:.2f}s "
        f"-> {ratios['processes']:.2f}x"
    )
    print(
        f"12 points in one process: run_sweep {swept:.2f}s, 12 compile_model {alone:.2f}s "
        f"-> {ratios['one process']:.2f}x (target <= {TARGET_RATIO}x)"
    )
    missed = {k: v for k, v in ratios.items() if v > TARGET_RATIO}
    if missed:
        print(f"MISSED: {missed}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
