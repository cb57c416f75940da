"""Lifecycle hooks: stateful lifecycle plugins, providers, the training events and
``on_exception``. The compile events are in :mod:`brainsmith.compile.hookspecs`.

Lifecycle hooks fire during a run: the compile pipeline fires the compile events, and
brainsmith.lifecycle.TrainingLoop fires the training events. They are called by
brainsmith.lifecycle.Dispatcher, not by ``pm.hook.<name>()``, which adds on top of pluggy:

* ``@lifecycle(priority=10, condition=every_n_epochs(5))`` stacked on ``@hookimpl`` — higher
  priority runs first; a condition (brainsmith.lifecycle.conditions) is checked before the call;
* returning ``brainsmith.lifecycle.Stop("reason")`` from any of them asks the loop to stop;
* statistics per plugin and hook (``hook_stats.json``) and an error policy per plugin.

The event names are constants in brainsmith.lifecycle.events.HookEvents. Hook wrappers are not
supported here (use middleware). Epochs and steps count from 1.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from .._markers import hookspec

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path
    from typing import Any

    from ._providers import ProviderSpec
    from ._training import TrainingLoop


# -- Lifecycle: contributions --------------------------------------------------------------


@hookspec
def brainsmith_lifecycle_plugins() -> Iterable[type]:
    """Return :class:`brainsmith.LifecyclePlugin` subclasses: stateful lifecycle plugins that a
    run config (``plugins:``) can enable by name, with options.

    Example::

        @hookimpl
        def brainsmith_lifecycle_plugins():
            return [EarlyStopping, MetricsLogger]
    """


@hookspec
def brainsmith_providers() -> Iterable[ProviderSpec]:
    """Return :class:`brainsmith.lifecycle.ProviderSpec` records: named implementations of a
    category (``attention``, ``ffn``), at most one the category's default, imported lazily.

    Example::

        @hookimpl
        def brainsmith_providers():
            return [ProviderSpec("attention", "flash_v2", "my_pkg.attn:FlashV2")]
    """


# -- Lifecycle: training events (fired by brainsmith.lifecycle.TrainingLoop) ----------------
#
# ``loop`` is the running TrainingLoop: ``loop.model``, ``loop.run_dir``, ``loop.epoch``,
# ``loop.step``, ``loop.log(metrics)``, ``loop.save_checkpoint(path)``.


@hookspec
def on_train_begin(loop: TrainingLoop, epochs: int) -> None:
    """Fires once before the first epoch; ``epochs`` is the number planned.

    Example::

        @hookimpl
        def on_train_begin(loop, epochs):
            print(f"training {epochs} epochs into {loop.run_dir}")
    """


@hookspec
def on_train_end(loop: TrainingLoop, epochs_run: int, metrics: Mapping[str, float]) -> None:
    """Fires once after training, also after an early stop; ``metrics`` are the last epoch's.

    Example::

        @hookimpl
        def on_train_end(epochs_run, metrics):
            print(epochs_run, metrics)
    """


@hookspec
def on_epoch_begin(loop: TrainingLoop, epoch: int) -> None:
    """Fires before each epoch's first step (after run-config schedules are applied).

    Example::

        @lifecycle(condition=every_n_epochs(10))
        @hookimpl
        def on_epoch_begin(epoch):
            print("epoch", epoch)
    """


@hookspec
def on_epoch_end(loop: TrainingLoop, epoch: int, metrics: Mapping[str, float]) -> Any:
    """Fires after each epoch (after validation); ``metrics`` merges training and validation
    metrics. Return ``Stop("reason")`` to end training.

    Example::

        @hookimpl
        def on_epoch_end(epoch, metrics):
            if metrics["loss"] < 1e-3:
                return Stop("converged")
    """


@hookspec
def on_step_begin(loop: TrainingLoop, epoch: int, step: int, batch: Any) -> None:
    """Fires before each training step; ``step`` counts across epochs, ``batch`` is the input.

    Example::

        @lifecycle(condition=every_n_steps(100))
        @hookimpl
        def on_step_begin(step):
            print("step", step)
    """


@hookspec
def on_step_end(
    loop: TrainingLoop, epoch: int, step: int, loss: float, metrics: Mapping[str, float]
) -> Any:
    """Fires after each training step (after the optimizer step). Return ``Stop`` to end.

    Example::

        @hookimpl
        def on_step_end(step, loss):
            if loss != loss:
                return Stop(f"loss is NaN at step {step}")
    """


@hookspec
def on_backward_begin(loop: TrainingLoop, epoch: int, step: int, loss: float) -> None:
    """Fires after the forward pass, before gradients are computed.

    Example::

        @hookimpl
        def on_backward_begin(loss):
            assert loss == loss, "NaN loss"
    """


@hookspec
def on_backward_end(
    loop: TrainingLoop, epoch: int, step: int, gradients: Mapping[str, Any]
) -> None:
    """Fires after gradients are computed, before the optimizer applies them; ``gradients``
    maps parameter names to gradients (hooks may clip them in place).

    Example::

        @hookimpl
        def on_backward_end(gradients):
            for g in gradients.values():
                np.clip(g, -1, 1, out=g)
    """


@hookspec
def on_optimizer_step(loop: TrainingLoop, epoch: int, step: int, learning_rate: float) -> None:
    """Fires after the optimizer updated the parameters, with the learning rate it used.

    Example::

        @hookimpl
        def on_optimizer_step(step, learning_rate):
            print(step, learning_rate)
    """


@hookspec
def on_validation_begin(loop: TrainingLoop, epoch: int) -> None:
    """Fires before each epoch's validation (only when the loop has validation data).

    Example::

        @hookimpl
        def on_validation_begin(epoch):
            print("validating epoch", epoch)
    """


@hookspec
def on_validation_step(
    loop: TrainingLoop, epoch: int, batch: Any, metrics: Mapping[str, float]
) -> None:
    """Fires after each validation batch with that batch's metrics.

    Example::

        @hookimpl
        def on_validation_step(metrics):
            print(metrics)
    """


@hookspec
def on_validation_end(loop: TrainingLoop, epoch: int, metrics: Mapping[str, float]) -> Any:
    """Fires after validation with its averaged metrics (``val_loss`` …). Return ``Stop``
    to end training (what early stopping does).

    Example::

        @hookimpl
        def on_validation_end(metrics):
            print(metrics["val_loss"])
    """


@hookspec
def on_checkpoint_save(loop: TrainingLoop, epoch: int, path: Path, state: dict[str, Any]) -> None:
    """Fires when ``loop.save_checkpoint(path)`` is about to write ``state``; hooks may add
    entries to ``state`` (a dict of JSON-able values and arrays).

    Example::

        @hookimpl
        def on_checkpoint_save(state):
            state["note"] = "my plugin was here"
    """


@hookspec
def on_checkpoint_load(
    loop: TrainingLoop, epoch: int, path: Path, state: Mapping[str, Any]
) -> None:
    """Fires after ``loop.load_checkpoint(path)`` read ``state`` and restored the model.

    Example::

        @hookimpl
        def on_checkpoint_load(path, epoch):
            print("resumed from", path, "at epoch", epoch)
    """


@hookspec
def on_log(loop: TrainingLoop, epoch: int, step: int, metrics: Mapping[str, float]) -> None:
    """Fires whenever ``loop.log(metrics)`` publishes metrics (the loop does after every
    epoch). What metric loggers listen to.

    Example::

        @hookimpl
        def on_log(step, metrics):
            print(step, metrics)
    """


@hookspec
def on_stop(loop: TrainingLoop, epoch: int, step: int, reason: str, by: str) -> None:
    """Fires when the loop honours a stop request; ``by`` names the plugin that asked.

    Example::

        @hookimpl
        def on_stop(epoch, reason, by):
            print(f"{by} stopped training at epoch {epoch}: {reason}")
    """


@hookspec
def on_exception(error: BaseException, event: str, plugin: str) -> None:
    """Fires for every plugin when a hook implementation raises (``event`` is its hook,
    ``plugin`` its name) or when the training loop fails (``plugin`` is ``""``). Fires
    before the error policy decides whether to raise; its own errors are never re-fired.

    Example::

        @hookimpl
        def on_exception(error, event, plugin):
            print(f"{plugin or 'the loop'} failed in {event}: {error!r}")
    """
