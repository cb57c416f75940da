"""``metrics_logger``: append every logged metric set to a JSON-lines file."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from brainsmith.lifecycle import LifecycleContext, LifecyclePlugin

if TYPE_CHECKING:
    from collections.abc import Mapping


class MetricsLogger(LifecyclePlugin):
    """Writes ``{"epoch", "step", **metrics}`` per ``on_log`` to ``file`` in the run dir."""

    name = "metrics_logger"
    description = "metrics as JSON lines (metrics.jsonl)"

    @dataclass(frozen=True)
    class Config:
        file: str = "metrics.jsonl"
        flush: bool = True

    def setup(self, context: LifecycleContext) -> None:
        self.path = context.run_dir / self.config.file
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._stream = self.path.open("a", encoding="utf-8")
        self.lines = 0

    def on_log(self, epoch: int, step: int, metrics: Mapping[str, float]) -> None:
        record: dict[str, Any] = {"epoch": epoch, "step": step, **metrics}
        self._stream.write(json.dumps(record) + "\n")
        self.lines += 1
        if self.config.flush:
            self._stream.flush()

    def teardown(self) -> None:
        self._stream.close()
