"""The builtin plugin's lifecycle hook module (the manifest's ``hooks``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from brainsmith import hookimpl

from brainsmith_builtin.report.hooks import write_accelerator_report  # noqa: F401 (pluggy registers it)

if TYPE_CHECKING:
    from collections.abc import Iterable


@hookimpl
def brainsmith_lifecycle_plugins() -> Iterable[type]:
    """The builtin lifecycle plugins (imported only when a run asks for them)."""
    from .checkpoint import Checkpoint
    from .early_stopping import EarlyStopping
    from .metrics_logger import MetricsLogger
    from .timing import TimingReport

    return [TimingReport, Checkpoint, EarlyStopping, MetricsLogger]
