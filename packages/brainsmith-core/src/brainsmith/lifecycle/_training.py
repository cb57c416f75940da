"""``TrainingLoop``: a reusable loop that fires the training events and honours stop requests.

The model is anything with the :class:`Trainable` methods (a NumPy model is enough)::

    loop = TrainingLoop(model, dispatcher, epochs=20, train_data=batches,
                        val_data=val_batches, run_dir="runs/1")
    result = loop.run()

Per epoch: ``on_epoch_begin``; per batch ``on_step_begin``, forward, ``on_backward_begin``,
backward, ``on_backward_end``, optimizer step, ``on_optimizer_step``, ``on_step_end``; then
``on_validation_begin`` / ``on_validation_step`` / ``on_validation_end``, ``on_epoch_end`` and
``on_log``. Epochs and steps count from 1. A hook returning ``Stop`` ends the loop after the
current step; ``on_stop`` and ``on_train_end`` still fire.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from .._atomic import write_json_atomic
from ._dispatcher import HookError
from .events import HookEvents as E

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    from ._dispatcher import Dispatcher


class Trainable(Protocol):
    """What the loop needs from a model."""

    def forward(self, batch: Any) -> float:
        """Compute and return the loss of ``batch`` (keeping what backward needs)."""

    def backward(self) -> Mapping[str, Any]:
        """Compute gradients of the last forward pass, by parameter name."""

    def optimizer_step(self, gradients: Mapping[str, Any]) -> float:
        """Apply ``gradients``; return the learning rate used."""

    def evaluate(self, batch: Any) -> Mapping[str, float]:
        """Metrics of one validation batch (e.g. ``{"val_loss": 0.3}``)."""

    def state_dict(self) -> dict[str, Any]:
        """JSON-able parameters, for checkpoints."""

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore what ``state_dict`` returned."""


@dataclass(frozen=True, slots=True)
class TrainResult:
    """How a run ended."""

    epochs_run: int
    steps: int
    metrics: Mapping[str, float]
    stopped: bool = False
    stop_reason: str = ""
    stopped_by: str = ""
    history: tuple[Mapping[str, float], ...] = field(default=())


class TrainingLoop:
    """Runs ``model`` for ``epochs`` over ``train_data`` (an iterable, or ``f(epoch)``
    returning one), firing every training event through ``events``."""

    def __init__(
        self,
        model: Trainable,
        events: Dispatcher,
        *,
        epochs: int,
        train_data: Iterable[Any] | Callable[[int], Iterable[Any]],
        val_data: Iterable[Any] | Callable[[int], Iterable[Any]] | None = None,
        run_dir: str | Path = ".",
    ) -> None:
        if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
            raise ValueError(f"epochs must be a positive int, got {epochs!r}")
        self.model = model
        self.events = events
        self.epochs = epochs
        self.train_data = train_data
        self.val_data = val_data
        self.run_dir = Path(run_dir)
        self.epoch = 0
        self.step = 0
        self.metrics: dict[str, float] = {}
        self._event = ""

    def _fire(self, event: str, /, **kwargs: Any) -> list[Any]:
        self._event = event
        return self.events.fire(event, loop=self, **kwargs)

    def run(self) -> TrainResult:
        """Train, honouring stop requests; returns how it ended."""
        events = self.events
        history: list[Mapping[str, float]] = []
        try:
            self._fire(E.TRAIN_BEGIN, epochs=self.epochs)
            while self.epoch < self.epochs and not events.should_stop:
                self.epoch += 1
                self._run_epoch()
                history.append(dict(self.metrics))
            if events.should_stop:
                control = events.control
                self._fire(
                    E.STOP, epoch=self.epoch, step=self.step, reason=control.reason, by=control.by
                )
            self._fire(E.TRAIN_END, epochs_run=self.epoch, metrics=dict(self.metrics))
        except Exception as exc:
            if not isinstance(exc, HookError):  # the dispatcher already fired on_exception
                events.fire(E.EXCEPTION, error=exc, event=self._event, plugin="")
            raise
        control = events.control
        return TrainResult(
            self.epoch,
            self.step,
            dict(self.metrics),
            control.requested,
            control.reason,
            control.by,
            tuple(history),
        )

    def _run_epoch(self) -> None:
        epoch, model, events = self.epoch, self.model, self.events
        self._fire(E.EPOCH_BEGIN, epoch=epoch)
        total, count = 0.0, 0
        for batch in _batches(self.train_data, epoch):
            self.step += 1
            step = self.step
            self._fire(E.STEP_BEGIN, epoch=epoch, step=step, batch=batch)
            self._event = "forward"
            loss = float(model.forward(batch))
            self._fire(E.BACKWARD_BEGIN, epoch=epoch, step=step, loss=loss)
            self._event = "backward"
            gradients = model.backward()
            self._fire(E.BACKWARD_END, epoch=epoch, step=step, gradients=gradients)
            self._event = "optimizer_step"
            rate = float(model.optimizer_step(gradients))
            self._fire(E.OPTIMIZER_STEP, epoch=epoch, step=step, learning_rate=rate)
            self._fire(E.STEP_END, epoch=epoch, step=step, loss=loss, metrics={"loss": loss})
            total, count = total + loss, count + 1
            if events.should_stop:
                break
        metrics: dict[str, float] = {"loss": total / count} if count else {}
        if self.val_data is not None and not events.should_stop:
            metrics.update(self._validate())
        self.metrics = metrics
        self._fire(E.EPOCH_END, epoch=epoch, metrics=dict(metrics))
        self.log(metrics)

    def _validate(self) -> dict[str, float]:
        epoch = self.epoch
        assert self.val_data is not None
        self._fire(E.VALIDATION_BEGIN, epoch=epoch)
        sums: dict[str, float] = {}
        count = 0
        for batch in _batches(self.val_data, epoch):
            self._event = "evaluate"
            batch_metrics = dict(self.model.evaluate(batch))
            self._fire(E.VALIDATION_STEP, epoch=epoch, batch=batch, metrics=batch_metrics)
            for key, value in batch_metrics.items():
                sums[key] = sums.get(key, 0.0) + float(value)
            count += 1
        metrics = {key: value / count for key, value in sums.items()} if count else {}
        self._fire(E.VALIDATION_END, epoch=epoch, metrics=dict(metrics))
        return metrics

    def log(self, metrics: Mapping[str, float]) -> None:
        """Publish ``metrics`` to ``on_log`` listeners (metric loggers)."""
        self._fire(E.LOG, epoch=self.epoch, step=self.step, metrics=dict(metrics))

    def save_checkpoint(self, path: str | Path) -> Path:
        """Write the model's state (plus what ``on_checkpoint_save`` hooks add) as JSON."""
        path = Path(path)
        if not path.is_absolute():
            path = self.run_dir / path
        state: dict[str, Any] = {
            "epoch": self.epoch,
            "step": self.step,
            "model": self.model.state_dict(),
        }
        self._fire(E.CHECKPOINT_SAVE, epoch=self.epoch, path=path, state=state)
        return write_json_atomic(path, state)

    def load_checkpoint(self, path: str | Path) -> Mapping[str, Any]:
        """Restore the model, epoch and step from a checkpoint; fires ``on_checkpoint_load``."""
        path = Path(path)
        if not path.is_absolute():
            path = self.run_dir / path
        state = json.loads(path.read_text(encoding="utf-8"))
        self.model.load_state_dict(state["model"])
        self.epoch, self.step = int(state["epoch"]), int(state["step"])
        self._fire(E.CHECKPOINT_LOAD, epoch=self.epoch, path=path, state=state)
        return state  # type: ignore[no-any-return]


def _batches(data: Iterable[Any] | Callable[[int], Iterable[Any]], epoch: int) -> Iterable[Any]:
    return data(epoch) if callable(data) else data
