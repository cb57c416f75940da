"""Validate a mapping of options against a dataclass schema, with errors naming the key.

Used for lifecycle plugin configs (``LifecyclePlugin.Config``). Checks unknown and missing keys and
the types ``bool``, ``int``, ``float``, ``str``, ``None``, ``Literal``, unions, ``list[X]``,
``tuple[X, ...]``, ``dict[str, X]`` and ``Any``; a schema's ``__post_init__`` may raise
``ValueError`` for anything else, and its message is reported the same way.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from typing import Any, Literal, TypeVar, Union

from ._suggest import did_you_mean
from .errors import BrainsmithError

T = TypeVar("T")


class OptionsError(BrainsmithError):
    """An option is unknown, missing or of the wrong type."""


def validate_options(schema: type[T], values: Mapping[str, Any], *, where: str) -> T:
    """Build ``schema(**values)`` after checking every key and type; ``where`` prefixes errors."""
    if not dataclasses.is_dataclass(schema):
        raise TypeError(f"{schema!r} is not a dataclass")
    if not isinstance(values, Mapping):
        raise OptionsError(
            f"options must be a mapping, got {type(values).__name__}",
            where=where,
            fix="write the options as key: value pairs",
        )
    fields = {f.name: f for f in dataclasses.fields(schema) if f.init}
    hints = typing.get_type_hints(schema)
    for key in values:
        if key not in fields:
            raise OptionsError(
                f"unknown option {key!r}{did_you_mean(str(key), fields)}",
                where=where,
                fix=f"use one of: {', '.join(fields) or '(this plugin takes no options)'}",
            )
    missing = [
        name
        for name, f in fields.items()
        if name not in values
        and f.default is dataclasses.MISSING
        and f.default_factory is dataclasses.MISSING
    ]
    if missing:
        raise OptionsError(
            f"missing required option(s): {', '.join(missing)}",
            where=where,
            fix="add them to the plugin's options",
        )
    converted = {
        key: _check(value, hints.get(key, Any), f"{where}.{key}" if where else key)
        for key, value in values.items()
    }
    try:
        return schema(**converted)
    except (TypeError, ValueError) as exc:
        raise OptionsError(str(exc), where=where) from None


def _describe(hint: Any) -> str:
    return getattr(hint, "__name__", None) or str(hint).replace("typing.", "")


def _check(value: Any, hint: Any, where: str) -> Any:
    """Return ``value`` (ints widened to float where a float is wanted) or raise."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if hint is Any or hint is object:
        return value
    if origin is Literal:
        if value in args:
            return value
        raise OptionsError(
            f"{value!r} is not one of {', '.join(map(repr, args))}", where=where, fix=""
        )
    if origin in (Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        others = [a for a in args if a is not type(None)]
        if len(others) == 1:  # Optional[X]: report X's own (possibly nested) error
            return _check(value, others[0], where)
        for option in others:
            try:
                return _check(value, option, where)
            except OptionsError:
                continue
        raise _wrong(value, hint, where)
    if hint is type(None):
        if value is None:
            return value
        raise _wrong(value, hint, where)
    if hint is bool:
        if isinstance(value, bool):
            return value
        raise _wrong(value, hint, where)
    if hint is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise _wrong(value, hint, where)
    if hint is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        raise _wrong(value, hint, where)
    if hint is str:
        if isinstance(value, str):
            return value
        raise _wrong(value, hint, where)
    if origin in (list, tuple) or hint in (list, tuple):
        if not isinstance(value, (list, tuple)):
            raise _wrong(value, hint, where)
        item = args[0] if args else Any
        items = [_check(v, item, f"{where}[{i}]") for i, v in enumerate(value)]
        return tuple(items) if (origin or hint) is tuple else items
    if origin in (dict, Mapping) or hint in (dict, Mapping):
        if not isinstance(value, Mapping):
            raise _wrong(value, hint, where)
        item = args[1] if len(args) == 2 else Any
        return {str(k): _check(v, item, f"{where}.{k}") for k, v in value.items()}
    return value


def _wrong(value: Any, hint: Any, where: str) -> OptionsError:
    return OptionsError(
        f"expected {_describe(hint)}, got {type(value).__name__} {value!r}",
        where=where,
        fix=f"give a value of type {_describe(hint)}",
    )
