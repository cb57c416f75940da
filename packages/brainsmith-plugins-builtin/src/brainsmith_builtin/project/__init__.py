"""The stitched accelerator project: the dataflow partition's kernels wired into one design.

:func:`write_accelerator` writes ``accelerator/`` (per-kernel sources, an HLS dataflow
top-level or a Verilog top-level, weights, Vitis HLS / Vivado scripts, a README and a manifest
saying nothing was synthesised); the builtin plugin's ``brainsmith_compile_artifacts`` hook calls
it after every compile. :func:`simulate_hls_project` and :func:`simulate_rtl_project` run a
written project with g++ or a Verilog simulator.
"""

from .accelerator import FOLDER, MANIFEST, write_accelerator
from .partition import DataflowPartition, PartitionNode, StitchError, read_partition
from .simulate import ProjectRtlsim, simulate_hls_project, simulate_rtl_project

__all__ = [
    "FOLDER",
    "MANIFEST",
    "DataflowPartition",
    "PartitionNode",
    "ProjectRtlsim",
    "StitchError",
    "read_partition",
    "simulate_hls_project",
    "simulate_rtl_project",
    "write_accelerator",
]
