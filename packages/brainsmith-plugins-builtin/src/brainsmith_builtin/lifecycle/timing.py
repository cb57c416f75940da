"""``timing``: wall time per compile stage and transform (and per training epoch), written to
``timing.json`` in the run directory."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from brainsmith import hookimpl
from brainsmith._atomic import write_json_atomic
from brainsmith.lifecycle import LifecycleContext, LifecyclePlugin, lifecycle

if TYPE_CHECKING:
    from collections.abc import Mapping

# Closest to the transform on both sides: last of the before-hooks, first of the after-hooks.
LAST = -1_000_000
FIRST = 1_000_000


class TimingReport(LifecyclePlugin):
    """Times stages, transforms and epochs; ``timing.json`` lists them in run order."""

    name = "timing"
    description = "wall time per stage, transform and epoch (timing.json)"

    @dataclass(frozen=True)
    class Config:
        file: str = "timing.json"

    def setup(self, context: LifecycleContext) -> None:
        self.path = context.run_dir / self.config.file
        self.stages: list[dict[str, Any]] = []
        self.transforms: list[dict[str, Any]] = []
        self.epochs: list[dict[str, Any]] = []
        self._started: dict[str, float] = {}

    def on_compile_begin(self, output_dir: Path | None) -> None:
        if output_dir is not None:
            self.path = Path(output_dir) / self.config.file

    @lifecycle(priority=FIRST)
    @hookimpl
    def on_stage_begin(self, stage: str) -> None:
        self._started["stage"] = time.perf_counter()

    @lifecycle(priority=LAST)
    @hookimpl
    def on_stage_end(self, stage: str) -> None:
        seconds = time.perf_counter() - self._started.pop("stage", time.perf_counter())
        self.stages.append({"stage": stage, "seconds": round(seconds, 6)})

    @lifecycle(priority=LAST)
    @hookimpl
    def on_transform_before(self, stage: str, transform: str) -> None:
        self._started["transform"] = time.perf_counter()

    @lifecycle(priority=FIRST)
    @hookimpl
    def on_transform_after(self, stage: str, transform: str, modified: bool) -> None:
        started = self._started.pop("transform", None)
        if started is not None:
            seconds = round(time.perf_counter() - started, 6)
            self.transforms.append(
                {"stage": stage, "transform": transform, "modified": modified, "seconds": seconds}
            )

    @lifecycle(priority=FIRST)
    @hookimpl
    def on_epoch_begin(self, epoch: int) -> None:
        self._started["epoch"] = time.perf_counter()

    @lifecycle(priority=LAST)
    @hookimpl
    def on_epoch_end(self, epoch: int) -> None:
        seconds = time.perf_counter() - self._started.pop("epoch", time.perf_counter())
        self.epochs.append({"epoch": epoch, "seconds": round(seconds, 6)})

    def on_compile_end(self) -> None:
        self.write()

    def on_train_end(self) -> None:
        self.write()

    def report(self) -> Mapping[str, Any]:
        """What ``timing.json`` holds."""
        return {"stages": self.stages, "transforms": self.transforms, "epochs": self.epochs}

    def write(self) -> Path:
        """Write ``timing.json`` (atomically)."""
        return write_json_atomic(self.path, self.report())
