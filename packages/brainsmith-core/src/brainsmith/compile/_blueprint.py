"""Blueprints: YAML files describing a compile, loaded, merged through ``extends`` and
validated against the installed plugins before any transform runs.

The format (docs/compile.md has the full reference)::

    name: my-flow
    extends: base.yaml                  # optional; relative to this file
    plugins: ["brainsmith-plugins-builtin>=0.1"]
    stages:                             # a stage listed here replaces the inherited one
      graph_cleanup:
        - InferShapes                   # short name, resolved through the plugin priority
        - qonnx:RemoveIdentityOps: {atol: 1.0e-6}
        - {name: GiveUniqueNodeNames, options: {prefix: "n_"}}
    edits:                              # applied in order, after extends and stages
      - insert_after: InferShapes
        transform: builtin:RemoveIdentity
      - replace: GiveReadableTensorNames
        transform: {GiveUniqueNodeNames: {prefix: "x_"}}
      - remove: FoldConstants
      - at_start: graph_optimization
        transform: SortGraph

Loading (:func:`load_blueprint`) checks the file's structure and needs no plugins;
validation (:func:`validate`) resolves every transform through a session, loads its class and
checks its options against the constructor. Both report every problem at once.
"""

from __future__ import annotations

import inspect
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._suggest import did_you_mean
from ..errors import BrainsmithError
from ..plugins.records import STAGES

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from ..plugins.session import Session
    from ._plan import Plan

DEFAULT_BLUEPRINT = Path(__file__).parent / "blueprints" / "default.yaml"
"""The blueprint ``brainsmith compile`` uses without ``-b``."""

ANY_STAGE = "any"
"""The stage a transform declares to fit every stage (analysis and naming passes)."""

_TOP_KEYS = ("name", "description", "extends", "plugins", "stages", "edits")
_EDIT_ACTIONS = ("insert_after", "insert_before", "replace", "remove", "at_start", "at_end")
_EDIT_KEYS = (*_EDIT_ACTIONS, "transform", "stage")


class BlueprintError(BrainsmithError):
    """A blueprint is missing, malformed or does not fit the installed plugins."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One transform in a stage: its name as written, its options and where it was written."""

    name: str
    options: Mapping[str, Any] = field(default_factory=dict)
    where: str = ""

    def canonical(self) -> dict[str, Any]:
        return {"transform": self.name, "options": dict(self.options)}


@dataclass(frozen=True, slots=True)
class Blueprint:
    """A loaded blueprint, ``extends`` merged and edits applied."""

    name: str
    path: Path
    plugins: tuple[str, ...]
    stages: tuple[tuple[str, tuple[Entry, ...]], ...]
    description: str = ""
    sources: tuple[Path, ...] = ()
    """This file, then the files it extends, nearest first."""

    def entries(self, stage: str) -> tuple[Entry, ...]:
        """The transforms of ``stage``."""
        return dict(self.stages)[stage]

    def canonical(self) -> dict[str, Any]:
        """The effective blueprint as plain data: what its hash covers."""
        return {
            "name": self.name,
            "plugins": list(self.plugins),
            "stages": {s: [e.canonical() for e in entries] for s, entries in self.stages},
        }

    @property
    def digest(self) -> str:
        """SHA-256 of the canonical JSON of the effective blueprint (formatting, comments
        and file layout do not change it; transforms, options and order do)."""
        import hashlib

        text = json.dumps(self.canonical(), sort_keys=True, separators=(",", ":"), default=repr)
        return hashlib.sha256(text.encode()).hexdigest()


class _Problems:
    """Collects every problem so that they are reported together."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.items.append(f"{where}: {message}" if where else message)

    def raise_if_any(self, what: str, fix: str) -> None:
        if self.items:
            count = len(self.items)
            plural = "s" if count > 1 else ""
            raise BlueprintError(
                f"{what} has {count} problem{plural}:\n  - " + "\n  - ".join(self.items),
                fix=fix,
            )


def load_blueprint(path: Path | str) -> Blueprint:
    """Read a blueprint, follow ``extends`` (cycles detected) and apply its edits.

    Raises :class:`BlueprintError` naming file and field of every structural problem.
    """
    problems = _Problems()
    blueprint = _load(Path(path), problems, ())
    problems.raise_if_any(f"blueprint {path}", "correct the fields named above (docs/compile.md)")
    assert blueprint is not None
    return blueprint


def _read_yaml(path: Path, chain: Sequence[Path]) -> dict[str, Any]:
    from .._yaml import read_yaml

    by = f" (extended by {chain[-1]})" if chain else ""
    data = read_yaml(path, "blueprint", BlueprintError, missing=by)
    if not isinstance(data, dict):
        raise BlueprintError(
            f"a blueprint must be a YAML mapping with a 'stages' key, not {type(data).__name__}",
            where=str(path),
        )
    return data


def _load(path: Path, problems: _Problems, chain: tuple[Path, ...]) -> Blueprint | None:
    path = path.resolve()
    if path in chain:
        cycle = " -> ".join(str(p) for p in (*chain, path))
        raise BlueprintError(f"'extends' forms a cycle: {cycle}", where=str(chain[-1]))
    data = _read_yaml(path, chain)
    for key in data:
        if key not in _TOP_KEYS:
            problems.add(
                f"{path}: {key}",
                f"unknown field{did_you_mean(str(key), _TOP_KEYS)}; "
                f"known fields: {', '.join(_TOP_KEYS)}",
            )
    parent: Blueprint | None = None
    extends = data.get("extends")
    if extends is not None:
        if not isinstance(extends, str) or not extends:
            problems.add(f"{path}: extends", "must be a relative path to another blueprint")
        else:
            parent = _load(path.parent / extends, problems, (*chain, path))
    name = data.get("name", parent.name if parent else path.stem)
    if not isinstance(name, str):
        problems.add(f"{path}: name", "must be a string")
        name = path.stem
    description = data.get("description", "")
    plugins = _strings(data.get("plugins", []), f"{path}: plugins", problems)
    stages: dict[str, list[Entry]] = (
        {s: list(e) for s, e in parent.stages} if parent else {s: [] for s in STAGES}
    )
    raw_stages = data.get("stages", {} if parent else None)
    if raw_stages is None:
        problems.add(f"{path}: stages", "missing: a blueprint needs 'stages' (or 'extends')")
    elif not isinstance(raw_stages, dict):
        problems.add(f"{path}: stages", "must be a mapping of stage name to a list of transforms")
    else:
        for stage, items in raw_stages.items():
            where = f"{path}: stages.{stage}"
            if not isinstance(stage, str):
                problems.add(where, "a stage name must be a string")
                continue
            if stage not in STAGES:
                problems.add(
                    where,
                    f"unknown stage{did_you_mean(stage, STAGES)}; stages: {', '.join(STAGES)}",
                )
                continue
            if not isinstance(items, list | None):
                problems.add(where, "must be a list of transforms")
                continue
            stages[stage] = [
                e
                for i, item in enumerate(items or [])
                if (e := _entry(item, f"{where}[{i}]", problems)) is not None
            ]
    edits = data.get("edits", [])
    if not isinstance(edits, list):
        problems.add(f"{path}: edits", "must be a list of edits")
        edits = []
    for i, edit in enumerate(edits):
        _apply_edit(edit, f"{path}: edits[{i}]", stages, problems)
    return Blueprint(
        name=name,
        path=path,
        plugins=tuple(dict.fromkeys((*(parent.plugins if parent else ()), *plugins))),
        stages=tuple((s, tuple(stages[s])) for s in STAGES),
        description=description if isinstance(description, str) else "",
        sources=(path, *(parent.sources if parent else ())),
    )


def _strings(value: Any, where: str, problems: _Problems) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.add(where, "must be a list of strings (PEP 508 requirements)")
        return []
    return list(value)


def _entry(item: Any, where: str, problems: _Problems) -> Entry | None:
    """Parse one transform: ``Name``, ``{Name: {options}}`` or ``{name: N, options: {...}}``."""
    if isinstance(item, str) and item:
        return Entry(item, {}, where)
    if isinstance(item, dict):
        if "name" in item and set(item) <= {"name", "options"}:
            name, options = item["name"], item.get("options") or {}
        elif len(item) == 1:
            name, options = next(iter(item.items()))
            options = options or {}
        else:
            problems.add(
                where,
                "a transform is 'Name', '{Name: {options}}' or '{name: Name, options: {...}}'",
            )
            return None
        if not isinstance(name, str) or not name:
            problems.add(where, "the transform name must be a non-empty string")
            return None
        if not isinstance(options, dict) or not all(isinstance(k, str) for k in options):
            problems.add(f"{where}.{name}", "options must be a mapping of argument names")
            return None
        return Entry(name, dict(options), where)
    problems.add(where, f"a transform is a name or a mapping, not {item!r}")
    return None


def _same(anchor: str, name: str) -> bool:
    """Whether an edit's anchor names this entry: equal, or equal short names when either
    side is unqualified."""
    if anchor == name:
        return True
    if ":" in anchor and ":" in name:
        return False
    return anchor.rpartition(":")[2] == name.rpartition(":")[2]


def _apply_edit(edit: Any, where: str, stages: dict[str, list[Entry]], problems: _Problems) -> None:
    if not isinstance(edit, dict):
        problems.add(where, f"an edit is a mapping with one of {', '.join(_EDIT_ACTIONS)}")
        return
    actions = [k for k in edit if k in _EDIT_ACTIONS]
    for key in edit:
        if key not in _EDIT_KEYS:
            problems.add(f"{where}.{key}", f"unknown field{did_you_mean(str(key), _EDIT_KEYS)}")
    if len(actions) != 1:
        problems.add(where, f"an edit needs exactly one of {', '.join(_EDIT_ACTIONS)}")
        return
    action = actions[0]
    target = edit[action]
    entry = None
    if action != "remove":
        if "transform" not in edit:
            problems.add(where, f"'{action}' needs a 'transform' to insert")
            return
        entry = _entry(edit["transform"], f"{where}.transform", problems)
        if entry is None:
            return
    if action in ("at_start", "at_end"):
        if target not in stages:
            problems.add(f"{where}.{action}", f"unknown stage{did_you_mean(str(target), STAGES)}")
            return
        assert entry is not None
        stages[target].insert(0 if action == "at_start" else len(stages[target]), entry)
        return
    if not isinstance(target, str):
        problems.add(f"{where}.{action}", "must name a transform of the blueprint")
        return
    scope = edit.get("stage")
    if scope is not None and scope not in stages:
        problems.add(f"{where}.stage", f"unknown stage{did_you_mean(str(scope), STAGES)}")
        return
    matches = [
        (stage, i)
        for stage, entries in stages.items()
        if scope in (None, stage)
        for i, e in enumerate(entries)
        if _same(target, e.name)
    ]
    if not matches:
        names = [e.name for entries in stages.values() for e in entries]
        problems.add(
            f"{where}.{action}",
            f"no transform {target!r} in the inherited stages{did_you_mean(target, names)}",
        )
        return
    if len(matches) > 1:
        places = ", ".join(f"{s}[{i}]" for s, i in matches)
        problems.add(
            f"{where}.{action}",
            f"{target!r} occurs {len(matches)} times ({places}); add 'stage:' to choose one "
            "or write a qualified name",
        )
        return
    stage, index = matches[0]
    entries = stages[stage]
    if action == "remove":
        del entries[index]
    elif action == "replace":
        assert entry is not None
        entries[index] = entry
    else:
        assert entry is not None
        entries.insert(index + (action == "insert_after"), entry)


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
