"""The checks ``plugins validate`` runs, each returning :class:`Finding` s (file, field, fix).

Pure functions of what they are given (metadata lines, a manifest's data, targets), so a
project folder's built wheel and an installed distribution are checked the same way. The
target and hook checks import plugin code; the others do not.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .._version import CORE_DISTRIBUTION
from .records import STAGES, Kind, requirement_name

KNOWN_STAGES: tuple[str, ...] = (*STAGES, "any")
"""Stages a manifest's transform may name."""

_UPPER = ("<", "<=", "==", "~=", "===")


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing to fix before publishing: in ``file`` (a path), at ``field`` (a TOML key path
    or metadata field; ``""`` for the whole file), what is wrong and how to ``fix`` it."""

    file: str
    field: str
    message: str
    fix: str

    def to_json(self) -> dict[str, str]:
        """``{"file", "field", "message", "fix"}``, every value a string."""
        return {"file": self.file, "field": self.field, "message": self.message, "fix": self.fix}

    def __str__(self) -> str:
        place = f"{self.file}: {self.field}" if self.field else self.file
        return f"{place}: {self.message}\n  fix: {self.fix}"


def is_bounded(specifier: str) -> bool:
    """Whether a PEP 440 specifier set has an upper bound (``<``, ``<=``, ``==``, ``~=``).

    :raises packaging.specifiers.InvalidSpecifier: ``specifier`` is not one.
    """
    from packaging.specifiers import SpecifierSet

    return any(s.operator in _UPPER for s in SpecifierSet(specifier))


def check_core_requirement(requires_dist: list[str], file: str, field: str) -> list[Finding]:
    """The distribution must require ``brainsmith-core`` with a bounded range."""
    from packaging.requirements import InvalidRequirement, Requirement

    lines = [r for r in requires_dist if requirement_name(r) == CORE_DISTRIBUTION]
    example = '"brainsmith-core>=0.1,<0.2"'
    if not lines:
        return [
            Finding(
                file,
                field,
                f"no requirement on {CORE_DISTRIBUTION}: pip may install the plugin beside any "
                "core, and brainsmith cannot tell which cores it was written for",
                f"add {example} (the cores you tested) to the dependencies",
            )
        ]
    findings = []
    unconditional = False
    for line in lines:
        try:
            requirement = Requirement(line)
        except InvalidRequirement as exc:
            findings.append(Finding(file, field, f"{line!r} is not a requirement: {exc}", example))
            continue
        if requirement.marker is not None and "extra" in str(requirement.marker):
            continue  # an extra's requirement: the unconditional one counts
        unconditional = True
        if not is_bounded(str(requirement.specifier)):
            findings.append(
                Finding(
                    file,
                    field,
                    f"{line!r} has no upper bound: a future core that breaks the plugin would "
                    "be installed beside it",
                    f"bound it, e.g. {example}, and widen it when you have tested a newer core",
                )
            )
    if not unconditional and not findings:
        findings.append(
            Finding(
                file,
                field,
                f"no requirement on {CORE_DISTRIBUTION} outside an extra ({', '.join(lines)}): "
                "a plain install of the plugin may go beside any core",
                f"add {example} (the cores you tested) to the dependencies themselves",
            )
        )
    return findings


def check_entry_point_value(value: str, file: str, field: str) -> list[Finding]:
    """An entry point's value must be an object reference (``module.sub:attr.sub``, every part
    an identifier): setuptools and pyproject validators reject anything else."""
    module, colon, attr = (part.strip() for part in value.partition(":"))
    parts = module.split(".") + (attr.split(".") if colon else [])
    if all(part.isidentifier() for part in parts):
        return []
    fix = "use a module and an attribute made of identifiers ('package.module:attribute')"
    if attr.endswith(".toml"):
        fixed = attr.removesuffix(".toml").replace("-", "_") + ".toml"
        fix = f"rename the manifest to {fixed} and point the entry point at '{module}:{fixed}'"
    return [
        Finding(
            file,
            field,
            f"{value!r} is not an object reference, so setuptools and pyproject validators "
            "reject it",
            fix,
        )
    ]


def check_manifest_data(data: Mapping[str, Any], file: str) -> list[Finding]:
    """The manifest's schema, its ``api`` range, its stages, then (importing plugin code) its
    targets' kinds and its hooks module."""
    from .._suggest import did_you_mean
    from ..errors import ManifestError
    from ._manifest import parse_manifest

    findings: list[Finding] = []
    api = data.get("api")
    if not api:
        findings.append(
            Finding(
                file,
                "api",
                "no plugin-API range: brainsmith cannot tell which hooks it was written for",
                'declare the range you wrote it for, e.g. api = ">=1,<2"',
            )
        )
    elif isinstance(api, str):
        try:
            bounded = is_bounded(api)
        except ValueError:
            bounded = True  # the schema check below reports it
        if not bounded:
            findings.append(
                Finding(
                    file,
                    "api",
                    f"api = {api!r} has no upper bound: an incompatible plugin API would load it",
                    'bound it, e.g. api = ">=1,<2"',
                )
            )
    transforms = data.get("transforms", [])
    for index, table in enumerate(transforms if isinstance(transforms, list) else []):
        stage = table.get("stage") if isinstance(table, dict) else None
        if isinstance(stage, str) and stage not in KNOWN_STAGES:
            findings.append(
                Finding(
                    file,
                    f"transforms[{index}].stage",
                    f"unknown stage {stage!r}{did_you_mean(stage, KNOWN_STAGES)}",
                    f"use one of: {', '.join(KNOWN_STAGES)}",
                )
            )
    try:
        manifest = parse_manifest(data, where=file)
    except ManifestError as exc:
        field = exc.where.removeprefix(file).removeprefix(":").strip()
        fix = exc.fix or "see the manifest's schema in docs/plugins.md"
        return [*findings, Finding(file, field, exc.message, fix)]
    targets = {f"{spec.kind} {spec.name}": spec.target for spec in manifest.components}
    kinds = {f"{spec.kind} {spec.name}": spec.kind for spec in manifest.components}
    if manifest.declaration.hooks:
        targets["hooks"] = manifest.declaration.hooks
    return findings + check_target_kinds(targets, kinds, file, "")


def check_target_kinds(
    targets: Mapping[str, str], kinds: Mapping[str, Kind], file: str, field: str
) -> list[Finding]:
    """Import every target (label → ``module:attr``): it must import, be of its kind (a
    transform or hw_transform a qonnx ``Transformation`` subclass, a kernel or backend a qonnx
    ``CustomOp`` subclass), and a hooks module or pluggy plugin's ``@hookimpl`` functions must
    match the hookspecs."""
    from .. import _targets
    from .._guard import INTERRUPTS, PLUGIN_FAILURES, plugin_output

    findings = []
    for label, target in targets.items():
        where = field or _field_of(label)
        try:
            with plugin_output():  # the plugin's prints go to stderr: --json stays JSON
                obj = _targets.load_target(target)
        except _targets.MissingAttribute as exc:
            findings.append(Finding(file, where, f"{label}: {exc}", "fix the target or add it"))
            continue
        except INTERRUPTS:
            raise
        except PLUGIN_FAILURES as exc:  # a module calling sys.exit() is a finding too
            findings.append(
                Finding(
                    file,
                    where,
                    f"{label}: importing {target!r} raised {type(exc).__name__}: {exc}",
                    "fix the module, or the target's module path",
                )
            )
            continue
        kind = kinds.get(label)
        if kind is not None:
            message = _kind_mismatch(obj, kind)
            if message:
                findings.append(Finding(file, where, f"{label}: {target} {message}", _fix(kind)))
        elif label in ("hooks", "entry point"):
            findings += _check_hooks(obj, label, target, file, where)
    return findings


def _field_of(label: str) -> str:
    if label == "hooks":
        return "hooks"
    kind, _, name = label.partition(" ")
    return f"{Kind(kind).plural}[name={name!r}].target"


def _kind_mismatch(obj: Any, kind: Kind) -> str:
    try:
        from qonnx.custom_op.base import CustomOp
        from qonnx.transformation.base import Transformation
    except ImportError:  # without qonnx the kinds cannot be checked
        return ""
    base = Transformation if kind in (Kind.TRANSFORM, Kind.HW_TRANSFORM) else CustomOp
    if isinstance(obj, type) and issubclass(obj, base):
        return ""
    shown = obj.__name__ if isinstance(obj, type) else type(obj).__name__ + " instance"
    return f"is {shown}, not a subclass of qonnx's {base.__name__}"


def _fix(kind: Kind) -> str:
    if kind in (Kind.TRANSFORM, Kind.HW_TRANSFORM):
        return "point the target at a class deriving qonnx.transformation.base.Transformation"
    return "point the target at a class deriving qonnx's CustomOp (brainsmith.hardware.HWKernel)"


def _check_hooks(obj: Any, label: str, target: str, file: str, field: str) -> list[Finding]:
    import pluggy

    from ._manager import new_plugin_manager

    manager = new_plugin_manager()
    if label == "entry point" and callable(obj) and not isinstance(obj, type):
        return []  # a legacy payload callable: checked when activated
    try:
        manager.register(obj, name="validated")
        manager.check_pending()
    except (pluggy.PluginValidationError, ValueError) as exc:
        return [
            Finding(
                file,
                field,
                f"{label} {target}: invalid hook implementation: {exc}",
                "name a hook of brainsmith.compile.hookspecs, brainsmith.lifecycle.hookspecs or "
                "brainsmith.plugins.hookspecs, with a subset of its arguments",
            )
        ]
    return []
