"""Where a sweep's compiles run: a local process pool (default, no extra dependency), Dask
distributed (``brainsmith-core[dask]``), or an executor a plugin adds through the
``brainsmith_sweep_executors`` hook.

An executor maps a picklable function over picklable tasks and yields the results as they
finish, in any order. The process driving the sweep consumes them one by one and stores each
at once.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from ..errors import BrainsmithError

if TYPE_CHECKING:
    from ..plugins import Session


class SweepExecutor(Protocol):
    """Runs ``function(task)`` for many tasks; yields each result as it is ready."""

    def map(self, function: Callable[[Any], Any], tasks: Sequence[Any]) -> Iterator[Any]: ...

    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class ExecutorOptions:
    """What ``brainsmith sweep`` passes an executor's factory: ``workers`` (processes; ``None``
    for the executor's default) and ``scheduler`` (an address of an existing cluster, or
    ``None`` to start one)."""

    workers: int | None = None
    scheduler: str | None = None


@dataclass(frozen=True, slots=True)
class ExecutorSpec:
    """An executor by name: ``factory(options)`` returns a :class:`SweepExecutor`."""

    name: str
    factory: Callable[[ExecutorOptions], SweepExecutor]
    description: str = ""


class ExecutorError(BrainsmithError):
    """An executor is unknown, not installed, or its cluster cannot be reached."""


class ExecutorFailure(ExecutorError):
    """The executor itself failed (a worker process died, the cluster went away): exit
    status 1. The points finished so far are stored; running the sweep again resumes."""

    exit_code = 1


class LocalExecutor:
    """A pool of ``workers`` processes (default: the machine's CPU count); with one worker the
    tasks run in this process, one after the other."""

    def __init__(self, options: ExecutorOptions) -> None:
        self.workers = options.workers or os.cpu_count() or 1
        if options.scheduler:
            raise ExecutorError(
                "the local executor takes no --scheduler",
                fix="use --executor dask --scheduler ADDRESS for an existing cluster",
            )
        self._pool: Any = None

    def map(self, function: Callable[[Any], Any], tasks: Sequence[Any]) -> Iterator[Any]:
        if self.workers == 1 or len(tasks) <= 1:
            for task in tasks:
                yield function(task)
            return
        import concurrent.futures
        import multiprocessing

        if self._pool is None:
            self._pool = concurrent.futures.ProcessPoolExecutor(
                max_workers=self.workers, mp_context=multiprocessing.get_context("spawn")
            )
        from concurrent.futures.process import BrokenProcessPool

        futures = [self._pool.submit(function, task) for task in tasks]
        try:
            for future in concurrent.futures.as_completed(futures):
                try:
                    yield future.result()
                except BrokenProcessPool as exc:
                    raise ExecutorFailure(
                        f"a worker process died: {exc}",
                        where="local executor",
                        fix="run the sweep again to resume (finished points are kept); with "
                        "--workers 1 a crashing point stops in the command itself",
                    ) from None
        finally:
            for future in futures:
                future.cancel()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


class DaskExecutor:
    """Dask distributed: a ``LocalCluster`` of ``workers`` single-threaded processes, or the
    existing cluster at ``scheduler`` (whose workers must see the sweep's folder and model)."""

    def __init__(self, options: ExecutorOptions) -> None:
        try:
            import dask.distributed
        except ImportError:
            raise ExecutorError(
                "the dask executor needs dask distributed, which is not installed",
                fix="pip install 'brainsmith-core[dask]'",
            ) from None
        self._api: Any = dask.distributed  # untyped library
        self._cluster: Any = None
        self._client: Any = None
        try:
            if options.scheduler:
                self._client = self._api.Client(options.scheduler, timeout="20s")
            else:
                self._cluster = self._api.LocalCluster(
                    n_workers=options.workers or os.cpu_count() or 1,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                )
                self._client = self._api.Client(self._cluster)
        except (OSError, TimeoutError) as exc:
            raise ExecutorError(
                f"cannot reach the Dask scheduler: {exc}",
                where=options.scheduler or "LocalCluster",
                fix="check the address (tcp://host:8786) and that the scheduler runs",
            ) from None

    def map(self, function: Callable[[Any], Any], tasks: Sequence[Any]) -> Iterator[Any]:
        futures = [self._client.submit(function, task, pure=False) for task in tasks]
        try:
            for future in self._api.as_completed(futures):
                yield future.result()
        finally:
            for future in futures:
                future.cancel()

    def close(self) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


BUILTIN_EXECUTORS = (
    ExecutorSpec("local", LocalExecutor, "a process pool on this machine (default)"),
    ExecutorSpec("dask", DaskExecutor, "Dask distributed: a LocalCluster, or --scheduler ADDR"),
)


def executors(session: Session | None) -> dict[str, ExecutorSpec]:
    """The core's executors and those every usable plugin adds, by name.

    :raises ExecutorError: a plugin returns something that is not an :class:`ExecutorSpec`, or
        takes a name already taken (naming the plugin).
    """
    from . import hookspecs

    found = {spec.name: spec for spec in BUILTIN_EXECUTORS}
    if session is None:
        return found
    manager = session.plugin_manager
    caller = getattr(manager.hook, "brainsmith_sweep_executors", None)
    if caller is None or caller.spec is None:
        manager.add_hookspecs(hookspecs)
    session.activate_all()
    for implementation in manager.hook.brainsmith_sweep_executors.get_hookimpls():
        plugin = session.describe(implementation.plugin_name)
        provided: Any = implementation.function()
        for spec in provided or ():
            if not isinstance(spec, ExecutorSpec):
                raise ExecutorError(
                    f"brainsmith_sweep_executors returned {type(spec).__name__}, "
                    "not an ExecutorSpec",
                    where=f"plugin {plugin}",
                    fix="return brainsmith.sweep.ExecutorSpec(name, factory, description)",
                )
            if spec.name in found:
                raise ExecutorError(
                    f"sweep executor {spec.name!r} is already taken",
                    where=f"plugin {plugin}",
                    fix="give the executor another name",
                )
            found[spec.name] = spec
    return found


def open_executor(name: str, options: ExecutorOptions, session: Session | None) -> SweepExecutor:
    """The executor ``name`` with ``options``.

    :raises ExecutorError: unknown name (with the known ones), or the factory failed.
    """
    from .._suggest import did_you_mean

    known = executors(session)
    if name not in known:
        raise ExecutorError(
            f"unknown sweep executor {name!r}{did_you_mean(name, list(known))}",
            fix=f"use one of: {', '.join(known)}",
        )
    return known[name].factory(options)
