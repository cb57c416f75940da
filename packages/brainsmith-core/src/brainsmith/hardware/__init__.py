"""The hardware contract: kernel and backend base classes, folding, node domains, and the
mapping record kernel inference keeps, and whole-graph execution modes (cppsim, rtlsim).

Imported only when used (``import brainsmith`` does not load it); it imports qonnx and numpy.
May import: the shared helpers (``brainsmith._*``, ``brainsmith.errors``) and, to register a
session's kernels, ``brainsmith.plugins``; never ``brainsmith.compile`` or
``brainsmith.lifecycle`` (the compile wing uses this one, not the other way round).
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
    "RTLBackend",
    "Shape",
    "Target",
    "divisors",
    "install_custom_ops",
    "install_kernels",
    "is_kernel_node",
    "kernel_domain",
    "kernel_name",
    "mapping_summary",
    "prepare_exec",
    "prepare_exec_all",
    "read_target",
    "record_absorbed",
    "record_backend",
    "record_declined",
    "record_mapped",
    "record_partition",
    "set_exec_mode",
    "target_loader",
]
