"""pluggy's markers for the ``brainsmith`` project: the one place every hookspec module and
every plugin takes them from."""

from __future__ import annotations

import pluggy

PROJECT = "brainsmith"
"""The pluggy project name: markers, the entry-point group prefix and the PluginManager."""

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


def is_hookimpl(manager: pluggy.PluginManager, owner: object, name: str) -> bool:
    """Whether ``owner.name`` is marked with :data:`hookimpl`, as ``manager`` sees it (through
    pluggy's ``parse_hookimpl_opts``, the same test ``register`` applies)."""
    return manager.parse_hookimpl_opts(owner, name) is not None
