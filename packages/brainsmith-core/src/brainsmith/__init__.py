"""Brainsmith: compile quantized ONNX/QONNX models into FPGA dataflow accelerators through
plugins.

The public API, in three wings (each a subpackage with its own docstring):

- :mod:`brainsmith.plugins` — the plugin ecosystem: discover → resolve → registry → activate.
  Authors use :data:`hookimpl`, the decorators (:func:`transform`, :func:`kernel`,
  :func:`backend`, :func:`hw_transform`) and the spec records; hosts use :class:`Session`.
- :mod:`brainsmith.compile` — the compile pipeline: :func:`compile_model`.
- :mod:`brainsmith.lifecycle` — lifecycle dispatch: :func:`lifecycle`, :class:`Stop`,
  :class:`LifecyclePlugin`, :class:`HookEvents` and the conditions.

and :mod:`brainsmith.examples` (small models built by code), :mod:`brainsmith.sweep`
(design-space sweeps over many compiles) and, used only when a compile maps hardware,
:mod:`brainsmith.hardware`.

Importing this package is cheap: it loads nothing but its version; every name below is imported
from its module on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._lazy import lazy_attributes
from ._version import PLUGIN_API, __version__

if TYPE_CHECKING:
    from . import compile as compile  # the subpackage; not in __all__
    from . import examples as examples
    from . import lifecycle as lifecycle
    from . import plugins as plugins
    from . import sweep as sweep
    from ._target import Target
    from .compile import CompileResult, compile_model
    from .errors import BrainsmithError
    from .lifecycle import (
        HookEvents,
        LifecyclePlugin,
        Plugin,
        Stop,
        after_epoch,
        before_epoch,
        every_n_epochs,
        every_n_steps,
        in_stages,
        when,
    )
    from .plugins import (
        BackendSpec,
        Component,
        HwTransformSpec,
        KernelSpec,
        Kind,
        PluginRecord,
        Session,
        State,
        TransformSpec,
        backend,
        hookimpl,
        hookspec,
        hw_transform,
        kernel,
        transform,
    )

_NAMES = {
    "compile": ".compile:",
    "examples": ".examples:",
    "hardware": ".hardware:",
    "lifecycle": ".lifecycle:",
    "plugins": ".plugins:",
    "sweep": ".sweep:",
    "CompileResult": ".compile",
    "compile_model": ".compile",
    "BrainsmithError": ".errors",
    "Target": "._target",
    "HookEvents": ".lifecycle",
    "LifecyclePlugin": ".lifecycle",
    "Plugin": ".lifecycle",
    "Stop": ".lifecycle",
    "after_epoch": ".lifecycle",
    "before_epoch": ".lifecycle",
    "every_n_epochs": ".lifecycle",
    "every_n_steps": ".lifecycle",
    "in_stages": ".lifecycle",
    "when": ".lifecycle",
    "BackendSpec": ".plugins",
    "Component": ".plugins",
    "HwTransformSpec": ".plugins",
    "KernelSpec": ".plugins",
    "Kind": ".plugins",
    "PluginRecord": ".plugins",
    "Session": ".plugins",
    "State": ".plugins",
    "TransformSpec": ".plugins",
    "backend": ".plugins",
    "hookimpl": ".plugins",
    "hookspec": ".plugins",
    "hw_transform": ".plugins",
    "kernel": ".plugins",
    "transform": ".plugins",
}
__all__ = [
    "PLUGIN_API",
    "BackendSpec",
    "BrainsmithError",
    "CompileResult",
    "Component",
    "HookEvents",
    "HwTransformSpec",
    "KernelSpec",
    "Kind",
    "LifecyclePlugin",
    "Plugin",
    "PluginRecord",
    "Session",
    "State",
    "Stop",
    "Target",
    "TransformSpec",
    "__version__",
    "after_epoch",
    "backend",
    "before_epoch",
    "compile_model",
    "every_n_epochs",
    "every_n_steps",
    "hookimpl",
    "hookspec",
    "hw_transform",
    "in_stages",
    "kernel",
    "transform",
    "when",
]
# The subpackages (compile, examples, hardware, lifecycle, plugins, sweep) are attributes too,
# but not in __all__: a star import must not shadow the built-in compile() or import onnx.
__getattr__ = lazy_attributes(__name__, _NAMES)


def __dir__() -> list[str]:
    return sorted({*globals(), *_NAMES})
