"""Plain pluggy hook implementations plus a LifecyclePlugin class and a provider."""

from __future__ import annotations

from dataclasses import dataclass

from brainsmith import hookimpl
from brainsmith.lifecycle import LifecyclePlugin, ProviderSpec, Stop, lifecycle
from brainsmith.lifecycle.conditions import every_n_epochs


@lifecycle(priority=5, condition=every_n_epochs(2))
@hookimpl
def on_epoch_end(epoch):
    print(f"demo hook: epoch {epoch}")


@hookimpl
def on_train_end(epochs_run):
    print(f"demo hook: trained {epochs_run} epochs")


class StopAt(LifecyclePlugin):
    """Stops training at a given epoch; remembers how often it stopped."""

    name = "stop_at"

    @dataclass(frozen=True)
    class Config:
        epoch: int = 3

    def setup(self, context):
        self.stops = getattr(self, "stops", 0)

    def on_epoch_end(self, epoch):
        if epoch >= self.config.epoch:
            self.stops += 1
            return Stop(f"demo stop at epoch {epoch}")
        return None

    def state_dict(self):
        return {"stops": self.stops}

    def load_state_dict(self, state):
        self.stops = state["stops"]


@hookimpl
def brainsmith_lifecycle_plugins():
    return [StopAt]


@hookimpl
def brainsmith_providers():
    return [
        ProviderSpec(
            "greeting", "hello", "brainsmith_plugin_lifecycle_demo.hooks:hello", default=True
        )
    ]


def hello():
    return "hello from the demo provider"


@hookimpl
def on_transform_before(transform):
    """Compile event: veto one transform, to show a plugin steering a compile."""
    if transform == "qonnx:GiveReadableTensorNames":
        print("demo hook: skipping qonnx:GiveReadableTensorNames")
        return False
    return None
