"""The static plugin manifest (``brainsmith-plugin.toml``): schema, parsing and its errors.

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

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ManifestError
from .records import (
    AnySpec,
    BackendSpec,
    Declaration,
    HwTransformSpec,
    KernelSpec,
    Kind,
    TransformSpec,
)

SCHEMA = 1

_TOP_KEYS = {"schema", "api", "hooks", "requires", "conflicts", "description", "providers"}
_COMMON = {"name", "target", "description", "author", "metadata"}
_KIND_KEYS: dict[Kind, set[str]] = {
    Kind.TRANSFORM: _COMMON | {"stage"},
    Kind.KERNEL: _COMMON | {"infrastructure"},
    Kind.BACKEND: _COMMON | {"kernel", "language"},
    Kind.HW_TRANSFORM: _COMMON | {"kernels"},
}


@dataclass(frozen=True, slots=True)
class Manifest:
    """A parsed manifest: what the plugin declares and the components it contributes."""

    declaration: Declaration
    components: tuple[AnySpec, ...]
    providers: tuple[Mapping[str, Any], ...] = ()
    """Raw ``[[providers]]`` tables, interpreted by :mod:`brainsmith.lifecycle._providers`."""


def read_manifest(path: Path) -> Manifest:
    """Parse and validate the manifest at ``path``; raise :class:`ManifestError` naming the
    file and the field at fault."""
    where = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ManifestError(
            "manifest file not found",
            where=where,
            fix="ship the file inside the package (check the wheel's package data) or fix "
            "the entry point's value",
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ManifestError(f"cannot read manifest: {exc}", where=where) from None
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(f"invalid TOML: {exc}", where=where) from None
    return parse_manifest(data, where=where)


def parse_manifest(data: Mapping[str, Any], *, where: str) -> Manifest:
    """Validate manifest data already loaded from TOML."""
    unknown = sorted(set(data) - _TOP_KEYS - {k.plural for k in Kind})
    if unknown:
        raise ManifestError(
            f"unknown key(s) {', '.join(map(repr, unknown))}",
            where=where,
            fix="allowed top-level keys: "
            + ", ".join(sorted(_TOP_KEYS | {k.plural for k in Kind})),
        )
    schema = data.get("schema", SCHEMA)
    if schema != SCHEMA:
        raise ManifestError(
            f"schema = {schema!r} is not supported by this core (it reads schema {SCHEMA})",
            where=f"{where}: schema",
            fix="upgrade brainsmith-core, or write the manifest in schema 1",
        )
    declaration = Declaration(
        api=_string(data, "api", where),
        hooks=_string(data, "hooks", where),
        requires=_strings(data, "requires", where),
        conflicts=_strings(data, "conflicts", where),
        description=_string(data, "description", where),
    )
    if declaration.api:
        _check_specifier(declaration.api, f"{where}: api")
    components: list[AnySpec] = []
    seen: set[tuple[Kind, str]] = set()
    for kind in Kind:
        tables = data.get(kind.plural, [])
        if not isinstance(tables, list):
            raise ManifestError(
                f"must be an array of tables ([[{kind.plural}]])", where=f"{where}: {kind.plural}"
            )
        for index, table in enumerate(tables):
            field_where = f"{where}: {kind.plural}[{index}]"
            spec = _component(kind, table, field_where)
            if (kind, spec.name) in seen:
                raise ManifestError(
                    f"{kind} {spec.name!r} is declared twice",
                    where=field_where,
                    fix="give each component of one kind a unique name",
                )
            seen.add((kind, spec.name))
            components.append(spec)
    providers = data.get("providers", [])
    if not isinstance(providers, list) or not all(isinstance(p, dict) for p in providers):
        raise ManifestError(
            "must be an array of tables ([[providers]])", where=f"{where}: providers"
        )
    return Manifest(declaration, tuple(components), tuple(providers))


def _component(kind: Kind, table: object, where: str) -> AnySpec:
    if not isinstance(table, dict):
        raise ManifestError("must be a table", where=where)
    unknown = sorted(set(table) - _KIND_KEYS[kind])
    if unknown:
        raise ManifestError(
            f"unknown key(s) {', '.join(map(repr, unknown))}",
            where=where,
            fix=f"a {kind} takes: {', '.join(sorted(_KIND_KEYS[kind]))}",
        )
    for required in ("name", "target", *_REQUIRED[kind]):
        if required not in table:
            raise ManifestError(f"missing required key {required!r}", where=where)
    common: dict[str, Any] = {
        "name": table["name"],
        "target": table["target"],
        "description": _string(table, "description", where),
        "author": _string(table, "author", where),
        "metadata": _metadata(table.get("metadata", {}), where),
    }
    try:
        if kind is Kind.TRANSFORM:
            return TransformSpec(**common, stage=table["stage"])
        if kind is Kind.KERNEL:
            infrastructure = table.get("infrastructure", False)
            if not isinstance(infrastructure, bool):
                raise ValueError(f"infrastructure must be true or false, not {infrastructure!r}")
            return KernelSpec(**common, infrastructure=infrastructure)
        if kind is Kind.BACKEND:
            return BackendSpec(**common, kernel=table["kernel"], language=table["language"])
        kernels = table.get("kernels", [])
        if not isinstance(kernels, list):
            raise ValueError("kernels must be a list of kernel names")
        return HwTransformSpec(**common, kernels=tuple(kernels))
    except (ValueError, TypeError) as exc:
        raise ManifestError(str(exc), where=where) from None


_REQUIRED: dict[Kind, tuple[str, ...]] = {
    Kind.TRANSFORM: ("stage",),
    Kind.KERNEL: (),
    Kind.BACKEND: ("kernel", "language"),
    Kind.HW_TRANSFORM: ("kernels",),
}


def _metadata(value: object, where: str) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, dict):
        raise ManifestError("metadata must be a table of strings", where=f"{where}.metadata")
    return tuple(sorted((str(k), str(v)) for k, v in value.items()))


def _string(data: Mapping[str, Any], key: str, where: str) -> str:
    value = data.get(key, "")
    if not isinstance(value, str):
        raise ManifestError(
            f"must be a string, not {type(value).__name__}", where=f"{where}: {key}"
        )
    return value


def _strings(data: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ManifestError("must be a list of strings", where=f"{where}: {key}")
    return tuple(value)


def _check_specifier(text: str, where: str) -> None:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        SpecifierSet(text)
    except InvalidSpecifier:
        raise ManifestError(
            f"{text!r} is not a version specifier", where=where, fix='write e.g. ">=1,<2"'
        ) from None
