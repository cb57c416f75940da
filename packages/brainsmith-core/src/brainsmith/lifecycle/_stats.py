"""Hook statistics per plugin and hook, and the ``hook_stats.json`` file a run leaves behind.

Shape of the file (times in milliseconds)::

    {"schema": 1,
     "stopped": {"reason": "...", "by": "early_stopping", "event": "on_validation_end"} | null,
     "disabled": {"plugin": "why"},
     "hooks": [{"plugin": "x", "label": "x (brainsmith-plugin-x 1.2.0)", "hook": "on_epoch_end",
                "calls": 10, "skipped": 2, "errors": 0,
                "total_ms": 1.5, "max_ms": 0.4, "mean_ms": 0.15}]}
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

STATS_FILE = "hook_stats.json"
"""The file name a run's statistics are written to, next to its outputs."""

SCHEMA = 1


class HookStat:
    """Counters of one plugin's implementation of one hook. ``calls`` counts every call
    (``errors`` of them raised); ``skipped`` counts calls a condition prevented."""

    __slots__ = ("calls", "errors", "hook", "max", "plugin", "skipped", "total")

    def __init__(self, plugin: str, hook: str) -> None:
        self.plugin = plugin
        self.hook = hook
        self.calls = 0
        self.skipped = 0
        self.errors = 0
        self.total = 0.0
        self.max = 0.0

    def to_json(self, label: str = "") -> dict[str, Any]:
        """The JSON row of ``hook_stats.json``."""
        return {
            "plugin": self.plugin,
            "label": label or self.plugin,
            "hook": self.hook,
            "calls": self.calls,
            "skipped": self.skipped,
            "errors": self.errors,
            "total_ms": round(self.total * 1e3, 6),
            "max_ms": round(self.max * 1e3, 6),
            "mean_ms": round(self.total * 1e3 / self.calls, 6) if self.calls else 0.0,
        }


class HookStats:
    """All counters of one dispatcher, created on first use of a (plugin, hook) pair."""

    def __init__(self) -> None:
        self._slots: dict[tuple[str, str], HookStat] = {}

    def slot(self, plugin: str, hook: str) -> HookStat:
        """The counters of ``plugin``'s ``hook``, created if new."""
        key = (plugin, hook)
        stat = self._slots.get(key)
        if stat is None:
            stat = self._slots[key] = HookStat(plugin, hook)
        return stat

    def get(self, plugin: str, hook: str) -> HookStat | None:
        """The counters of ``plugin``'s ``hook``, or ``None`` if it never ran."""
        return self._slots.get((plugin, hook))

    def __iter__(self) -> Iterator[HookStat]:
        return iter(sorted(self._slots.values(), key=lambda s: (s.plugin, s.hook)))

    def to_json(
        self,
        *,
        label: Callable[[str], str] = str,
        stopped: dict[str, str] | None = None,
        disabled: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """The whole ``hook_stats.json`` document."""
        labels: dict[str, str] = {}
        rows = []
        for stat in self:
            if stat.plugin not in labels:
                labels[stat.plugin] = label(stat.plugin)
            rows.append(stat.to_json(labels[stat.plugin]))
        return {
            "schema": SCHEMA,
            "stopped": stopped,
            "disabled": dict(disabled or {}),
            "hooks": rows,
        }


def stats_path(location: str | os.PathLike[str]) -> Path:
    """``location`` itself if it names a ``.json`` file, else ``location/hook_stats.json``."""
    path = Path(location)
    return path if path.suffix == ".json" else path / STATS_FILE


ROW_KEYS = ("label", "hook", "calls", "skipped", "errors", "total_ms", "max_ms")
"""The keys of a ``hooks`` row that :func:`format_table` reads."""


def read_stats(location: str | os.PathLike[str]) -> dict[str, Any]:
    """Load a run's ``hook_stats.json`` (a run directory or the file itself)."""
    from .._json import read_json
    from ..errors import BrainsmithError

    path = stats_path(location)
    fix = "pass the output directory of a compile or training run, or its hook_stats.json"
    try:
        document = read_json(path, what="hook statistics", fix=fix)
    except FileNotFoundError:
        raise BrainsmithError("no hook statistics here", where=str(path), fix=fix) from None
    if not isinstance(document, dict) or document.get("schema") != SCHEMA:
        raise BrainsmithError(
            f"unknown statistics format (expected schema {SCHEMA})", where=str(path)
        )
    problem = _shape_problem(document)
    if problem:
        raise BrainsmithError(
            problem, where=str(path), fix="delete the file and run again to write it anew"
        )
    return document


def _shape_problem(document: dict[str, Any]) -> str:
    """What keeps :func:`format_table` from reading ``document``, or ``""``."""
    rows = document.get("hooks", [])
    if not isinstance(rows, list):
        return f"'hooks' must be a list of rows, not {type(rows).__name__}"
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            return f"hooks[{index}] must be an object, not {type(row).__name__}"
        missing = [key for key in ROW_KEYS if key not in row]
        if missing:
            return f"hooks[{index}] lacks {', '.join(repr(k) for k in missing)}"
        for key in ("total_ms", "max_ms"):
            value = row[key]
            if isinstance(value, bool) or not isinstance(value, int | float):
                return f"hooks[{index}].{key} must be a number, not {value!r}"
    stopped = document.get("stopped")
    if stopped is not None and not isinstance(stopped, dict):
        return f"'stopped' must be an object or null, not {type(stopped).__name__}"
    disabled = document.get("disabled", {})
    if not isinstance(disabled, dict):
        return f"'disabled' must be an object, not {type(disabled).__name__}"
    return ""
