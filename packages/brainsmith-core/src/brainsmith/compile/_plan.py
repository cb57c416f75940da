"""A compile plan and what running it produced: the steps of each stage, what happened to each,
and the provenance stamped into the compiled model.

Plain records and pure functions; no qonnx import at run time.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qonnx.core.modelwrapper import ModelWrapper

PROVENANCE_KEY = "brainsmith.provenance"
"""The ``metadata_props`` key holding the compile's provenance (a JSON document)."""


@dataclass(frozen=True, slots=True)
class Step:
    """One transform of a plan: what to construct, with which options, from which plugin."""

    stage: str
    name: str
    """Qualified name, ``namespace:Name``."""
    factory: Callable[..., Any]
    """The ``Transformation`` subclass (called with ``options``)."""
    options: Mapping[str, Any] = field(default_factory=dict)
    distribution: str = ""
    version: str = ""


@dataclass(frozen=True, slots=True)
class Plan:
    """A validated blueprint: every stage in order (empty ones included) with its steps."""

    stages: tuple[tuple[str, tuple[Step, ...]], ...]
    name: str = ""
    blueprint_hash: str = ""

    @property
    def stage_names(self) -> tuple[str, ...]:
        """The stage names, in order."""
        return tuple(name for name, _ in self.stages)


@dataclass(frozen=True, slots=True)
class Applied:
    """What happened to one step."""

    stage: str
    name: str
    options: Mapping[str, Any]
    distribution: str
    version: str
    modified: bool
    """Whether the model changed (compared byte for byte, transform and cleanup together)."""
    skipped: bool = False
    """A lifecycle hook vetoed it (``on_transform_before`` returned ``False``)."""
    iterations: int = 0
    cleaned: bool = False
    """Whether qonnx's cleanup had to run after it."""
    seconds: float = 0.0

    def provenance(self) -> dict[str, Any]:
        """The deterministic part: what goes into the model's metadata."""
        return {
            "stage": self.stage,
            "transform": self.name,
            "options": _jsonable(self.options),
            "distribution": self.distribution,
            "version": self.version,
            "modified": self.modified,
        }

    def report(self) -> dict[str, Any]:
        """The provenance plus run details (timing), for compile_report.json."""
        return {
            **self.provenance(),
            "skipped": self.skipped,
            "iterations": self.iterations,
            "cleanup": self.cleaned,
            "seconds": round(self.seconds, 6),
        }


@dataclass
class Result:
    """The compiled model and the record of how it was made."""

    model: ModelWrapper
    plan: Plan
    applied: list[Applied]
    stages_run: list[str]
    checkpoints: list[Path] = field(default_factory=list)
    seconds: float = 0.0

    def provenance(self) -> dict[str, Any]:
        """The provenance document stored under :data:`PROVENANCE_KEY`."""
        return provenance_document(self.plan, [a for a in self.applied if not a.skipped])


def provenance_document(plan: Plan, applied: Sequence[Applied]) -> dict[str, Any]:
    """Provenance: blueprint name and hash, then every applied transform in order."""
    return {
        "schema": 1,
        "blueprint": plan.name,
        "blueprint_sha256": plan.blueprint_hash,
        "transforms": [a.provenance() for a in applied],
    }


def _jsonable(value: Any) -> Any:
    """``value`` made JSON-ready and deterministic (tuples → lists, other objects → repr)."""
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in sorted(value.items(), key=lambda i: str(i[0]))}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return repr(value)


def dumps(document: Any) -> str:
    """Canonical JSON: sorted keys, compact separators, so equal documents are equal bytes."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def stamp(model: ModelWrapper, document: Mapping[str, Any]) -> None:
    """Store ``document`` under :data:`PROVENANCE_KEY` in the model's ``metadata_props``,
    replacing an earlier one (a resumed compile's checkpoint carries one)."""
    props = model.model.metadata_props
    for i in reversed(range(len(props))):
        if props[i].key == PROVENANCE_KEY:
            del props[i]
    entry = props.add()
    entry.key = PROVENANCE_KEY
    entry.value = dumps(document)


def read_provenance(model: ModelWrapper) -> dict[str, Any] | None:
    """The provenance document a compiled model (or checkpoint) carries, if any."""
    for prop in model.model.metadata_props:
        if prop.key == PROVENANCE_KEY:
            document: dict[str, Any] = json.loads(prop.value)
            return document
    return None


def serialize(model: ModelWrapper) -> bytes:
    """The model's bytes, as ``onnx.save`` writes them."""
    data: bytes = model.model.SerializeToString()
    return data


def checkpoint_path(directory: Path, plan: Plan, stage: str) -> Path:
    """``directory/NN_<stage>.onnx``, NN the 1-based position of ``stage`` in the plan."""
    return directory / f"{plan.stage_names.index(stage) + 1:02d}_{stage}.onnx"
