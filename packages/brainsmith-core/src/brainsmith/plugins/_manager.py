"""The pluggy ``PluginManager`` of a brainsmith run, with every hookspec registered, and the
checks a registered plugin's hook implementations must pass."""

from __future__ import annotations

import pluggy

from .._markers import PROJECT

DISPATCHED_PREFIX = "on_"
"""Hooks named ``on_*`` (compile and lifecycle events) are called by brainsmith's dispatcher,
which calls plain implementations only (no wrappers)."""


def new_plugin_manager() -> pluggy.PluginManager:
    """A fresh manager (project ``brainsmith``) knowing the component hooks, the compile
    events and the lifecycle hooks; no plugin registered yet."""
    from ..compile import hookspecs as compile_hooks
    from ..lifecycle import hookspecs as lifecycle_hooks
    from . import hookspecs as component_hooks

    manager = pluggy.PluginManager(PROJECT)
    for specs in (component_hooks, compile_hooks, lifecycle_hooks):
        manager.add_hookspecs(specs)
    return manager


def hookimpl_problems(manager: pluggy.PluginManager, plugin: object) -> list[str]:
    """Why the hook implementations of ``plugin`` (registered in ``manager``) cannot be called
    as brainsmith calls them; empty if they can. Each reason names the function's file:line.

    Checked beyond pluggy's own registration checks: an implementation of a hook that does not
    exist (with did-you-mean), a wrapper on a dispatched ``on_*`` event, an argument with
    a default that the hookspec does not have, and a keyword-only, ``*args`` or ``**kwargs``
    parameter (pluggy passes plain arguments only: these would never receive a value).
    """
    from .._suggest import did_you_mean

    known = sorted(
        name
        for name in dir(manager.hook)
        if not name.startswith("_") and getattr(manager.hook, name).spec is not None
    )
    problems: list[str] = []
    for caller in manager.get_hookcallers(plugin) or ():
        for impl in caller.get_hookimpls():
            if impl.plugin is not plugin:
                continue
            where = f"{caller.name}() at {_location(impl.function)}"
            if caller.spec is None:
                problems.append(
                    f"{where}: there is no hook named {caller.name!r}"
                    + did_you_mean(caller.name, known)
                )
                continue
            if caller.name.startswith(DISPATCHED_PREFIX) and (impl.wrapper or impl.hookwrapper):
                problems.append(
                    f"{where}: a wrapper on the event {caller.name}, which brainsmith's "
                    "dispatcher calls as a plain hook (use a plain @hookimpl)"
                )
            unknown = [a for a in impl.kwargnames if a not in caller.spec.argnames]
            if unknown:
                problems.append(
                    f"{where}: argument(s) {', '.join(map(repr, unknown))} the hookspec does not "
                    f"have (it has: {', '.join(caller.spec.argnames) or 'none'})"
                    + did_you_mean(unknown[0], list(caller.spec.argnames))
                )
            unreachable = _unreachable_parameters(impl.function)
            if unreachable:
                takes = ", ".join(caller.spec.argnames) or "none"
                problems.append(
                    f"{where}: parameter(s) {', '.join(unreachable)} would never receive a value "
                    "(hooks are called with plain arguments only): name the arguments the hook "
                    f"takes as plain parameters (it has: {takes})"
                )
    return problems


def _unreachable_parameters(function: object) -> list[str]:
    """The keyword-only, ``*args`` and ``**kwargs`` parameters of ``function``, spelled as in
    its signature (pluggy calls hook implementations with plain arguments only)."""
    import inspect

    try:
        parameters = inspect.signature(function).parameters.values()  # type: ignore[arg-type]
    except (TypeError, ValueError):  # builtins without a signature
        return []
    spelled = {
        inspect.Parameter.KEYWORD_ONLY: "{}",
        inspect.Parameter.VAR_POSITIONAL: "*{}",
        inspect.Parameter.VAR_KEYWORD: "**{}",
    }
    return [f"'{spelled[p.kind].format(p.name)}'" for p in parameters if p.kind in spelled]


def _location(function: object) -> str:
    code = getattr(getattr(function, "__func__", function), "__code__", None)
    if code is None:
        return repr(function)
    return f"{code.co_filename}:{code.co_firstlineno}"
