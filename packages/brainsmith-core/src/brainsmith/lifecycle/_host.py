"""``LifecycleHost``: drives :class:`~brainsmith.LifecyclePlugin` instances through their states
(register → load → setup → running → teardown → unload) against one dispatcher.

    host = LifecycleHost(dispatcher)
    host.collect()                                  # classes from brainsmith_lifecycle_plugins
    host.configure(RunConfig.load("run.yaml"))      # load with options, priorities, schedules
    with host.running(run_dir):                     # setup … teardown, state saved/restored
        loop.run()
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._atomic import write_json_atomic
from .._json import read_json
from .._order import dependency_order
from .._suggest import did_you_mean
from ..errors import BrainsmithError
from ._plugin import LifecycleContext, LifecyclePlugin, LifecyclePluginState
from ._runconfig import RunConfig, RunConfigError
from .events import HookEvents

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    from ._dispatcher import Dispatcher
    from ._runconfig import PluginEntry

STATE_FILE = "plugin_state.json"
"""Where plugin states are kept in a run directory, each under its ``state_key``."""


_LIVE = (LifecyclePluginState.SETUP, LifecyclePluginState.RUNNING)
"""The states of a plugin whose ``setup()`` ran and whose ``teardown()`` has not."""


class LifecyclePluginError(BrainsmithError):
    """A lifecycle plugin is unknown, duplicated, missing a requirement or in conflict."""


class LifecycleHost:
    """The lifecycle plugins of one run. ``source`` of a class is the plugin namespace that
    contributed it (``builtin``)."""

    def __init__(self, dispatcher: Dispatcher) -> None:
        self.dispatcher = dispatcher
        self._classes: dict[str, type[LifecyclePlugin]] = {}
        self._sources: dict[str, str] = {}
        self._loaded: dict[str, LifecyclePlugin] = {}
        self._entries: dict[str, PluginEntry] = {}
        self._run_dir: Path | None = None
        self._order: list[LifecyclePlugin] = []  # the dependency order of the last setup()

    # -- register -------------------------------------------------------------------------

    def register(self, cls: type[LifecyclePlugin], *, source: str = "") -> None:
        """Make ``cls`` available by its name (state REGISTERED)."""
        if not (isinstance(cls, type) and issubclass(cls, LifecyclePlugin)):
            raise LifecyclePluginError(
                f"{cls!r} is not a brainsmith.LifecyclePlugin subclass",
                where=f"plugin {source}" if source else "",
                fix="return LifecyclePlugin subclasses from brainsmith_lifecycle_plugins()",
            )
        known = self._classes.get(cls.name)
        if known is not None and known is not cls:
            raise LifecyclePluginError(
                f"two lifecycle plugins are named {cls.name!r}: {known.label()} from "
                f"{self._sources[cls.name] or '?'} and {cls.label()} from {source or '?'}",
                fix="disable one of the plugins that contribute them",
            )
        self._classes[cls.name] = cls
        self._sources[cls.name] = source

    def collect(self) -> None:
        """Register the classes every registered plugin returns from
        ``brainsmith_lifecycle_plugins``."""
        hook = getattr(self.dispatcher.plugin_manager.hook, "brainsmith_lifecycle_plugins", None)
        if hook is None:
            return
        for impl in hook.get_hookimpls():
            for cls in impl.function() or ():
                self.register(cls, source=impl.plugin_name)

    @property
    def available(self) -> Mapping[str, type[LifecyclePlugin]]:
        """Registered plugin classes by name."""
        return dict(self._classes)

    # -- load -----------------------------------------------------------------------------

    def load(
        self, name: str, options: Mapping[str, Any] | None = None, *, where: str = ""
    ) -> LifecyclePlugin:
        """Instantiate the plugin ``name`` with validated ``options`` (state LOADED)."""
        cls = self._classes.get(name)
        if cls is None:
            choices = ", ".join(sorted(self._classes)) or "(none registered)"
            raise LifecyclePluginError(
                f"no lifecycle plugin named {name!r}{did_you_mean(name, self._classes)}",
                where=where,
                fix=f"use one of: {choices}; or install the plugin that provides it",
            )
        if name in self._loaded:
            raise LifecyclePluginError(f"lifecycle plugin {name!r} is loaded twice", where=where)
        plugin = cls(options, where=f"{where}.options" if where else "")
        self._loaded[name] = plugin
        return plugin

    def add(self, plugin: LifecyclePlugin) -> LifecyclePlugin:
        """Host an instance built by hand (registers its class too)."""
        self.register(type(plugin), source=self._sources.get(plugin.name, ""))
        if plugin.name in self._loaded:
            raise LifecyclePluginError(f"lifecycle plugin {plugin.name!r} is loaded twice")
        self._loaded[plugin.name] = plugin
        return plugin

    def configure(self, config: RunConfig) -> None:
        """Load every enabled plugin of ``config`` with its options, priority, error policy
        and schedule; its order breaks priority ties."""
        for entry in config.plugins:
            where = config.where("plugins", entry.name)
            if entry.name not in self._classes:
                choices = ", ".join(sorted(self._classes)) or "(none installed)"
                raise RunConfigError(
                    f"no lifecycle plugin named {entry.name!r}"
                    f"{did_you_mean(entry.name, self._classes)}",
                    where=where,
                    fix=f"use one of: {choices}",
                )
            if not entry.enabled:
                continue
            self.load(entry.name, entry.options, where=where)
            self._entries[entry.name] = entry
            if entry.priority is not None:
                self.dispatcher.set_priority(entry.name, entry.priority)
            if entry.on_error is not None:
                self.dispatcher.set_policy(entry.name, entry.on_error)
        self.dispatcher.set_order([e.name for e in config.plugins])
        if any(e.scheduled for e in self._entries.values()):
            self.dispatcher.add_middleware(self._schedule, events=[HookEvents.EPOCH_BEGIN])

    @property
    def plugins(self) -> Mapping[str, LifecyclePlugin]:
        """Loaded plugins by name, in load order."""
        return dict(self._loaded)

    # -- setup / teardown -----------------------------------------------------------------

    def setup(self, run_dir: str | Path) -> None:
        """Check requirements and conflicts, then set every loaded plugin up in dependency
        order: ``setup()``, restore its saved state, register its hooks (state SETUP)."""
        order = self._order = self._dependency_order()
        self._run_dir = Path(run_dir)
        self._run_dir.mkdir(parents=True, exist_ok=True)
        saved = self._read_states()
        context = LifecycleContext(self._run_dir, self.dispatcher)
        pm = self.dispatcher.plugin_manager
        for plugin in order:
            if plugin.state is not LifecyclePluginState.LOADED:
                continue
            plugin.setup(context)
            plugin.state = LifecyclePluginState.SETUP  # from here on, teardown() pairs with setup()
            if plugin.state_key in saved:
                plugin.load_state_dict(saved[plugin.state_key])
            if pm.is_registered(plugin):
                raise LifecyclePluginError(f"{plugin.label()} is already registered")
            try:
                pm.register(plugin, name=plugin.name)
            except ValueError as exc:
                raise LifecyclePluginError(
                    f"cannot register {plugin.label()}: {exc}",
                    fix="another plugin uses this name; rename the lifecycle plugin",
                ) from None
            plugin.bind(self.dispatcher)
            if plugin.middleware_events:
                self.dispatcher.add_middleware(plugin.middleware, events=plugin.middleware_events)
        self.dispatcher.refresh()

    def start(self) -> None:
        """Mark set-up plugins RUNNING (a run begins)."""
        for plugin in self._loaded.values():
            if plugin.state is LifecyclePluginState.SETUP:
                plugin.state = LifecyclePluginState.RUNNING

    def teardown(self) -> None:
        """``teardown()`` every running or set-up plugin in reverse order and save states.
        A failing ``teardown()`` does not stop the others; the first failure is raised after
        the states are saved."""
        failure: BaseException | None = None
        for plugin in reversed(self._order):
            if plugin.state in _LIVE:
                try:
                    plugin.teardown()
                except BaseException as exc:
                    failure = failure or exc
                finally:
                    plugin.state = LifecyclePluginState.TORN_DOWN
        try:
            self.save_states()
        finally:
            if failure is not None:
                raise failure

    def unload(self) -> None:
        """Unregister every torn-down plugin's hooks and middleware (state UNLOADED)."""
        pm = self.dispatcher.plugin_manager
        for plugin in self._loaded.values():
            if plugin.state is LifecyclePluginState.TORN_DOWN:
                if pm.is_registered(plugin):
                    pm.unregister(plugin)
                if plugin.middleware_events:
                    self.dispatcher.remove_middleware(plugin.middleware)
                plugin.bind(None)
                plugin.state = LifecyclePluginState.UNLOADED
        self.dispatcher.refresh()

    @contextlib.contextmanager
    def running(self, run_dir: str | Path) -> Iterator[LifecycleHost]:
        """Setup, start, and always teardown, write ``hook_stats.json`` and
        ``plugin_state.json`` into ``run_dir`` and unload, even when a setup or a teardown
        fails (plugins set up before a failing one are torn down). When the body (or setup)
        raised, a failing teardown or write is attached to that error as a note and never
        replaces it. A compile passes its staging folder, so these files are committed with
        its other outputs or not at all."""
        failure: BaseException | None = None
        try:
            self.setup(run_dir)
            self.start()
            yield self
        except BaseException as exc:
            failure = exc
            raise
        finally:
            first: BaseException | None = None  # raised after every step ran, if the body did not
            for step, what in (
                (self.teardown, "tearing down the lifecycle plugins"),
                (lambda: self.dispatcher.write_stats(run_dir), "writing hook_stats.json"),
                (self.unload, "unloading the lifecycle plugins"),
            ):
                try:
                    step()
                except Exception as exc:
                    earlier = failure or first
                    if earlier is None:
                        first = exc
                    else:
                        _note(earlier, f"{what} failed too: {type(exc).__name__}: {exc}")
            if first is not None:
                raise first

    # -- state ----------------------------------------------------------------------------

    def save_states(self) -> Path | None:
        """Write every loaded plugin's ``state_dict()`` to ``run_dir/plugin_state.json``."""
        if self._run_dir is None:
            return None
        states = self._read_states()
        for plugin in self._loaded.values():
            if plugin.state in (
                *_LIVE,
                LifecyclePluginState.TORN_DOWN,
            ):  # set up, so it has a state
                states[plugin.state_key] = plugin.state_dict()
        return write_json_atomic(self._run_dir / STATE_FILE, states)

    def _read_states(self) -> dict[str, Any]:
        if self._run_dir is None:
            return {}
        path = self._run_dir / STATE_FILE
        try:
            data = read_json(
                path,
                what="saved plugin state",
                fix="make it a readable JSON file, or delete it to start the plugins fresh",
                error=LifecyclePluginError,
            )
        except FileNotFoundError:
            return {}
        return data if isinstance(data, dict) else {}

    # -- order, schedules, listing --------------------------------------------------------

    def _dependency_order(self) -> list[LifecyclePlugin]:
        plugins = self._loaded
        for plugin in plugins.values():
            for other in plugin.conflicts:
                if other in plugins:
                    raise LifecyclePluginError(
                        f"{plugin.label()} conflicts with {plugins[other].label()}",
                        fix=f"enable only one of {plugin.name!r} and {other!r}",
                    )
            for needed in plugin.requires:
                if needed not in plugins:
                    raise LifecyclePluginError(
                        f"{plugin.label()} requires the lifecycle plugin {needed!r}, which is "
                        "not enabled",
                        fix=f"enable {needed!r} in the run config",
                    )
        order, cycles = dependency_order({name: p.requires for name, p in plugins.items()})
        if cycles:
            raise LifecyclePluginError(
                f"lifecycle plugins require each other in a cycle: {' -> '.join(cycles[0])}",
                fix="remove one of the requirements",
            )
        return [plugins[name] for name in order]

    def _schedule(self, event: str, arguments: dict[str, Any]) -> None:
        epoch = arguments.get("epoch")
        if not isinstance(epoch, int):
            return
        for name, entry in self._entries.items():
            plugin = self._loaded.get(name)
            if plugin is None or not entry.scheduled:
                continue
            wanted = entry.active_at(epoch)
            if wanted and not plugin.enabled:
                plugin.enable()
            elif not wanted and plugin.enabled:
                plugin.disable(f"scheduled off at epoch {epoch}")

    def rows(self) -> list[dict[str, str]]:
        """One row per lifecycle plugin, for ``brainsmith plugins list``: name, version,
        source (the contributing plugin, described), state (registered / loaded / setup /
        running / torn_down / unloaded), enabled, requires, conflicts."""
        rows = []
        for name, cls in sorted(self._classes.items()):
            plugin = self._loaded.get(name)
            source = self._sources.get(name, "")
            rows.append(
                {
                    "name": name,
                    "version": cls.plugin_version(),
                    "source": self.dispatcher.describe(source) if source else "",
                    "state": str(plugin.state if plugin else LifecyclePluginState.REGISTERED),
                    "enabled": "yes" if plugin is None or plugin.enabled else "no",
                    "requires": ", ".join(cls.requires),
                    "conflicts": ", ".join(cls.conflicts),
                }
            )
        return rows


def _note(error: BaseException, text: str) -> None:
    """Attach a second failure to ``error`` (in a :class:`BrainsmithError`'s message, which
    the CLI prints; else as an exception note)."""
    if isinstance(error, BrainsmithError):
        error.message += f"\n  note: {text}"
    else:
        error.add_note(text)
