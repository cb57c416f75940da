"""``early_stopping``: stop training when a metric has not improved for ``patience`` epochs."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from brainsmith.lifecycle import LifecycleContext, LifecyclePlugin, Stop

if TYPE_CHECKING:
    from collections.abc import Mapping


class EarlyStopping(LifecyclePlugin):
    """Watches ``metric`` at each epoch end; returns ``Stop`` after ``patience`` epochs
    without an improvement of more than ``min_delta``."""

    name = "early_stopping"
    description = "stop when a metric stops improving"

    @dataclass(frozen=True)
    class Config:
        metric: str = "val_loss"
        patience: int = 3
        mode: Literal["min", "max"] = "min"
        min_delta: float = 0.0

        def __post_init__(self) -> None:
            if self.patience < 1:
                raise ValueError("patience must be at least 1")

    def setup(self, context: LifecycleContext) -> None:
        self.best = math.inf if self.config.mode == "min" else -math.inf
        self.best_epoch = 0
        self.wait = 0

    def on_epoch_end(self, epoch: int, metrics: Mapping[str, float]) -> Stop | None:
        value = metrics.get(self.config.metric)
        if value is None:
            return None
        sign = 1.0 if self.config.mode == "min" else -1.0
        if sign * (self.best - value) > self.config.min_delta:
            self.best, self.best_epoch, self.wait = float(value), epoch, 0
            return None
        self.wait += 1
        if self.wait >= self.config.patience:
            return Stop(
                f"{self.config.metric} has not improved for {self.wait} epochs "
                f"(best {self.best:.6g} at epoch {self.best_epoch})"
            )
        return None

    def state_dict(self) -> dict[str, Any]:
        return {"best": self.best, "best_epoch": self.best_epoch, "wait": self.wait}

    def load_state_dict(self, state: Any) -> None:
        """Resume watching where a saved run left off: best value, its epoch, epochs waited."""
        if not isinstance(state, dict):
            return
        self.best = float(state.get("best", self.best))
        self.best_epoch = int(state.get("best_epoch", self.best_epoch))
        self.wait = int(state.get("wait", self.wait))
