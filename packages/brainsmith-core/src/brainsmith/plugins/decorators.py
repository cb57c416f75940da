"""Decorator sugar for authors: ``@transform``, ``@kernel``, ``@backend``, ``@hw_transform``.

Each validates at decoration time and attaches the component's record as
``__brainsmith_spec__``; a plugin's hook then returns the decorated classes::

    @transform(stage="topology_optimization")
    class FuseScales(Transformation):
        ...

    @hookimpl
    def brainsmith_transforms():
        return [FuseScales]

Nothing is registered globally: the record travels with the class.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from .records import (
    AnySpec,
    BackendSpec,
    HwTransformSpec,
    KernelSpec,
    TransformSpec,
)

SPEC_ATTRIBUTE = "__brainsmith_spec__"

T = TypeVar("T")


def _target_of(obj: Any) -> str:
    return f"{obj.__module__}:{obj.__qualname__}"


def _attach(spec_factory: Callable[[Any], AnySpec]) -> Callable[[T], T]:
    def decorate(obj: T) -> T:
        setattr(obj, SPEC_ATTRIBUTE, spec_factory(obj))
        return obj

    return decorate


def is_qonnx_transformation(cls: object) -> bool:
    """Whether ``cls`` subclasses qonnx's ``Transformation``, checked without importing qonnx:
    a class can only subclass it if qonnx is already imported."""
    base_module = sys.modules.get("qonnx.transformation.base")
    base = getattr(base_module, "Transformation", None)
    return isinstance(cls, type) and base is not None and issubclass(cls, base)


def transform(
    *, stage: str, name: str | None = None, description: str = "", author: str = ""
) -> Callable[[T], T]:
    """Declare a qonnx ``Transformation`` subclass as a transform run in ``stage``."""

    def spec(cls: Any) -> AnySpec:
        _require_transformation(cls, "@transform")
        return TransformSpec(
            name=name or cls.__name__,
            target=_target_of(cls),
            stage=stage,
            description=description or _summary(cls),
            author=author,
        )

    return _attach(spec)


def kernel(
    obj: T | None = None,
    *,
    name: str | None = None,
    infrastructure: bool = False,
    description: str = "",
) -> Any:
    """Declare a class as a kernel (a QONNX custom op); usable bare or with options."""

    def spec(cls: Any) -> AnySpec:
        _require_class(cls, "@kernel")
        return KernelSpec(
            name=name or cls.__name__,
            target=_target_of(cls),
            infrastructure=infrastructure,
            description=description or _summary(cls),
        )

    decorate = _attach(spec)
    return decorate(obj) if obj is not None else decorate


def backend(
    *, kernel: str, language: str, name: str | None = None, description: str = ""
) -> Callable[[T], T]:
    """Declare a class as the ``language`` (``hls`` or ``rtl``) implementation of ``kernel``."""

    def spec(cls: Any) -> AnySpec:
        _require_class(cls, "@backend")
        return BackendSpec(
            name=name or cls.__name__,
            target=_target_of(cls),
            kernel=kernel,
            language=language,  # validated by BackendSpec
            description=description or _summary(cls),
        )

    return _attach(spec)


def hw_transform(
    *, kernels: Iterable[str], name: str | None = None, description: str = ""
) -> Callable[[T], T]:
    """Declare a rewrite that maps nodes to (or tunes) ``kernels``."""

    def spec(cls: Any) -> AnySpec:
        _require_transformation(cls, "@hw_transform")
        return HwTransformSpec(
            name=name or cls.__name__,
            target=_target_of(cls),
            kernels=tuple(kernels),
            description=description or _summary(cls),
        )

    return _attach(spec)


def spec_of(obj: object) -> AnySpec:
    """The record of a decorated object, or ``obj`` itself if it already is a record."""
    if isinstance(obj, TransformSpec | KernelSpec | BackendSpec | HwTransformSpec):
        return obj
    # vars(), not getattr(): an undecorated subclass must not pass for its decorated parent
    spec = vars(obj).get(SPEC_ATTRIBUTE) if hasattr(obj, "__dict__") else None
    if spec is None:
        raise TypeError(
            f"{obj!r} is neither a component record nor decorated with @transform, @kernel, "
            "@backend or @hw_transform"
        )
    return spec  # type: ignore[no-any-return]


def _require_transformation(obj: object, decorator: str) -> None:
    if not is_qonnx_transformation(obj):
        raise TypeError(
            f"{decorator} on {getattr(obj, '__qualname__', obj)!r}: must be a subclass of "
            "qonnx.transformation.base.Transformation"
        )


def _require_class(obj: object, decorator: str) -> None:
    if not isinstance(obj, type):
        raise TypeError(f"{decorator} decorates classes, not {type(obj).__name__}")


def _summary(obj: object) -> str:
    doc = (getattr(obj, "__doc__", None) or "").strip()
    return doc.splitlines()[0] if doc else ""
