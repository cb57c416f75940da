"""pluggy's markers for the ``brainsmith`` project: the one place every hookspec module and
every plugin takes them from."""

from __future__ import annotations

import pluggy

PROJECT = "brainsmith"
"""The pluggy project name: markers, the entry-point group prefix and the PluginManager."""

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)
