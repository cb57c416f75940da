"""The hardware contract: kernel and backend base classes, folding, node domains, and the
mapping record kernel inference keeps, whole-graph execution modes (cppsim, rtlsim), the folding
record, resource counts, the device table, the design estimate, and the cycle-level pipeline
simulator that sizes FIFOs from kernels' transfer patterns.

Imported only when used (``import brainsmith`` does not load it); it imports qonnx and numpy.
May import: the shared helpers (``brainsmith._*``, ``brainsmith.errors``) and, to register a
session's kernels, ``brainsmith.plugins``; never ``brainsmith.compile`` or
``brainsmith.lifecycle`` (the compile wing uses this one, not the other way round).
"""

from .._target import TARGET_KEY, Target, read_target
from ._backend import Backend, HLSBackend, RTLBackend
from ._devices import DEVICES, Device, find_device
from ._domains import (
    DOMAIN_PREFIX,
    CustomOpLoader,
    install_custom_ops,
    is_kernel_node,
    kernel_domain,
    target_loader,
)
from ._errors import KernelNodeError
from ._estimates import estimate
from ._exec import ExecModeReport, prepare_exec, prepare_exec_all, set_exec_mode
from ._folding import FoldingParameter, divisors
from ._folding_record import FOLDING_KEY, folding_config, read_folding, record_folding
from ._install import install_kernels
from ._kernel import EXEC_MODES, HWKernel, NodeAttrTypes, Shape
from ._mapping import (
    MAPPING_KEY,
    kernel_name,
    mapping_summary,
    record_absorbed,
    record_backend,
    record_declined,
    record_mapped,
    record_partition,
)
from ._pipeline_sim import (
    PipelineDeadlock,
    PipelineEdge,
    PipelineNode,
    SimulationResult,
    simulate_pipeline,
    size_fifos,
)
from ._resources import (
    RESOURCE_KINDS,
    Resources,
    bram18_count,
    lut_memory_luts,
    memory_resources,
    uram_count,
)
from ._transfers import TransferPattern, make_pattern, proportional_pattern

__all__ = [
    "DEVICES",
    "DOMAIN_PREFIX",
    "EXEC_MODES",
    "FOLDING_KEY",
    "MAPPING_KEY",
    "RESOURCE_KINDS",
    "TARGET_KEY",
    "Backend",
    "CustomOpLoader",
    "Device",
    "ExecModeReport",
    "FoldingParameter",
    "HLSBackend",
    "HWKernel",
    "KernelNodeError",
    "NodeAttrTypes",
    "PipelineDeadlock",
    "PipelineEdge",
    "PipelineNode",
    "RTLBackend",
    "Resources",
    "Shape",
    "SimulationResult",
    "Target",
    "TransferPattern",
    "bram18_count",
    "divisors",
    "estimate",
    "find_device",
    "folding_config",
    "install_custom_ops",
    "install_kernels",
    "is_kernel_node",
    "kernel_domain",
    "kernel_name",
    "lut_memory_luts",
    "make_pattern",
    "mapping_summary",
    "memory_resources",
    "prepare_exec",
    "prepare_exec_all",
    "proportional_pattern",
    "read_folding",
    "read_target",
    "record_absorbed",
    "record_backend",
    "record_declined",
    "record_folding",
    "record_mapped",
    "record_partition",
    "set_exec_mode",
    "simulate_pipeline",
    "size_fifos",
    "target_loader",
    "uram_count",
]
