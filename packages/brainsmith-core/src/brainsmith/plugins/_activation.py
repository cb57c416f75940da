"""Activate a plugin: import its code and register its hook implementations with pluggy.

This is the only place where plugin code runs, apart from importing a component's target
(:func:`load_target`). Every failure becomes a :class:`PluginError` naming the plugin, its
distribution and version, and what to do.
"""

from __future__ import annotations

import inspect
from dataclasses import replace
from types import ModuleType
from typing import Any

import pluggy

from .. import _targets
from .._guard import INTERRUPTS, PLUGIN_FAILURES, describe_failure, plugin_output
from .._markers import is_hookimpl
from .._version import __version__
from ..errors import PluginError
from ._legacy import PayloadError, adapt_payload
from ._manager import hookimpl_problems
from .decorators import spec_of
from .records import AnySpec, Form, Kind, PluginRecord

_HOOK_FIX = (
    "match the hook's name and arguments to its hookspec ('brainsmith hooks list'), "
    "or report it to the plugin's maintainers"
)

COMPONENT_HOOKS: dict[Kind, str] = {kind: f"brainsmith_{kind.plural}" for kind in Kind}
"""The hook that returns each kind of component."""


def activate(record: PluginRecord, manager: pluggy.PluginManager) -> PluginRecord:
    """Import ``record``'s code, register its hooks under its namespace and return the record
    with its components known (and, for code-defined plugins, its form settled)."""
    if record.form is Form.MANIFEST:
        if record.declaration.hooks:
            module = _load(
                record,
                record.declaration.hooks,
                what=f"hooks module {record.declaration.hooks}",
                fix=f"fix 'hooks' in the manifest {record.location}",
            )
            _register(record, module, manager)
        return record
    obj = _load_entry_point(record)
    if _has_hookimpls(obj, manager):
        _register(record, obj, manager)
        specs = _collect(record, obj, manager)
        return replace(record, form=Form.PLUGGY, components=specs)
    if callable(obj) and not isinstance(obj, type):
        try:
            with plugin_output():
                payload = obj()
        except INTERRUPTS:
            raise
        except PLUGIN_FAILURES as exc:
            reason = f"calling {record.value} raised {_describe(exc, record.value)}"
            raise _failure(record, reason) from exc
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
        "point the entry point at a manifest ('pkg:brainsmith_plugin.toml') or a hooks module",
    )


def load_target(record: PluginRecord, spec: AnySpec) -> Any:
    """Import a component's ``module:attr`` target and return the object."""
    what = f"{spec.kind} {record.namespace}:{spec.name}"
    return _load(
        record,
        spec.target,
        what=what,
        fix=f"fix the target {spec.target!r} in {record.location or 'the plugin'}",
    )


def _load_entry_point(record: PluginRecord) -> Any:
    return _load(
        record,
        record.value,
        what=f"entry point {record.value}",
        fix="fix the entry point in the plugin's pyproject.toml and reinstall it",
    )


def _load(record: PluginRecord, target: str, *, what: str, fix: str) -> Any:
    """:func:`brainsmith._targets.load_target`, its failures turned into the plugin's error."""
    module_name = target.partition(":")[0].strip()
    prefix = "" if what.startswith(("entry point", "hooks module")) else f"{what}: "
    try:
        with plugin_output():
            return _targets.load_target(target)
    except _targets.MissingAttribute as exc:
        raise _failure(record, f"{what}: {exc}", fix) from None
    except ModuleNotFoundError as exc:
        missing = (
            f"reinstall {record.distribution}: pip install --force-reinstall {record.distribution}"
        )
        if exc.name and exc.name != module_name and not module_name.startswith(exc.name + "."):
            missing = f"install the missing dependency {exc.name!r} (pip install {exc.name})"
            if exc.name.partition(".")[0] == "brainsmith":
                missing = (
                    f"{record.distribution} imports {exc.name!r}, which brainsmith-core "
                    f"{__version__} does not have: install a release of {record.distribution} "
                    "made for this core, or the core it was made for"
                )
        raise _failure(record, f"{prefix}importing {module_name!r} failed: {exc}", missing) from exc
    except INTERRUPTS:
        raise
    except PLUGIN_FAILURES as exc:  # SyntaxError, exit(), errors at import: the plugin's fault
        raise _failure(
            record,
            f"{prefix}importing {module_name!r} raised {_describe(exc, module_name)}",
            f"report it to the maintainers of {record.distribution}, or disable the plugin "
            f'(BRAINSMITH_PLUGINS or [tool.brainsmith] disable = ["{record.namespace}"])',
        ) from exc


def _register(record: PluginRecord, obj: object, manager: pluggy.PluginManager) -> None:
    try:
        manager.register(obj, name=record.namespace)
    except (pluggy.PluginValidationError, ValueError) as exc:
        raise _failure(record, f"invalid hook implementation: {exc}", _HOOK_FIX) from exc
    problems = hookimpl_problems(manager, obj)
    if problems:
        manager.unregister(obj)
        raise _failure(
            record, "invalid hook implementation(s):\n    " + "\n    ".join(problems), _HOOK_FIX
        )


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
                with plugin_output():
                    items = list(impl.function() or ())
                for item in items:
                    spec = spec_of(item)
                    if spec.kind is not kind:
                        raise TypeError(f"returned a {spec.kind} record {spec.name!r}")
                    specs.append(spec)
            except INTERRUPTS:
                raise
            except PLUGIN_FAILURES as exc:
                module = getattr(impl.function, "__module__", "") or ""
                raise _failure(record, f"hook {hook_name} raised {_describe(exc, module)}") from exc
    names = [(s.kind, s.name) for s in specs]
    duplicates = sorted({f"{k}:{n}" for k, n in names if names.count((k, n)) > 1})
    if duplicates:
        raise _failure(record, f"component(s) declared twice: {', '.join(duplicates)}")
    return tuple(specs)


def _has_hookimpls(obj: object, manager: pluggy.PluginManager) -> bool:
    if isinstance(obj, ModuleType) or inspect.isclass(obj) or not callable(obj):
        return any(is_hookimpl(manager, obj, name) for name in dir(obj))
    return False


def _describe(exc: BaseException, module: str = "") -> str:
    return describe_failure(exc, module.partition(":")[0].strip())


def _failure(record: PluginRecord, reason: str, fix: str = "") -> PluginError:
    return PluginError(
        reason,
        where=f"plugin {record.label}",
        fix=fix or f"report it to the maintainers of {record.distribution}",
    )
