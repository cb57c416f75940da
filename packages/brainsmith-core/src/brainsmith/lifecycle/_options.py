"""What a lifecycle hook implementation declares — its priority and condition, through
:func:`lifecycle` — and what it may return to ask the loop to stop (:class:`Stop`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from .conditions import Condition

F = TypeVar("F", bound=Callable[..., Any])

OPTIONS_ATTR = "brainsmith_lifecycle"
"""The attribute :func:`lifecycle` sets on a hook implementation."""


@dataclass(frozen=True, slots=True)
class LifecycleOptions:
    """Dispatch options of one hook implementation (see :func:`lifecycle`)."""

    priority: int = 0
    condition: Condition | None = None


DEFAULT_OPTIONS = LifecycleOptions()


def lifecycle(*, priority: int = 0, condition: Condition | None = None) -> Callable[[F], F]:
    """Attach a priority (higher runs first) and a condition to a ``@hookimpl``.

    Stack it above or below ``@hookimpl``; it only sets an attribute, so the function stays a
    plain pluggy implementation. A run config may override the priority per plugin.
    """
    from .conditions import Condition

    if isinstance(priority, bool) or not isinstance(priority, int):
        raise TypeError(f"lifecycle(priority=...) must be an int, got {priority!r}")
    if condition is not None and not isinstance(condition, Condition):
        raise TypeError(
            f"lifecycle(condition=...) must be a Condition (every_n_epochs(5), when(...)), "
            f"got {condition!r}"
        )
    options = LifecycleOptions(priority, condition)

    def mark(function: F) -> F:
        setattr(function, OPTIONS_ATTR, options)
        return function

    return mark


@dataclass(frozen=True, slots=True)
class Stop:
    """Return this from any lifecycle hook to ask the running loop to stop."""

    reason: str = ""
