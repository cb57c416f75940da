"""The sweep's hook: executors a plugin adds to ``brainsmith sweep --executor NAME``.

The core ships ``local`` (a process pool) and ``dask`` (Dask distributed, with the
``brainsmith-core[dask]`` extra). A plugin adds another (Ray, a SLURM job array) without touching
the core by returning :class:`~brainsmith.sweep.ExecutorSpec` records; the hook is called when
a sweep looks its executor up (every usable plugin is activated then).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from .._markers import hookspec

if TYPE_CHECKING:
    from ._executors import ExecutorSpec


@hookspec
def brainsmith_sweep_executors() -> Iterable[ExecutorSpec]:
    """Return the sweep executors this plugin provides.

    An :class:`~brainsmith.sweep.ExecutorSpec` names the executor and gives a factory that
    takes :class:`~brainsmith.sweep.ExecutorOptions` (``workers``, ``scheduler``) and returns an
    object with ``map(function, tasks)`` (yield ``function(task)`` for every task, in any
    order, as they finish) and ``close()``. Tasks and results are picklable; ``function`` is a
    module-level function of brainsmith. A name the core uses (``local``, ``dask``) cannot be
    taken.

    Example::

        from brainsmith import hookimpl
        from brainsmith.sweep import ExecutorSpec

        class RayExecutor:
            def __init__(self, options): ...
            def map(self, function, tasks): ...
            def close(self): ...

        @hookimpl
        def brainsmith_sweep_executors():
            return [ExecutorSpec("ray", RayExecutor, "a Ray cluster (ray.init(address=...))")]
    """
