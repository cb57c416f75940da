"""Make every kernel and backend of a session's plugins known to qonnx, without importing them.

After :func:`install_kernels`, ``qonnx.core.onnx_exec.execute_onnx`` (and shape or datatype
inference) runs graphs of kernel nodes: a node's ``domain`` (``brainsmith.<namespace>``) and
``op_type`` resolve to the component registered under that name, whose plugin is activated and
whose class is imported the first time such a node is instantiated.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._domains import install_custom_ops, kernel_domain

if TYPE_CHECKING:
    from qonnx.custom_op.base import CustomOp

    from ..plugins import Component, Session


def install_kernels(session: Session) -> tuple[str, ...]:
    """Register the kernels and backends of every usable plugin of ``session`` with qonnx's
    custom-op registry, lazily; return their qualified names.

    Loading goes through :meth:`Session.load`, so a plugin whose code fails is reported as that
    plugin's :class:`~brainsmith.errors.PluginError` when one of its nodes is first used.
    """
    from ..plugins import Kind

    components = session.find_components(Kind.KERNEL) + session.find_components(Kind.BACKEND)
    install_custom_ops(
        (kernel_domain(c.plugin.namespace), c.name, _loader(session, c)) for c in components
    )
    return tuple(c.qualified_name for c in components)


def _loader(session: Session, component: Component) -> Any:
    def load() -> type[CustomOp]:
        cls: type[CustomOp] = session.load(component)
        return cls

    return load
