"""Safe resuming: what a checkpoint was made from, and the checks ``--start-stage`` makes.

Every checkpoint carries, under :data:`CHECKPOINT_KEY` in its ``metadata_props``, the
identity of its run: the SHA-256 of the input model's bytes, the blueprint's hash and the
versions of brainsmith-core and of every distribution the plan's transforms come from. A resume
refuses a checkpoint whose identity differs from the current run's, naming what differs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import BrainsmithError
from ._plan import PROVENANCE_KEY, Applied, Plan, checkpoint_path, dumps

if TYPE_CHECKING:
    from qonnx.core.modelwrapper import ModelWrapper

CHECKPOINT_KEY = "brainsmith.checkpoint"
"""The ``metadata_props`` key of a checkpoint's identity (a JSON document); the compiled
``model.onnx`` does not carry it."""


STEPS_KEY = "brainsmith.checkpoint.steps"
"""The ``metadata_props`` key of the run details (compile_report.json's entries: iterations,
cleanup, seconds, skipped) of the steps that made a checkpoint, so a resumed compile reports
them as the first run measured them."""


class ResumeError(BrainsmithError):
    """``--start-stage`` cannot resume from the checkpoints in the output directory."""


def identity(plan: Plan, model_data: bytes) -> dict[str, Any]:
    """The identity of a run: ``{"input_sha256", "blueprint_sha256", "versions"}`` where
    ``versions`` maps each distribution (brainsmith-core included) to its version."""
    from .._version import CORE_DISTRIBUTION, __version__

    versions = {CORE_DISTRIBUTION: __version__}
    for _, steps in plan.stages:
        for step in steps:
            if step.distribution:
                versions[step.distribution] = step.version
    return {
        "input_sha256": hashlib.sha256(model_data).hexdigest(),
        "blueprint_sha256": plan.blueprint_hash,
        "versions": dict(sorted(versions.items())),
    }


def checkpoint_props(run: Mapping[str, Any]) -> dict[str, str]:
    """The ``metadata_props`` every checkpoint of the run ``run`` (an :func:`identity`) gets."""
    return {CHECKPOINT_KEY: dumps(run)}


def adopt_checkpoint(model: ModelWrapper, plan: Plan, model_data: bytes) -> None:
    """Mark ``model`` (a checkpoint written by another run, its identity entry replaced) as a
    checkpoint of a run of ``plan`` on the input ``model_data`` (the model file's bytes), so
    that a compile with ``start_stage`` accepts it.

    The caller vouches that ``model`` is what ``plan``'s stages up to the checkpoint's make of
    that input: the sweep's prefix cache shares one checkpoint between plans whose stages up to
    there are equal (same transforms, options, distributions and versions).
    """
    props = model.model.metadata_props
    for i in reversed(range(len(props))):
        if props[i].key == CHECKPOINT_KEY:
            del props[i]
    entry = props.add()
    entry.key, entry.value = CHECKPOINT_KEY, dumps(identity(plan, model_data))


def resume(
    plan: Plan, start: str, folder: Path, run: Mapping[str, Any]
) -> tuple[ModelWrapper | None, list[Applied]]:
    """The checkpoint a compile starting at ``start`` resumes from (``None`` for the first
    stage), without its identity entry, and the steps it applied.

    :param folder: the checkpoints folder of the output directory.
    :param run: the current run's :func:`identity`.
    :raises ResumeError: the checkpoint is missing, unreadable or made from another input
        model, blueprint or plugin versions.
    """
    from ._inputs import read_model

    index = plan.stage_names.index(start)
    if index == 0:
        return None, []
    previous = plan.stage_names[index - 1]
    path = checkpoint_path(folder, plan, previous)
    if not path.is_file():
        raise ResumeError(
            f"--start-stage {start} needs the checkpoint of stage {previous!r}, which does not "
            "exist",
            where=str(path),
            fix="compile once with --checkpoints (and the same -o) first",
        )
    try:
        model = read_model(path)
    except BrainsmithError as exc:  # read_model's fix speaks of input models, not checkpoints
        raise ResumeError(
            f"cannot resume from the checkpoint: {exc.message}",
            where=str(path),
            fix="compile from the start (without --start-stage) with --checkpoints",
        ) from None
    _check_identity(model, run, path)
    applied = _recorded_steps(model, path)
    props = model.model.metadata_props
    for i in reversed(range(len(props))):
        if props[i].key in (CHECKPOINT_KEY, STEPS_KEY):
            del props[i]
    return model, applied


_PROVENANCE_FIELDS = {
    "stage": str,
    "transform": str,
    "options": dict,
    "distribution": str,
    "version": str,
    "modified": bool,
}
_DETAIL_FIELDS = {"skipped": bool, "iterations": int, "cleanup": bool, "seconds": float}


def _recorded_steps(model: ModelWrapper, path: Path) -> list[Applied]:
    """The steps that made the checkpoint: its provenance's transforms (the compiled model's
    provenance is rebuilt from them), with the run details of its :data:`STEPS_KEY` document
    when that document is well formed and lists the same transforms (skipped ones aside);
    otherwise without details (iterations and seconds 0).

    :raises ResumeError: the checkpoint's provenance is not a provenance document.
    """
    props = {p.key: p.value for p in model.model.metadata_props}
    details = _entries(_json(props.get(STEPS_KEY)), {**_PROVENANCE_FIELDS, **_DETAIL_FIELDS})
    if PROVENANCE_KEY not in props:  # a checkpoint of brainsmith before provenance
        return [_applied(e) for e in details or []]
    document = _json(props[PROVENANCE_KEY])
    recorded = document.get("transforms") if isinstance(document, dict) else None
    entries = _entries(recorded, _PROVENANCE_FIELDS)
    if entries is None:
        raise ResumeError(
            f"the checkpoint's provenance (metadata {PROVENANCE_KEY!r}) is damaged: it does "
            "not list the transforms that made the checkpoint",
            where=str(path),
            fix="compile from the start (without --start-stage) with --checkpoints",
        )
    if details is not None:
        kept = [_applied(e).provenance() for e in details if not e["skipped"]]
        if dumps(kept) == dumps([_applied(e).provenance() for e in entries]):
            return [_applied(e) for e in details]
    return [_applied(e) for e in entries]


def _json(text: str | None) -> Any:
    """The JSON document ``text`` holds, or ``None`` (no text, or not JSON)."""
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


def _entries(document: Any, fields: Mapping[str, type]) -> list[dict[str, Any]] | None:
    """``document`` when it is a list of step entries each with every field of ``fields`` of
    its type (a float field also takes an int; numbers finite and >= 0), else ``None``."""
    import math

    if not isinstance(document, list) or not all(isinstance(e, dict) for e in document):
        return None
    for entry in document:
        for name, kind in fields.items():
            value = entry.get(name)
            if isinstance(value, bool) != (kind is bool):
                return None
            if kind is float and isinstance(value, int | float):
                value = float(value)
            if not isinstance(value, kind):
                return None
            if isinstance(value, int | float) and not (math.isfinite(value) and value >= 0):
                return None
    return document


def _applied(entry: Mapping[str, Any]) -> Applied:
    """An :class:`Applied` from a report (or provenance) entry checked by :func:`_entries`."""
    return Applied(
        entry["stage"],
        entry["transform"],
        entry["options"],
        entry["distribution"],
        entry["version"],
        modified=entry["modified"],
        skipped=entry.get("skipped", False),
        iterations=entry.get("iterations", 0),
        cleaned=entry.get("cleanup", False),
        seconds=float(entry.get("seconds", 0.0)),
    )


def _check_identity(model: ModelWrapper, run: Mapping[str, Any], path: Path) -> None:
    fix = "compile from the start (without --start-stage) with --checkpoints"
    text = next((p.value for p in model.model.metadata_props if p.key == CHECKPOINT_KEY), None)
    try:
        made: Any = json.loads(text) if text else None
    except ValueError:
        made = None
    if not isinstance(made, dict) or not {"input_sha256", "blueprint_sha256"} <= made.keys():
        raise ResumeError(
            "the checkpoint does not record the input model and blueprint it was made from "
            "(an older brainsmith made it, or it is not a checkpoint)",
            where=str(path),
            fix=fix,
        )
    if made["blueprint_sha256"] != run["blueprint_sha256"]:
        raise ResumeError(
            "the checkpoint was made with a different blueprint", where=str(path), fix=fix
        )
    if made["input_sha256"] != run["input_sha256"]:
        raise ResumeError(
            "the checkpoint was made from a different input model (SHA-256 "
            f"{str(made['input_sha256'])[:12]}…, this model's is {run['input_sha256'][:12]}…)",
            where=str(path),
            fix=fix + ", or give the model the checkpoints were made from",
        )
    versions = made.get("versions")
    if not isinstance(versions, dict):
        versions = {}  # not recorded (or damaged): every version below reads as changed
    changed = [
        f"{name} {versions.get(name, 'absent')} -> {version}"
        for name, version in run["versions"].items()
        if versions.get(name) != version
    ]
    if changed:
        raise ResumeError(
            f"the checkpoint was made with other versions: {', '.join(changed)}",
            where=str(path),
            fix=fix,
        )


def carry_checkpoints(plan: Plan, start: str | None, published: Path, staged: Path) -> None:
    """Stage copies of the published checkpoints of the stages before ``start``: a resumed run
    commits them with its own as one set."""
    import shutil

    if start is None:
        return
    for stage in plan.stage_names[: plan.stage_names.index(start)]:
        source = checkpoint_path(published, plan, stage)
        if source.is_file():
            staged.mkdir(exist_ok=True)
            shutil.copy2(source, staged / source.name)
