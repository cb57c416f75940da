"""Run config: which lifecycle plugins a run enables, with options, priorities and schedules.

.. code-block:: yaml

    plugins:                      # in this order (it breaks priority ties)
      early_stopping:
        options: {metric: val_loss, patience: 3}
        priority: 10              # overrides the priorities its hooks declare
        on_error: warn            # raise | warn | disable | {disable_after: N}
      metrics_logger: {}
      checkpoint:
        options: {every_n_epochs: 2}
        enable_at_epoch: 3        # hooks run from epoch 3 ...
        disable_at_epoch: 8       # ... up to and including epoch 7

Unknown keys are errors naming the file and the key; unknown plugin names and options are
reported by :meth:`brainsmith.lifecycle.LifecycleHost.configure`, which knows the plugins.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..errors import BrainsmithError
from ._policy import ErrorPolicy


class RunConfigError(BrainsmithError):
    """A run config file is malformed or names something unknown."""


def _epoch(epoch: int | None) -> int | None:
    if epoch is not None and epoch < 1:
        raise ValueError(f"expected an epoch number >= 1, got {epoch!r}")
    return epoch


@dataclass(frozen=True, slots=True)
class PluginEntry:
    """One enabled lifecycle plugin of a run config (its fields are the YAML keys)."""

    name: str = field(default="", metadata={"key": None})
    options: Mapping[str, Any] = field(
        default_factory=dict, metadata={"doc": "its Config, checked when the plugin loads"}
    )
    priority: int | None = field(
        default=None, metadata={"doc": "overrides the priorities its hooks declare"}
    )
    on_error: ErrorPolicy | None = field(
        default=None,
        metadata={"doc": "raise, warn, disable or {disable_after: N}", "parse": ErrorPolicy.parse},
    )
    enable_at_epoch: int | None = field(
        default=None, metadata={"doc": "its hooks run from this epoch (>= 1)", "check": _epoch}
    )
    disable_at_epoch: int | None = field(
        default=None, metadata={"doc": "... and stop at this one (>= 1)", "check": _epoch}
    )
    enabled: bool = field(default=True, metadata={"doc": "false leaves it out of the run"})

    def __post_init__(self) -> None:
        start, stop = self.enable_at_epoch, self.disable_at_epoch
        if start is not None and stop is not None and stop <= start:
            raise ValueError(f"disable_at_epoch ({stop}) must come after enable_at_epoch ({start})")

    def active_at(self, epoch: int) -> bool:
        """Whether the schedule has the plugin on during ``epoch``."""
        if self.enable_at_epoch is not None and epoch < self.enable_at_epoch:
            return False
        return self.disable_at_epoch is None or epoch < self.disable_at_epoch

    @property
    def scheduled(self) -> bool:
        """Whether it has an ``enable_at_epoch`` or ``disable_at_epoch``."""
        return self.enable_at_epoch is not None or self.disable_at_epoch is not None


@dataclass(frozen=True, slots=True)
class _Document:
    plugins: dict[str, PluginEntry | None] | None = field(
        default=None,
        metadata={"doc": "write 'plugins: {early_stopping: {options: {patience: 3}}}'"},
    )


@dataclass(frozen=True, slots=True)
class RunConfig:
    """A parsed run config; ``source`` names its file in errors."""

    plugins: tuple[PluginEntry, ...] = ()
    source: str = "<run config>"

    def where(self, *keys: str) -> str:
        """``file: plugins.name.key`` for error messages."""
        return f"{self.source}: {'.'.join(keys)}" if keys else self.source

    @classmethod
    def load(cls, path: str | Path) -> RunConfig:
        """Read and check a YAML run config file."""
        from .._yaml import read_yaml

        path = Path(path)
        data = read_yaml(path, "run config", RunConfigError)
        return cls.from_mapping({} if data is None else data, source=str(path))

    @classmethod
    def from_mapping(cls, data: object, *, source: str = "<run config>") -> RunConfig:
        """Check a run config already parsed into Python values."""
        from .._schema import validate

        document = validate(_Document, data, where=source, error=RunConfigError, null_default=True)
        entries = (document.plugins or {}).items()
        return cls(tuple(replace(e or PluginEntry(), name=n) for n, e in entries), source)
