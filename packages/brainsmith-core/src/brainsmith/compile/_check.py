"""Checking a compiled model before it is written, and finding the transform that broke it.

:func:`model_problem` checks, in this order: the graph has as many graph inputs (initializers
excluded) and outputs as the input model; every node input (in subgraphs too, with the outer
scopes' tensors visible) and every graph output is produced by a node, an initializer or a
graph input; and ``onnx.checker.check_model`` passes with ``full_check`` (strict shape
inference of the standard-domain nodes; custom domains listed in ``opset_import``, such as
``brainsmith.*`` and ``qonnx.custom_op.general``, are accepted). When the input model itself
fails the full check, the compiled model is held only to the plain check.

:func:`locate` replays a run's transforms on its start model with a check after each one and
names the first after which the model was invalid.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ._executor import CompileError, Executor, InvalidModelError

if TYPE_CHECKING:
    import onnx
    from qonnx.core.modelwrapper import ModelWrapper

    from ._plan import Applied, Plan, Result


def model_problem(model: onnx.ModelProto, original: onnx.ModelProto) -> str | None:
    """The first problem of ``model`` (compiled from ``original``), or ``None`` if it is valid.
    An IR version older than 4 is checked as 4 when :func:`lift_ir_version` would lift it."""
    if model.ir_version < IR_INITIALIZERS_OUTSIDE_INPUTS:
        lifted = type(model)()
        lifted.CopyFrom(model)
        if lift_ir_version(lifted) is not None:
            model = lifted
    return _interface(model, original) or _dangling(model.graph, set()) or _checker(model, original)


IR_INITIALIZERS_OUTSIDE_INPUTS = 4
"""The first ONNX IR version that allows initializers that are not graph inputs."""


def lift_ir_version(model: onnx.ModelProto) -> str | None:
    """Raise ``model``'s IR version to 4 when it is older and has initializers that are not
    graph inputs (qonnx's cleanup removes them from the inputs, which IR 3 forbids); the
    graph is valid IR 4 as it is. Returns a warning saying so, or ``None`` (nothing done)."""
    if model.ir_version >= IR_INITIALIZERS_OUTSIDE_INPUTS:
        return None
    inputs = {i.name for i in model.graph.input}
    if all(t.name in inputs for t in model.graph.initializer):
        return None
    old, model.ir_version = model.ir_version, IR_INITIALIZERS_OUTSIDE_INPUTS
    return (
        f"the compiled model's IR version was raised from {old} to "
        f"{IR_INITIALIZERS_OUTSIDE_INPUTS}: its initializers are no longer graph inputs, "
        f"which IR {old} requires"
    )


def checker_for(original: ModelWrapper) -> Callable[[ModelWrapper], str | None]:
    """:func:`model_problem` against ``original``, for the executor's ``checker``."""
    return lambda model: model_problem(model.model, original.model)


def _real_inputs(graph: onnx.GraphProto) -> list[str]:
    initializers = {t.name for t in graph.initializer}
    return [i.name for i in graph.input if i.name not in initializers]


def _interface(model: onnx.ModelProto, original: onnx.ModelProto) -> str | None:
    for what, got, had in (
        ("inputs", _real_inputs(model.graph), _real_inputs(original.graph)),
        ("outputs", [o.name for o in model.graph.output], [o.name for o in original.graph.output]),
    ):
        if len(got) != len(had):
            return (
                f"the model has {len(got)} graph {what} ({', '.join(got) or 'none'}) where the "
                f"input model has {len(had)} ({', '.join(had) or 'none'})"
            )
    return None


def _dangling(graph: onnx.GraphProto, outer: set[str]) -> str | None:
    """The first tensor read but produced by nothing, in ``graph`` or its subgraphs."""
    available = set(outer)
    available.update(i.name for i in graph.input)
    available.update(t.name for t in graph.initializer)
    available.update(t.values.name for t in graph.sparse_initializer)
    available.update(o for node in graph.node for o in node.output if o)
    for node in graph.node:
        for name in node.input:
            if name and name not in available:
                label = node.name or f"#{list(graph.node).index(node)}"
                return (
                    f"node {label} ({node.op_type}) reads tensor {name!r}, which no node, "
                    "initializer or graph input produces"
                )
        for subgraph in _subgraphs(node):
            found = _dangling(subgraph, available)
            if found:
                return f"in a subgraph of node {node.name or node.op_type}: {found}"
    for output in graph.output:
        if output.name not in available:
            return f"graph output {output.name!r} is produced by no node"
    return None


def _subgraphs(node: onnx.NodeProto) -> Iterable[onnx.GraphProto]:
    for attribute in node.attribute:
        if attribute.HasField("g"):
            yield attribute.g
        yield from attribute.graphs


def _checker(model: onnx.ModelProto, original: onnx.ModelProto) -> str | None:
    found = _check(model, full=True)
    if found and _check(original, full=True):  # the input fails it too: hold to the plain check
        found = _check(model, full=False)
    return found


def _check(model: onnx.ModelProto, *, full: bool) -> str | None:
    import onnx

    try:
        onnx.checker.check_model(model, full_check=full)
    except Exception as exc:  # ValidationError, InferenceError, the 2 GB limit's ValueError
        lines = [line for line in str(exc).splitlines() if line.strip()]
        return f"onnx.checker: {lines[0] if lines else type(exc).__name__}"
    return None


class ReplayEvents:
    """Replays the lifecycle decisions of a run: each ``on_transform_before`` answers what that
    step got (skipped, or its options); every other event has no listener."""

    def __init__(self, applied: Sequence[Applied]) -> None:
        self._applied = iter(applied)

    def fire(self, event: str, /, **kwargs: Any) -> list[Any]:
        """The recorded verdict of the next step for ``on_transform_before``; else none."""
        if event != "on_transform_before":
            return []
        step = next(self._applied, None)
        if step is None:
            return []
        return [False] if step.skipped else [dict(step.options)]


def locate(
    plan: Plan,
    start: ModelWrapper,
    applied: Sequence[Applied],
    original: ModelWrapper,
    *,
    start_stage: str | None,
    stop_stage: str | None,
) -> str:
    """Which transform made the model invalid, as a phrase for an error message: the run's
    transforms (``applied``, its lifecycle hooks' verdicts) are replayed on ``start`` with a
    check after each one."""
    check = checker_for(original)
    first = check(start)
    if first is not None:
        return f"the model this run started from is already invalid ({first})"
    replay = Executor(plan, events=ReplayEvents(applied), checker=check)
    try:
        replay.run(start, start_stage=start_stage, stop_stage=stop_stage)
    except InvalidModelError as found:
        return f"it became invalid after transform {found.transform} in stage {found.stage}"
    except CompileError as other:
        return f"replaying the transforms to find where failed ({other.message})"
    return (
        "replaying the transforms without the lifecycle hooks gives a valid model, so a hook "
        "that replaced or changed the model (on_transform_after, on_stage_end) made it invalid"
    )


def refuse_invalid(  # noqa: PLR0917 - one private call site, every argument a part of the run
    plan: Plan,
    start_model: ModelWrapper,
    original: ModelWrapper,
    result: Result,
    resumed_steps: int,
    start: str | None,
    stop: str | None,
) -> None:
    """Refuse an invalid compiled model, naming the transform after which it became invalid.

    :raises CompileError: (exit status 1) before anything is written.
    """
    problem = model_problem(result.model.model, original.model)
    if problem is None:
        return
    culprit = locate(
        plan,
        start_model,
        result.applied[resumed_steps:],
        original,
        start_stage=start,
        stop_stage=stop,
    )
    raise CompileError(
        f"the compiled model is invalid: {problem}; {culprit}",
        where=f"blueprint {plan.name}",
        fix="fix or remove that transform in the blueprint (--check-each checks after every "
        "transform)",
    )
