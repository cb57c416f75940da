"""The default blueprint's growth on deep MLPs, and what ``--verify`` costs beside it.

Compiles generated MLPs (``_mlps.py``: Gemm+BatchNorm+Relu+Sub, and QONNX Quant+MatMul+Relu;
4 nodes per layer) of 200, 800 and 3,200 nodes with ``brainsmith.compile_model`` and the
bundled default blueprint, then verifies each compiled model against its original with
``brainsmith.compile.verify`` (what ``--verify`` runs). Prints the wall times, the growth ratio
time(3,200)/time(800) per kind, verify/compile per size, and the three slowest transforms of
the largest compile of each kind (the hot spots). Targets, checked in the same run:

* time(3,200) / time(800) <= 4.5 (linear growth is 4.0);
* 800 nodes compile in <= 5 s wall (on the 2-core development machine);
* verification costs <= 1x the compile it checks.

Each size runs in a fresh process, after a compile and a verify of an 8-node model of its kind
there (imports of qonnx, onnxruntime and the plugins are paid once per process, not by the
size measured first); one that exceeds ``--budget`` seconds is stopped and stops
its kind (the larger sizes are reported as not run, the targets as missed). Exits 1 when any
target is missed::

    python benchmarks/bench_scaling.py [--quick] [--budget SECONDS]

``--quick`` runs 100 and 400 nodes (same growth target, 400 nodes in <= 2.5 s).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _mlps import KINDS, NODES_PER_LAYER, mlp

GROWTH_TARGET = 4.5
VERIFY_TARGET = 1.0
WALL_TARGET = {800: 5.0, 400: 2.5}


@dataclass
class Row:
    kind: str
    nodes: int
    compile_s: float | None = None
    verify_s: float | None = None
    passed: bool | None = None
    slowest: list[tuple[str, float]] = field(default_factory=list)


def measure(kind: str, nodes: int) -> Row:
    """Compile (and separately verify) one generated MLP; wall seconds."""
    from brainsmith.compile import compile_model, verify
    from qonnx.core.modelwrapper import ModelWrapper

    warm = mlp(kind, 2 * NODES_PER_LAYER)  # imports and plugin loading, once per process
    with tempfile.TemporaryDirectory() as out:
        verify(ModelWrapper(warm.SerializeToString()), compile_model(warm, output_dir=out).model)
    proto = mlp(kind, nodes)
    row = Row(kind, nodes)
    with tempfile.TemporaryDirectory() as out:
        began = time.perf_counter()
        result = compile_model(proto, output_dir=out)
        row.compile_s = time.perf_counter() - began
    totals: dict[str, float] = {}
    for applied in result.applied:
        totals[applied.name] = totals.get(applied.name, 0.0) + applied.seconds
    row.slowest = sorted(totals.items(), key=lambda item: -item[1])[:3]
    original = ModelWrapper(proto.SerializeToString())  # compile_model has it already
    began = time.perf_counter()
    checked = verify(original, result.model)
    row.verify_s = time.perf_counter() - began
    row.passed = checked.passed and checked.verified
    return row


def measure_in_child(kind: str, nodes: int, budget: float) -> Row:
    """:func:`measure` in a fresh process, stopped after ``budget`` seconds (the row then
    has no times)."""
    command = [sys.executable, __file__, "--one", kind, str(nodes)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=budget, check=False)
    except subprocess.TimeoutExpired:
        return Row(kind, nodes)
    if done.returncode != 0:
        raise SystemExit(f"{kind} {nodes} failed:\n{done.stderr}")
    data = json.loads(done.stdout.strip().splitlines()[-1])
    data["slowest"] = [tuple(pair) for pair in data["slowest"]]
    return Row(**data)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 and 400 nodes")
    parser.add_argument(
        "--budget", type=float, default=300.0, help="seconds one size may take (default 300)"
    )
    parser.add_argument("--one", nargs=2, metavar=("KIND", "NODES"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(asdict(measure(args.one[0], int(args.one[1])))))
        return 0
    sizes = [100, 400] if args.quick else [200, 800, 3200]
    big, small = sizes[-1], sizes[-2]
    rows: list[Row] = []
    missed: list[str] = []
    print(
        f"{'kind':<8} {'nodes':>6} {'compile s':>10} {'verify s':>9} {'verify/compile':>15}",
        flush=True,
    )
    for kind in KINDS:
        for nodes in sizes:
            if rows and rows[-1].kind == kind and rows[-1].compile_s is None:
                rows.append(Row(kind, nodes))
                print(f"{kind:<8} {nodes:>6}  not run: a smaller size exceeded the budget")
                continue
            row = measure_in_child(kind, nodes, args.budget)
            rows.append(row)
            if row.compile_s is None or row.verify_s is None:
                print(f"{kind:<8} {nodes:>6}  stopped after the budget of {args.budget:g} s")
                missed.append(f"{kind} {nodes}: over the budget of {args.budget:g} s")
                continue
            ratio = row.verify_s / row.compile_s
            print(
                f"{kind:<8} {nodes:>6} {row.compile_s:>10.2f} {row.verify_s:>9.2f} {ratio:>15.2f}"
                + ("" if row.passed else "  VERIFICATION FAILED"),
                flush=True,
            )
            if not row.passed:
                missed.append(f"{kind} {nodes}: the compiled model does not verify")
            if ratio > VERIFY_TARGET:
                missed.append(f"{kind} {nodes}: verify/compile {ratio:.2f} > {VERIFY_TARGET}")
            if nodes in WALL_TARGET and row.compile_s > WALL_TARGET[nodes]:
                missed.append(
                    f"{kind} {nodes}: {row.compile_s:.1f} s > {WALL_TARGET[nodes]} s wall"
                )
    print()
    for kind in KINDS:
        by_size = {r.nodes: r for r in rows if r.kind == kind}
        large, smaller = by_size[big].compile_s, by_size[small].compile_s
        if large is None or smaller is None:
            print(f"{kind}: growth {big}/{small} not measured")
            missed.append(f"{kind}: growth not measured (budget exceeded)")
        else:
            growth = large / smaller
            verdict = "meets" if growth <= GROWTH_TARGET else "MISSES"
            print(f"{kind}: growth time({big})/time({small}) = {growth:.2f} {verdict} <= 4.5")
            if growth > GROWTH_TARGET:
                missed.append(f"{kind}: growth {growth:.2f} > {GROWTH_TARGET}")
        measured = [r for r in rows if r.kind == kind and r.slowest]
        if not measured:
            continue
        largest = max(measured, key=lambda r: r.nodes)
        spots = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in largest.slowest)
        print(f"{kind}: slowest transforms at {largest.nodes} nodes: {spots}")
    print()
    if missed:
        print("targets missed:\n  " + "\n  ".join(missed))
        return 1
    print("every target met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
