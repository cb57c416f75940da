"""Planning: a loaded blueprint checked against the installed plugins and turned into an
executable :class:`~brainsmith.compile.Plan` — every step resolved through the session (a
transform or an hw_transform), its class loaded and its options checked against the
constructor; every problem reported at once."""

from __future__ import annotations

import inspect
import re
import types
import typing
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .._suggest import did_you_mean
from ._blueprint import ANY_STAGE, Blueprint, _Problems
from ._legacy_step import is_legacy_step, step_transformation

if TYPE_CHECKING:
    from ..plugins.session import Session
    from ._plan import Plan


def validate(
    blueprint: Blueprint, session: Session, *, strict: bool = False
) -> tuple[Plan, list[str]]:
    """Resolve and check every transform of ``blueprint`` against the session's plugins.

    Returns the executable plan and the warnings. A transform used in a stage other than the
    one it declares (unless it declares ``any``) is a warning, an error with ``strict``.
    Unmet ``plugins`` requirements, unknown names (with did-you-mean), plugins that fail to
    load and options the constructor does not take are errors, all raised together in one
    :class:`BlueprintError`.
    """
    from ..errors import BrainsmithError as _Error
    from ._plan import Plan, Step

    problems = _Problems()
    warnings: list[str] = []
    try:
        session.check_requirements(blueprint.plugins, where=f"{blueprint.path}: plugins")
    except _Error as error:
        problems.add("", str(error).replace("\n  fix:", "\n    fix:"))
    stages: list[tuple[str, tuple[Step, ...]]] = []
    for stage, entries in blueprint.stages:
        steps: list[Step] = []
        for entry in entries:
            try:
                component = session.step(entry.name)
            except _Error as error:
                problems.add(entry.where, error.message)
                continue
            declared = getattr(component.spec, "stage", stage)
            if declared not in (stage, ANY_STAGE):
                text = (
                    f"{component.qualified_name} declares stage {declared!r} but is used in "
                    f"{stage!r}"
                )
                if strict:
                    problems.add(entry.where, text)
                else:
                    warnings.append(f"{entry.where}: {text}")
            try:
                factory = session.load(component)
            except _Error as error:
                problems.add(entry.where, str(error))
                continue
            except Exception as exc:
                problems.add(
                    entry.where,
                    f"cannot import {component.spec.target} of "
                    f"{component.plugin.label}: {type(exc).__name__}: {exc}",
                )
                continue
            if is_legacy_step(factory):  # FINN's step(model, cfg): run as a transform
                factory = step_transformation(factory, component.qualified_name)
            not_a_transformation = _not_a_transformation(factory)
            if not_a_transformation:
                problems.add(
                    entry.where,
                    f"{component.qualified_name} (target {component.spec.target} of "
                    f"{component.plugin.label}) {not_a_transformation}",
                )
                continue
            option_problem = check_options(factory, entry.options)
            options, type_problems = typed_options(factory, entry.options)
            for problem in [option_problem] if option_problem else type_problems:
                problems.add(entry.where, f"{component.qualified_name}: {problem}")
            if option_problem or type_problems:
                continue
            refusal = _refused_options(factory, options)
            if refusal:
                problems.add(entry.where, f"{component.qualified_name}: {refusal}")
                continue
            steps.append(
                Step(
                    stage,
                    component.qualified_name,
                    factory,
                    options,
                    component.plugin.distribution,
                    component.plugin.version,
                )
            )
        stages.append((stage, tuple(steps)))
    problems.raise_if_any(
        f"blueprint {blueprint.path}",
        "correct the blueprint, or install the plugins it needs ('brainsmith plugins list')",
    )
    return Plan(tuple(stages), name=blueprint.name, blueprint_hash=blueprint.digest), warnings


def _refused_options(factory: Any, options: Mapping[str, Any]) -> str:
    """The ``ValueError`` a transform's constructor raises for these option values (``atol:
    .nan``, a negative size), or ``""``: found before anything runs, where the blueprint says
    it. Transforms without options are not constructed here; other errors are left to the
    run, which reports them as the plugin's failure."""
    from .._guard import INTERRUPTS, PLUGIN_FAILURES

    if not options:
        return ""
    try:
        factory(**options)
    except ValueError as exc:
        return f"rejects its options {dict(options)!r}: {exc}"
    except INTERRUPTS:
        raise
    except PLUGIN_FAILURES:  # exit() too: the run constructs it again and names the plugin
        return ""
    return ""


def check_options(factory: Any, options: Mapping[str, Any]) -> str:
    """Why ``factory(**options)`` cannot be called, or ``""``: unknown options (with
    did-you-mean and the accepted ones) and required arguments not given."""
    try:
        signature = inspect.signature(factory)
    except (TypeError, ValueError):
        return ""
    parameters = signature.parameters
    if any(p.kind is p.VAR_KEYWORD for p in parameters.values()):
        unknown: list[str] = []
    else:
        accepted = [
            n for n, p in parameters.items() if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
        ]
        unknown = [k for k in options if k not in accepted]
        if unknown:
            hints = "".join(did_you_mean(k, accepted) for k in unknown)
            takes = ", ".join(accepted) or "no options"
            return f"unknown option(s) {', '.join(map(repr, unknown))}{hints}; it takes: {takes}"
    missing = [
        n
        for n, p in parameters.items()
        if p.default is p.empty
        and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
        and n not in options
    ]
    if missing:
        return f"missing required option(s) {', '.join(map(repr, missing))}"
    return ""


def _not_a_transformation(factory: Any) -> str:
    """Why ``factory`` cannot be a step (it is not a qonnx ``Transformation`` subclass), or
    ``""``."""
    from qonnx.transformation.base import Transformation

    if isinstance(factory, type) and issubclass(factory, Transformation):
        if inspect.isabstract(factory):
            missing = ", ".join(sorted(getattr(factory, "__abstractmethods__", ())))
            return (
                f"is the abstract class {factory.__qualname__} (it does not define {missing}): "
                "a step must implement apply(model) returning (model, graph_modified)"
            )
        return ""
    kind = (
        f"class {factory.__qualname__}"
        if isinstance(factory, type)
        else f"{type(factory).__name__} {getattr(factory, '__qualname__', repr(factory))}"
    )
    return (
        f"is a {kind}, not a subclass of qonnx's Transformation: a step must be a class "
        "whose apply(model) returns (model, graph_modified), or a legacy FINN step function "
        "step(model, cfg) returning the model"
    )


_FLOAT_TEXT = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?|[-+]?(inf|nan)", re.IGNORECASE)
"""A number as YAML 1.1 leaves it a string (``1e-6``: no dot before the exponent)."""


def typed_options(factory: Any, options: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """``options`` checked against the types ``factory``'s parameters declare (their
    annotations, else their defaults' types), and the problems.

    A string that spells a number is read as that float where the option is a float (YAML
    1.1 reads ``1e-6`` as a string); an int where a float is expected becomes a float. Options
    of parameters without an annotation or a default, and annotations that cannot be
    resolved, are passed through unchecked.
    """
    try:
        parameters = inspect.signature(factory).parameters
    except (TypeError, ValueError):
        return dict(options), []
    hints = _hints(factory)
    typed: dict[str, Any] = {}
    problems: list[str] = []
    for name, value in options.items():
        parameter = parameters.get(name)
        expected: Any = hints.get(name, inspect.Parameter.empty)
        if parameter is not None and expected is inspect.Parameter.empty:
            default = parameter.default
            if default is not parameter.empty and default is not None:
                expected = _from_default(default)
        if expected is inspect.Parameter.empty:
            typed[name] = value
            continue
        converted, ok = _conform(value, expected)
        if ok:
            typed[name] = converted
        else:
            problems.append(
                f"option {name!r} expects {_describe(expected)}, got "
                f"{type(value).__name__} {value!r}"
            )
    return typed, problems


def _hints(factory: Any) -> dict[str, Any]:
    target: Any = factory
    if isinstance(factory, type):
        target = inspect.getattr_static(factory, "__init__", None) or factory
    try:
        return typing.get_type_hints(target)
    except Exception:  # names only importable under TYPE_CHECKING: leave them unchecked
        return {}


def _from_default(default: Any) -> Any:
    """The type a default implies: int defaults accept floats too (untyped code often
    writes ``1`` for a float), containers accept any list or tuple."""
    if isinstance(default, bool):
        return bool
    if isinstance(default, int):
        return int | float
    if isinstance(default, list | tuple):
        return list | tuple
    return type(default)


def _conform(value: Any, expected: Any) -> tuple[Any, bool]:
    """``value`` as ``expected`` wants it, and whether it fits."""
    if expected is Any or expected is object:
        return value, True
    origin = typing.get_origin(expected)
    if origin in (typing.Union, types.UnionType):
        members = typing.get_args(expected)
        for member in sorted(members, key=lambda m: m is float):  # exact fits first
            converted, ok = _conform(value, member)
            if ok:
                return converted, True
        return value, False
    if origin is typing.Literal:
        return value, value in typing.get_args(expected)
    if expected is type(None):
        return value, value is None
    cls = origin if origin is not None else expected
    if not isinstance(cls, type):
        return value, True
    if cls is float:
        if isinstance(value, str) and _FLOAT_TEXT.fullmatch(value.strip()):
            return float(value), True
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value), True
        return value, False
    if cls is int and isinstance(value, bool):
        return value, False
    if cls in (list, tuple) or (origin is not None and issubclass(cls, typing.Sequence)):
        return value, isinstance(value, list | tuple)
    return value, isinstance(value, cls)


def _describe(expected: Any) -> str:
    if isinstance(expected, type) and typing.get_origin(expected) is None:
        return expected.__name__
    return str(expected).replace("typing.", "")


def checked_outcome(outcome: Any) -> tuple[Any, bool]:
    """What a step's ``apply(model)`` returned, checked to be ``(ModelWrapper, bool)``.

    :raises TypeError: saying what it returned instead (the executor reports it as the
        transform's failure, naming the transform and stage).
    """
    from qonnx.core.modelwrapper import ModelWrapper

    if isinstance(outcome, tuple) and len(outcome) == 2:
        model, modified = outcome
        if isinstance(model, ModelWrapper) and isinstance(modified, bool | int):
            return model, bool(modified)
        got = f"({type(model).__name__}, {type(modified).__name__})"
    elif isinstance(outcome, tuple):
        got = f"a tuple of {len(outcome)} values"
    else:
        got = f"a {type(outcome).__name__}"
    raise TypeError(
        f"apply() returned {got}; a Transformation's apply(model) must return "
        "(model, graph_modified): a qonnx ModelWrapper and a bool"
    )
