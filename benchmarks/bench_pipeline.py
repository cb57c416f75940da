"""Executor vs the naive ``model = model.transform(T())`` sequence on generated MLPs.

Runs qonnx's cheap per-node passes (shape and datatype inference, naming, identity and
unused-tensor removal, Sub/Div conversion) both ways on MLPs of about 50, 200 and 800 nodes,
checks that both produce byte-identical models and prints the time ratio (target: <= 0.5).
The naive side calls qonnx's classes; the executor side runs what a blueprint listing
``qonnx:<Name>`` runs, each name resolved through the installed plugins' manifests (some point
at faster equivalents of qonnx's passes, ``brainsmith_builtin.qonnx_fast``).
FoldConstants is reported separately, on small sizes only (qonnx's FoldConstants takes minutes
at 800 nodes). Not a timed test: run it by hand or in CI's benchmark job::

    python benchmarks/bench_pipeline.py [--quick]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from typing import Any

from brainsmith.compile import Executor, Plan, Step
from brainsmith.examples import mlp_model
from brainsmith.plugins.records import Kind
from brainsmith.plugins.session import Session
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.transformation.fold_constants import FoldConstants
from qonnx.transformation.general import (
    ConvertDivToMul,
    ConvertSubToAdd,
    GiveReadableTensorNames,
    GiveUniqueNodeNames,
    RemoveUnusedTensors,
)
from qonnx.transformation.infer_datatypes import InferDataTypes
from qonnx.transformation.infer_shapes import InferShapes
from qonnx.transformation.remove import RemoveIdentityOps

CHEAP = [
    InferShapes,
    InferDataTypes,
    GiveUniqueNodeNames,
    GiveReadableTensorNames,
    RemoveIdentityOps,
    RemoveUnusedTensors,
    ConvertSubToAdd,
    ConvertDivToMul,
]
TARGET = 0.5


def plan(transforms: list[type]) -> Plan:
    """The plan of a blueprint listing ``qonnx:<Name>`` for each transform."""
    session = Session.from_environment(cache=False)
    steps = []
    for t in transforms:
        component = session.component(Kind.TRANSFORM, f"qonnx:{t.__name__}")
        steps.append(Step("graph_cleanup", component.qualified_name, session.load(component)))
    return Plan((("graph_cleanup", tuple(steps)),), name="bench")


def naive(data: bytes, transforms: list[type]) -> tuple[float, bytes]:
    random.seed(0)
    began = time.perf_counter()
    model = ModelWrapper(data)
    for t in transforms:
        model = model.transform(t())
    return time.perf_counter() - began, model.model.SerializeToString()


def executor(data: bytes, steps: Plan) -> tuple[float, bytes]:
    began = time.perf_counter()
    result = Executor(steps).run(ModelWrapper(data))
    return time.perf_counter() - began, result.model.model.SerializeToString()


def compare(label: str, data: bytes, transforms: list[type], repeats: int) -> dict[str, Any]:
    naive_times, executor_times = [], []
    steps = plan(transforms)
    for _ in range(repeats):
        t_naive, expected = naive(data, transforms)
        t_exec, got = executor(data, steps)
        if got != expected:
            raise SystemExit(f"{label}: the executor's model differs from the naive sequence's")
        naive_times.append(t_naive)
        executor_times.append(t_exec)
    best_naive, best_exec = min(naive_times), min(executor_times)
    return {
        "label": label,
        "naive": best_naive,
        "executor": best_exec,
        "ratio": best_exec / best_naive,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="50 and 200 nodes, one repeat")
    args = parser.parse_args(argv)
    layers = [17, 67] if args.quick else [17, 67, 267]  # 3 nodes per layer: ~50/200/800
    repeats = 1 if args.quick else 3
    rows = []
    for n in layers:
        data = mlp_model(n).SerializeToString()
        rows.append(compare(f"cheap passes, {3 * n} nodes", data, CHEAP, repeats))
    fold_rows = []
    for n in [5, 17] if args.quick else [5, 17, 34]:
        data = mlp_model(n, quantized=True).SerializeToString()
        fold_rows.append(
            compare(f"FoldConstants, {5 * n} nodes", data, [InferShapes, FoldConstants], 1)
        )
    print(f"{'case':<32} {'naive s':>9} {'executor s':>11} {'ratio':>7}")
    for row in [*rows, *fold_rows]:
        print(
            f"{row['label']:<32} {row['naive']:>9.3f} {row['executor']:>11.3f} {row['ratio']:>7.2f}"
        )
    print("identical graphs: yes (every case)")
    worst = max(r["ratio"] for r in rows)
    verdict = "meets" if worst <= TARGET else "MISSES"
    print(f"cheap passes: worst ratio {worst:.2f} {verdict} the target <= {TARGET}")
    return 0 if worst <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
