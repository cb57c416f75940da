"""Adapt the legacy payload FINN publishes into component records.

FINN's entry point ``finn = finn.util.brainsmith_integration:register_all`` names a zero-argument
callable returning ``{"kernels": [...], "backends": [...], "steps": [...]}``; each item is a dict
of module and class names, so nothing heavy is imported to read it:

- kernel: ``name``, ``module``, ``class_name``, optional ``infer_transform`` (``"mod:Cls"`` or
  ``{"module", "class_name"}``) and ``is_infrastructure``;
- backend: ``name``, ``module``, ``class_name``, ``target_kernel`` (``"finn:MVAU"``), ``language``;
- step: ``name``, ``module``, ``func_name``, optional ``stage``.

Steps become transforms (stage ``kernel_mapping`` unless the item names one); each kernel's
``infer_transform`` becomes an hw_transform producing that kernel.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .records import AnySpec, BackendSpec, HwTransformSpec, KernelSpec, TransformSpec

STEP_STAGE = "kernel_mapping"
_KEYS = {"kernels", "backends", "steps"}


class PayloadError(ValueError):
    """The payload does not have the documented shape; the message names the item and key."""


def adapt_payload(payload: object) -> tuple[AnySpec, ...]:
    """Records for every kernel, backend, step and kernel-inference transform in ``payload``."""
    if not isinstance(payload, Mapping):
        raise PayloadError(
            f"returned {type(payload).__name__}, expected a dict with keys kernels, backends, steps"
        )
    unknown = sorted(set(payload) - _KEYS)
    if unknown:
        raise PayloadError(f"unknown key(s) {', '.join(map(repr, unknown))} in the payload")
    specs: list[AnySpec] = []
    seen_hw: set[str] = set()
    for index, item in enumerate(_items(payload, "kernels")):
        where = f"kernels[{index}]"
        name = _text(item, "name", where)
        specs.append(
            KernelSpec(
                name=name,
                target=_target(item, where, "class_name"),
                infrastructure=_flag(item, "is_infrastructure", where),
                description=str(item.get("description", "")),
            )
        )
        infer = item.get("infer_transform")
        if infer:
            target = _infer_target(infer, f"{where}.infer_transform")
            hw_name = target.rpartition(":")[2]
            if hw_name not in seen_hw:
                seen_hw.add(hw_name)
                specs.append(HwTransformSpec(name=hw_name, target=target, kernels=(name,)))
    for index, item in enumerate(_items(payload, "backends")):
        where = f"backends[{index}]"
        specs.append(
            BackendSpec(
                name=_text(item, "name", where),
                target=_target(item, where, "class_name"),
                kernel=_text(item, "target_kernel", where),
                language=_text(item, "language", where),
            )
        )
    for index, item in enumerate(_items(payload, "steps")):
        where = f"steps[{index}]"
        specs.append(
            TransformSpec(
                name=_text(item, "name", where),
                target=_target(item, where, "func_name"),
                stage=str(item.get("stage", STEP_STAGE)),
                description=str(item.get("description", "")),
                metadata=(("legacy", "step"),),
            )
        )
    return tuple(specs)


def _items(payload: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    items = payload.get(key, [])
    if not isinstance(items, list) or not all(isinstance(i, Mapping) for i in items):
        raise PayloadError(f"{key!r} must be a list of dicts")
    return items


def _text(item: Mapping[str, Any], key: str, where: str) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value:
        raise PayloadError(f"{where}: {key!r} is missing or not a string")
    return value


def _flag(item: Mapping[str, Any], key: str, where: str) -> bool:
    value = item.get(key, False)
    if not isinstance(value, bool):
        raise PayloadError(f"{where}: {key!r} must be True or False, not {value!r}")
    return value


def _target(item: Mapping[str, Any], where: str, attr_key: str) -> str:
    return f"{_text(item, 'module', where)}:{_text(item, attr_key, where)}"


def _infer_target(value: object, where: str) -> str:
    if isinstance(value, str):
        if ":" not in value:
            raise PayloadError(f"{where}: {value!r} must be 'module:Class'")
        return value
    if isinstance(value, Mapping):
        return _target(value, where, "class_name")
    raise PayloadError(f"{where}: must be 'module:Class' or a dict with module and class_name")
