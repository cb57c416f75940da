"""Brainsmith: compile quantized ONNX/QONNX models into FPGA dataflow accelerators through
plugins.

The public API. Importing this package is cheap: it loads nothing but its version; the names
below are imported from their modules on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import PLUGIN_API, __version__

if TYPE_CHECKING:
    from .decorators import backend, hw_transform, kernel, transform
    from .errors import BrainsmithError
    from .hookspecs import hookimpl, hookspec
    from .records import (
        BackendSpec,
        HwTransformSpec,
        KernelSpec,
        Kind,
        PluginRecord,
        TransformSpec,
    )
    from .registry import Component
    from .session import Session
    from .verdicts import State

_LAZY = {
    "hookimpl": "hookspecs",
    "hookspec": "hookspecs",
    "transform": "decorators",
    "kernel": "decorators",
    "backend": "decorators",
    "hw_transform": "decorators",
    "BrainsmithError": "errors",
    "TransformSpec": "records",
    "KernelSpec": "records",
    "BackendSpec": "records",
    "HwTransformSpec": "records",
    "Kind": "records",
    "PluginRecord": "records",
    "Component": "registry",
    "State": "verdicts",
    "Session": "session",
}

__all__ = [
    "PLUGIN_API",
    "BackendSpec",
    "BrainsmithError",
    "Component",
    "HwTransformSpec",
    "KernelSpec",
    "Kind",
    "PluginRecord",
    "Session",
    "State",
    "TransformSpec",
    "__version__",
    "backend",
    "hookimpl",
    "hookspec",
    "hw_transform",
    "kernel",
    "transform",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'brainsmith' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
