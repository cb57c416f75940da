"""One validator for every document brainsmith reads: a mapping checked against a dataclass.

Used for the plugin manifest, the project settings, run configs, blueprints and lifecycle plugin
options (``LifecyclePlugin.Config``). Errors name the place (``file: plugins.x.options``, list
items as ``[i]``), say what is wrong and give a fix. A field's ``metadata`` may hold:

- ``"doc"``: what the field means, shown as the fix of an error about it;
- ``"key"``: its spelling in the document (``"only-pinned"``), or ``None`` if it is not read
  from the document (set by the reader, e.g. the file a record came from);
- ``"where"``: true for a field that receives the place the value was read from;
- ``"parse"``: builds the value from the raw one instead of the type check;
- ``"check"``: returns the type-checked value, converted; ``parse`` and ``check`` raise
  ``ValueError`` with a message, as may a schema's ``__post_init__``.

Checked types: ``bool``, ``int``, ``float`` (ints widen), ``str``, ``None``, ``Any``,
``Literal``, unions, ``list[X]``, ``tuple[X, ...]``, ``dict[K, V]``/``Mapping`` and nested
schemas; a schema's classmethod ``expand_shorthand(value)`` may turn a shorthand (a bare name) into
its mapping. With ``problems`` every problem is collected there (a bad field or list item is
dropped) instead of the first being raised.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from collections.abc import Mapping
from typing import Any, Literal, TypeVar, Union

from ._suggest import did_you_mean
from .errors import BrainsmithError

T = TypeVar("T")

_NAMES = {bool: "true or false", int: "an integer", float: "a number", str: "a string"}
_NAMES[type(None)] = "null"


class OptionsError(BrainsmithError):
    """An option is unknown, missing or of the wrong type."""


class _Dropped(BrainsmithError):
    """A value was not built; its problems are already collected."""


@dataclasses.dataclass(frozen=True)
class _Context:
    where: str
    sep: str
    error: type[BrainsmithError]
    noun: str
    problems: list[BrainsmithError] | None
    null_default: bool

    def at(self, path: str) -> str:
        return f"{self.where}{self.sep}{path}" if self.where and path else self.where or path

    def fail(self, path: str, message: str, fix: str = "") -> BrainsmithError:
        return self.error(message, where=self.at(path), fix=fix)

    def report(self, error: BrainsmithError) -> None:
        """Collect ``error``, or raise it when not collecting."""
        if self.problems is None:
            raise error
        if not isinstance(error, _Dropped):
            self.problems.append(error)


def validate(
    schema: type[T],
    values: object,
    *,
    where: str,
    error: type[BrainsmithError] = OptionsError,
    noun: str = "key",
    sep: str = ": ",
    problems: list[BrainsmithError] | None = None,
    null_default: bool = False,
) -> T:
    """Build ``schema`` from ``values`` after checking every key and type.

    ``where`` names the document (a file), joined to keys by ``sep``; ``error`` is the class
    raised, ``noun`` what a key is called ("setting", "option").
    ``null_default``: a null value for a field that takes no null gets its default (YAML).
    With ``problems``, problems are appended there; raises only if ``schema`` cannot be built.
    """
    if not dataclasses.is_dataclass(schema):
        raise TypeError(f"{schema!r} is not a dataclass")
    ctx = _Context(where, sep, error, noun, problems, null_default)
    try:
        built: T = _build(schema, values, "", ctx)
    except _Dropped:  # collecting: its problems are in ``problems``
        raise ctx.fail("", "has problems (listed above)") from None
    return built


def validate_options(schema: type[T], values: Mapping[str, Any], *, where: str) -> T:
    """A lifecycle plugin's options: ``where`` already names the place (``run.yaml:
    plugins.x.options``), so keys extend it with ``.``."""
    return validate(schema, values, where=where, noun="option", sep=".")


def _build(schema: Any, values: object, path: str, ctx: _Context, doc: str = "") -> Any:
    if callable(expand := getattr(schema, "expand_shorthand", None)):
        values = expand(values)
    if not isinstance(values, Mapping):
        raise _wrong(values, schema, path, ctx, doc)
    fields, placed, required = _plan(schema)
    hints = _hints(schema)
    unknown = sorted((k for k in values if k not in fields), key=str)
    if unknown:
        ctx.report(
            ctx.fail(
                path,
                f"unknown {ctx.noun}(s) "
                + ", ".join(f"{k!r}{did_you_mean(str(k), fields)}" for k in unknown),
                f"use one of: {', '.join(fields)}" if fields else f"this takes no {ctx.noun}s",
            )
        )
    missing = [k for k in required if k not in values]
    if missing:
        docs = (
            f"{k} ({fields[k].metadata['doc']})" if "doc" in fields[k].metadata else k
            for k in missing
        )
        ctx.report(
            ctx.fail(
                path,
                f"missing required {ctx.noun}{'s' * (len(missing) > 1)} "
                + ", ".join(map(repr, missing)),
                "add " + ", ".join(docs),
            )
        )
    converted: dict[str, Any] = {name: ctx.at(path) for name in placed} if placed else {}
    for key, f in fields.items():
        if key not in values:
            continue
        value, hint = values[key], hints.get(f.name, Any)
        if value is None and ctx.null_default and not _required(f) and not _takes_none(hint):
            continue
        try:
            converted[f.name] = _field(value, hint, f.metadata, _join(path, key), ctx)
        except BrainsmithError as exc:
            ctx.report(exc)
    if any(fields[k].name not in converted for k in required):
        raise _Dropped("")
    try:
        return schema(**converted)
    except (TypeError, ValueError) as exc:
        raise ctx.fail(path, str(exc)) from None


@functools.cache
def _plan(
    schema: type,
) -> tuple[dict[str, dataclasses.Field[Any]], tuple[str, ...], tuple[str, ...]]:
    """The schema's fields by their key in the document, the names of the fields that receive
    the place, and the keys that are required: worked out once per schema."""
    every = dataclasses.fields(schema)
    fields = {
        f.metadata.get("key", f.name): f
        for f in every
        if f.init and f.metadata.get("key", f.name) is not None and not f.metadata.get("where")
    }
    placed = tuple(f.name for f in every if f.metadata.get("where"))
    return fields, placed, tuple(k for k, f in fields.items() if _required(f))


@functools.cache
def _hints(schema: type) -> dict[str, Any]:
    """The schema's resolved type hints (resolving them is most of a small document's cost)."""
    return typing.get_type_hints(schema)


def _field(value: Any, hint: Any, meta: Mapping[str, Any], path: str, ctx: _Context) -> Any:
    doc = meta.get("doc", "")
    try:
        if "parse" in meta:
            return meta["parse"](value)
        value = _check(value, hint, path, ctx, doc)
        return meta["check"](value) if "check" in meta else value
    except ValueError as exc:
        raise ctx.fail(path, str(exc), doc) from None


def _required(f: dataclasses.Field[Any]) -> bool:
    return f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING


def _join(path: str, key: object) -> str:
    return f"{path}.{key}" if path else str(key)


def _takes_none(hint: Any) -> bool:
    return hint in (Any, object, type(None)) or type(None) in typing.get_args(hint)


def _check(value: Any, hint: Any, path: str, ctx: _Context, doc: str) -> Any:
    """Return ``value`` (ints widened to float, lists to tuples as the hint says) or raise."""
    if hint is str and type(value) is str:  # most of a document: no further question
        return value
    if hint is Any or hint is object:
        return value
    origin, args = _shape(hint)
    if origin is Literal:
        if value in args:
            return value
        raise ctx.fail(
            path,
            f"{value!r} is not one of {', '.join(map(repr, args))}",
            doc or f"give {_describe(hint)}",
        )
    if origin in (Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        others = [a for a in args if a is not type(None)]
        if len(others) == 1:  # Optional[X]: report X's own (possibly nested) error
            return _check(value, others[0], path, ctx, doc)
        quiet = dataclasses.replace(ctx, problems=None)
        for option in others:
            try:
                return _check(value, option, path, quiet, doc)
            except BrainsmithError:
                continue
        raise _wrong(value, hint, path, ctx, doc)
    if dataclasses.is_dataclass(hint):
        return _build(hint, value, path, ctx, doc)
    if hint in _NAMES:
        ok = isinstance(value, hint) and (hint is bool or not isinstance(value, bool))
        if hint is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if ok:
            return value
        raise _wrong(value, hint, path, ctx, doc)
    if origin in (list, tuple) or hint in (list, tuple):
        if not isinstance(value, (list, tuple)):
            raise _wrong(value, hint, path, ctx, doc)
        item = args[0] if args else Any
        items = _each(enumerate(value), lambda i, v: _check(v, item, f"{path}[{i}]", ctx, doc), ctx)
        return tuple(items) if (origin or hint) is tuple else items
    if origin in (dict, Mapping) or hint in (dict, Mapping):
        if not isinstance(value, Mapping):
            raise _wrong(value, hint, path, ctx, doc)
        key_hint, item = args if len(args) == 2 else (Any, Any)
        pairs = _each(
            value.items(),
            lambda k, v: (
                _check(k, key_hint, _join(path, k), ctx, doc),
                _check(v, item, _join(path, k), ctx, doc),
            ),
            ctx,
        )
        return dict(pairs)
    return value


def _shape(hint: Any) -> tuple[Any, tuple[Any, ...]]:
    """``(origin, args)`` of a type hint, worked out once per (hashable) hint."""
    try:
        return _shape_of(hint)
    except TypeError:  # an unhashable hint (a Literal of a list)
        return typing.get_origin(hint), typing.get_args(hint)


@functools.cache
def _shape_of(hint: Any) -> tuple[Any, tuple[Any, ...]]:
    return typing.get_origin(hint), typing.get_args(hint)


def _each(
    pairs: typing.Iterable[tuple[Any, Any]],
    convert: typing.Callable[[Any, Any], Any],
    ctx: _Context,
) -> list[Any]:
    """``convert`` every pair; when collecting, a pair that fails is dropped."""
    out = []
    for a, b in pairs:
        try:
            out.append(convert(a, b))
        except BrainsmithError as exc:
            ctx.report(exc)
    return out


def _describe(hint: Any) -> str:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint in _NAMES:
        return _NAMES[hint]
    if origin is Literal:
        return "one of " + ", ".join(map(repr, args))
    if origin in (Union, types.UnionType):  # null goes unsaid: it is never what was meant
        return " or ".join(_describe(a) for a in args if a is not type(None))
    if origin in (list, tuple) or hint in (list, tuple):
        return f"a list of {_plural(args[0])}" if args else "a list"
    if dataclasses.is_dataclass(hint) or hint in (dict, Mapping):
        return "a mapping"
    if origin in (dict, Mapping):
        return "a mapping" + ("" if args[1] is Any else f" of {_plural(args[1])}")
    return str(getattr(hint, "__name__", hint))


def _plural(hint: Any) -> str:
    text = _describe(hint)
    article, _, rest = text.partition(" ")
    if article not in ("a", "an"):
        return text
    head, _, tail = rest.partition(" ")
    return f"{head}s {tail}".strip()


def _wrong(value: Any, hint: Any, path: str, ctx: _Context, doc: str) -> BrainsmithError:
    shown = repr(value)
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    described = _describe(hint)
    return ctx.fail(
        path,
        f"expected {described}, got {type(value).__name__} {shown}",
        doc or f"give {described}",
    )
