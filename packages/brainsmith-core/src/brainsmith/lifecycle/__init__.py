"""Lifecycle dispatch: events of a run delivered to plugins' hooks with priorities, conditions,
middleware, statistics and an error policy; stateful lifecycle plugins; the training loop.

May import: the shared helpers (``brainsmith._*``, ``brainsmith.errors``); never
``brainsmith.compile``; from ``brainsmith.plugins`` only what the session gives it (a
``PluginManager`` and a way to describe a plugin).

For authors of lifecycle plugins: :func:`lifecycle`, :class:`Stop`, the conditions
(:func:`every_n_epochs` …), :class:`LifecyclePlugin` and the hooks in
:mod:`~brainsmith.lifecycle.hookspecs`. For hosts: :class:`Dispatcher`, :class:`LifecycleHost`,
:class:`RunConfig`, :class:`TrainingLoop`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_attributes

if TYPE_CHECKING:
    from . import hookspecs
    from ._dispatcher import Dispatcher, HookError, LifecycleError, LifecycleWarning
    from ._host import STATE_FILE, LifecycleHost, LifecyclePluginError
    from ._options import LifecycleOptions, Stop, lifecycle
    from ._plugin import (
        LifecycleContext,
        LifecyclePlugin,
        LifecyclePluginState,
        Plugin,
        PluginContext,
        PluginState,
    )
    from ._policy import ErrorPolicy, StopControl
    from ._providers import ProviderError, ProviderRegistry, ProviderSpec
    from ._runconfig import RunConfig, RunConfigError
    from ._stats import STATS_FILE, read_stats
    from ._training import Trainable, TrainingLoop, TrainResult
    from .conditions import (
        Condition,
        after_epoch,
        before_epoch,
        every_n_epochs,
        every_n_steps,
        in_stages,
        when,
    )
    from .events import HookEvents

_NAMES = {
    "hookspecs": ".hookspecs:",
    "Dispatcher": "._dispatcher",
    "ErrorPolicy": "._policy",
    "HookError": "._dispatcher",
    "LifecycleError": "._dispatcher",
    "LifecycleOptions": "._options",
    "LifecycleWarning": "._dispatcher",
    "Stop": "._options",
    "lifecycle": "._options",
    "STATE_FILE": "._host",
    "StopControl": "._policy",
    "LifecycleHost": "._host",
    "LifecyclePluginError": "._host",
    "LifecycleContext": "._plugin",
    "LifecyclePlugin": "._plugin",
    "LifecyclePluginState": "._plugin",
    "Plugin": "._plugin",
    "PluginContext": "._plugin",
    "PluginState": "._plugin",
    "ProviderError": "._providers",
    "ProviderRegistry": "._providers",
    "ProviderSpec": "._providers",
    "RunConfig": "._runconfig",
    "RunConfigError": "._runconfig",
    "STATS_FILE": "._stats",
    "read_stats": "._stats",
    "Trainable": "._training",
    "TrainingLoop": "._training",
    "TrainResult": "._training",
    "Condition": ".conditions",
    "after_epoch": ".conditions",
    "before_epoch": ".conditions",
    "every_n_epochs": ".conditions",
    "every_n_steps": ".conditions",
    "in_stages": ".conditions",
    "when": ".conditions",
    "HookEvents": ".events",
}
__all__ = [
    "STATE_FILE",
    "STATS_FILE",
    "Condition",
    "Dispatcher",
    "ErrorPolicy",
    "HookError",
    "HookEvents",
    "LifecycleContext",
    "LifecycleError",
    "LifecycleHost",
    "LifecycleOptions",
    "LifecyclePlugin",
    "LifecyclePluginError",
    "LifecyclePluginState",
    "LifecycleWarning",
    "Plugin",
    "PluginContext",
    "PluginState",
    "ProviderError",
    "ProviderRegistry",
    "ProviderSpec",
    "RunConfig",
    "RunConfigError",
    "Stop",
    "StopControl",
    "TrainResult",
    "Trainable",
    "TrainingLoop",
    "after_epoch",
    "before_epoch",
    "every_n_epochs",
    "every_n_steps",
    "hookspecs",
    "in_stages",
    "lifecycle",
    "read_stats",
    "when",
]
__getattr__ = lazy_attributes(__name__, _NAMES)
