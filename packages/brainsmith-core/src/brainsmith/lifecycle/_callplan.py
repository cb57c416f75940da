"""Compile one event's call plan into a Python function, once per registration change.

The function calls each implementation in order with its arguments taken straight from the
event's keyword arguments (an argument with a default receives the event's value when the event
carries it), with its condition inlined as an expression, timing and counting
into its statistics slot. Unrolled this way, dispatching with priorities, conditions and
statistics costs less than pluggy's generic ``_multicall`` (see benchmarks/bench_lifecycle.py).
The generated source is kept on the plan (``CompiledPlan.source``) for debugging.

Hooks are plugin code: a ``SystemExit`` they raise is handled like any other failure of theirs
(``KeyboardInterrupt`` still interrupts). Where their prints go is the caller's choice (the
compile executor sends them to stderr; a training script keeps its stdout).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._guard import INTERRUPTS, PLUGIN_FAILURES

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from ._stats import HookStat
    from .conditions import Condition


@dataclass(frozen=True, slots=True)
class PlannedCall:
    """One implementation in call order."""

    plugin: str
    function: Callable[..., Any]
    argnames: tuple[str, ...]
    condition: Condition | None
    stat: HookStat
    defaults: tuple[tuple[str, Any], ...] = ()
    """Arguments with a default, and the default: passed by keyword, the event's value when
    the event carries one."""


@dataclass(frozen=True, slots=True)
class CompiledPlan:
    """``run(kwargs, results)`` appends the non-``None`` results in call order;
    ``run_attributed(kwargs, results)`` appends ``(plugin name, result)`` pairs instead."""

    calls: tuple[PlannedCall, ...]
    run: Callable[[dict[str, Any], list[Any]], None]
    source: str
    run_attributed: Callable[[dict[str, Any], list[tuple[str, Any]]], None]


def compile_plan(
    event: str,
    calls: Sequence[PlannedCall],
    *,
    failed: Callable[[str, str, BaseException, dict[str, Any], tuple[str, ...]], None],
    stop: Callable[..., None],
    stop_type: type,
) -> CompiledPlan:
    """Generate ``run`` for ``calls``.

    ``failed(event, plugin, exc, kwargs, argnames)`` handles an exception (it may raise);
    a result of exactly ``stop_type`` calls ``stop(result.reason, by=plugin, event=event)``.
    """
    namespace: dict[str, Any] = {
        "_clock": time.perf_counter,
        "_failed": failed,
        "_stop": stop,
        "_Stop": stop_type,
        "_event": event,
        "_caught": PLUGIN_FAILURES,
        "_interrupts": INTERRUPTS,
    }
    lines = ["def run(kw, results):", "    start = _clock()"]
    for i, call in enumerate(calls):
        namespace[f"f{i}"] = call.function
        namespace[f"s{i}"] = call.stat
        namespace[f"p{i}"] = call.plugin
        namespace[f"a{i}"] = call.argnames
        pad = "    "
        if call.condition is not None:
            for name, value in call.condition.env.items():
                if namespace.setdefault(name, value) is not value:
                    raise ValueError(f"condition name clash on {name!r}")  # pragma: no cover
            # a condition that raises is the plugin's error: its policy applies
            lines += [
                "    try:",
                f"        ok = {call.condition.expression}",
                "    except _interrupts:",
                "        raise",
                "    except _caught as exc:",
                f"        s{i}.errors += 1",
                f"        _failed(_event, p{i}, exc, kw, a{i})",
                "        ok = None",
                "    if ok is None:",
                "        pass",
                "    elif not ok:",
                f"        s{i}.skipped += 1",
                "    else:",
            ]
            pad = "        "
        arguments = ", ".join(f"kw[{name!r}]" for name in call.argnames)
        for j, (name, default) in enumerate(call.defaults):
            namespace[f"d{i}_{j}"] = default
            arguments += (", " if arguments else "") + f"{name}=kw.get({name!r}, d{i}_{j})"
        lines += [
            pad + line
            for line in (
                "try:",
                f"    r = f{i}({arguments})",
                "except _interrupts:",
                "    raise",
                "except _caught as exc:",
                f"    s{i}.calls += 1",
                f"    s{i}.errors += 1",
                f"    s{i}.total += _clock() - start",
                f"    _failed(_event, p{i}, exc, kw, a{i})",
                "    start = _clock()",
                "else:",
                "    now = _clock()",
                "    elapsed = now - start",
                "    start = now",
                f"    s{i}.calls += 1",
                f"    s{i}.total += elapsed",
                f"    if elapsed > s{i}.max:",
                f"        s{i}.max = elapsed",
                "    if r is not None:",
                "        if type(r) is _Stop:",
                f"            _stop(r.reason, by=p{i}, event=_event)",
                "        else:",
                f"            results.append(r)  # p{i}",
            )
        ]
    if not calls:
        lines = ["def run(kw, results):", "    return None"]
    source = "\n".join(lines) + "\n"
    # the same function, appending (plugin, result): who returned what (compile options)
    attributed = re.sub(
        r"results\.append\(r\)  # (p\d+)", r"results.append((\1, r))", source
    ).replace("def run(", "def run_attributed(", 1)
    exec(compile(source + attributed, f"<lifecycle plan {event}>", "exec"), namespace)
    return CompiledPlan(tuple(calls), namespace["run"], source, namespace["run_attributed"])
