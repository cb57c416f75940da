"""The static plugin manifest (``brainsmith_plugin.toml``): schema, parsing and its errors.

A manifest describes a plugin without running its code::

    schema = 1
    api = ">=1,<2"
    hooks = "brainsmith_plugin_x.hooks"
    requires = ["builtin>=0.1"]

    [[transforms]]
    name = "FuseScales"
    stage = "topology_optimization"
    target = "brainsmith_plugin_x.transforms:FuseScales"
"""

from __future__ import annotations

import functools
import hashlib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

from .._schema import validate
from ..errors import ManifestError
from .records import SPEC_TYPES, AnySpec, Declaration, Kind

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

SCHEMA = 1


def _supported(schema: int) -> int:
    if schema != SCHEMA:
        raise ValueError(
            f"schema = {schema!r} is not supported by this core (it reads schema {SCHEMA})"
        )
    return schema


@functools.cache  # plugins of one environment mostly declare the same range
def _specifier(text: str) -> str:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        SpecifierSet(text)
    except InvalidSpecifier:
        raise ValueError(f"{text!r} is not a version specifier") from None
    return text


def _pairs(value: object) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, dict):
        raise ValueError(f"expected a table of strings, got {type(value).__name__} {value!r}")
    return tuple(sorted((str(k), str(v)) for k, v in value.items()))


# the schema's tables are only read: no __eq__, __hash__ or __repr__ to make at import, and a
# docstring each, without which dataclass would make one with inspect.signature
@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class _Component:
    """What every component table has."""

    name: str = field(metadata={"doc": "the component's name, unique among its kind here"})
    target: str = field(metadata={"doc": "what to import on use: 'package.module:attribute'"})
    description: str = field(default="", metadata={"doc": "one line shown by plugins show"})
    author: str = field(default="", metadata={"doc": "who wrote it"})
    metadata: tuple[tuple[str, str], ...] = field(
        default=(), metadata={"doc": "a table of free strings (paper, year)", "parse": _pairs}
    )


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class _Transform(_Component):
    """A ``[[transforms]]`` table."""

    stage: str = field(metadata={"doc": "the compile stage it runs in, or 'any'"})


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class _Kernel(_Component):
    """A ``[[kernels]]`` table."""

    infrastructure: bool = field(
        default=False, metadata={"doc": "true for kernels the compiler inserts (FIFOs)"}
    )


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class _Backend(_Component):
    """A ``[[backends]]`` table."""

    kernel: str = field(metadata={"doc": "the kernel it implements: short or 'ns:Name'"})
    language: str = field(metadata={"doc": "hls or rtl"})


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class _HwTransform(_Component):
    """A ``[[hw_transforms]]`` table."""

    kernels: tuple[str, ...] = field(metadata={"doc": "the kernels it infers or tunes"})


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class _Document:
    """The manifest file: what the plugin declares, then one array of tables per kind."""

    schema: int = field(
        default=SCHEMA,
        metadata={
            "doc": f"upgrade brainsmith-core, or write the manifest in schema {SCHEMA}",
            "check": _supported,
        },
    )
    api: str = field(
        default="",
        metadata={"doc": 'the plugin API it was written for, e.g. ">=1,<2"', "check": _specifier},
    )
    hooks: str = field(default="", metadata={"doc": "module of its @hookimpl functions"})
    requires: tuple[str, ...] = field(
        default=(), metadata={"doc": 'plugins it needs: "namespace" and a specifier'}
    )
    conflicts: tuple[str, ...] = field(
        default=(), metadata={"doc": 'plugins it cannot run beside: "namespace" and a specifier'}
    )
    description: str = field(default="", metadata={"doc": "one line about the plugin"})
    blueprints: str = field(
        default="",
        metadata={"doc": "folder of its named blueprints (<name>.yaml), relative to the manifest"},
    )
    transforms: tuple[_Transform, ...] = field(default=(), metadata={"doc": "[[transforms]]"})
    kernels: tuple[_Kernel, ...] = field(default=(), metadata={"doc": "[[kernels]] tables"})
    backends: tuple[_Backend, ...] = field(default=(), metadata={"doc": "[[backends]] tables"})
    hw_transforms: tuple[_HwTransform, ...] = field(
        default=(), metadata={"doc": "[[hw_transforms]] tables"}
    )


@dataclass(frozen=True, slots=True)
class Manifest:
    """A parsed manifest: what the plugin declares and the components it contributes."""

    declaration: Declaration
    components: tuple[AnySpec, ...]
    digest: str = ""
    """sha256 (hex) of the file's bytes; ``""`` when parsed from data."""


def read_manifest(path: Traversable) -> Manifest:
    """Parse and validate the manifest at ``path`` (a ``Path``, or any ``importlib.resources``
    traversable such as a file inside a zip); raise :class:`ManifestError` naming the file and
    the field at fault."""
    where = str(path)
    try:
        content = path.read_bytes()
        data = tomllib.loads(content.decode("utf-8"))
    except (FileNotFoundError, KeyError):
        raise ManifestError(
            "manifest file not found",
            where=where,
            fix="ship the file inside the package (check the wheel's package data) or fix "
            "the entry point's value",
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ManifestError(f"cannot read manifest: {exc}", where=where) from None
    except (tomllib.TOMLDecodeError, RecursionError) as exc:  # nested past Python's limit
        raise ManifestError(f"invalid TOML: {exc}", where=where) from None
    manifest = parse_manifest(data, where=where)
    return Manifest(manifest.declaration, manifest.components, digest_of(content))


def digest_of(content: bytes) -> str:
    """The digest a manifest's content is known by (sha256, hex)."""
    return hashlib.sha256(content).hexdigest()


def parse_manifest(data: Mapping[str, Any], *, where: str) -> Manifest:
    """Validate manifest data already loaded from TOML."""
    document = validate(_Document, data, where=where, error=ManifestError)
    declaration = Declaration(**{name: getattr(document, name) for name in _names(Declaration)})
    components: list[AnySpec] = []
    seen: set[tuple[Kind, str]] = set()
    for kind in Kind:
        for index, table in enumerate(getattr(document, kind.plural)):
            at = f"{where}: {kind.plural}[{index}]"
            try:
                spec = SPEC_TYPES[kind](**{n: getattr(table, n) for n in _names(table.__class__)})
            except ValueError as exc:
                raise ManifestError(str(exc), where=at) from None
            if (kind, spec.name) in seen:
                raise ManifestError(
                    f"{kind} {spec.name!r} is declared twice",
                    where=at,
                    fix="give each component of one kind a unique name",
                )
            seen.add((kind, spec.name))
            components.append(spec)  # type: ignore[arg-type]
    return Manifest(declaration, tuple(components))


@functools.cache
def _names(schema: type) -> tuple[str, ...]:
    """The field names of a dataclass, looked up once."""
    return tuple(f.name for f in fields(schema))
