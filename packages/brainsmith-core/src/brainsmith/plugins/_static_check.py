"""What ``plugins check`` finds in a plugin without executing any of its code.

Modules are located the way the import system would find them (``PathFinder``, each portion of
a namespace package, zips through their loaders) and their source is read and byte-compiled,
never executed. A :class:`Finding` names the file and the field at fault and the fix::

    for finding in static_findings(record):
        print(finding.file, finding.field, finding.message, finding.fix)
"""

from __future__ import annotations

import ast
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from importlib.machinery import ModuleSpec, PathFinder
from pathlib import Path
from typing import Literal

from .._suggest import did_you_mean
from .records import STAGES, AnySpec, Form, PluginRecord, TransformSpec
from .verdicts import Problem

ANY_STAGE = "any"
"""The stage a transform declares when it may run in any stage."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing static checking found wrong with a plugin."""

    severity: Literal["error", "warning"]
    file: str
    """The file at fault (a manifest, a module's source), ``file:line`` when known."""
    field: str
    """The manifest field (``transforms[2].stage``, ``hooks``) or ``"entry point"``."""
    message: str
    fix: str


@dataclass(frozen=True, slots=True)
class _Source:
    origin: str
    text: str | None
    """``None`` for a module without Python source (an extension, a namespace folder)."""
    package: bool


def static_findings(
    record: PluginRecord, path: Sequence[str] | None = None, *, attributes: bool = False
) -> list[Finding]:
    """Everything wrong with ``record`` that can be seen without running its code: modules
    (the manifest's ``hooks`` and component targets, or a code plugin's entry point) that are
    missing or do not byte-compile (``SyntaxError`` with file:line) and, with ``attributes``,
    targets whose module's source clearly does not define them (no star import, no module
    ``__getattr__``); transform stages that are not known (an error with did-you-mean when
    one is close, else a warning); a ``blueprints`` folder that is not there or holds
    unreadable blueprints (``requires``/``conflicts`` are checked by resolution). ``path`` is
    where modules are looked up (default ``sys.path``). A record discovery could not read
    (``record.error``) has no findings here: its verdict already says why."""
    if record.error:
        return []
    if record.form is Form.DIRECTORY:  # its modules were parsed when it was listed
        return code_stage_findings(record)
    manifest = record.location if record.form is Form.MANIFEST else ""
    findings: list[Finding] = []
    targets: list[tuple[str, str, str]] = []  # field, what it is, target
    if record.form is Form.MANIFEST:
        if record.declaration.hooks:
            targets.append(("hooks", "hooks module", record.declaration.hooks))
        for kind, index, spec in _indexed(record):
            what = f"{spec.kind} {spec.name}"
            targets.append((f"{kind}[{index}].target", what, spec.target))
            if isinstance(spec, TransformSpec):
                findings += _stage(spec, f"{kind}[{index}].stage", manifest, record)
        findings += _declared(record, manifest)
    else:
        targets.append(("entry point", f"entry point {record.value}", record.value))
    checked: dict[str, _Source | Finding | None] = {}
    for field, what, target in targets:
        module, _, attribute = (p.strip() for p in target.partition(":"))
        if module not in checked:
            checked[module] = _module(
                module, field, what, manifest=manifest, record=record, path=path
            )
        found = checked[module]
        if isinstance(found, Finding):
            if found.field == field:
                findings.append(found)
            continue
        if found is not None and attribute and attributes:
            findings += _attribute(
                found, module, attribute, field=field, what=what, where=manifest or found.origin
            )
    return findings


def static_problems(record: PluginRecord, path: Sequence[str] | None) -> tuple[Problem, ...]:
    """:func:`static_findings` as the plugin's :class:`Problem` rows (severity, reason, fix)."""
    return tuple(
        Problem(f.severity, record.namespace, record.distribution, record.version, f.message, f.fix)
        for f in static_findings(record, path)
    )


def _indexed(record: PluginRecord) -> Iterator[tuple[str, int, AnySpec]]:
    counters: dict[str, int] = {}
    for spec in record.components or ():
        kind = spec.kind.plural
        counters[kind] = counters.get(kind, -1) + 1
        yield kind, counters[kind], spec


def _module(
    module: str,
    field: str,
    what: str,
    *,
    manifest: str,
    record: PluginRecord,
    path: Sequence[str] | None,
) -> _Source | Finding | None:
    """The module's source, or the finding that it is missing or does not byte-compile."""
    spec = _find(module, path)
    where = manifest or record.location or record.distribution
    if spec is None:
        fix = (
            f"fix the manifest {manifest}, or install what provides {module.partition('.')[0]!r}"
            if manifest
            else f"fix the entry point, or reinstall {record.distribution}: "
            f"pip install --force-reinstall {record.distribution}"
        )
        return Finding("error", where, field, f"{what}: module {module!r} is not installed", fix)
    origin = spec.origin or ""
    text = None
    getter = getattr(spec.loader, "get_source", None)
    if callable(getter) and spec.origin not in (None, "namespace"):
        try:
            text = getter(module)
        except (ImportError, OSError, UnicodeDecodeError) as exc:
            return Finding("error", origin, field, f"{what}: cannot read {module!r}: {exc}", "")
    if text is not None:
        try:
            compile(text, origin, "exec", dont_inherit=True)
        except SyntaxError as exc:  # ValueError: null bytes
            return Finding(
                "error",
                f"{exc.filename or origin}:{exc.lineno}",
                field,
                f"{what}: module {module!r} does not compile: SyntaxError: {exc.msg} "
                f"(at {exc.filename or origin}:{exc.lineno})",
                f"fix line {exc.lineno} of {exc.filename or origin} and release "
                f"{record.distribution} again",
            )
        except ValueError as exc:
            return Finding("error", origin, field, f"{what}: module {module!r}: {exc}", "")
    return _Source(origin, text, spec.submodule_search_locations is not None)


def _find(module: str, path: Sequence[str] | None) -> ModuleSpec | None:
    """The module's spec, found without importing anything (each parent package is found as a
    folder, every portion of a namespace package included)."""
    parts = module.split(".")
    search: list[str] | None = list(sys.path if path is None else path)
    spec = None
    for depth in range(len(parts)):
        if search is None:
            return None
        try:
            spec = PathFinder.find_spec(".".join(parts[: depth + 1]), search)
        except (ImportError, ValueError):
            return None
        if spec is None:
            return None
        locations = spec.submodule_search_locations
        search = list(locations) if locations is not None else None
    return spec


def _attribute(
    source: _Source, module: str, attribute: str, *, field: str, what: str, where: str
) -> list[Finding]:
    """A finding if the module's source clearly does not define ``attribute``'s first part."""
    if source.text is None:
        return []
    name = attribute.split(".", maxsplit=1)[0]
    tree = ast.parse(source.text)
    defined: set[str] = set()
    for node in _top_level(tree.body):
        if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
            return []  # a star import may define anything
        defined.update(_names(node))
    if name in defined or "__getattr__" in defined:
        return []
    if source.package and _find(f"{module}.{name}", [str(Path(source.origin).parent)]):
        return []
    return [
        Finding(
            "error",
            where,
            field,
            f"{what}: module {module!r} ({source.origin}) defines no {name!r}"
            + did_you_mean(name, [d for d in defined if not d.startswith("_")]),
            f"fix the target {module}:{attribute}, or define {name} in {source.origin}",
        )
    ]


def _top_level(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements run at import, into ``if``/``try``/``with`` blocks but not into functions."""
    for node in body:
        yield node
        if isinstance(node, ast.If | ast.With | ast.For | ast.While):
            yield from _top_level(node.body)
            yield from _top_level(getattr(node, "orelse", []))
        elif isinstance(node, ast.Try):
            yield from _top_level(node.body)
            yield from _top_level(node.orelse)
            yield from _top_level(node.finalbody)
            for handler in node.handlers:
                yield from _top_level(handler.body)


def _names(node: ast.stmt) -> Iterator[str]:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        yield node.name
    elif isinstance(node, ast.Import | ast.ImportFrom):
        for alias in node.names:
            yield alias.asname or alias.name.split(".")[0]
    elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target in targets:
            yield from (n.id for n in ast.walk(target) if isinstance(n, ast.Name))


def _stage(spec: TransformSpec, field: str, manifest: str, record: PluginRecord) -> list[Finding]:
    known = (*STAGES, ANY_STAGE, *_blueprint_stages(record))
    if spec.stage in known:
        return []
    hint = did_you_mean(spec.stage, known)
    return [
        Finding(
            "error" if hint else "warning",
            manifest,
            field,
            f"transform {spec.name!r} declares stage {spec.stage!r}, which is not a known stage"
            + hint,
            f"use one of {', '.join(known)} (or a stage of the blueprint that runs it)",
        )
    ]


def code_stage_findings(record: PluginRecord) -> list[Finding]:
    """The unknown stages of the transforms a plugin without a manifest declares in its code
    (``@transform(stage=...)``): known once a folder plugin is listed or a code plugin is
    activated. A folder plugin's finding names the module's file."""
    findings: list[Finding] = []
    for spec in record.components or ():
        if isinstance(spec, TransformSpec):
            module = spec.target.partition(":")[0]
            where = spec.target
            if record.form is Form.DIRECTORY:
                where = os.path.join(record.location, module.rpartition(".")[2] + ".py")
            findings += [
                replace(f, message=f"{where}: {f.message}")
                for f in _stage(spec, f"@transform on {spec.name}", where, record)
            ]
    return findings


def _blueprint_stages(record: PluginRecord) -> list[str]:
    """Stage names of the plugin's own named blueprints (read as data, never run)."""
    folder = _blueprint_folder(record)
    if folder is None or not folder.is_dir():
        return []
    stages: list[str] = []
    for file in sorted(folder.glob("*.yaml")):
        data = _yaml(file)
        if isinstance(data, dict) and isinstance(data.get("stages"), dict):
            stages += [str(s) for s in data["stages"]]
    return stages


def _blueprint_folder(record: PluginRecord) -> Path | None:
    if not record.declaration.blueprints or not record.location:
        return None
    return Path(record.location).parent / record.declaration.blueprints


def _yaml(file: Path) -> object:
    import yaml

    try:
        return yaml.safe_load(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError) as exc:
        return exc


def _declared(record: PluginRecord, manifest: str) -> list[Finding]:
    """The ``blueprints`` folder and the blueprints in it (``requires`` and ``conflicts`` are
    checked by resolution)."""
    findings: list[Finding] = []
    folder = _blueprint_folder(record)
    if folder is not None and not folder.is_dir():
        findings.append(
            Finding(
                "error",
                manifest,
                "blueprints",
                f"the blueprints folder {str(folder)!r} is not installed",
                "ship the folder as package data, or fix 'blueprints' in the manifest",
            )
        )
    elif folder is not None:
        for file in sorted(folder.glob("*.yaml")):
            data = _yaml(file)
            if isinstance(data, Exception) or not isinstance(data, dict):
                detail = str(data).splitlines()[0] if isinstance(data, Exception) else "not a map"
                findings.append(
                    Finding(
                        "error",
                        str(file),
                        "blueprints",
                        f"blueprint {file.stem!r} cannot be read: {detail}",
                        f"fix {file}",
                    )
                )
    return findings
