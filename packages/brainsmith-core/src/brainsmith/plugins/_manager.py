"""The pluggy ``PluginManager`` of a brainsmith run, with every hookspec registered."""

from __future__ import annotations

import pluggy

from .._markers import PROJECT


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
