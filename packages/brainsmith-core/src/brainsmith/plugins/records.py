"""Immutable records that flow from discovery to the registry.

Component specs describe what a plugin contributes without importing it: each names a lazy
``target`` (``"package.module:attr"``) that is imported only when the component is used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar

from .._names import check_name, check_target

STAGES: tuple[str, ...] = (
    "graph_cleanup",
    "topology_optimization",
    "kernel_mapping",
    "kernel_optimization",
    "graph_optimization",
)
"""The default compile stages, in the order a blueprint runs them."""

LANGUAGES: tuple[str, ...] = ("hls", "rtl")
"""Languages a backend may implement a kernel in."""

USER_NAMESPACE = "user"
"""The namespace of the user's plugin folder (``user-plugins = true``)."""

PROJECT_NAMESPACE = "project"
"""The namespace of the project's (first) plugin folder (``plugin-dirs``)."""

_REQUIREMENT_NAME = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def requirement_name(line: str) -> str:
    """The normalized distribution name a PEP 508 requirement line starts with (``""`` if
    none), read without importing ``packaging``."""
    match = _REQUIREMENT_NAME.match(line)
    return re.sub(r"[-_.]+", "-", match.group(1)).lower() if match else ""


class Kind(StrEnum):
    """The four kinds of component a plugin can contribute."""

    TRANSFORM = "transform"
    KERNEL = "kernel"
    BACKEND = "backend"
    HW_TRANSFORM = "hw_transform"

    @property
    def plural(self) -> str:
        """The kind's plural, as used in manifests, hook names and JSON (``transforms``)."""
        return self.value + "s"


@dataclass(frozen=True, slots=True, kw_only=True)
class ComponentSpec:
    """What every component has: a name, a lazy import target and free metadata."""

    name: str
    target: str
    description: str = ""
    author: str = ""
    metadata: tuple[tuple[str, str], ...] = ()

    kind: ClassVar[Kind] = Kind.TRANSFORM

    def __post_init__(self) -> None:
        check_name(self.name)
        check_target(self.target)

    def fields(self) -> dict[str, object]:
        """Kind-specific fields, JSON-ready (``{"stage": ...}`` for a transform)."""
        return {}


@dataclass(frozen=True, slots=True, kw_only=True)
class TransformSpec(ComponentSpec):
    """A graph rewrite: a qonnx ``Transformation`` subclass, run in ``stage``."""

    stage: str

    kind: ClassVar[Kind] = Kind.TRANSFORM

    def __post_init__(self) -> None:
        ComponentSpec.__post_init__(self)
        check_name(self.stage, "stage")

    def fields(self) -> dict[str, object]:
        return {"stage": self.stage}


@dataclass(frozen=True, slots=True, kw_only=True)
class KernelSpec(ComponentSpec):
    """A hardware operator (a QONNX custom op). Infrastructure kernels (FIFOs, …) are
    inserted by the compiler rather than inferred from the model."""

    infrastructure: bool = False

    kind: ClassVar[Kind] = Kind.KERNEL

    def fields(self) -> dict[str, object]:
        return {"infrastructure": self.infrastructure}


@dataclass(frozen=True, slots=True, kw_only=True)
class BackendSpec(ComponentSpec):
    """A kernel's implementation in a language (``hls`` or ``rtl``)."""

    kernel: str
    language: str
    """``hls`` or ``rtl`` (see :data:`LANGUAGES`)."""

    kind: ClassVar[Kind] = Kind.BACKEND

    def __post_init__(self) -> None:
        ComponentSpec.__post_init__(self)
        kernel: object = self.kernel  # records are built from untyped manifests too
        check_name(kernel.split(":")[-1] if isinstance(kernel, str) else kernel, "kernel")
        if self.language not in LANGUAGES:
            raise ValueError(
                f"backend {self.name!r}: language {self.language!r} is not one of "
                f"{', '.join(LANGUAGES)}"
            )

    def fields(self) -> dict[str, object]:
        return {"kernel": self.kernel, "language": self.language}


@dataclass(frozen=True, slots=True, kw_only=True)
class HwTransformSpec(ComponentSpec):
    """A rewrite that maps graph nodes to kernels or tunes them (inference, folding, FIFOs)."""

    kernels: tuple[str, ...] = ()

    kind: ClassVar[Kind] = Kind.HW_TRANSFORM

    def __post_init__(self) -> None:
        ComponentSpec.__post_init__(self)
        kernels: object = self.kernels  # records are built from untyped manifests too
        if not isinstance(kernels, tuple):
            raise ValueError(f"hw_transform {self.name!r}: kernels must be a tuple of names")
        for k in self.kernels:
            check_name(str(k).split(":")[-1], "kernel")

    def fields(self) -> dict[str, object]:
        return {"kernels": list(self.kernels)}


AnySpec = TransformSpec | KernelSpec | BackendSpec | HwTransformSpec

SPEC_TYPES: dict[Kind, type[ComponentSpec]] = {
    Kind.TRANSFORM: TransformSpec,
    Kind.KERNEL: KernelSpec,
    Kind.BACKEND: BackendSpec,
    Kind.HW_TRANSFORM: HwTransformSpec,
}


class Form(StrEnum):
    """How a plugin describes itself (see docs/plugins.md)."""

    MANIFEST = "manifest"
    """A static manifest file; known without running any plugin code."""
    PLUGGY = "pluggy"
    """A module or object with ``@hookimpl`` functions; known once imported."""
    LEGACY = "legacy"
    """A zero-argument callable returning FINN's ``{kernels, backends, steps}`` payload."""
    DIRECTORY = "directory"
    """A folder of plain modules using the decorators, named by the project settings
    (``plugin-dirs``, ``user-plugins``); read statically, imported on first use."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Declaration:
    """What a plugin declares about itself beyond its components (from its manifest)."""

    api: str = ""
    """Plugin-API specifier the plugin was written against, e.g. ``">=1,<2"``."""
    hooks: str = ""
    """Module holding the plugin's ``@hookimpl`` functions, imported on activation."""
    requires: tuple[str, ...] = ()
    """Other plugins it needs: ``"namespace"`` plus an optional version specifier."""
    conflicts: tuple[str, ...] = ()
    """Plugins it cannot run beside: ``"namespace"`` plus an optional specifier."""
    description: str = ""
    blueprints: str = ""
    """Folder of the plugin's named blueprints (``<name>.yaml``), relative to the manifest."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PluginRecord:
    """One discovered entry point of the ``brainsmith.plugins`` group, read from metadata only."""

    namespace: str
    """The entry-point name; qualifies the plugin's components (``namespace:Name``)."""
    value: str
    """The entry point's value (``pkg:brainsmith_plugin.toml`` or ``pkg.mod:attr``)."""
    distribution: str
    version: str
    requires_dist: tuple[str, ...] = ()
    """The distribution's Requires-Dist lines."""
    form: Form
    location: str = ""
    """The manifest file, or the distribution's installation folder."""
    declaration: Declaration = Declaration()
    components: tuple[AnySpec, ...] | None = None
    """Known components; ``None`` until a code-defined plugin is activated."""
    error: str = ""
    """Why discovery could not read this plugin (a broken manifest, a missing package), with
    the place first: ``"<file>: <field>: <what>"``."""
    fix: str = ""
    """How to repair :attr:`error`."""

    @property
    def label(self) -> str:
        """``namespace (distribution version)``, the way messages name a plugin; a directory
        plugin, which has no distribution, is named by its folder."""
        if self.form is Form.DIRECTORY:
            return f"{self.namespace} (folder {self.location})"
        return f"{self.namespace} ({self.distribution} {self.version})"

    @property
    def source(self) -> str:
        """Where the plugin came from: ``installed`` (an entry point of an installed
        distribution), ``project-dir`` or ``user-dir`` (a folder the settings name)."""
        if self.form is not Form.DIRECTORY:
            return "installed"
        return "user-dir" if self.namespace == USER_NAMESPACE else "project-dir"
