"""The component hooks: the page plugin authors read.

A plugin is one entry point in the ``brainsmith.plugins`` group. Its entry-point name is the
plugin's *namespace*; its components are then addressed as ``namespace:Name``. Implement hooks
with the :data:`hookimpl` marker; an implementation may take any subset of a hook's arguments,
so hooks can grow new arguments without breaking plugins::

    from brainsmith import hookimpl, transform

    @transform(stage="topology_optimization")
    class FuseScales(Transformation): ...

    @hookimpl
    def brainsmith_transforms():
        return [FuseScales]

Lifecycle hooks (compile and training events) are documented in
:mod:`brainsmith.compile.hookspecs` and :mod:`brainsmith.lifecycle.hookspecs`.

Plugins that ship a static manifest (``brainsmith_plugin.toml``) declare their components there
instead and implement only the lifecycle hooks they need, in the manifest's ``hooks`` module.

The plugin-API version these hooks make is ``brainsmith.PLUGIN_API``; it changes only when a hook
changes incompatibly.

Component hooks return records (:mod:`brainsmith.plugins.records`) or objects decorated with
``@transform``, ``@kernel``, ``@backend`` or ``@hw_transform``; they are called once, when the
plugin is activated (its code first imported).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from .._markers import PROJECT, hookimpl, hookspec

if TYPE_CHECKING:
    from .records import BackendSpec, HwTransformSpec, KernelSpec, TransformSpec

__all__ = [
    "PROJECT",
    "brainsmith_backends",
    "brainsmith_hw_transforms",
    "brainsmith_kernels",
    "brainsmith_transforms",
    "hookimpl",
    "hookspec",
]


# -- Components -------------------------------------------------------------------------------


@hookspec
def brainsmith_transforms() -> Iterable[TransformSpec | type]:
    """Return the plugin's transforms: graph rewrites on a QONNX ``ModelWrapper``.

    Each is a qonnx ``Transformation`` subclass in a compile stage (``graph_cleanup``,
    ``topology_optimization``, ``kernel_mapping``, ``kernel_optimization``,
    ``graph_optimization``). A blueprint names it ``namespace:Name`` or by its short name.

    Example::

        @hookimpl
        def brainsmith_transforms():
            return [TransformSpec(name="FuseScales", stage="topology_optimization",
                                  target="brainsmith_plugin_x.transforms:FuseScales")]
    """


@hookspec
def brainsmith_kernels() -> Iterable[KernelSpec | type]:
    """Return the plugin's kernels: hardware operators, as QONNX custom ops.

    Example::

        @hookimpl
        def brainsmith_kernels():
            return [KernelSpec(name="Conv2D", target="brainsmith_plugin_x.kernels:Conv2D")]
    """


@hookspec
def brainsmith_backends() -> Iterable[BackendSpec | type]:
    """Return the plugin's backends: a kernel's implementation in ``hls`` or ``rtl``.

    ``kernel`` names the kernel implemented, short (same plugin) or qualified (``finn:MVAU``).

    Example::

        @hookimpl
        def brainsmith_backends():
            return [BackendSpec(name="Conv2D_hls", kernel="Conv2D", language="hls",
                                target="brainsmith_plugin_x.backends:Conv2DHLS")]
    """


@hookspec
def brainsmith_hw_transforms() -> Iterable[HwTransformSpec | type]:
    """Return the plugin's hw_transforms: rewrites that map nodes to kernels or tune them
    (kernel inference, backend specialisation, folding, FIFO sizing).

    ``kernels`` names the kernels the rewrite produces or tunes.

    Example::

        @hookimpl
        def brainsmith_hw_transforms():
            return [HwTransformSpec(name="InferConv2D", kernels=("Conv2D",),
                                    target="brainsmith_plugin_x.infer:InferConv2D")]
    """
