"""From a sweep file to runnable points: each point's blueprint (the base with its options)
written once per distinct content, validated against the installed plugins, its stable id and
the keys of its stage prefixes.

Everything here runs before any compile: a sweep file naming a transform the blueprint does not
have, or an option the transform does not take, is bad input (exit 2) for the whole sweep.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._spec import Point, SweepFileError, SweepSpec, point_id

if TYPE_CHECKING:
    from ..compile import Blueprint, Plan
    from ..plugins import Session

TARGET_STAGE = "kernel_optimization"
"""The first stage whose transforms read the compile's target (folding). The stages before it
are shared between points that differ only in their target; see docs/sweep.md."""
BLUEPRINTS = "blueprints"
"""The folder of the points' generated blueprints in the sweep's output directory."""


@dataclass(frozen=True, slots=True)
class Prepared:
    """A point ready to run: its id, generated blueprint file and plan, and one cache key per
    stage (``prefix_keys[k]`` identifies the model after the plan's first ``k + 1`` stages)."""

    point: Point
    id: str
    blueprint_file: Path
    plan: Plan
    prefix_keys: tuple[str, ...]

    @property
    def stage_names(self) -> tuple[str, ...]:
        return self.plan.stage_names


def prepare(spec: SweepSpec, output_dir: Path, session: Session) -> list[Prepared]:
    """Every point of ``spec``, prepared; the blueprints are written to
    ``output_dir/blueprints/<sha256>.yaml``.

    :raises SweepFileError: the model cannot be read, a blueprint cannot be loaded, a point's
        option names a transform the blueprint has not (or has several times, without a
        qualified name), or its plan does not validate (the message names the point).
    """
    from ..compile import ModelError, load_blueprint
    from ..compile import blueprint_file as named_file

    try:
        data = spec.model.read_bytes()
    except OSError as exc:
        raise ModelError(
            f"cannot read the sweep's model: {exc.strerror or exc}",
            where=str(spec.model),
            fix="fix 'model:' in the sweep file (a path relative to the file)",
        ) from None
    input_sha256 = hashlib.sha256(data).hexdigest()
    folder = output_dir / BLUEPRINTS
    folder.mkdir(parents=True, exist_ok=True)
    bases: dict[str, Blueprint] = {}
    plans: dict[str, tuple[Path, Plan]] = {}
    prepared = []
    ids: dict[str, Point] = {}
    for point in spec.points:
        where = f"{spec.path}: point {point.position + 1} ({point.label()})"
        if point.blueprint not in bases:
            source = _default() if not point.blueprint else named_file(point.blueprint, session)
            bases[point.blueprint] = load_blueprint(
                source, named=lambda ref: named_file(ref, session)
            )
        document = _with_options(bases[point.blueprint], point.options, where)
        text = json.dumps(document, sort_keys=True, separators=(",", ":"), default=repr)
        digest = hashlib.sha256(text.encode()).hexdigest()
        if digest not in plans:
            path = folder / f"{digest[:16]}.yaml"
            _write_yaml(path, document)
            plans[digest] = (path, _validate(path, session, where))
        path, plan = plans[digest]
        identifier = point_id(point, input_sha256, plan.blueprint_hash, spec.verify)
        if identifier in ids:
            raise SweepFileError(
                f"compiles exactly what point {ids[identifier].position + 1} "
                f"({ids[identifier].label()}) compiles",
                where=where,
                fix="remove one of them: their parameters give the same blueprint and target",
            )
        ids[identifier] = point
        prepared.append(
            Prepared(
                point,
                identifier,
                path,
                plan,
                prefix_keys(plan, input_sha256, point.target),
            )
        )
    return prepared


def prefix_keys(plan: Plan, input_sha256: str, target: Mapping[str, Any]) -> tuple[str, ...]:
    """One key per stage of ``plan``: the SHA-256 of the input's digest, brainsmith-core's
    version and every step of the stages so far (qualified name, options, distribution and
    version), plus the target from :data:`TARGET_STAGE` on."""
    from .._version import __version__

    keys = []
    steps: list[Any] = []
    for index, (stage, stage_steps) in enumerate(plan.stages):
        steps.append([stage, [[s.name, s.options, s.distribution, s.version] for s in stage_steps]])
        document: dict[str, Any] = {"input": input_sha256, "core": __version__, "stages": steps}
        if TARGET_STAGE in plan.stage_names and index >= plan.stage_names.index(TARGET_STAGE):
            document["target"] = dict(sorted(target.items()))
        text = json.dumps(document, sort_keys=True, separators=(",", ":"), default=repr)
        keys.append(hashlib.sha256(text.encode()).hexdigest())
    return tuple(keys)


def shared_prefixes(points: Sequence[Prepared], cached: set[str]) -> dict[str, int]:
    """``{point id: stage index}``: the deepest stage (not the last) after which each point's
    model is shared with another point of ``points`` or already in the cache (``cached``
    keys); points sharing nothing are left out."""
    counts: dict[str, int] = {}
    for prepared in points:
        for key in prepared.prefix_keys[:-1]:
            counts[key] = counts.get(key, 0) + 1
    chosen = {}
    for prepared in points:
        for index in reversed(range(len(prepared.prefix_keys) - 1)):
            key = prepared.prefix_keys[index]
            if key in cached or counts[key] >= 2:
                chosen[prepared.id] = index
                break
    return chosen


def _default() -> Path:
    from ..compile import DEFAULT_BLUEPRINT

    return DEFAULT_BLUEPRINT


def _with_options(
    blueprint: Blueprint, options: Mapping[str, Mapping[str, Any]], where: str
) -> dict[str, Any]:
    """The blueprint as a document (no ``extends``, no ``target``: the point's target is given
    to the compile), each transform named in ``options`` with those options over its own."""
    found = dict.fromkeys(options, 0)
    stages: dict[str, list[dict[str, Any]]] = {}
    for stage, entries in blueprint.stages:
        listed = []
        for entry in entries:
            merged = dict(entry.options)
            for name, values in options.items():
                if _same(name, entry.name):
                    found[name] += 1
                    merged.update(values)
            listed.append({"name": entry.name, "options": merged})
        stages[stage] = listed
    for name, count in found.items():
        if count != 1:
            names = [e.name for _, entries in blueprint.stages for e in entries]
            raise SweepFileError(
                f"option of {name!r}: the blueprint {blueprint.name!r} has "
                + ("no such transform" if count == 0 else f"{count} transforms of that name"),
                where=where,
                fix="use the qualified name of one of: " + ", ".join(dict.fromkeys(names)),
            )
    return {"name": blueprint.name, "plugins": list(blueprint.plugins), "stages": stages}


def _same(wanted: str, written: str) -> bool:
    if wanted == written:
        return True
    if ":" in wanted and ":" in written:
        return False
    return wanted.rpartition(":")[2] == written.rpartition(":")[2]


def _write_yaml(path: Path, document: Mapping[str, Any]) -> None:
    import yaml

    from .._atomic import write_atomic

    header = "# generated by brainsmith sweep: a point's blueprint, with its options\n"
    text = header + yaml.safe_dump(dict(document), sort_keys=False)
    write_atomic(path, text.encode())


def _validate(path: Path, session: Session, where: str) -> Plan:
    from ..compile import BlueprintError, load_blueprint, validate

    try:
        plan, _ = validate(load_blueprint(path), session, strict=session.settings.strict)
    except BlueprintError as error:
        raise SweepFileError(error.message, where=where, fix=error.fix) from None
    return plan
