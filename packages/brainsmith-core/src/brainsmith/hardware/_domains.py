"""Node domains of kernels, and their lazy registration with qonnx's custom-op lookup.

A kernel node contributed by the plugin namespace ``NS`` carries ``domain = "brainsmith.NS"``.
qonnx finds the class for a node through ``qonnx.custom_op.registry``; :func:`install_custom_ops`
registers a small proxy per ``(domain, op_type)`` there, which imports the plugin's real class only
when a node of that type is first instantiated (executed, shape-inferred, ...).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any

from qonnx.custom_op.base import CustomOp
from qonnx.custom_op.registry import add_op_to_domain, get_supported_versions
from qonnx.util.basic import get_preferred_qonnx_opset

from .._targets import load_target

DOMAIN_PREFIX = "brainsmith."
"""Every brainsmith kernel domain starts with this."""

FINN_HW_DOMAIN = "finn.custom_op.fpgadataflow"
"""FINN's hardware kernel domain (and its ``.hls``/``.rtl`` sub-domains)."""

CustomOpLoader = Callable[[], type[CustomOp]]
"""Imports and returns a kernel (or backend) class; called at most once per registration."""


def kernel_domain(namespace: str) -> str:
    """The node domain of kernels from plugin namespace ``namespace``:
    ``kernel_domain("builtin") == "brainsmith.builtin"``.

    Raises ``ValueError`` for an empty namespace or one with dots or spaces.
    """
    if not namespace or not namespace.replace("_", "a").replace("-", "a").isalnum():
        raise ValueError(
            f"kernel_domain: namespace {namespace!r} must be a non-empty plugin namespace "
            "(letters, digits, '-', '_')"
        )
    return DOMAIN_PREFIX + namespace


def is_kernel_node(node: Any) -> bool:
    """Whether an ONNX node is a hardware kernel node: its domain is a brainsmith kernel domain
    (``brainsmith.*``) or FINN's ``finn.custom_op.fpgadataflow[.hls|.rtl]``."""
    domain: str = node.domain
    return domain.startswith(DOMAIN_PREFIX) or (
        domain == FINN_HW_DOMAIN or domain.startswith(FINN_HW_DOMAIN + ".")
    )


def target_loader(target: str) -> CustomOpLoader:
    """A loader for a manifest target ``"package.module:ClassName"``: imports the module when
    called and returns the class. Raises ``ValueError`` at once if ``target`` is malformed, and
    ``TypeError`` when called if the object is not a qonnx ``CustomOp`` subclass."""
    module_name, sep, attribute = target.partition(":")
    if not sep or not module_name or not attribute:
        raise ValueError(f"custom-op target {target!r} must look like 'package.module:ClassName'")

    def load() -> type[CustomOp]:
        obj = load_target(target)
        if not (isinstance(obj, type) and issubclass(obj, CustomOp)):
            raise TypeError(f"custom-op target {target!r} is not a qonnx CustomOp subclass")
        return obj

    return load


def install_custom_ops(
    entries: Iterable[tuple[str, str, CustomOpLoader]], *, replace: bool = True
) -> None:
    """Register each ``(domain, op_type, loader)`` with qonnx's custom-op registry, lazily.

    For each entry a proxy ``CustomOp`` subclass named exactly ``op_type`` is registered with
    ``qonnx.custom_op.registry.add_op_to_domain`` (so qonnx derives the op_type and opset version
    1 from its name). Instantiating the proxy (``getCustomOp(node)``, which ``execute_onnx`` and
    ``InferShapes`` do) calls ``loader`` once and returns an instance of the real class, so
    registering imports no plugin code. Registering the same ``(domain, op_type)`` again
    replaces the earlier entry; with ``replace=False`` an op qonnx already knows is left as it is
    (a plugin's own fallback registration must not override a session's, which activates the
    plugin through the session).

    Raises ``ValueError`` for an empty domain or op_type, or an op_type ending in ``_v<digits>``
    (qonnx would read that as an opset version). The loader raises ``TypeError`` (when first
    used) if it returns a class that is not a ``CustomOp`` or is named differently.
    """
    for domain, op_type, loader in entries:
        if not domain or not op_type:
            raise ValueError(f"install_custom_ops: empty domain or op_type in {(domain, op_type)}")
        head, sep, tail = op_type.rpartition("_v")
        if sep and head and tail.isdigit():
            raise ValueError(
                f"install_custom_ops: op_type {op_type!r} ends in '_v{tail}', which qonnx reads "
                "as an opset version; rename the kernel"
            )
        if not replace and _registered(domain, op_type):
            continue
        add_op_to_domain(domain, _lazy_proxy(domain, op_type, loader))


def _registered(domain: str, op_type: str) -> bool:
    """Whether qonnx's custom-op lookup already finds ``op_type`` in ``domain``."""
    try:
        return bool(get_supported_versions(domain, op_type))
    except KeyError:
        return False


def _lazy_proxy(domain: str, op_type: str, loader: CustomOpLoader) -> type[CustomOp]:
    @functools.cache
    def resolve() -> type[CustomOp]:
        cls = loader()
        if not (isinstance(cls, type) and issubclass(cls, CustomOp)):
            raise TypeError(
                f"the loader for {domain}.{op_type} returned {cls!r}, not a qonnx CustomOp class"
            )
        if cls.__name__ != op_type:
            raise TypeError(
                f"the loader for {domain}.{op_type} returned class {cls.__name__!r}; a kernel "
                "class must be named exactly as its op_type"
            )
        return cls

    def __new__(
        proxy: type, onnx_node: Any, onnx_opset_version: int = get_preferred_qonnx_opset()
    ) -> CustomOp:
        return resolve()(onnx_node, onnx_opset_version=onnx_opset_version)

    namespace = {
        "__new__": __new__,
        "__module__": __name__,
        "__doc__": f"Lazy stand-in for {domain}.{op_type}; instantiating it loads the real class.",
        "load": staticmethod(resolve),
    }
    return type(op_type, (CustomOp,), namespace)
