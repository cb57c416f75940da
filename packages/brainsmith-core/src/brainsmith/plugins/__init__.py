"""The plugin ecosystem: discover → resolve → registry → activate.

Owns everything about *plugins* — entry points of the ``brainsmith.plugins`` group, their
manifests, versions, pins and conflicts, the registry of their components and the import of
their code. May import: the shared helpers (``brainsmith._*``, ``brainsmith.errors``); never
``brainsmith.compile`` or ``brainsmith.lifecycle`` (except that the session registers their
hookspecs with pluggy).

For plugin authors: :mod:`~brainsmith.plugins.hookspecs` (the component hooks),
:mod:`~brainsmith.plugins.records` (the spec types) and :mod:`~brainsmith.plugins.decorators`.
For hosts: :class:`Session`. Private modules (``_discovery``, ``_manifest``, ``_legacy``,
``_settings``, ``_resolve``, ``_activation``, ``_cache``) are implementation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_attributes

if TYPE_CHECKING:
    from . import hookspecs
    from ._manager import new_plugin_manager
    from .decorators import backend, hw_transform, kernel, transform
    from .hookspecs import hookimpl, hookspec
    from .records import (
        STAGES,
        BackendSpec,
        HwTransformSpec,
        KernelSpec,
        Kind,
        PluginRecord,
        TransformSpec,
    )
    from .registry import Component, Registry
    from .session import Session
    from .verdicts import Problem, Resolution, State, Verdict

_NAMES = {
    "hookspecs": ".hookspecs:",
    "backend": ".decorators",
    "hw_transform": ".decorators",
    "kernel": ".decorators",
    "transform": ".decorators",
    "hookimpl": ".hookspecs",
    "hookspec": ".hookspecs",
    "STAGES": ".records",
    "BackendSpec": ".records",
    "HwTransformSpec": ".records",
    "KernelSpec": ".records",
    "Kind": ".records",
    "PluginRecord": ".records",
    "TransformSpec": ".records",
    "new_plugin_manager": "._manager",
    "Component": ".registry",
    "Registry": ".registry",
    "Session": ".session",
    "Problem": ".verdicts",
    "Resolution": ".verdicts",
    "State": ".verdicts",
    "Verdict": ".verdicts",
}
__all__ = [
    "STAGES",
    "BackendSpec",
    "Component",
    "HwTransformSpec",
    "KernelSpec",
    "Kind",
    "PluginRecord",
    "Problem",
    "Registry",
    "Resolution",
    "Session",
    "State",
    "TransformSpec",
    "Verdict",
    "backend",
    "hookimpl",
    "hookspec",
    "hookspecs",
    "hw_transform",
    "kernel",
    "new_plugin_manager",
    "transform",
]
__getattr__ = lazy_attributes(__name__, _NAMES)
