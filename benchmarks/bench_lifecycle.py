"""Dispatching one lifecycle event to 10 subscribers vs a raw pluggy hook call with 10 impls.

The dispatcher side uses priorities, conditions (one in three impls has one) and statistics.
Prints both times and the ratio; the target is a ratio of at most 1.0. Run:

    python benchmarks/bench_lifecycle.py
"""

from __future__ import annotations

import sys
import timeit
from typing import Any

import pluggy
from brainsmith import hookimpl
from brainsmith.lifecycle import Dispatcher, lifecycle
from brainsmith.lifecycle.conditions import after_epoch, every_n_epochs
from brainsmith.plugins import new_plugin_manager

N = 10


def make_plain(i: int) -> object:
    class Plain:
        @hookimpl
        def on_epoch_end(self, epoch: int, metrics: Any) -> None:
            return None

    Plain.__name__ = f"Plain{i}"
    return Plain()


def make_lifecycle(i: int) -> object:
    condition = (every_n_epochs(1) & after_epoch(0)) if i % 3 == 0 else None

    class Planned:
        @lifecycle(priority=i % 4, condition=condition)
        @hookimpl
        def on_epoch_end(self, epoch: int, metrics: Any) -> None:
            return None

    return Planned()


def manager(factory: Any) -> pluggy.PluginManager:
    pm = new_plugin_manager()
    for i in range(N):
        pm.register(factory(i), name=f"p{i}")
    return pm


def best(statement: Any, number: int = 20000, repeat: int = 7) -> float:
    """Best time per call in microseconds."""
    return min(timeit.repeat(statement, number=number, repeat=repeat)) / number * 1e6


def main() -> int:
    raw_pm = manager(make_plain)
    metrics = {"loss": 0.5}
    hook = raw_pm.hook.on_epoch_end

    def raw() -> None:
        hook(loop=None, epoch=3, metrics=metrics)

    dispatcher = Dispatcher(manager(make_lifecycle))
    fire = dispatcher.fire

    def dispatched() -> None:
        fire("on_epoch_end", loop=None, epoch=3, metrics=metrics)

    raw()
    dispatched()
    raw_us = best(raw)
    ours_us = best(dispatched)
    stat = dispatcher.stats.get("p0", "on_epoch_end")
    assert stat is not None and stat.calls > 0, "statistics were not collected"
    print(f"raw pluggy hook call, {N} impls:                      {raw_us:6.2f} us")
    print(f"Dispatcher.fire, {N} subscribers (priority, cond, stats): {ours_us:6.2f} us")
    print(f"ratio: {ours_us / raw_us:.2f} (target <= 1.0)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
