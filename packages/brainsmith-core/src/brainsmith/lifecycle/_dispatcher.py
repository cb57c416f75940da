"""The lifecycle dispatcher: pluggy hook implementations called with priority, conditions,
middleware, statistics, an error policy and a stop control.

Implementations stay ordinary pluggy ``@hookimpl`` functions or methods. Priority and
condition are attached by :func:`lifecycle`, a decorator that only sets an attribute::

    from brainsmith import hookimpl
    from brainsmith.lifecycle import Stop, lifecycle
    from brainsmith.lifecycle.conditions import every_n_epochs

    @lifecycle(priority=10, condition=every_n_epochs(5))
    @hookimpl
    def on_epoch_end(epoch, metrics):
        if metrics["val_loss"] > 10:
            return Stop("diverged")

The dispatcher compiles each event's call plan (order, inlined conditions, arguments, stat
slots) into a function once per registration change (:mod:`brainsmith.lifecycle._callplan`).
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from .._atomic import write_json_atomic
from .._distributions import distribution_of
from .._guard import describe_failure
from ..errors import BrainsmithError
from ._callplan import CompiledPlan, PlannedCall, compile_plan
from ._options import DEFAULT_OPTIONS, OPTIONS_ATTR, LifecycleOptions, Stop
from ._policy import DEFAULT_POLICY, ErrorPolicy, StopControl
from ._stats import HookStats, stats_path
from .events import HookEvents

if TYPE_CHECKING:
    import os
    from pathlib import Path

    import pluggy


F = TypeVar("F", bound=Callable[..., Any])

Middleware = Callable[[str, dict[str, Any]], "Mapping[str, Any] | None"]
"""``middleware(event, arguments)`` returns replacement arguments, or ``None`` to keep them."""


class LifecycleError(BrainsmithError):
    """A lifecycle hook or its configuration is wrong."""


class HookError(LifecycleError):
    """A hook implementation raised; names the plugin, its distribution and the hook. A
    failure at run time, not bad input: exit status 1."""

    exit_code = 1

    def __init__(
        self, message: str, *, plugin: str, hook: str, where: str = "", fix: str = ""
    ) -> None:
        self.plugin = plugin
        self.hook = hook
        super().__init__(message, where=where, fix=fix)


class LifecycleWarning(UserWarning):
    """A hook failed under the ``warn`` or ``disable`` policy, or a plugin was disabled."""


@dataclass(frozen=True, slots=True)
class _Plan:
    generation: int
    hook: pluggy.HookCaller
    impls: list[pluggy.HookImpl]
    compiled: CompiledPlan


class Dispatcher:
    """Fires lifecycle events to the hook implementations registered in a pluggy manager.

    ``describe(plugin_name)`` names a plugin in errors, e.g. ``"x (brainsmith-plugin-x 1.2.0)"``;
    without it the distribution is looked up from the plugin's module. ``order`` is the
    configured plugin order that breaks priority ties (then registration order).
    """

    def __init__(
        self,
        plugin_manager: pluggy.PluginManager,
        *,
        describe: Callable[[str], str] | None = None,
        order: Sequence[str] = (),
        priorities: Mapping[str, int] | None = None,
        policies: Mapping[str, ErrorPolicy] | None = None,
        default_policy: ErrorPolicy = DEFAULT_POLICY,
    ) -> None:
        self.plugin_manager = plugin_manager
        self._describe = describe
        self._order = {name: i for i, name in enumerate(order)}
        self._priorities = dict(priorities or {})
        self._policies = dict(policies or {})
        self._default_policy = default_policy
        self._disabled: dict[str, str] = {}
        self._failures: dict[str, int] = {}
        self._middleware: dict[str | None, list[Middleware]] = {}
        self._generation = 0
        self._plans: dict[str, _Plan] = {}
        self.stats = HookStats()
        self.control = StopControl()

    # -- configuration ------------------------------------------------------------------

    def refresh(self) -> None:
        """Forget every compiled call plan (they are rebuilt on the next ``fire``)."""
        self._generation += 1

    def set_order(self, order: Sequence[str]) -> None:
        """The configured plugin order that breaks priority ties."""
        self._order = {name: i for i, name in enumerate(order)}
        self.refresh()

    def set_priority(self, plugin: str, priority: int | None) -> None:
        """Override the priority of every hook of ``plugin`` (``None`` restores its own)."""
        if priority is None:
            self._priorities.pop(plugin, None)
        else:
            self._priorities[plugin] = priority
        self.refresh()

    def set_policy(self, plugin: str, policy: ErrorPolicy) -> None:
        """The error policy of ``plugin``."""
        self._policies[plugin] = policy

    def policy(self, plugin: str) -> ErrorPolicy:
        """The error policy that applies to ``plugin``."""
        return self._policies.get(plugin, self._default_policy)

    def disable(self, plugin: str, reason: str = "disabled") -> None:
        """Stop calling ``plugin``'s hooks (it stays registered with pluggy)."""
        self._disabled[plugin] = reason
        self.refresh()

    def enable(self, plugin: str) -> None:
        """Call ``plugin``'s hooks again and reset its failure count."""
        if self._disabled.pop(plugin, None) is not None:
            self._failures.pop(plugin, None)
            self.refresh()

    @property
    def disabled(self) -> Mapping[str, str]:
        """Disabled plugins and why."""
        return dict(self._disabled)

    def add_middleware(
        self, middleware: Middleware, *, events: Iterable[str] | None = None
    ) -> None:
        """Run ``middleware(event, arguments)`` before the hooks of ``events`` (all if None).

        A mapping it returns replaces the arguments the hooks (and later middleware) see.
        """
        if not callable(middleware):
            raise TypeError(f"middleware must be callable, got {middleware!r}")
        for event in [None] if events is None else list(events):
            self._middleware.setdefault(event, []).append(middleware)

    def remove_middleware(self, middleware: Middleware) -> None:
        """Remove ``middleware`` from every event it was added to."""
        for chain in self._middleware.values():
            while middleware in chain:
                chain.remove(middleware)
        self._middleware = {k: v for k, v in self._middleware.items() if v}

    # -- stop control -------------------------------------------------------------------

    @property
    def should_stop(self) -> bool:
        """Whether a hook asked the loop to stop."""
        return self.control.requested

    # -- firing -------------------------------------------------------------------------

    def fire(self, event: str, /, **kwargs: Any) -> list[Any]:
        """Call every enabled implementation of ``event``; return their non-``None`` results
        in call order. Middleware runs first; a :class:`Stop` result sets the stop control."""
        if self._middleware:
            kwargs = self._rewrite(event, kwargs)
        results: list[Any] = []
        self._current(event).compiled.run(kwargs, results)
        return results

    def fire_attributed(self, event: str, /, **kwargs: Any) -> list[tuple[str, Any]]:
        """:meth:`fire`, returning ``(plugin name, result)`` pairs: who returned what."""
        if self._middleware:
            kwargs = self._rewrite(event, kwargs)
        results: list[tuple[str, Any]] = []
        self._current(event).compiled.run_attributed(kwargs, results)
        return results

    def plan(self, event: str) -> CompiledPlan:
        """The current call plan of ``event`` (its calls in order, and generated source)."""
        return self._current(event).compiled

    def _current(self, event: str) -> _Plan:
        """The compiled plan of ``event``, rebuilt if registrations or settings changed."""
        plan = self._plans.get(event)
        if (
            plan is None
            or plan.generation != self._generation
            or plan.hook.get_hookimpls() != plan.impls
        ):
            plan = self._compile(event)
        return plan

    def subscribers(self, event: str) -> list[str]:
        """Plugin names that would be called for ``event``, in call order."""
        return [call.plugin for call in self.plan(event).calls]

    def _rewrite(self, event: str, kwargs: dict[str, Any]) -> dict[str, Any]:
        for middleware in (*self._middleware.get(None, ()), *self._middleware.get(event, ())):
            replaced = middleware(event, kwargs)
            if replaced is not None:
                if not isinstance(replaced, Mapping):
                    raise LifecycleError(
                        f"middleware {_qualname(middleware)} returned {type(replaced).__name__}",
                        where=f"event {event}",
                        fix="return a mapping of the event's arguments, or None to keep them",
                    )
                kwargs = dict(replaced)
        return kwargs

    def _compile(self, event: str) -> _Plan:
        hook: pluggy.HookCaller | None = getattr(self.plugin_manager.hook, event, None)
        if hook is None:
            known = sorted(n for n in dir(self.plugin_manager.hook) if n.startswith("on_")) or list(
                HookEvents.ALL
            )
            raise LifecycleError(
                f"no lifecycle hook named {event!r}",
                fix=f"fire one of: {', '.join(known)}",
            )
        impls = hook.get_hookimpls()
        ranked: list[tuple[tuple[int, int, int, int], PlannedCall]] = []
        for index, impl in enumerate(impls):
            name = impl.plugin_name
            if name in self._disabled:
                continue
            if impl.hookwrapper or impl.wrapper:
                self._disable_invalid(name, event)
                continue
            options = self._options(impl, event)
            priority = self._priorities.get(name, options.priority)
            tie = -1 if impl.tryfirst else 1 if impl.trylast else 0
            key = (-priority, tie, self._order.get(name, len(self._order)), index)
            call = PlannedCall(
                plugin=name,
                function=impl.function,
                argnames=tuple(impl.argnames),
                condition=options.condition,
                stat=self.stats.slot(name, event),
                defaults=_defaults(impl.function, impl.kwargnames),
            )
            ranked.append((key, call))
        ranked.sort(key=lambda pair: pair[0])
        compiled = compile_plan(
            event,
            [call for _, call in ranked],
            failed=self._failed,
            stop=self.control.request,
            stop_type=Stop,
        )
        plan = _Plan(self._generation, hook, impls, compiled)
        self._plans[event] = plan
        return plan

    @staticmethod
    def _options(impl: pluggy.HookImpl, event: str) -> LifecycleOptions:
        override = getattr(impl.plugin, "lifecycle_options", None)
        if callable(override):
            chosen = override(event)
            if chosen is not None:
                return chosen  # type: ignore[no-any-return]
        options = getattr(impl.function, OPTIONS_ATTR, None)
        return options if isinstance(options, LifecycleOptions) else DEFAULT_OPTIONS

    # -- errors -------------------------------------------------------------------------

    def describe(self, plugin: str) -> str:
        """``plugin (distribution version)``, as errors name a plugin."""
        obj = self.plugin_manager.get_plugin(plugin)
        label = getattr(obj, "lifecycle_label", None)
        if callable(label):
            label = label()
        if isinstance(label, str) and label:
            return label
        if self._describe is not None:
            return self._describe(plugin)
        return self._describe_from_metadata(plugin, obj)

    def _describe_from_metadata(self, plugin: str, obj: object) -> str:
        module = getattr(obj, "__module__", None) or getattr(obj, "__name__", None)
        if not isinstance(module, str):
            return plugin
        found = distribution_of(module.partition(".")[0])
        if found is None:
            return f"{plugin} (not installed: module {module})"
        return f"{plugin} ({found[0]} {found[1]})"

    def _disable_invalid(self, name: str, event: str) -> None:
        """A wrapper on a dispatched event: the plugin is disabled (everything else runs)."""
        error = LifecycleError(
            f"hook wrappers are not supported for lifecycle hook {event}",
            where=f"plugin {self.describe(name)}",
            fix="use a plain @hookimpl; to rewrite arguments, add middleware",
        )
        self._disabled[name] = f"invalid hook implementation: {error.message}"
        self._generation += 1
        warnings.warn(
            f"{error}\n  plugin {self.describe(name)} is disabled", LifecycleWarning, stacklevel=4
        )

    def _failed(
        self,
        event: str,
        name: str,
        exc: BaseException,
        kwargs: dict[str, Any],
        argnames: tuple[str, ...],
    ) -> None:
        label = self.describe(name)
        missing = [arg for arg in argnames if arg not in kwargs]
        if missing:
            raise LifecycleError(
                f"event {event} was fired without argument {missing[0]!r}, which the hook of "
                f"plugin {label} takes",
                where=f"event {event}",
                fix="pass every argument the hookspec declares to fire()",
            ) from exc
        plugin = self.plugin_manager.get_plugin(name)
        module = getattr(plugin, "__name__", None) or type(plugin).__module__
        error = HookError(
            f"raised {describe_failure(exc, module if isinstance(module, str) else '')}",
            plugin=name,
            hook=event,
            where=f"plugin {label}, hook {event}",
            fix="fix or update the plugin, or set its on_error policy to 'warn' or "
            "{disable_after: N} in the run config",
        )
        exception_event = HookEvents.EXCEPTION
        if event != exception_event and hasattr(self.plugin_manager.hook, exception_event):
            self.fire(HookEvents.EXCEPTION, error=exc, event=event, plugin=name)
        policy = self.policy(name)
        if policy.action == "raise":
            raise error from exc
        failures = self._failures[name] = self._failures.get(name, 0) + 1
        if policy.action == "disable" and failures >= policy.max_failures:
            self.disable(name, f"{failures} failure(s), last in {event}: {exc}")
            warnings.warn(
                f"{error}\n  plugin {label} is disabled after {failures} failure(s)",
                LifecycleWarning,
                stacklevel=3,
            )
        else:
            warnings.warn(str(error), LifecycleWarning, stacklevel=3)

    # -- statistics ---------------------------------------------------------------------

    def stats_json(self) -> dict[str, Any]:
        """The ``hook_stats.json`` document of this dispatcher."""
        return self.stats.to_json(
            label=self.describe, stopped=self.control.to_json(), disabled=self._disabled
        )

    def write_stats(self, location: str | os.PathLike[str]) -> Path:
        """Write ``hook_stats.json`` atomically into a run directory (or to a ``.json`` path)."""
        return write_json_atomic(stats_path(location), self.stats_json())


def _defaults(function: Callable[..., Any], names: Sequence[str]) -> tuple[tuple[str, Any], ...]:
    """``(name, default)`` of the arguments with defaults pluggy leaves out of a call."""
    if not names:
        return ()
    try:
        parameters = inspect.signature(function).parameters
    except (TypeError, ValueError):  # pragma: no cover - builtins without a signature
        return ()
    return tuple((n, parameters[n].default) for n in names if n in parameters)


def _qualname(obj: object) -> str:
    return f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', repr(obj))}"
