"""Conditions: when a lifecycle hook implementation runs, decided before it is called.

A condition looks at the event's arguments (``epoch``, ``step``, ``stage`` …) and returns a
bool. Epochs and steps are counted from 1 by :class:`~brainsmith.lifecycle.TrainingLoop`. A
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
    """A named predicate over an event's arguments (the mapping ``kw``).

    It is kept as a Python expression over ``kw`` plus the names it needs, so the dispatcher
    can inline it into an event's compiled call plan instead of calling it; ``test`` is the
    same expression as a function.
    """

    __slots__ = ("_test", "description", "env", "expression")

    def __init__(self, expression: str, description: str, env: Mapping[str, Any] | None = None):
        self.expression = expression
        self.description = description
        self.env: dict[str, Any] = dict(env or {})
        self._test: Test | None = None

    @property
    def test(self) -> Test:
        """The condition as a function of the event's arguments."""
        if self._test is None:
            self._test = eval(f"lambda kw: {self.expression}", dict(self.env))
        return self._test

    def __call__(self, arguments: Mapping[str, Any]) -> bool:
        return self.test(arguments)

    def __and__(self, other: Condition) -> Condition:
        other = _check(other)
        return Condition(
            f"({self.expression} and {other.expression})",
            f"({self} & {other})",
            {**self.env, **other.env},
        )

    def __or__(self, other: Condition) -> Condition:
        other = _check(other)
        return Condition(
            f"({self.expression} or {other.expression})",
            f"({self} | {other})",
            {**self.env, **other.env},
        )

    def __invert__(self) -> Condition:
        return Condition(f"(not {self.expression})", f"~{self}", self.env)

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


def _on(argument: str, test: str) -> str:
    """An expression true when the event carries ``argument`` and ``test`` holds for ``_v``."""
    return f"((_v := kw.get({argument!r})) is not None and {test})"


def every_n_epochs(n: int) -> Condition:
    """True on epochs ``n``, ``2n``, … (events that carry ``epoch``)."""
    n = _positive(n, "every_n_epochs")
    return Condition(_on("epoch", f"_v % {n} == 0"), f"every_n_epochs({n})")


def every_n_steps(n: int) -> Condition:
    """True on steps ``n``, ``2n``, … (events that carry ``step``)."""
    n = _positive(n, "every_n_steps")
    return Condition(_on("step", f"_v % {n} == 0"), f"every_n_steps({n})")


def after_epoch(n: int) -> Condition:
    """True once the epoch is greater than ``n``."""
    n = _whole(n, "after_epoch")
    return Condition(_on("epoch", f"_v > {n}"), f"after_epoch({n})")


def before_epoch(n: int) -> Condition:
    """True while the epoch is less than ``n``."""
    n = _whole(n, "before_epoch")
    return Condition(_on("epoch", f"_v < {n}"), f"before_epoch({n})")


def in_stages(*stages: str) -> Condition:
    """True for compile events of the named stages (events that carry ``stage``)."""
    if not stages or not all(isinstance(s, str) for s in stages):
        raise ValueError(f"in_stages needs stage names, got {stages!r}")
    wanted = frozenset(stages)
    name = f"_stages{id(wanted)}"  # unique while the condition holds it
    return Condition(f"(kw.get('stage') in {name})", f"in_stages{stages!r}", {name: wanted})


def when(predicate: Test, description: str = "") -> Condition:
    """A condition from any ``predicate(arguments) -> bool``."""
    if not callable(predicate):
        raise TypeError(f"when() needs a callable, got {predicate!r}")
    name = f"_when{id(predicate)}"  # unique while the condition holds it
    label = description or f"when({getattr(predicate, '__name__', '?')})"
    return Condition(f"bool({name}(kw))", label, {name: predicate})
