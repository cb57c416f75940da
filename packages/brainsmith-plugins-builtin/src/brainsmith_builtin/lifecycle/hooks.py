"""The builtin plugin's hook module (the manifest's ``hooks``): its lifecycle plugins and the
compile's artifacts (the stitched accelerator project)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from brainsmith import hookimpl

from brainsmith_builtin.report.hooks import write_accelerator_report  # noqa: F401 (pluggy registers it)

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from pathlib import Path


@hookimpl
def brainsmith_lifecycle_plugins() -> Iterable[type]:
    """The builtin lifecycle plugins (imported only when a run asks for them)."""
    from .checkpoint import Checkpoint
    from .early_stopping import EarlyStopping
    from .metrics_logger import MetricsLogger
    from .timing import TimingReport

    return [TimingReport, Checkpoint, EarlyStopping, MetricsLogger]


@hookimpl
def brainsmith_compile_artifacts(
    model: Any, folder: Path, report: Mapping[str, Any]
) -> Iterable[str] | None:
    """``accelerator/``: the stitched project of the compiled model's dataflow partition
    (nothing when it has none); see :mod:`brainsmith_builtin.project`."""
    from brainsmith_builtin.project import write_accelerator  # heavy: only when a compile ends

    return write_accelerator(model, folder)
