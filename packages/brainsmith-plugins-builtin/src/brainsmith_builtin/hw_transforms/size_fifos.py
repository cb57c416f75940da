"""``SizeFIFOs``: FIFO depths from a cycle-level simulation of the dataflow pipeline."""

from __future__ import annotations

import json
from typing import Any

from brainsmith import hw_transform
from brainsmith.hardware import is_kernel_node, simulate_pipeline, size_fifos
from qonnx.custom_op.registry import getCustomOp
from qonnx.transformation.base import Transformation

from brainsmith_builtin.kernels.registration import install_builtin_kernels

from .dataflow_pipeline import FIFO_KERNEL, dataflow_pipeline, is_fifo

SIZING_KEY = "brainsmith.fifo_sizing"
"""Model metadata key of the sizing record (JSON): frames simulated, the simulated cycles per
frame (``period_cycles``), the slowest kernel's expected cycles, the makespan, each FIFO's
depth."""


@hw_transform(kernels=[FIFO_KERNEL])
class SizeFIFOs(Transformation):  # type: ignore[misc]
    """Set every ``StreamingFIFO`` node's ``depth`` to the least number of words with which
    ``frames`` frames, fed back to back, flow through the pipeline at the throughput it has
    with unbounded FIFOs (cycles from the first frame's end to the last's) and without
    deadlock, each depth at least ``min_depth``; one word less on any FIFO loses throughput or
    deadlocks (in the model).

    The model is :func:`brainsmith.hardware.simulate_pipeline` over the kernels'
    ``transfer_pattern()`` (each kernel's read and write loop structure from its folding), the
    search :func:`brainsmith.hardware.size_fifos`. FINN sizes FIFOs by rtlsim of the stitched
    design (``largefifo_rtlsim``) or per-node characteristic functions (``characterize``); this
    is the latter's analytical variant over the whole pipeline. The result is also recorded in
    the model's metadata under :data:`SIZING_KEY`.

    Options: ``frames`` (int >= 2, default 3), ``min_depth`` (int >= 1, default 2). Raises
    ``ValueError`` for bad options and :class:`brainsmith.hardware.PipelineDeadlock` when the
    kernels' patterns deadlock even with unbounded FIFOs.
    """

    def __init__(self, frames: int = 3, min_depth: int = 2) -> None:
        super().__init__()
        if not isinstance(frames, int) or frames < 2:
            raise ValueError(f"SizeFIFOs: frames={frames!r} must be an integer of at least 2")
        if not isinstance(min_depth, int) or min_depth < 1:
            raise ValueError(f"SizeFIFOs: min_depth={min_depth!r} must be an integer >= 1")
        self.frames = frames
        self.min_depth = min_depth

    def apply(self, model: Any) -> tuple[Any, bool]:
        install_builtin_kernels()
        fifos = {n.name: n for n in model.graph.node if is_fifo(n)}
        if not fifos:
            return model, False
        nodes, edges = dataflow_pipeline(model, default_depth=None)
        depths = size_fifos(nodes, edges, set(fifos), frames=self.frames, min_depth=self.min_depth)
        for name, depth in depths.items():
            getCustomOp(fifos[name]).set_nodeattr("depth", depth)
        result = simulate_pipeline(nodes, edges, frames=self.frames, depths=depths)
        assert result is not None
        slowest = max(
            (int(getCustomOp(n).get_exp_cycles()) for n in model.graph.node if _is_compute(n)),
            default=0,
        )
        record = {
            "frames": self.frames,
            "period_cycles": round(result.period, 1),
            "slowest_kernel_cycles": slowest,
            "makespan_cycles": result.makespan,
            "depths": depths,
        }
        model.set_metadata_prop(SIZING_KEY, json.dumps(record, sort_keys=True))
        return model, False


def _is_compute(node: Any) -> bool:
    return bool(is_kernel_node(node)) and not is_fifo(node)
