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
validation (:func:`brainsmith.compile._planner.validate`) turns it into a plan against the
installed plugins. Both report every problem at once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._suggest import did_you_mean
from .._target import NO_TARGET, Target
from ..errors import BrainsmithError
from ..plugins.records import STAGES

if TYPE_CHECKING:
    from collections.abc import Sequence


DEFAULT_BLUEPRINT = Path(__file__).parent / "blueprints" / "default.yaml"
"""The blueprint ``brainsmith compile`` uses without ``-b``."""

ANY_STAGE = "any"
"""The stage a transform declares to fit every stage (analysis and naming passes)."""

_EDIT_ACTIONS = ("insert_after", "insert_before", "replace", "remove", "at_start", "at_end")


class BlueprintError(BrainsmithError):
    """A blueprint is missing, malformed or does not fit the installed plugins."""


def _nonempty(text: str) -> str:
    if not text:
        raise ValueError("expected a non-empty string, got ''")
    return text


@dataclass(frozen=True, slots=True)
class Entry:
    """One transform in a stage: its name as written, its options and where it was written.

    Written ``Name``, ``{Name: {options}}`` or ``{name: Name, options: {...}}``.
    """

    name: str = field(
        metadata={"doc": "a transform's name, short or 'ns:Name'", "check": _nonempty}
    )
    options: Mapping[str, Any] = field(
        default_factory=dict, metadata={"doc": "the transform's constructor arguments"}
    )
    where: str = field(default="", metadata={"where": True})

    @classmethod
    def expand_shorthand(cls, value: object) -> object:
        """``Name`` and ``{Name: {options}}`` as ``{name: Name, options: {...}}``."""
        if isinstance(value, str):
            return {"name": value}
        if isinstance(value, Mapping) and len(value) == 1 and "name" not in value:
            ((name, options),) = value.items()
            return {"name": name, "options": options}
        return value

    def canonical(self) -> dict[str, Any]:
        """The entry as plain data, ``{"transform": name, "options": {...}}``."""
        return {"transform": self.name, "options": dict(self.options)}


@dataclass(frozen=True, slots=True)
class _Edit:
    """One edit: exactly one action, with the ``transform`` it inserts (all but ``remove``)."""

    insert_after: str | None = field(
        default=None, metadata={"doc": "a transform of the blueprint to insert after"}
    )
    insert_before: str | None = field(
        default=None, metadata={"doc": "a transform of the blueprint to insert before"}
    )
    replace: str | None = field(
        default=None, metadata={"doc": "a transform of the blueprint to replace"}
    )
    remove: str | None = field(
        default=None, metadata={"doc": "a transform of the blueprint to remove"}
    )
    at_start: str | None = field(
        default=None, metadata={"doc": "a stage to insert at the start of"}
    )
    at_end: str | None = field(default=None, metadata={"doc": "a stage to insert at the end of"})
    transform: Entry | None = field(default=None, metadata={"doc": "the transform to insert"})
    stage: str | None = field(
        default=None, metadata={"doc": "the stage to find the anchor in, when it occurs in several"}
    )

    def __post_init__(self) -> None:
        actions = [a for a in _EDIT_ACTIONS if getattr(self, a) is not None]
        if len(actions) != 1:
            raise ValueError(f"an edit needs exactly one of {', '.join(_EDIT_ACTIONS)}")
        if actions[0] != "remove" and self.transform is None:
            raise ValueError(f"'{actions[0]}' needs a 'transform' to insert")

    @property
    def action(self) -> str:
        return next(a for a in _EDIT_ACTIONS if getattr(self, a) is not None)


@dataclass(frozen=True, slots=True)
class _Document:
    """A blueprint file, before ``extends`` is merged and its edits applied."""

    name: str | None = field(
        default=None,
        metadata={"doc": "the flow's name (default: the parent's, or the file's stem)"},
    )
    description: str = field(default="", metadata={"doc": "one line about the flow"})
    extends: str | None = field(
        default=None,
        metadata={"doc": "a blueprint to start from, relative to this file", "check": _nonempty},
    )
    plugins: tuple[str, ...] = field(
        default=(), metadata={"doc": "PEP 508 requirements on the plugins it needs"}
    )
    stages: dict[str, list[Entry] | None] | None = field(
        default=None, metadata={"doc": "stage: transforms, each replacing the inherited stage"}
    )
    edits: tuple[_Edit, ...] = field(
        default=(), metadata={"doc": "edits applied in order, after extends and stages"}
    )
    target: Target | None = field(
        default=None,
        metadata={
            "doc": "fps or cycles_per_frame, clock_mhz, device (each overrides the parent's)"
        },
    )


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
    target: Target = NO_TARGET
    """The performance target (``target:``), merged over the parents'."""

    def entries(self, stage: str) -> tuple[Entry, ...]:
        """The transforms of ``stage``."""
        return dict(self.stages)[stage]

    def canonical(self) -> dict[str, Any]:
        """The effective blueprint as plain data: what its hash covers."""
        canonical: dict[str, Any] = {
            "name": self.name,
            "plugins": list(self.plugins),
            "stages": {s: [e.canonical() for e in entries] for s, entries in self.stages},
        }
        if self.target != NO_TARGET:  # so that blueprints without one keep their hash
            canonical["target"] = self.target.to_json()
        return canonical

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


def load_blueprint(path: Path | str, named: Callable[[str], Path] | None = None) -> Blueprint:
    """Read a blueprint, follow ``extends`` (cycles detected) and apply its edits.

    ``extends`` is a path relative to the file, ``default`` (the bundled default blueprint),
    or, when ``named`` is given, a plugin's named blueprint ``namespace:name`` that ``named``
    turns into a file (a file of that name next to the blueprint wins).

    Raises :class:`BlueprintError` naming file and field of every structural problem.
    """
    problems = _Problems()
    blueprint = _load(Path(path), problems, (), named)
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
            fix="start from the default blueprint (docs/compile.md): 'stages:' with a stage list",
        )
    return data


def _load(
    path: Path,
    problems: _Problems,
    chain: tuple[Path, ...],
    named: Callable[[str], Path] | None = None,
) -> Blueprint | None:
    from .._schema import validate

    path = path.resolve()
    if path in chain:
        cycle = " -> ".join(str(p) for p in (*chain, path))
        raise BlueprintError(f"'extends' forms a cycle: {cycle}", where=str(chain[-1]))
    errors: list[BrainsmithError] = []
    doc = validate(
        _Document,
        _read_yaml(path, chain),
        where=str(path),
        error=BlueprintError,
        noun="field",
        problems=errors,
        null_default=True,
    )
    for error in errors:
        problems.add(error.where, error.message)
    lines = _Lines(path)
    doc_stages = {
        stage: None if entries is None else [lines.locate(e) for e in entries]
        for stage, entries in (doc.stages or {}).items()
    }
    parent = (
        None
        if doc.extends is None
        else _load(_parent_file(path, doc.extends, named), problems, (*chain, path), named)
    )
    stages: dict[str, list[Entry]] = (
        {s: list(e) for s, e in parent.stages} if parent else {s: [] for s in STAGES}
    )
    if doc.stages is None and parent is None:
        problems.add(f"{path}: stages", "missing: a blueprint needs 'stages' (or 'extends')")
    for stage, entries in doc_stages.items():
        if stage in STAGES:
            stages[stage] = list(entries or [])
        else:
            problems.add(
                f"{path}: stages.{stage}",
                f"unknown stage{did_you_mean(stage, STAGES)}; stages: {', '.join(STAGES)}",
            )
    for i, written in enumerate(doc.edits):
        edit = written
        if written.transform is not None:
            edit = replace(written, transform=lines.locate(written.transform))
        _apply_edit(edit, f"{path}: edits[{i}]", stages, problems)
    return Blueprint(
        name=doc.name or (parent.name if parent else path.stem),
        path=path,
        plugins=tuple(dict.fromkeys((*(parent.plugins if parent else ()), *doc.plugins))),
        stages=tuple((s, tuple(stages[s])) for s in STAGES),
        description=doc.description,
        sources=(path, *(parent.sources if parent else ())),
        target=_merged_target(parent.target if parent else NO_TARGET, doc.target),
    )


def _parent_file(path: Path, extends: str, named: Callable[[str], Path] | None) -> Path:
    """The file ``extends`` names: relative to ``path``'s folder, the bundled default, or a
    plugin's named blueprint."""
    local = path.parent / extends
    if local.exists():
        return local
    if extends == "default":
        return DEFAULT_BLUEPRINT
    if named is not None and ":" in extends:
        try:
            return named(extends)
        except BrainsmithError as error:
            raise BlueprintError(error.message, where=f"{path}: extends", fix=error.fix) from None
    return local


class _Lines:
    """The line of each value of a blueprint file, to give entries a ``file:line`` place."""

    def __init__(self, path: Path) -> None:
        import yaml

        try:
            self.root: Any = yaml.compose(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError):  # reported already
            self.root = None
        self.path = path

    def locate(self, entry: Entry) -> Entry:
        """``entry`` with its ``where`` (``file: stages.x[1]``) as ``file:LINE: stages.x[1]``."""
        prefix = f"{self.path}: "
        if not entry.where.startswith(prefix):
            return entry
        keys = entry.where[len(prefix) :]
        node = self.root
        for name, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", keys):
            if isinstance(node, yaml_nodes().SequenceNode) and index:
                node = node.value[int(index)] if int(index) < len(node.value) else None
            elif isinstance(node, yaml_nodes().MappingNode) and name:
                node = next((v for k, v in node.value if k.value == name), None)
            else:
                node = None
            if node is None:
                return entry
        return replace(entry, where=f"{self.path}:{node.start_mark.line + 1}: {keys}")


def yaml_nodes() -> Any:
    """PyYAML's node classes (imported on use)."""
    import yaml

    return yaml.nodes


def _merged_target(inherited: Target, own: Target | None) -> Target:
    """The parent's target with the fields this file sets."""
    if own is None:
        return inherited
    return inherited.override(
        **{
            name: getattr(own, name)
            for name in Target.__slots__
            if getattr(own, name) != getattr(NO_TARGET, name)
        }
    )


def _same(anchor: str, name: str) -> bool:
    """Whether an edit's anchor names this entry: equal, or equal short names when either
    side is unqualified."""
    if anchor == name:
        return True
    if ":" in anchor and ":" in name:
        return False
    return anchor.rpartition(":")[2] == name.rpartition(":")[2]


def _apply_edit(
    edit: _Edit, where: str, stages: dict[str, list[Entry]], problems: _Problems
) -> None:
    action = edit.action
    target: str = getattr(edit, action)
    entry = edit.transform
    if action in ("at_start", "at_end"):
        if target not in stages:
            problems.add(f"{where}.{action}", f"unknown stage{did_you_mean(target, STAGES)}")
            return
        assert entry is not None
        stages[target].insert(0 if action == "at_start" else len(stages[target]), entry)
        return
    scope = edit.stage
    if scope is not None and scope not in stages:
        problems.add(f"{where}.stage", f"unknown stage{did_you_mean(scope, STAGES)}")
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
