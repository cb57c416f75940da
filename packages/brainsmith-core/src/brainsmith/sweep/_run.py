"""``run_sweep``: every pending point of a sweep file compiled on an executor, results stored as
they finish.

The order of work: prepare every point (blueprints, ids, prefix keys); add them to the store
as pending; pick, for each pending point, the deepest stage prefix it shares with another point
(or that is already cached) and build each such prefix once; then compile the points, each
resuming after its prefix. A point that fails is a row; the others go on.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from .._atomic import write_atomic
from ._executors import ExecutorOptions, open_executor
from ._prepare import Prepared, prepare, shared_prefixes
from ._spec import SweepSpec, load_sweep
from ._store import PENDING, Row, Store, StoreError
from ._worker import FAILED, Outcome, PointTask, PrefixTask, build_prefix, run_point

if TYPE_CHECKING:
    from ..plugins import Session

POINTS = "points"
"""The folder of the points' compile outputs (``points/<id>/``) in the sweep's folder."""
CACHE = os.path.join(".cache", "prefixes")
"""The folder of the shared stage prefixes (``<key>.onnx``) in the sweep's folder."""
LOCK_NAME = ".sweep.lock"
"""Held while a sweep runs in the folder."""


class SweepObserver(Protocol):
    """Receives a sweep's progress (the CLI draws a progress bar)."""

    def begin(self, total: int, done: int, prefixes: int) -> None:
        """``total`` points, ``done`` of them finished by an earlier run, ``prefixes`` shared
        stage prefixes to build first."""

    def prefix_done(self, outcome: Outcome) -> None: ...

    def point_done(self, row: Row) -> None: ...


@dataclass(frozen=True, slots=True)
class SweepSummary:
    """What :func:`run_sweep` did: every row of the sweep (in the file's order), how many points
    this run compiled and how many an earlier run had finished, and the wall time (s)."""

    rows: tuple[Row, ...]
    ran: int
    skipped: int
    prefixes_built: int
    seconds: float
    output_dir: Path


def run_sweep(
    sweep: SweepSpec | str | os.PathLike[str],
    output_dir: str | os.PathLike[str],
    *,
    executor: str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    verify: str | None = None,
    retry_failed: bool = False,
    share_prefixes: bool = True,
    artifacts: bool = False,
    session: Session | None = None,
    observer: SweepObserver | None = None,
) -> SweepSummary:
    """Run every point of a sweep that is not finished in ``output_dir`` yet.

    :param sweep: a sweep file (docs/sweep.md) or a loaded :class:`SweepSpec`.
    :param output_dir: receives ``sweep.sqlite`` (the results), ``points/<id>/`` (each
        point's compile outputs), ``blueprints/`` and ``.cache/prefixes/``.
    :param executor: ``local`` (process pool), ``dask``, or one a plugin adds.
    :param workers: processes (default: the CPU count); ``scheduler``: a Dask address.
    :param verify: overrides the sweep file's ``verify`` (``python``/``cppsim``/``rtlsim``).
    :param retry_failed: compile points that failed in an earlier run again.
    :param share_prefixes: build stage prefixes shared by several points once (default).
    :param artifacts: let plugins write each point's artifacts (the accelerator project);
        default off: a sweep compares estimates.
    :returns: the summary; failed points are rows, not exceptions.
    :raises BrainsmithError: bad input (exit 2): the sweep file, its model, blueprints or
        options, the output folder; ``ExecutorError`` for an unknown or unreachable executor.
    """
    from ..plugins import Session

    began = time.perf_counter()
    spec = sweep if isinstance(sweep, SweepSpec) else load_sweep(Path(sweep))
    if verify is not None:
        spec = SweepSpec(spec.path, spec.model, verify, spec.run_config, spec.points)
    outdir = Path(output_dir).absolute()
    if outdir.exists() and not outdir.is_dir():
        raise StoreError(
            "the sweep's output folder is a file",
            where=str(outdir),
            fix="give -o a new folder, or the folder of an earlier run of this sweep",
        )
    session = session if session is not None else Session.from_environment()
    points = prepare(spec, outdir, session)
    with _exclusive(outdir), Store(outdir) as store:
        store.add(
            (
                p.id,
                p.point.position,
                p.point.label(),
                p.point.parameters,
                p.point.target,
                str(outdir / POINTS / p.id),
            )
            for p in points
        )
        rows = {row.id: row for row in store.rows()}
        if retry_failed:
            store.reset(p.id for p in points if rows[p.id].status == FAILED)
            rows = {row.id: row for row in store.rows()}
        pending = [p for p in points if rows[p.id].status == PENDING]
        cache = outdir / CACHE
        cached = {f.stem for f in cache.glob("*.onnx")} if cache.is_dir() else set()
        chosen = shared_prefixes(pending, cached) if share_prefixes else {}
        prefix_tasks = _prefix_tasks(pending, chosen, cache, spec)
        if observer is not None:
            observer.begin(len(points), len(points) - len(pending), len(prefix_tasks))
        runner = open_executor(executor, ExecutorOptions(workers, scheduler), session)
        try:
            built = set(cached)
            for outcome in runner.map(build_prefix, prefix_tasks):
                if outcome.status != FAILED:
                    built.add(outcome.id)
                if observer is not None:
                    observer.prefix_done(outcome)
            data = spec.model.read_bytes()
            tasks = [
                replace(
                    _point_task(
                        p,
                        chosen=chosen,
                        built=built,
                        cache=cache,
                        spec=spec,
                        outdir=outdir,
                        model_data=data,
                    ),
                    artifacts=artifacts,
                )
                for p in pending
            ]
            for outcome in runner.map(run_point, tasks):
                store.record(
                    outcome.id,
                    outcome.status,
                    outcome.reason,
                    outcome.metrics,
                    seconds=outcome.seconds,
                    worker=outcome.worker,
                    resumed_after=outcome.resumed_after,
                )
                if observer is not None:
                    observer.point_done(store.row(outcome.id))
        finally:
            runner.close()
        mine = {p.id for p in points}
        final = tuple(r for r in store.rows() if r.id in mine)
    return SweepSummary(
        rows=final,
        ran=len(pending),
        skipped=len(points) - len(pending),
        prefixes_built=sum(1 for t in prefix_tasks if t.key in built and t.key not in cached),
        seconds=round(time.perf_counter() - began, 3),
        output_dir=outdir,
    )


@contextlib.contextmanager
def _exclusive(folder: Path) -> Iterator[None]:
    """Hold the sweep folder's lock: two sweeps in one folder would compile the same points.

    :raises BrainsmithError: another sweep holds it.
    """
    import fcntl

    from ..errors import BrainsmithError

    with open(folder / LOCK_NAME, "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise BrainsmithError(
                "another sweep is running in this folder",
                where=str(folder),
                fix="wait for it to finish, or give this sweep another folder with -o",
            ) from None
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _prefix_tasks(
    pending: Sequence[Prepared], chosen: dict[str, int], cache: Path, spec: SweepSpec
) -> list[PrefixTask]:
    tasks: dict[str, PrefixTask] = {}
    for prepared in pending:
        index = chosen.get(prepared.id)
        if index is None:
            continue
        key = prepared.prefix_keys[index]
        if key not in tasks and not (cache / f"{key}.onnx").is_file():
            tasks[key] = PrefixTask(
                key,
                spec.model,
                prepared.blueprint_file,
                prepared.point.target,
                prepared.stage_names[index],
                cache / f"{key}.onnx",
            )
    return list(tasks.values())


def _point_task(
    prepared: Prepared,
    *,
    chosen: dict[str, int],
    built: set[str],
    cache: Path,
    spec: SweepSpec,
    outdir: Path,
    model_data: bytes,
) -> PointTask:
    """The point's task; when its shared prefix was built, the prefix is placed in the point's
    folder as the checkpoint its compile resumes from."""
    index = chosen.get(prepared.id)
    folder = outdir / POINTS / prepared.id
    start = resumed_after = None
    if index is not None and prepared.prefix_keys[index] in built:
        resumed_after = prepared.stage_names[index]
        start = prepared.stage_names[index + 1]
        _adopt(
            cache / f"{prepared.prefix_keys[index]}.onnx",
            prepared,
            resumed_after,
            folder,
            model_data,
        )
    return PointTask(
        id=prepared.id,
        model=spec.model,
        blueprint_file=prepared.blueprint_file,
        target=prepared.point.target,
        output_dir=folder,
        verify=spec.verify,
        run_config=spec.run_config,
        start_stage=start,
        resumed_after=resumed_after,
    )


def _adopt(prefix: Path, prepared: Prepared, stage: str, folder: Path, model_data: bytes) -> None:
    """Write the cached prefix as the point's checkpoint of ``stage``, marked as made by the
    point's own plan (the prefix key proves its stages up to there are the point's)."""
    from qonnx.core.modelwrapper import ModelWrapper

    from ..compile import adopt_checkpoint, checkpoint_path, serialize

    model = ModelWrapper(str(prefix))
    adopt_checkpoint(model, prepared.plan, model_data)
    checkpoints = folder / "checkpoints"
    checkpoints.mkdir(parents=True, exist_ok=True)
    write_atomic(checkpoint_path(checkpoints, prepared.plan, stage), serialize(model))
