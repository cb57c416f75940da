"""What a sweep's workers run: building a shared stage prefix, and compiling one point.

Both are plain functions of picklable tasks (a process pool or a Dask cluster ships them), and
both return an outcome instead of raising: a point that fails is a row with its reason, never
the end of the sweep. Each call opens its own plugin session from the worker's environment.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

OK = "ok"
"""The point compiled and meets its target (or has none)."""
TARGET_MISSED = "target_missed"
"""The point compiled, but its estimates miss the target (the reason says which layer)."""
FAILED = "failed"
"""The compile raised: bad input for this point, a transform or a plugin failed."""
PREFIX_NAME = "prefix.onnx"


@dataclass(frozen=True, slots=True)
class PrefixTask:
    """Compile ``model`` through ``blueprint_file`` up to ``stage`` once; keep the model after
    it as ``cache_file``."""

    key: str
    model: Path
    blueprint_file: Path
    target: Mapping[str, Any]
    stage: str
    cache_file: Path


@dataclass(frozen=True, slots=True)
class PointTask:
    """Compile one point into ``output_dir``; with ``start_stage``, resume from the checkpoint
    of the stage before it (a shared prefix, placed in ``output_dir/checkpoints/`` for this
    point by the sweep)."""

    id: str
    model: Path
    blueprint_file: Path
    target: Mapping[str, Any]
    output_dir: Path
    verify: str | None = None
    run_config: Path | None = None
    start_stage: str | None = None
    resumed_after: str | None = None
    artifacts: bool = False
    """Let plugins write their artifacts (the accelerator project); off for estimates."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one task produced: ``status`` (:data:`OK`, :data:`TARGET_MISSED`, :data:`FAILED`),
    the reason when not OK, the estimates' numbers, the wall time and where it ran."""

    id: str
    status: str
    reason: str = ""
    metrics: Mapping[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    worker: str = ""
    resumed_after: str | None = None
    """The cached stage the point resumed from, or ``None``."""


def build_prefix(task: PrefixTask) -> Outcome:
    """Run the stages up to ``task.stage`` and move the model after it to ``task.cache_file``
    (atomically; an existing file is kept). A failure is an outcome with the reason: the
    points then compile every stage themselves."""
    from ..compile import compile_model

    began = time.perf_counter()
    if task.cache_file.is_file():
        return Outcome(task.key, OK, worker=_worker())
    task.cache_file.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{task.key[:12]}-", dir=task.cache_file.parent))
    try:
        result = compile_model(
            task.model,
            blueprint=task.blueprint_file,
            output_dir=scratch,
            target=dict(task.target),
            stop_stage=task.stage,
            checkpoints=True,
            session=_session(),
            artifacts=False,
        )
        os.replace(result.checkpoints[-1], task.cache_file)
    except Exception as error:  # reported as the prefix's outcome; the points go on
        return Outcome(task.key, FAILED, _reason(error), seconds=_since(began), worker=_worker())
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return Outcome(task.key, OK, seconds=_since(began), worker=_worker())


def run_point(task: PointTask) -> Outcome:
    """Compile the point (from its cached prefix when given) and read its estimates.

    The compile writes its outputs to ``task.output_dir`` (``model.onnx``,
    ``compile_report.json``; the plugins' artifacts with ``task.artifacts``); a resumed
    compile's adopted checkpoint is removed afterwards.
    """
    from ..compile import compile_model

    began = time.perf_counter()
    session = _session()
    checkpoints = task.output_dir / "checkpoints"
    try:
        result = compile_model(
            task.model,
            blueprint=task.blueprint_file,
            output_dir=task.output_dir,
            target=dict(task.target),
            verify=task.verify or False,
            run_config=task.run_config,
            start_stage=task.start_stage,
            session=session,
            artifacts=task.artifacts,
        )
    except Exception as error:  # a failing point is a row with its reason
        return Outcome(task.id, FAILED, _reason(error), seconds=_since(began), worker=_worker())
    finally:
        if task.start_stage is not None:
            shutil.rmtree(checkpoints, ignore_errors=True)
    status, reason, metrics = read_estimates(result.report)
    return Outcome(
        task.id,
        status,
        reason,
        metrics,
        seconds=_since(began),
        worker=_worker(),
        resumed_after=task.resumed_after,
    )


def read_estimates(report: Mapping[str, Any]) -> tuple[str, str, dict[str, Any]]:
    """``(status, reason, metrics)`` from a compile report: ``fps``, ``max_cycles``,
    ``latency_us``, ``bottleneck``, the resource totals (``LUT``, ``FF``, ``BRAM_18K``,
    ``URAM``, ``DSP``) and ``meets_target``; a missed target is :data:`TARGET_MISSED` with
    the limiting layer's reason. A compile without estimates (no hardware) is OK with none."""
    estimates = report.get("estimates") or {}
    totals = estimates.get("totals") or {}
    metrics = {
        "fps": estimates.get("fps"),
        "max_cycles": estimates.get("max_cycles"),
        "latency_us": estimates.get("latency_us"),
        "bottleneck": estimates.get("bottleneck"),
        "meets_target": estimates.get("meets_target"),
        **{name: totals.get(name) for name in ("LUT", "FF", "BRAM_18K", "URAM", "DSP")},
    }
    if estimates.get("meets_target") is not False:
        return OK, "", metrics
    limiting = (report.get("folding") or {}).get("limiting") or {}
    if limiting.get("reason"):
        reason = f"target unreachable: {limiting.get('node')} {limiting['reason']}"
    else:
        missed = [w for w in report.get("warnings", []) if "target" in str(w)]
        reason = str(missed[0]) if missed else "the estimates miss the target"
    return TARGET_MISSED, reason, metrics


def _session() -> Any:
    from ..plugins import Session

    return Session.from_environment()


def _reason(error: BaseException) -> str:
    from ..errors import BrainsmithError

    if isinstance(error, BrainsmithError):
        return str(error)
    last = traceback.extract_tb(error.__traceback__)[-1:] if error.__traceback__ else []
    place = f" ({last[0].filename}:{last[0].lineno})" if last else ""
    return f"{type(error).__name__}: {error}{place}"


def _worker() -> str:
    import socket

    return f"{socket.gethostname()}:{os.getpid()}"


def _since(began: float) -> float:
    return round(time.perf_counter() - began, 6)
