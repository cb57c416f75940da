"""TrainingLoop: the events it fires, in order, stop requests and exceptions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from brainsmith import hookimpl
from brainsmith.lifecycle import Dispatcher, HookError, Stop, TrainingLoop
from brainsmith.lifecycle.events import HookEvents
from brainsmith.plugins import new_plugin_manager


class Scalar:
    """Fits y = w * x by gradient descent; batches are (x, y) pairs."""

    def __init__(self, fail_at: int | None = None) -> None:
        self.w = 0.0
        self.rate = 0.1
        self.fail_at = fail_at
        self.calls = 0

    def forward(self, batch: tuple[float, float]) -> float:
        self.calls += 1
        if self.calls == self.fail_at:
            raise FloatingPointError("diverged")
        self.x, self.y = batch
        return (self.w * self.x - self.y) ** 2

    def backward(self) -> dict[str, float]:
        return {"w": 2 * (self.w * self.x - self.y) * self.x}

    def optimizer_step(self, gradients: dict[str, float]) -> float:
        self.w -= self.rate * gradients["w"]
        return self.rate

    def evaluate(self, batch: tuple[float, float]) -> dict[str, float]:
        x, y = batch
        return {"val_loss": (self.w * x - y) ** 2}

    def state_dict(self) -> dict[str, Any]:
        return {"w": self.w}

    def load_state_dict(self, state: Any) -> None:
        self.w = state["w"]


def tracer_plugin(log: list[str]) -> object:
    """A plugin implementing every training hook, recording the event name."""
    namespace: dict[str, Any] = {}
    for event in HookEvents.TRAINING:

        def impl(self: Any, _event: str = event) -> None:
            log.append(_event)

        impl.__name__ = event
        namespace[event] = hookimpl(impl)
    return type("Trace", (), namespace)()


def make(log: list[str], *extra: object) -> Dispatcher:
    pm = new_plugin_manager()
    pm.register(tracer_plugin(log), name="trace")
    for i, plugin in enumerate(extra):
        pm.register(plugin, name=f"extra{i}")
    return Dispatcher(pm)


DATA = [(1.0, 2.0), (2.0, 4.0)]


def test_fires_every_training_event_in_order(tmp_path: Path) -> None:
    log: list[str] = []
    loop = TrainingLoop(
        Scalar(), make(log), epochs=2, train_data=DATA, val_data=DATA[:1], run_dir=tmp_path
    )
    result = loop.run()
    step = [
        "on_step_begin",
        "on_backward_begin",
        "on_backward_end",
        "on_optimizer_step",
        "on_step_end",
    ]
    epoch = [
        "on_epoch_begin",
        *step,
        *step,
        "on_validation_begin",
        "on_validation_step",
        "on_validation_end",
        "on_epoch_end",
        "on_log",
    ]
    assert log == ["on_train_begin", *epoch, *epoch, "on_train_end"]
    assert (result.epochs_run, result.steps, result.stopped) == (2, 4, False)
    assert set(result.metrics) == {"loss", "val_loss"}
    assert len(result.history) == 2


def test_stop_ends_after_the_current_step_and_fires_on_stop(tmp_path: Path) -> None:
    class Stopper:
        @hookimpl
        def on_step_end(self, step: int) -> Stop | None:
            return Stop("three steps are enough") if step == 3 else None

    log: list[str] = []
    loop = TrainingLoop(Scalar(), make(log, Stopper()), epochs=5, train_data=DATA, run_dir=tmp_path)
    result = loop.run()
    assert (result.epochs_run, result.steps) == (2, 3)
    assert (result.stopped, result.stop_reason, result.stopped_by) == (
        True,
        "three steps are enough",
        "extra0",
    )
    assert log[-3:] == ["on_log", "on_stop", "on_train_end"]


def test_model_errors_fire_on_exception_then_propagate(tmp_path: Path) -> None:
    seen: list[tuple[str, str, str]] = []

    class Spy:
        @hookimpl
        def on_exception(self, error: BaseException, event: str, plugin: str) -> None:
            seen.append((type(error).__name__, event, plugin))

    loop = TrainingLoop(Scalar(fail_at=3), make([], Spy()), epochs=3, train_data=DATA)
    with pytest.raises(FloatingPointError):
        loop.run()
    assert seen == [("FloatingPointError", "forward", "")]


def test_hook_errors_are_not_fired_twice(tmp_path: Path) -> None:
    seen: list[str] = []

    class Bad:
        @hookimpl
        def on_epoch_end(self) -> None:
            raise RuntimeError("bad hook")

        @hookimpl
        def on_exception(self, event: str) -> None:
            seen.append(event)

    loop = TrainingLoop(Scalar(), make([], Bad()), epochs=1, train_data=DATA)
    with pytest.raises(HookError, match="bad hook"):
        loop.run()
    assert seen == ["on_epoch_end"]


def test_checkpoint_round_trip_fires_save_and_load(tmp_path: Path) -> None:
    class Adds:
        @hookimpl
        def on_checkpoint_save(self, state: dict[str, Any]) -> None:
            state["note"] = "added"

        @hookimpl
        def on_checkpoint_load(self, state: Any, epoch: int) -> None:
            self.loaded = (state["note"], epoch)

    adds = Adds()
    loop = TrainingLoop(Scalar(), make([], adds), epochs=2, train_data=DATA, run_dir=tmp_path)
    loop.run()
    path = loop.save_checkpoint("ckpt/last.json")
    assert path == tmp_path / "ckpt" / "last.json"
    fresh = TrainingLoop(Scalar(), make([], adds), epochs=2, train_data=DATA, run_dir=tmp_path)
    fresh.load_checkpoint("ckpt/last.json")
    assert fresh.model.w == loop.model.w  # type: ignore[attr-defined]
    assert adds.loaded == ("added", 2)


def test_epochs_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        TrainingLoop(Scalar(), make([]), epochs=0, train_data=DATA)
