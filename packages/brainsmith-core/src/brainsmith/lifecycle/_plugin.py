"""``LifecyclePlugin``: the base class of stateful lifecycle plugins.

A subclass defines lifecycle methods named after the hooks (``on_epoch_end`` …); they become
pluggy hook implementations automatically (a method already marked ``@hookimpl`` is left as
it is), and may carry ``@lifecycle(priority=..., condition=...)``. Options are a dataclass
named ``Config``, validated with errors naming the option::

    class EarlyStopping(LifecyclePlugin):
        name = "early_stopping"

        @dataclass
        class Config:
            metric: str = "val_loss"
            patience: int = 3

        def on_validation_end(self, metrics):
            ...
            return Stop("no improvement")

        def state_dict(self):
            return {"best": self.best}

A :class:`~brainsmith.lifecycle.LifecycleHost` moves it through its states:
register → load → setup → running → teardown → unload.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar

from .._distributions import distribution_of
from .._markers import PROJECT, hookimpl, is_hookimpl
from .._schema import validate_options
from .events import HookEvents

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from ._dispatcher import Dispatcher
    from ._options import LifecycleOptions


class LifecyclePluginState(StrEnum):
    """Where a lifecycle plugin is in its life."""

    REGISTERED = "registered"
    """Its class is known (contributed by an active plugin)."""
    LOADED = "loaded"
    """Instantiated with validated options."""
    SETUP = "setup"
    """``setup()`` ran, its state was restored and its hooks are registered."""
    RUNNING = "running"
    """A run is in progress and its hooks are being called."""
    TORN_DOWN = "torn_down"
    """``teardown()`` ran and its state was saved."""
    UNLOADED = "unloaded"
    """Its hooks are unregistered."""


@dataclass(frozen=True, slots=True)
class NoConfig:
    """The options of a plugin that takes none."""


@dataclass(frozen=True, slots=True)
class LifecycleContext:
    """What ``LifecyclePlugin.setup`` receives: the run's directory and its dispatcher."""

    run_dir: Path
    dispatcher: Dispatcher


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class LifecyclePlugin:
    """Base class of stateful lifecycle plugins. Override what you need; see the module doc."""

    name: ClassVar[str] = ""
    """Unique name; run configs enable the plugin by it. Defaults to the class name in
    snake_case."""
    version: ClassVar[str] = ""
    """Defaults to the version of the distribution the class is installed from."""
    description: ClassVar[str] = ""
    Config: ClassVar[type] = NoConfig
    """A dataclass: the options the plugin accepts, their types and defaults."""
    requires: ClassVar[tuple[str, ...]] = ()
    """Lifecycle plugins that must be enabled too (they are set up first)."""
    conflicts: ClassVar[tuple[str, ...]] = ()
    """Lifecycle plugins that cannot be enabled beside this one."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.__dict__.get("name"):
            cls.name = _snake(cls.__name__)
        import pluggy

        parser = pluggy.PluginManager(PROJECT)  # only parses: nothing is registered with it
        for attribute, value in list(cls.__dict__.items()):
            if (
                attribute in HookEvents.ALL
                and callable(value)
                and not is_hookimpl(parser, cls, attribute)
            ):
                hookimpl(value)

    def __init__(self, options: Mapping[str, Any] | None = None, *, where: str = "") -> None:
        self.config: Any = validate_options(
            self.Config,
            dict(options or {}),
            where=where or f"lifecycle plugin {self.name!r} options",
        )
        self.state = LifecyclePluginState.LOADED
        self.enabled = True
        self._dispatcher: Dispatcher | None = None

    # -- identity -------------------------------------------------------------------------

    @classmethod
    def distribution(cls) -> tuple[str, str] | None:
        """``(distribution, version)`` the class is installed from, or ``None`` (looked up
        once per process, see :func:`brainsmith._distributions.distribution_of`)."""
        return distribution_of(cls.__module__.partition(".")[0])

    @classmethod
    def plugin_version(cls) -> str:
        """``version``, else the distribution's version, else the top-level package's
        ``__version__`` (editable installs), else ``"0+unknown"``."""
        if cls.version:
            return cls.version
        dist = cls.distribution()
        if dist:
            return dist[1]
        top = sys.modules.get(cls.__module__.partition(".")[0])
        version = getattr(top, "__version__", None)
        return version if isinstance(version, str) else "0+unknown"

    @classmethod
    def label(cls) -> str:
        """``name (distribution version)``, as errors and listings name the plugin."""
        dist = cls.distribution()
        if dist:
            return f"{cls.name} ({dist[0]} {dist[1]})"
        return f"{cls.name} ({cls.__module__} {cls.plugin_version()})"

    def lifecycle_label(self) -> str:
        """What the dispatcher's errors call this plugin (a method: pluggy reads every
        attribute of a plugin on registration, so nothing costly is a property)."""
        return self.label()

    @property
    def state_key(self) -> str:
        """The key this plugin's state is saved under in the run directory."""
        return f"{type(self).__module__}.{type(self).__qualname__}:{self.name}"

    # -- behaviour ------------------------------------------------------------------------

    def setup(self, context: LifecycleContext) -> None:
        """Prepare for a run (open files, read ``self.config``). Its state is restored after."""

    def teardown(self) -> None:
        """Release what ``setup`` acquired. Its state is saved after."""

    def state_dict(self) -> dict[str, Any]:
        """JSON-able state to keep in the run directory between runs."""
        return {}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore what ``state_dict`` returned."""

    def lifecycle_options(self, hook: str) -> LifecycleOptions | None:
        """Per-instance priority/condition of ``hook`` (e.g. from ``self.config``); ``None``
        keeps what ``@lifecycle`` declared on the method."""
        return None

    def middleware(self, event: str, arguments: dict[str, Any]) -> Mapping[str, Any] | None:
        """Rewrite the arguments of ``middleware_events`` before any hook sees them."""
        return None

    middleware_events: ClassVar[tuple[str, ...]] = ()
    """The events :meth:`middleware` applies to (none by default)."""

    # -- switching ------------------------------------------------------------------------

    def bind(self, dispatcher: Dispatcher | None) -> None:
        """Attach to (or detach from) the dispatcher its enable/disable switches act on."""
        self._dispatcher = dispatcher

    def enable(self) -> None:
        """Have its hooks called again."""
        self.enabled = True
        if self._dispatcher is not None:
            self._dispatcher.enable(self.name)

    def disable(self, reason: str = "disabled") -> None:
        """Stop its hooks being called (it stays set up)."""
        self.enabled = False
        if self._dispatcher is not None:
            self._dispatcher.disable(self.name, reason)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} {self.state} enabled={self.enabled}>"


Plugin = LifecyclePlugin
"""The seed's name for :class:`LifecyclePlugin`, kept as an alias."""
PluginState = LifecyclePluginState
"""The seed's name for :class:`LifecyclePluginState`, kept as an alias."""
PluginContext = LifecycleContext
"""The seed's name for :class:`LifecycleContext`, kept as an alias."""
