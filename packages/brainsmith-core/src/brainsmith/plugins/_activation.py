"""Activate a plugin: import its code and register its hook implementations with pluggy.

This is the only place where plugin code runs, apart from importing a component's target
(:func:`load_target`). Every failure becomes a :class:`PluginError` naming the plugin, its
distribution and version, and what to do.
"""

from __future__ import annotations

import importlib
import inspect
from dataclasses import replace
from types import ModuleType
from typing import Any

import pluggy

from .._markers import is_hookimpl
from ..errors import PluginError
from ._legacy import PayloadError, adapt_payload
from .decorators import spec_of
from .records import AnySpec, Form, Kind, PluginRecord

COMPONENT_HOOKS: dict[Kind, str] = {kind: f"brainsmith_{kind.plural}" for kind in Kind}
"""The hook that returns each kind of component."""


def activate(record: PluginRecord, manager: pluggy.PluginManager) -> PluginRecord:
    """Import ``record``'s code, register its hooks under its namespace and return the record
    with its components known (and, for code-defined plugins, its form settled)."""
    if record.form is Form.MANIFEST:
        if record.declaration.hooks:
            module = _import(record, record.declaration.hooks)
            _register(record, module, manager)
        return record
    obj = _load_entry_point(record)
    if _has_hookimpls(obj, manager):
        _register(record, obj, manager)
        specs = _collect(record, obj, manager)
        return replace(record, form=Form.PLUGGY, components=specs)
    if callable(obj) and not isinstance(obj, type):
        try:
            payload = obj()
        except Exception as exc:
            raise _failure(record, f"calling {record.value} raised {_describe(exc)}") from exc
        try:
            specs = adapt_payload(payload)
        except (PayloadError, ValueError) as exc:
            raise _failure(
                record,
                f"malformed legacy payload from {record.value}: {exc}",
                "the callable must return {'kernels': [...], 'backends': [...], 'steps': [...]} "
                "as documented in docs/plugins.md",
            ) from exc
        return replace(record, form=Form.LEGACY, components=specs)
    raise _failure(
        record,
        f"entry point {record.value} is neither a module with @hookimpl functions, nor a "
        "callable returning a legacy payload, nor a manifest",
        "point the entry point at a manifest ('pkg:brainsmith-plugin.toml') or a hooks module",
    )


def load_target(record: PluginRecord, spec: AnySpec) -> Any:
    """Import a component's ``module:attr`` target and return the object."""
    module_name, _, attr = spec.target.partition(":")
    module = _import(record, module_name, what=f"{spec.kind} {record.namespace}:{spec.name}")
    obj: Any = module
    try:
        for part in attr.split("."):
            obj = getattr(obj, part)
    except AttributeError:
        raise _failure(
            record,
            f"{spec.kind} {record.namespace}:{spec.name}: module {module_name!r} has no "
            f"attribute {attr!r}",
            f"fix the target {spec.target!r} in {record.location or 'the plugin'}",
        ) from None
    return obj


def _load_entry_point(record: PluginRecord) -> Any:
    module_name, _, attr = record.value.partition(":")
    obj: Any = _import(record, module_name.strip())
    if attr.strip():
        try:
            for part in attr.strip().split("."):
                obj = getattr(obj, part)
        except AttributeError:
            raise _failure(
                record,
                f"entry point {record.value}: module {module_name.strip()!r} has no attribute "
                f"{attr.strip()!r}",
                "fix the entry point in the plugin's pyproject.toml and reinstall it",
            ) from None
    return obj


def _import(record: PluginRecord, module_name: str, what: str = "") -> ModuleType:
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        fix = (
            f"reinstall {record.distribution}: pip install --force-reinstall {record.distribution}"
        )
        if exc.name and exc.name != module_name and not module_name.startswith(exc.name + "."):
            fix = f"install the missing dependency {exc.name!r} (pip install {exc.name})"
        raise _failure(
            record, f"{what + ': ' if what else ''}importing {module_name!r} failed: {exc}", fix
        ) from exc
    except Exception as exc:  # SyntaxError, errors raised at import: the plugin's fault
        raise _failure(
            record,
            f"{what + ': ' if what else ''}importing {module_name!r} raised {_describe(exc)}",
            f"report it to the maintainers of {record.distribution}, or disable the plugin "
            f'(BRAINSMITH_PLUGINS or [tool.brainsmith] disable = ["{record.namespace}"])',
        ) from exc


def _register(record: PluginRecord, obj: object, manager: pluggy.PluginManager) -> None:
    try:
        manager.register(obj, name=record.namespace)
    except (pluggy.PluginValidationError, ValueError) as exc:
        raise _failure(record, f"invalid hook implementation: {exc}") from exc


def _collect(
    record: PluginRecord, obj: object, manager: pluggy.PluginManager
) -> tuple[AnySpec, ...]:
    specs: list[AnySpec] = []
    for kind, hook_name in COMPONENT_HOOKS.items():
        caller = getattr(manager.hook, hook_name)
        for impl in caller.get_hookimpls():
            if impl.plugin is not obj:
                continue
            try:
                items = impl.function() or ()
                for item in items:
                    spec = spec_of(item)
                    if spec.kind is not kind:
                        raise TypeError(f"returned a {spec.kind} record {spec.name!r}")
                    specs.append(spec)
            except Exception as exc:
                raise _failure(record, f"hook {hook_name} {_describe(exc)}") from exc
    names = [(s.kind, s.name) for s in specs]
    duplicates = sorted({f"{k}:{n}" for k, n in names if names.count((k, n)) > 1})
    if duplicates:
        raise _failure(record, f"component(s) declared twice: {', '.join(duplicates)}")
    return tuple(specs)


def _has_hookimpls(obj: object, manager: pluggy.PluginManager) -> bool:
    if isinstance(obj, ModuleType) or inspect.isclass(obj) or not callable(obj):
        return any(is_hookimpl(manager, obj, name) for name in dir(obj))
    return False


def _describe(exc: BaseException) -> str:
    text = str(exc)
    if isinstance(exc, SyntaxError) and exc.filename:
        text = f"{exc.msg} ({exc.filename}, line {exc.lineno})"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _failure(record: PluginRecord, reason: str, fix: str = "") -> PluginError:
    return PluginError(
        reason,
        where=f"plugin {record.label}",
        fix=fix or f"report it to the maintainers of {record.distribution}",
    )
