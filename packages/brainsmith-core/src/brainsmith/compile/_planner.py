"""Planning: a loaded blueprint checked against the installed plugins and turned into an
executable :class:`~brainsmith.compile.Plan` — every step resolved through the session (a
transform or an hw_transform), its class loaded and its options checked against the
constructor; every problem reported at once."""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .._suggest import did_you_mean
from ._blueprint import ANY_STAGE, Blueprint, _Problems

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
            option_problem = check_options(factory, entry.options)
            if option_problem:
                problems.add(entry.where, f"{component.qualified_name}: {option_problem}")
                continue
            steps.append(
                Step(
                    stage,
                    component.qualified_name,
                    factory,
                    dict(entry.options),
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
