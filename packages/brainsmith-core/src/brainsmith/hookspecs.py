"""Every hook a brainsmith plugin can implement: the page plugin authors read.

A plugin is one entry point in the ``brainsmith.plugins`` group. Its entry-point name is the
plugin's *namespace*; its components are then addressed as ``namespace:Name``. Implement hooks
with the :data:`hookimpl` marker; an implementation may take any subset of a hook's arguments,
so hooks can grow new arguments without breaking plugins::

    from brainsmith import hookimpl, transform

    @transform(stage="topology_optimization")
    class FuseScales(Transformation): ...

    @hookimpl
    def brainsmith_transforms():
        return [FuseScales]

Plugins that ship a static manifest (``brainsmith-plugin.toml``) declare their components there
instead and implement only the lifecycle hooks they need, in the manifest's ``hooks`` module.

The plugin-API version these hooks make is ``brainsmith.PLUGIN_API``; it changes only when a hook
changes incompatibly.

Component hooks return records (:mod:`brainsmith.records`) or objects decorated with
``@transform``, ``@kernel``, ``@backend`` or ``@hw_transform``; they are called once, when the
plugin is activated (its code first imported).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from .records import BackendSpec, HwTransformSpec, KernelSpec, TransformSpec

PROJECT = "brainsmith"
"""The pluggy project name: markers, the entry-point group prefix and the PluginManager."""


hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


# -- Components -------------------------------------------------------------------------------


@hookspec
def brainsmith_transforms() -> Iterable[TransformSpec | type]:
    """Return the plugin's transforms: graph rewrites on a QONNX ``ModelWrapper``.

    Each is a qonnx ``Transformation`` subclass in a compile stage (``graph_cleanup``,
    ``topology_optimization``, ``kernel_mapping``, ``kernel_optimization``,
    ``graph_optimization``). A blueprint names it ``namespace:Name`` or by its short name.

    Example::

        @hookimpl
        def brainsmith_transforms():
            return [TransformSpec(name="FuseScales", stage="topology_optimization",
                                  target="brainsmith_plugin_x.transforms:FuseScales")]
    """


@hookspec
def brainsmith_kernels() -> Iterable[KernelSpec | type]:
    """Return the plugin's kernels: hardware operators, as QONNX custom ops.

    Example::

        @hookimpl
        def brainsmith_kernels():
            return [KernelSpec(name="Conv2D", target="brainsmith_plugin_x.kernels:Conv2D")]
    """


@hookspec
def brainsmith_backends() -> Iterable[BackendSpec | type]:
    """Return the plugin's backends: a kernel's implementation in ``hls`` or ``rtl``.

    ``kernel`` names the kernel implemented, short (same plugin) or qualified (``finn:MVAU``).

    Example::

        @hookimpl
        def brainsmith_backends():
            return [BackendSpec(name="Conv2D_hls", kernel="Conv2D", language="hls",
                                target="brainsmith_plugin_x.backends:Conv2DHLS")]
    """


@hookspec
def brainsmith_hw_transforms() -> Iterable[HwTransformSpec | type]:
    """Return the plugin's hw_transforms: rewrites that map nodes to kernels or tune them
    (kernel inference, backend specialisation, folding, FIFO sizing).

    ``kernels`` names the kernels the rewrite produces or tunes.

    Example::

        @hookimpl
        def brainsmith_hw_transforms():
            return [HwTransformSpec(name="InferConv2D", kernels=("Conv2D",),
                                    target="brainsmith_plugin_x.infer:InferConv2D")]
    """


# == Lifecycle =================================================================================
#
# Lifecycle hooks fire during a run: the compile pipeline fires the compile events, and
# brainsmith.training.TrainingLoop fires the training events. They are called by
# brainsmith.lifecycle.Dispatcher, not by ``pm.hook.<name>()``, which adds on top of pluggy:
#
# * ``@lifecycle(priority=10, condition=every_n_epochs(5))`` stacked on ``@hookimpl`` — higher
#   priority runs first; a condition (brainsmith.conditions) is checked before the call;
# * returning ``brainsmith.lifecycle.Stop("reason")`` from any of them asks the loop to stop;
# * statistics per plugin and hook (``hook_stats.json``) and an error policy per plugin.
#
# The event names are constants in brainsmith.events.HookEvents. Hook wrappers are not
# supported here (use middleware). Epochs and steps count from 1.

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path
    from typing import Any

    from qonnx.core.modelwrapper import ModelWrapper

    from .providers import ProviderSpec
    from .training import TrainingLoop


# -- Lifecycle: contributions --------------------------------------------------------------


@hookspec
def brainsmith_lifecycle_plugins() -> Iterable[type]:
    """Return :class:`brainsmith.plugin.Plugin` subclasses: stateful lifecycle plugins that a
    run config (``plugins:``) can enable by name, with options.

    Example::

        @hookimpl
        def brainsmith_lifecycle_plugins():
            return [EarlyStopping, MetricsLogger]
    """


@hookspec
def brainsmith_providers() -> Iterable[ProviderSpec]:
    """Return :class:`brainsmith.providers.ProviderSpec` records: named implementations of a
    category (``attention``, ``ffn``), at most one the category's default, imported lazily.

    Example::

        @hookimpl
        def brainsmith_providers():
            return [ProviderSpec("attention", "flash_v2", "my_pkg.attn:FlashV2")]
    """


# -- Lifecycle: compile events (fired by the pipeline) -------------------------------------


@hookspec
def on_compile_begin(model: ModelWrapper, blueprint: Any, output_dir: Path) -> None:
    """Fires once before the first stage of a compile.

    ``model`` is the input ``ModelWrapper``, ``blueprint`` the loaded blueprint, ``output_dir``
    the directory the compile writes to. The return value is ignored.

    Example::

        @hookimpl
        def on_compile_begin(output_dir):
            print("compiling into", output_dir)
    """


@hookspec
def on_stage_begin(stage: str, model: ModelWrapper) -> None:
    """Fires before the first transform of each stage (``graph_cleanup`` …). Ignored return.

    Example::

        @hookimpl
        def on_stage_begin(stage, model):
            print(stage, len(model.graph.node), "nodes")
    """


@hookspec
def on_transform_before(stage: str, transform: str, options: Mapping[str, Any]) -> Any:
    """Fires before each transform of a stage runs.

    ``transform`` is the qualified name (``builtin:RemoveIdentity``); ``options`` its options
    from the blueprint. Return ``False`` to skip the transform, or a dict to replace its
    options (the last dict returned wins); ``None`` leaves it alone.

    Example::

        @hookimpl
        def on_transform_before(transform, options):
            if transform == "qonnx:FoldConstants":
                return False
    """


@hookspec
def on_transform_after(stage: str, transform: str, model: ModelWrapper, modified: bool) -> Any:
    """Fires after each transform ran; ``modified`` says whether it changed the graph.

    Return a ``ModelWrapper`` to replace the model the next transform sees (the last one
    returned wins); ``None`` keeps it.

    Example::

        @hookimpl
        def on_transform_after(transform, model, modified):
            if modified:
                model.save(f"debug/{transform.replace(':', '_')}.onnx")
    """


@hookspec
def on_stage_end(stage: str, model: ModelWrapper) -> None:
    """Fires after the last transform of each stage, with the stage's resulting model.

    Example::

        @hookimpl
        def on_stage_end(stage, model):
            model.save(f"checkpoints/{stage}.onnx")
    """


@hookspec
def on_compile_end(model: ModelWrapper, report: Any) -> None:
    """Fires once after the last stage; ``report`` is the pipeline's compile report.

    Example::

        @hookimpl
        def on_compile_end(report):
            print(report)
    """


@hookspec
def on_compile_error(error: BaseException, stage: str, transform: str) -> None:
    """Fires when a compile fails, before the error propagates; ``stage`` and ``transform``
    name where (empty strings outside any). The return value is ignored.

    Example::

        @hookimpl
        def on_compile_error(error, stage, transform):
            print(f"{stage}/{transform} failed: {error}")
    """


# -- Lifecycle: training events (fired by brainsmith.training.TrainingLoop) ----------------
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
