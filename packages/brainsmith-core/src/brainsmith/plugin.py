"""Deprecated alias, kept so plugins written for brainsmith-core 0.1's flat layout still load:
the stateful lifecycle plugin base class is :class:`brainsmith.LifecyclePlugin`."""

import warnings

from .lifecycle._plugin import (  # noqa: F401
    LifecycleContext,
    LifecyclePlugin,
    LifecyclePluginState,
    Plugin,
    PluginContext,
    PluginState,
)

warnings.warn(
    "brainsmith.plugin is deprecated: use brainsmith.LifecyclePlugin",
    DeprecationWarning,
    stacklevel=2,
)
