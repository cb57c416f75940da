"""``plugins check --activate``: every component target imported and checked against its kind.

Run after :meth:`Session.activate_all` (which already validated every plugin's hook
implementations against the hookspecs): a transform or hw_transform target must be a qonnx
``Transformation`` subclass, a kernel or backend target a qonnx ``CustomOp`` subclass.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import PluginError
from .records import Form, Kind
from .verdicts import Problem, Severity

if TYPE_CHECKING:
    from .session import Session

_EXPECTED: dict[Kind, tuple[str, str, str]] = {
    Kind.TRANSFORM: ("qonnx.transformation.base", "Transformation", "a transform"),
    Kind.HW_TRANSFORM: ("qonnx.transformation.base", "Transformation", "an hw_transform"),
    Kind.KERNEL: ("qonnx.custom_op.base", "CustomOp", "a kernel"),
    Kind.BACKEND: ("qonnx.custom_op.base", "CustomOp", "a backend"),
}


def kind_problems(session: Session) -> list[Problem]:
    """One problem per component of an active plugin whose target fails to import or is not a
    subclass of what its kind requires (severity ``error``); a ``warning`` if qonnx is not
    installed, so kinds cannot be checked."""
    import importlib

    try:
        bases = {
            kind: getattr(importlib.import_module(module), name)
            for kind, (module, name, _) in _EXPECTED.items()
        }
    except ImportError as exc:
        return [
            Problem(
                "warning",
                "environment",
                "",
                "",
                f"component kinds were not checked: qonnx cannot be imported ({exc})",
                "pip install 'brainsmith-core[compile]'",
            )
        ]
    problems: list[Problem] = []
    for component in session.find_components():
        record = component.plugin
        if component.plugin.namespace not in {r.namespace for r in session.active_plugins()}:
            continue
        spec = component.spec
        try:
            target = session.load(component)
        except PluginError as error:
            problems.append(_problem(record.namespace, session, error.message, error.fix))
            continue
        base = bases[spec.kind]
        if not (isinstance(target, type) and issubclass(target, base)):
            what = _EXPECTED[spec.kind][2]
            got = (
                f"the class {target.__name__!r}"
                if isinstance(target, type)
                else f"a {type(target).__name__}, not a class"
            )
            problems.append(
                _problem(
                    record.namespace,
                    session,
                    f"{spec.kind} {component.qualified_name}: target {spec.target} is "
                    f"{got}, but {what} must be a subclass of "
                    f"{base.__module__}.{base.__name__}",
                    f"make {spec.target} subclass {base.__name__}, or fix the target in "
                    f"{record.location or 'the plugin'}",
                )
            )
    return problems


def stage_problems(session: Session) -> tuple[Problem, ...]:
    """The unknown stages of the transforms of the activated code plugins (pluggy and legacy
    forms), whose components only activation makes known."""
    from ._static_check import code_stage_findings

    return tuple(
        _problem(record.namespace, session, finding.message, finding.fix, finding.severity)
        for record in session.active_plugins()
        if record.form in (Form.PLUGGY, Form.LEGACY)
        for finding in code_stage_findings(record)
    )


def _problem(
    namespace: str, session: Session, reason: str, fix: str, severity: Severity = "error"
) -> Problem:
    record = next((r for r in session.active_plugins() if r.namespace == namespace), None)
    distribution, version = (record.distribution, record.version) if record else ("", "")
    return Problem(severity, namespace, distribution, version, reason, fix)
