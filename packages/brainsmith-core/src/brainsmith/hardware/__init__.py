"""The hardware contract: kernel and backend base classes, folding, node domains, and the
mapping record kernel inference keeps, whole-graph execution modes (cppsim, rtlsim), and the
cycle-level pipeline simulator that sizes FIFOs from kernels' transfer patterns.

Imported only when used (``import brainsmith`` does not load it); it imports qonnx and numpy.
"""

from .._target import TARGET_KEY, Target, read_target
from ._backend import Backend, HLSBackend, RTLBackend
from ._domains import (
    DOMAIN_PREFIX,
    CustomOpLoader,
    install_custom_ops,
    is_kernel_node,
    kernel_domain,
    target_loader,
)
from ._errors import KernelNodeError
from ._exec import ExecModeReport, prepare_exec, prepare_exec_all, set_exec_mode
from ._folding import FoldingParameter, divisors
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
from ._transfers import TransferPattern, make_pattern, proportional_pattern

__all__ = [
    "DOMAIN_PREFIX",
    "EXEC_MODES",
    "MAPPING_KEY",
    "TARGET_KEY",
    "Backend",
    "CustomOpLoader",
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
    "Shape",
    "SimulationResult",
    "Target",
    "TransferPattern",
    "divisors",
    "install_custom_ops",
    "install_kernels",
    "is_kernel_node",
    "kernel_domain",
    "kernel_name",
    "make_pattern",
    "mapping_summary",
    "prepare_exec",
    "prepare_exec_all",
    "proportional_pattern",
    "read_target",
    "record_absorbed",
    "record_backend",
    "record_declined",
    "record_mapped",
    "record_partition",
    "set_exec_mode",
    "simulate_pipeline",
    "size_fifos",
    "target_loader",
]
