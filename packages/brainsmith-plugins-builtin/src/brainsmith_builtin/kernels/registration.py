"""Make the builtin kernels known to qonnx's custom-op lookup, lazily.

The plugin's manifest is the single list of its kernels and backends; this reads it and
registers each under ``kernel_domain("builtin")`` with
:func:`brainsmith.hardware.install_custom_ops`, so no kernel module is imported until a node of
that type is executed or shape-inferred. A compile session does the same for every plugin; call
:func:`install_builtin_kernels` yourself when you use the kernels without a session.
"""

from __future__ import annotations

import tomllib
from importlib import resources

from brainsmith.hardware import install_custom_ops, kernel_domain, target_loader

NAMESPACE = "builtin"
MANIFEST = "brainsmith_plugin.toml"


def builtin_kernel_targets() -> dict[str, str]:
    """``{op_type: "module:Class"}`` for every ``[[kernels]]`` and ``[[backends]]`` entry of
    the builtin manifest."""
    text = resources.files("brainsmith_builtin").joinpath(MANIFEST).read_text(encoding="utf-8")
    data = tomllib.loads(text)
    entries = [*data.get("kernels", []), *data.get("backends", [])]
    return {str(entry["name"]): str(entry["target"]) for entry in entries}


def install_builtin_kernels() -> None:
    """Register every builtin kernel qonnx does not know yet under ``brainsmith.builtin``
    (idempotent, imports no kernel module). A compile has registered them already, through
    its session: those registrations are kept."""
    domain = kernel_domain(NAMESPACE)
    install_custom_ops(
        (
            (domain, op_type, target_loader(target))
            for op_type, target in builtin_kernel_targets().items()
        ),
        replace=False,
    )
