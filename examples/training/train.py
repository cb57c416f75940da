"""Train a tiny NumPy logistic-regression model with the lifecycle loop runner.

    python examples/training/train.py [RUN_DIR]

Shows the builtin lifecycle plugins (enabled by run.yaml) and a custom plugin with a
condition, a priority and middleware. Afterwards: ``brainsmith hooks stats RUN_DIR``.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from brainsmith import HookEvents, Session, every_n_epochs, hookimpl
from brainsmith.lifecycle import (
    Dispatcher,
    LifecycleHost,
    LifecycleOptions,
    LifecyclePlugin,
    RunConfig,
    TrainingLoop,
    lifecycle,
)

HERE = Path(__file__).parent


class Logistic:
    """y = sigmoid(x @ w + b), trained by plain gradient descent."""

    def __init__(self, features: int, rate: float = 0.5) -> None:
        self.w = np.zeros(features)
        self.b = 0.0
        self.rate = rate

    def _predict(self, x: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(x @ self.w + self.b)))

    def forward(self, batch: tuple[np.ndarray, np.ndarray]) -> float:
        self.x, self.y = batch
        self.p = self._predict(self.x)
        eps = 1e-9
        return float(
            -np.mean(self.y * np.log(self.p + eps) + (1 - self.y) * np.log(1 - self.p + eps))
        )

    def backward(self) -> dict[str, Any]:
        error = (self.p - self.y) / len(self.y)
        return {"w": self.x.T @ error, "b": np.array(error.sum())}

    def optimizer_step(self, gradients: Mapping[str, Any]) -> float:
        self.w -= self.rate * gradients["w"]
        self.b -= self.rate * float(gradients["b"])
        return self.rate

    def evaluate(self, batch: tuple[np.ndarray, np.ndarray]) -> dict[str, float]:
        x, y = batch
        p = self._predict(x)
        loss = float(-np.mean(y * np.log(p + 1e-9) + (1 - y) * np.log(1 - p + 1e-9)))
        return {"val_loss": loss, "val_accuracy": float(np.mean((p > 0.5) == y))}

    def state_dict(self) -> dict[str, Any]:
        return {"w": self.w.tolist(), "b": self.b}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        self.w, self.b = np.array(state["w"]), float(state["b"])


class Report(LifecyclePlugin):
    """The example's own plugin: a priority, a condition from its options, and middleware."""

    name = "report"

    @dataclass(frozen=True)
    class Config:
        every: int = 2

    middleware_events = (HookEvents.LOG,)

    def lifecycle_options(self, hook: str) -> LifecycleOptions | None:
        if hook == HookEvents.EPOCH_END:  # condition chosen by the run config's options
            return LifecycleOptions(priority=100, condition=every_n_epochs(self.config.every))
        return None

    def middleware(self, event: str, arguments: dict[str, Any]) -> dict[str, Any]:
        # Round what the metrics logger writes to 4 decimals.
        metrics = {k: round(v, 4) for k, v in arguments["metrics"].items()}
        return {**arguments, "metrics": metrics}

    def on_epoch_end(self, epoch: int, metrics: Mapping[str, float]) -> None:
        print(
            f"report: epoch {epoch:2d}  loss {metrics['loss']:.4f}  "
            f"val_loss {metrics['val_loss']:.4f}  val_accuracy {metrics['val_accuracy']:.2f}"
        )

    @lifecycle(priority=-10)
    @hookimpl
    def on_stop(self, epoch: int, reason: str, by: str) -> None:
        print(f"report: stopped at epoch {epoch} by {by}: {reason}")


def data(seed: int = 0) -> tuple[list[Any], list[Any]]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(256, 3))
    y = (x @ np.array([1.5, -2.0, 0.5]) + 0.3 * rng.normal(size=256) > 0).astype(float)
    batches = [(x[i : i + 32], y[i : i + 32]) for i in range(0, 192, 32)]
    return batches, [(x[192:], y[192:])]


def main(run_dir: Path) -> int:
    session = Session.from_environment()
    session.activate_all()  # imports the installed plugins' hook modules
    events = Dispatcher(session.plugin_manager, describe=session.describe)
    host = LifecycleHost(events)
    host.collect()  # builtin: timing, checkpoint, early_stopping, metrics_logger
    host.register(Report, source="example")
    host.configure(RunConfig.load(HERE / "run.yaml"))
    train, val = data()
    with host.running(run_dir):
        loop = TrainingLoop(
            Logistic(3), events, epochs=60, train_data=train, val_data=val, run_dir=run_dir
        )
        result = loop.run()
    print(
        f"trained {result.epochs_run} epochs, final val_accuracy "
        f"{result.metrics['val_accuracy']:.2f}"
    )
    print(f"outputs in {run_dir}: {', '.join(sorted(p.name for p in run_dir.iterdir()))}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1:
        sys.exit(main(Path(sys.argv[1])))
    with tempfile.TemporaryDirectory() as tmp:
        sys.exit(main(Path(tmp)))
