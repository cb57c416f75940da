"""The discovery cache's JSON form of plugin records, verdicts and settings, both ways.

Lossless: what :func:`record_to_json` / :func:`verdict_to_json` write,
:func:`record_from_json` / :func:`resolution_from_json` read back equal. A document of another
shape raises ``LookupError``, ``TypeError``, ``ValueError`` or ``AttributeError`` (the cache
treats it as a miss). Imported by :mod:`brainsmith.plugins._cache` only when a typed entry is
read or written.
"""

from __future__ import annotations

import functools
from dataclasses import fields
from typing import Any

from ._settings import Settings
from .records import SPEC_TYPES, AnySpec, Declaration, Form, Kind, PluginRecord
from .verdicts import Problem, Resolution, State, Verdict


def plain(obj: Any) -> dict[str, Any]:
    """A dataclass instance's fields, by name (values as they are)."""
    return {name: getattr(obj, name) for name in _names(obj.__class__)}


@functools.cache
def _names(schema: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(schema))


def _spec_json(spec: AnySpec) -> dict[str, Any]:
    return {"kind": spec.kind.value, **plain(spec)}


def _spec(data: dict[str, Any]) -> AnySpec:
    kind = Kind(data.pop("kind"))
    data["metadata"] = tuple(tuple(pair) for pair in data["metadata"])
    if kind is Kind.HW_TRANSFORM:
        data["kernels"] = tuple(data["kernels"])
    spec: AnySpec = SPEC_TYPES[kind](**data)  # type: ignore[assignment]
    return spec


def record_to_json(record: PluginRecord) -> dict[str, Any]:
    """A plugin record, its declaration and its components as JSON data."""
    data = plain(record)
    data["declaration"] = plain(record.declaration)
    data["components"] = (
        None if record.components is None else [_spec_json(s) for s in record.components]
    )
    return data


def record_from_json(data: dict[str, Any]) -> PluginRecord:
    """The record :func:`record_to_json` gave ``data`` for (``data`` is consumed)."""
    declaration = data["declaration"]
    components = data["components"]
    return PluginRecord(
        **{
            **data,
            "requires_dist": tuple(data["requires_dist"]),
            "form": Form(data["form"]),
            "declaration": Declaration(
                **{
                    **declaration,
                    "requires": tuple(declaration["requires"]),
                    "conflicts": tuple(declaration["conflicts"]),
                }
            ),
            "components": None if components is None else tuple(_spec(c) for c in components),
        }
    )


def verdict_to_json(verdict: Verdict) -> dict[str, Any]:
    """A verdict, its record and its problems as JSON data."""
    data = plain(verdict)
    data["record"] = None if verdict.record is None else record_to_json(verdict.record)
    data["problems"] = [plain(p) for p in verdict.problems]
    return data


def resolution_from_json(data: dict[str, Any]) -> Resolution:
    """The resolution of ``{"verdicts": [verdict_to_json(...)], "problems": [plain(...)],
    "order": [...]}``."""
    verdicts = tuple(
        Verdict(
            namespace=v["namespace"],
            distribution=v["distribution"],
            version=v["version"],
            state=State(v["state"]),
            record=None if v["record"] is None else record_from_json(v["record"]),
            problems=tuple(Problem(**p) for p in v["problems"]),
        )
        for v in data["verdicts"]
    )
    return Resolution(verdicts, tuple(Problem(**p) for p in data["problems"]), tuple(data["order"]))


def settings_from_json(data: dict[str, Any]) -> Settings:
    """The settings :meth:`Settings.to_json` gave ``data`` for."""
    return Settings.from_json(data)
