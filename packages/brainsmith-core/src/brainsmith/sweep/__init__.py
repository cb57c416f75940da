"""Design-space sweeps: many compiles of one model over targets, options and blueprints, with
their estimates in one results table and the Pareto front of throughput against resources.

:func:`run_sweep` runs a sweep file (:func:`load_sweep`) on an executor (a local process pool,
Dask, or one a plugin adds through :mod:`~brainsmith.sweep.hookspecs`), sharing the stages common
to several points; :func:`sweep_report` reads the results back. May import the shared helpers,
``brainsmith.compile``, ``brainsmith.plugins`` and ``brainsmith.hardware``; nothing imports it.
Every name is imported on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_attributes

if TYPE_CHECKING:
    from . import hookspecs
    from ._executors import (
        ExecutorError,
        ExecutorFailure,
        ExecutorOptions,
        ExecutorSpec,
        SweepExecutor,
        executors,
    )
    from ._html import write_html
    from ._report import REPORT_NAME, SweepReport, pareto_front, sweep_report
    from ._run import SweepObserver, SweepSummary, run_sweep
    from ._spec import Point, SweepFileError, SweepSpec, load_sweep
    from ._store import STORE_NAME, Row, StoreError
    from ._worker import Outcome

_NAMES = {
    "hookspecs": ".hookspecs:",
    "ExecutorError": "._executors",
    "ExecutorFailure": "._executors",
    "ExecutorOptions": "._executors",
    "ExecutorSpec": "._executors",
    "SweepExecutor": "._executors",
    "executors": "._executors",
    "write_html": "._html",
    "REPORT_NAME": "._report",
    "SweepReport": "._report",
    "pareto_front": "._report",
    "sweep_report": "._report",
    "SweepObserver": "._run",
    "SweepSummary": "._run",
    "run_sweep": "._run",
    "Point": "._spec",
    "SweepFileError": "._spec",
    "SweepSpec": "._spec",
    "load_sweep": "._spec",
    "STORE_NAME": "._store",
    "Row": "._store",
    "StoreError": "._store",
    "Outcome": "._worker",
}
__all__ = [
    "REPORT_NAME",
    "STORE_NAME",
    "ExecutorError",
    "ExecutorFailure",
    "ExecutorOptions",
    "ExecutorSpec",
    "Outcome",
    "Point",
    "Row",
    "StoreError",
    "SweepExecutor",
    "SweepFileError",
    "SweepObserver",
    "SweepReport",
    "SweepSpec",
    "SweepSummary",
    "executors",
    "hookspecs",
    "load_sweep",
    "pareto_front",
    "run_sweep",
    "sweep_report",
    "write_html",
]
__getattr__ = lazy_attributes(__name__, _NAMES)
