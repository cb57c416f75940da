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
from ._plan import Applied, Plan, checkpoint_path, dumps, read_provenance

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
    props = model.model.metadata_props
    details = next((p.value for p in props if p.key == STEPS_KEY), None)
    for i in reversed(range(len(props))):
        if props[i].key in (CHECKPOINT_KEY, STEPS_KEY):
            del props[i]
    applied = _steps(details)
    if applied is None:  # a checkpoint without run details: what its provenance says
        document = read_provenance(model) or {}
        applied = [_applied(t) for t in document.get("transforms", [])]
    return model, applied


def _steps(details: str | None) -> list[Applied] | None:
    """The steps a :data:`STEPS_KEY` document records, or ``None`` when it is missing or
    malformed."""
    try:
        entries = json.loads(details) if details else None
        if not isinstance(entries, list):
            return None
        return [_applied(entry) for entry in entries]
    except (ValueError, KeyError, TypeError):
        return None


def _applied(entry: Mapping[str, Any]) -> Applied:
    """An :class:`Applied` from its report (or provenance) entry."""
    return Applied(
        entry["stage"],
        entry["transform"],
        entry["options"],
        entry["distribution"],
        entry["version"],
        modified=bool(entry["modified"]),
        skipped=bool(entry.get("skipped", False)),
        iterations=int(entry.get("iterations", 0)),
        cleaned=bool(entry.get("cleanup", False)),
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
    versions = made.get("versions") or {}
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
