"""The names of every lifecycle event, in one place.

Each name is also a hook (same name) documented in :mod:`brainsmith.compile.hookspecs` or
:mod:`brainsmith.lifecycle.hookspecs`; a test keeps the two in step. Fire them through a
:class:`~brainsmith.lifecycle.Dispatcher`::

    events.fire(HookEvents.EPOCH_END, loop=loop, epoch=3, metrics={"loss": 0.1})
"""

from __future__ import annotations

from typing import Final


class HookEvents:
    """Lifecycle event names as constants; ``COMPILE``, ``TRAINING`` and ``ALL`` group them."""

    # compile (fired by the pipeline)
    COMPILE_BEGIN: Final = "on_compile_begin"
    STAGE_BEGIN: Final = "on_stage_begin"
    TRANSFORM_BEFORE: Final = "on_transform_before"
    TRANSFORM_AFTER: Final = "on_transform_after"
    STAGE_END: Final = "on_stage_end"
    COMPILE_END: Final = "on_compile_end"
    COMPILE_ERROR: Final = "on_compile_error"

    # training (fired by brainsmith.lifecycle.TrainingLoop)
    TRAIN_BEGIN: Final = "on_train_begin"
    TRAIN_END: Final = "on_train_end"
    EPOCH_BEGIN: Final = "on_epoch_begin"
    EPOCH_END: Final = "on_epoch_end"
    STEP_BEGIN: Final = "on_step_begin"
    STEP_END: Final = "on_step_end"
    BACKWARD_BEGIN: Final = "on_backward_begin"
    BACKWARD_END: Final = "on_backward_end"
    OPTIMIZER_STEP: Final = "on_optimizer_step"
    VALIDATION_BEGIN: Final = "on_validation_begin"
    VALIDATION_STEP: Final = "on_validation_step"
    VALIDATION_END: Final = "on_validation_end"
    CHECKPOINT_SAVE: Final = "on_checkpoint_save"
    CHECKPOINT_LOAD: Final = "on_checkpoint_load"
    LOG: Final = "on_log"
    STOP: Final = "on_stop"

    # both
    EXCEPTION: Final = "on_exception"

    COMPILE: Final = (
        COMPILE_BEGIN,
        STAGE_BEGIN,
        TRANSFORM_BEFORE,
        TRANSFORM_AFTER,
        STAGE_END,
        COMPILE_END,
        COMPILE_ERROR,
    )
    TRAINING: Final = (
        TRAIN_BEGIN,
        TRAIN_END,
        EPOCH_BEGIN,
        EPOCH_END,
        STEP_BEGIN,
        STEP_END,
        BACKWARD_BEGIN,
        BACKWARD_END,
        OPTIMIZER_STEP,
        VALIDATION_BEGIN,
        VALIDATION_STEP,
        VALIDATION_END,
        CHECKPOINT_SAVE,
        CHECKPOINT_LOAD,
        LOG,
        STOP,
        EXCEPTION,
    )
    ALL: Final = COMPILE + TRAINING
