"""The plugin ecosystem: discover → resolve → registry → activate.

Owns everything about *plugins* — entry points of the ``brainsmith.plugins`` group, their
manifests, versions, pins and conflicts, the registry of their components and the import of
their code. May import: the shared helpers (``brainsmith._*``, ``brainsmith.errors``); never
``brainsmith.compile`` or ``brainsmith.lifecycle`` (except that the session registers their
hookspecs with pluggy).

For plugin authors: :mod:`~brainsmith.plugins.hookspecs` (the component hooks),
:mod:`~brainsmith.plugins.records` (the spec types) and :mod:`~brainsmith.plugins.decorators`.
For hosts: :class:`Session`, and :func:`list_plugins` (what ``plugins list --json`` prints).
Private modules (``_discovery``, ``_manifest``, ``_legacy``, ``_settings``, ``_resolve``,
``_activation``, ``_cache``, ``_listing``) are implementation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_attributes

if TYPE_CHECKING:
    from . import hookspecs
    from ._checks import Finding
    from ._install import (
        Change,
        Installed,
        InstallRefused,
        install_plugins,
        local_releases,
        uninstall_plugins,
    )
    from ._listing import Listing, list_plugins
    from ._manager import new_plugin_manager
    from ._scaffold import SCAFFOLD_KINDS, scaffold_plugin
    from ._validate import Validation, validate_plugin
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
    "Finding": "._checks",
    "Listing": "._listing",
    "list_plugins": "._listing",
    "Change": "._install",
    "install_plugins": "._install",
    "InstallRefused": "._install",
    "local_releases": "._install",
    "Installed": "._install",
    "uninstall_plugins": "._install",
    "SCAFFOLD_KINDS": "._scaffold",
    "scaffold_plugin": "._scaffold",
    "Validation": "._validate",
    "validate_plugin": "._validate",
    "Component": ".registry",
    "Registry": ".registry",
    "Session": ".session",
    "Problem": ".verdicts",
    "Resolution": ".verdicts",
    "State": ".verdicts",
    "Verdict": ".verdicts",
}
__all__ = [
    "SCAFFOLD_KINDS",
    "STAGES",
    "BackendSpec",
    "Change",
    "Component",
    "Finding",
    "HwTransformSpec",
    "InstallRefused",
    "Installed",
    "KernelSpec",
    "Kind",
    "Listing",
    "PluginRecord",
    "Problem",
    "Registry",
    "Resolution",
    "Session",
    "State",
    "TransformSpec",
    "Validation",
    "Verdict",
    "backend",
    "hookimpl",
    "hookspec",
    "hookspecs",
    "hw_transform",
    "install_plugins",
    "kernel",
    "list_plugins",
    "local_releases",
    "new_plugin_manager",
    "scaffold_plugin",
    "transform",
    "uninstall_plugins",
    "validate_plugin",
]
__getattr__ = lazy_attributes(__name__, _NAMES)
