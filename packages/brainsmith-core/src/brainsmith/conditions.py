"""Conditions: when a lifecycle hook implementation runs, decided before it is called.

A condition looks at the event's arguments (``epoch``, ``step``, ``stage`` …) and returns a
bool. Epochs and steps are counted from 1 by :class:`~brainsmith.training.TrainingLoop`. A
condition on an argument the event does not carry is false, so ``every_n_epochs(5)`` skips
``on_train_begin``. Combine them with ``&``, ``|`` and ``~``::

    @lifecycle(condition=every_n_epochs(5) & after_epoch(10))
    @hookimpl
    def on_epoch_end(epoch, metrics): ...
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Test = Callable[[Mapping[str, Any]], bool]


class Condition:
    """A named predicate over an event's arguments; ``test`` is what the dispatcher calls."""

    __slots__ = ("description", "test")

    def __init__(self, test: Test, description: str) -> None:
        self.test = test
        self.description = description

    def __call__(self, arguments: Mapping[str, Any]) -> bool:
        return self.test(arguments)

    def __and__(self, other: Condition) -> Condition:
        a, b = self.test, _check(other).test
        return Condition(lambda kw: a(kw) and b(kw), f"({self} & {other})")

    def __or__(self, other: Condition) -> Condition:
        a, b = self.test, _check(other).test
        return Condition(lambda kw: a(kw) or b(kw), f"({self} | {other})")

    def __invert__(self) -> Condition:
        a = self.test
        return Condition(lambda kw: not a(kw), f"~{self}")

    def __repr__(self) -> str:
        return self.description


def _check(other: object) -> Condition:
    if not isinstance(other, Condition):
        raise TypeError(f"cannot combine a condition with {other!r}; use a Condition")
    return other


def _positive(n: object, what: str) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"{what} needs a positive whole number, got {n!r}")
    return n


def _whole(n: object, what: str) -> int:
    if isinstance(n, bool) or not isinstance(n, int):
        raise ValueError(f"{what} needs a whole number, got {n!r}")
    return n


def every_n_epochs(n: int) -> Condition:
    """True on epochs ``n``, ``2n``, … (events that carry ``epoch``)."""
    n = _positive(n, "every_n_epochs")

    def test(kw: Mapping[str, Any]) -> bool:
        epoch = kw.get("epoch")
        return epoch is not None and epoch % n == 0

    return Condition(test, f"every_n_epochs({n})")


def every_n_steps(n: int) -> Condition:
    """True on steps ``n``, ``2n``, … (events that carry ``step``)."""
    n = _positive(n, "every_n_steps")

    def test(kw: Mapping[str, Any]) -> bool:
        step = kw.get("step")
        return step is not None and step % n == 0

    return Condition(test, f"every_n_steps({n})")


def after_epoch(n: int) -> Condition:
    """True once the epoch is greater than ``n``."""
    n = _whole(n, "after_epoch")

    def test(kw: Mapping[str, Any]) -> bool:
        epoch = kw.get("epoch")
        return epoch is not None and epoch > n

    return Condition(test, f"after_epoch({n})")


def before_epoch(n: int) -> Condition:
    """True while the epoch is less than ``n``."""
    n = _whole(n, "before_epoch")

    def test(kw: Mapping[str, Any]) -> bool:
        epoch = kw.get("epoch")
        return epoch is not None and epoch < n

    return Condition(test, f"before_epoch({n})")


def in_stages(*stages: str) -> Condition:
    """True for compile events of the named stages (events that carry ``stage``)."""
    if not stages:
        raise ValueError("in_stages needs at least one stage name")
    wanted = frozenset(stages)
    return Condition(lambda kw: kw.get("stage") in wanted, f"in_stages{stages!r}")


def when(predicate: Test, description: str = "") -> Condition:
    """A condition from any ``predicate(arguments) -> bool``."""
    if not callable(predicate):
        raise TypeError(f"when() needs a callable, got {predicate!r}")
    return Condition(predicate, description or f"when({getattr(predicate, '__name__', '?')})")
