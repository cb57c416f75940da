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

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._suggest import did_you_mean
from ..errors import BrainsmithError
from ._policy import ErrorPolicy

if TYPE_CHECKING:
    from collections.abc import Mapping

TOP_KEYS = ("plugins",)
ENTRY_KEYS = ("options", "priority", "on_error", "enable_at_epoch", "disable_at_epoch", "enabled")


class RunConfigError(BrainsmithError):
    """A run config file is malformed or names something unknown."""


@dataclass(frozen=True, slots=True)
class PluginEntry:
    """One enabled lifecycle plugin of a run config."""

    name: str
    options: Mapping[str, Any] = field(default_factory=dict)
    priority: int | None = None
    on_error: ErrorPolicy | None = None
    enable_at_epoch: int | None = None
    disable_at_epoch: int | None = None
    enabled: bool = True

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
        if not isinstance(data, dict):
            raise RunConfigError("a run config must be a mapping", where=source)
        _no_unknown(data, TOP_KEYS, source, ())
        plugins = data.get("plugins") or {}
        if not isinstance(plugins, dict):
            raise RunConfigError(
                "plugins must map plugin names to their settings",
                where=f"{source}: plugins",
                fix="write 'plugins: {early_stopping: {options: {patience: 3}}}'",
            )
        entries = tuple(_entry(str(name), raw, source) for name, raw in plugins.items())
        return cls(entries, source)


def _no_unknown(
    data: Mapping[str, Any], known: tuple[str, ...], source: str, at: tuple[str, ...]
) -> None:
    for key in data:
        if key not in known:
            raise RunConfigError(
                f"unknown key {key!r}" + did_you_mean(str(key), known),
                where=f"{source}: {'.'.join((*at, str(key)))}",
                fix=f"use one of: {', '.join(known)}",
            )


def _epoch(raw: Mapping[str, Any], key: str, where: str) -> int | None:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise RunConfigError(f"{key} must be an epoch number >= 1, got {value!r}", where=where)
    return value


def _entry(name: str, raw: object, source: str) -> PluginEntry:
    where = f"{source}: plugins.{name}"
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise RunConfigError(
            f"settings must be a mapping, got {type(raw).__name__}",
            where=where,
            fix="write '{}' for the defaults",
        )
    _no_unknown(raw, ENTRY_KEYS, source, ("plugins", name))
    options = raw.get("options") or {}
    if not isinstance(options, dict):
        raise RunConfigError("options must be a mapping", where=f"{where}.options")
    priority = raw.get("priority")
    if priority is not None and (isinstance(priority, bool) or not isinstance(priority, int)):
        raise RunConfigError(
            f"priority must be an integer, got {priority!r}", where=f"{where}.priority"
        )
    policy = None
    if "on_error" in raw:
        try:
            policy = ErrorPolicy.parse(raw["on_error"])
        except ValueError as exc:
            raise RunConfigError(str(exc), where=f"{where}.on_error") from None
    enabled = raw.get("enabled", True)
    if not isinstance(enabled, bool):
        raise RunConfigError(
            f"enabled must be true or false, got {enabled!r}", where=f"{where}.enabled"
        )
    start = _epoch(raw, "enable_at_epoch", f"{where}.enable_at_epoch")
    stop = _epoch(raw, "disable_at_epoch", f"{where}.disable_at_epoch")
    if start is not None and stop is not None and stop <= start:
        raise RunConfigError(
            f"disable_at_epoch ({stop}) must come after enable_at_epoch ({start})",
            where=f"{where}.disable_at_epoch",
        )
    return PluginEntry(name, dict(options), priority, policy, start, stop, enabled)
