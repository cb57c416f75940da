"""The executor: runs a validated plan's transforms, stage by stage, on one QONNX model.

It produces exactly the graph of the naive sequence ``model = model.transform(T(**options))``
while skipping what that sequence pays for nothing:

* **one copy** — the input model is copied once, not before every transform;
* **cleanup only when it changes something** — qonnx's ``ModelWrapper.cleanup()`` runs five
  passes (RemoveUnusedTensors, RemoveStaticGraphInputs, SortGraph,
  SortCommutativeInputsInitializerLast, GiveUniqueParameterTensors). :func:`cleanup_is_noop`
  checks in one linear sweep whether every one of them would leave the model untouched; only
  then is cleanup skipped, otherwise qonnx's own cleanup runs. The result is identical either way.

The apply loop is the one ``ModelWrapper.transform`` runs (repeat while the transform reports a
change), bounded: a transform still reporting a change after ``max_iterations`` is an error
instead of a hang. qonnx, onnx and numpy are imported only when a model is compiled.
"""

from __future__ import annotations

import itertools
import json
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from .atomic import write_atomic
from .errors import BrainsmithError

if TYPE_CHECKING:
    from qonnx.core.modelwrapper import ModelWrapper

PROVENANCE_KEY = "brainsmith.provenance"
"""The ``metadata_props`` key holding the compile's provenance (a JSON document)."""


class CompileError(BrainsmithError):
    """A transform failed, or looped, while compiling. Exit status 1."""

    exit_code = 1


class Events(Protocol):
    """Where the executor reports lifecycle events (the lifecycle dispatcher implements it)."""

    def fire(self, event: str, /, **kwargs: Any) -> list[Any]:
        """Call every implementation of ``event``; return their non-None results."""
        ...


class NoEvents:
    """The default :class:`Events`: nobody listens."""

    def fire(self, event: str, /, **kwargs: Any) -> list[Any]:
        """Return no results."""
        return []


class Observer(Protocol):
    """Receives progress as the executor runs (see :mod:`brainsmith.progress`)."""

    def stage_begin(self, stage: str, index: int, total: int) -> None: ...

    def transform_begin(self, stage: str, transform: str) -> None: ...

    def transform_end(self, stage: str, transform: str, seconds: float) -> None: ...

    def stage_end(self, stage: str, seconds: float) -> None: ...


@dataclass(frozen=True, slots=True)
class Step:
    """One transform of a plan: what to construct, with which options, from which plugin."""

    stage: str
    name: str
    """Qualified name, ``namespace:Name``."""
    factory: Callable[..., Any]
    """The ``Transformation`` subclass (called with ``options``)."""
    options: Mapping[str, Any] = field(default_factory=dict)
    distribution: str = ""
    version: str = ""


@dataclass(frozen=True, slots=True)
class Plan:
    """A validated blueprint: every stage in order (empty ones included) with its steps."""

    stages: tuple[tuple[str, tuple[Step, ...]], ...]
    name: str = ""
    blueprint_hash: str = ""

    @property
    def stage_names(self) -> tuple[str, ...]:
        """The stage names, in order."""
        return tuple(name for name, _ in self.stages)


@dataclass(frozen=True, slots=True)
class Applied:
    """What happened to one step."""

    stage: str
    name: str
    options: Mapping[str, Any]
    distribution: str
    version: str
    modified: bool
    """Whether the model changed (compared byte for byte, transform and cleanup together)."""
    skipped: bool = False
    """A lifecycle hook vetoed it (``on_transform_before`` returned ``False``)."""
    iterations: int = 0
    cleaned: bool = False
    """Whether qonnx's cleanup had to run after it."""
    seconds: float = 0.0

    def provenance(self) -> dict[str, Any]:
        """The deterministic part: what goes into the model's metadata."""
        return {
            "stage": self.stage,
            "transform": self.name,
            "options": _jsonable(self.options),
            "distribution": self.distribution,
            "version": self.version,
            "modified": self.modified,
        }

    def report(self) -> dict[str, Any]:
        """The provenance plus run details (timing), for compile_report.json."""
        return {
            **self.provenance(),
            "skipped": self.skipped,
            "iterations": self.iterations,
            "cleanup": self.cleaned,
            "seconds": round(self.seconds, 6),
        }


@dataclass
class Result:
    """The compiled model and the record of how it was made."""

    model: ModelWrapper
    plan: Plan
    applied: list[Applied]
    stages_run: list[str]
    checkpoints: list[Path] = field(default_factory=list)
    seconds: float = 0.0

    def provenance(self) -> dict[str, Any]:
        """The provenance document stored under :data:`PROVENANCE_KEY`."""
        return provenance_document(self.plan, [a for a in self.applied if not a.skipped])


def provenance_document(plan: Plan, applied: Sequence[Applied]) -> dict[str, Any]:
    """Provenance: blueprint name and hash, then every applied transform in order."""
    return {
        "schema": 1,
        "blueprint": plan.name,
        "blueprint_sha256": plan.blueprint_hash,
        "transforms": [a.provenance() for a in applied],
    }


def _jsonable(value: Any) -> Any:
    """``value`` made JSON-ready and deterministic (tuples → lists, other objects → repr)."""
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in sorted(value.items(), key=lambda i: str(i[0]))}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return repr(value)


def dumps(document: Any) -> str:
    """Canonical JSON: sorted keys, compact separators, so equal documents are equal bytes."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def stamp(model: ModelWrapper, document: Mapping[str, Any]) -> None:
    """Store ``document`` under :data:`PROVENANCE_KEY` in the model's ``metadata_props``,
    replacing an earlier one (a resumed compile's checkpoint carries one)."""
    props = model.model.metadata_props
    for i in reversed(range(len(props))):
        if props[i].key == PROVENANCE_KEY:
            del props[i]
    entry = props.add()
    entry.key = PROVENANCE_KEY
    entry.value = dumps(document)


def read_provenance(model: ModelWrapper) -> dict[str, Any] | None:
    """The provenance document a compiled model (or checkpoint) carries, if any."""
    for prop in model.model.metadata_props:
        if prop.key == PROVENANCE_KEY:
            document: dict[str, Any] = json.loads(prop.value)
            return document
    return None


def serialize(model: ModelWrapper) -> bytes:
    """The model's bytes, as ``onnx.save`` writes them."""
    data: bytes = model.model.SerializeToString()
    return data


def checkpoint_path(directory: Path, plan: Plan, stage: str) -> Path:
    """``directory/NN_<stage>.onnx``, NN the 1-based position of ``stage`` in the plan."""
    return directory / f"{plan.stage_names.index(stage) + 1:02d}_{stage}.onnx"


def cleanup_is_noop(model: ModelWrapper) -> bool:
    """Whether ``model.cleanup()`` would leave ``model`` exactly as it is.

    Mirrors each of qonnx's cleanup passes in one sweep; any doubt (duplicate names, a cycle)
    answers ``False`` so that qonnx's own cleanup runs and decides.
    """
    from qonnx.transformation.general import SortCommutativeInputsInitializerLast

    commutative = SortCommutativeInputsInitializerLast.SUPPORTED_COMMUTATIVE_OPS
    graph = model.graph
    nodes = graph.node
    init_names = [t.name for t in graph.initializer]
    inits = set(init_names)
    inputs = {t.name for t in graph.input}
    if len(inits) != len(init_names) or len(inputs) != len(graph.input):
        return False
    used: set[str] = set()
    for node in nodes:
        used.update(node.input)
        used.update(node.output)
    # RemoveUnusedTensors
    if not inits <= used or any(vi.name not in used for vi in graph.value_info):
        return False
    if any(qa.tensor_name not in used for qa in graph.quantization_annotation):
        return False
    # RemoveStaticGraphInputs
    if inputs & inits:
        return False
    seen: set[str] = set()
    producer: dict[str, int] = {}
    for index, node in enumerate(nodes):
        # GiveUniqueParameterTensors: an initializer feeds one node input at most
        for name in node.input:
            if name in inits:
                if name in seen:
                    return False
                seen.add(name)
        # SortCommutativeInputsInitializerLast: no initializer before a dynamic input
        if node.op_type in commutative:
            flags = [name in inits for name in node.input]
            if any(a and not b for a, b in itertools.pairwise(flags)):
                return False
        for name in node.output:
            producer.setdefault(name, index)
    # SortGraph: toposort_flatten's order must be the current order. toposort yields nodes
    # level by level (level = longest dependency path, self-dependencies ignored), each level
    # sorted, and drops nodes that neither depend on anything nor are depended upon. So the
    # order is unchanged iff every node is kept and levels never decrease along the list; a
    # dependency on a later node breaks that (or is a cycle). One pass, no toposort.
    if len(nodes) <= 1:
        return True
    levels: list[int] = []
    kept = [False] * len(nodes)
    for index, node in enumerate(nodes):
        level = 0
        has_producer = False
        for name in node.input:
            source = producer.get(name)
            if source is None:
                continue
            has_producer = True
            if source == index:
                continue
            if source > index:
                return False
            kept[source] = True
            level = max(level, levels[source] + 1)
        if levels and level < levels[-1]:
            return False
        levels.append(level)
        if has_producer or any(name in inits or name in inputs for name in node.input):
            kept[index] = True
    return all(kept)


def _step_label(step: Step) -> str:
    plugin = f"{step.distribution} {step.version}".strip()
    return f"transform {step.name}" + (f" ({plugin})" if plugin else "")


class Executor:
    """Runs a :class:`Plan` on a model. One executor may run several models."""

    def __init__(
        self,
        plan: Plan,
        *,
        events: Events | None = None,
        observer: Observer | None = None,
        max_iterations: int | None = None,
        seed: int | None = 0,
    ) -> None:
        """``max_iterations`` bounds each transform's apply loop (default: the larger of 1000
        and twice the node count). ``seed`` seeds Python's ``random`` (qonnx draws tensor names
        from it) so that compiles are reproducible; ``None`` leaves it alone."""
        self.plan = plan
        self.events: Events = events if events is not None else NoEvents()
        self.observer = observer
        self.max_iterations = max_iterations
        self.seed = seed

    def run(
        self,
        model: ModelWrapper,
        *,
        start_stage: str | None = None,
        stop_stage: str | None = None,
        checkpoint_dir: Path | None = None,
        previous: Sequence[Applied] = (),
        blueprint: Any = None,
        output_dir: Path | None = None,
    ) -> Result:
        """Compile a copy of ``model``; ``model`` itself is not changed.

        Stages from ``start_stage`` through ``stop_stage`` run; with ``checkpoint_dir`` the
        model after each stage is written there (atomically). ``previous`` are the steps
        already applied (to the checkpoint a resumed compile starts from), kept in the
        provenance. ``blueprint`` and ``output_dir`` are passed on to lifecycle events.
        """
        names = self.plan.stage_names
        first = names.index(start_stage) if start_stage else 0
        last = names.index(stop_stage) if stop_stage else len(names) - 1
        selected = self.plan.stages[first : last + 1]
        state = random.getstate()
        try:
            if self.seed is not None:
                random.seed(self.seed)
            return self._run(
                model,
                selected,
                checkpoint_dir=checkpoint_dir,
                previous=previous,
                blueprint=blueprint,
                output_dir=output_dir,
            )
        finally:
            random.setstate(state)  # reproducible, without resetting anyone else's generator

    def _run(
        self,
        model: ModelWrapper,
        selected: Sequence[tuple[str, tuple[Step, ...]]],
        *,
        checkpoint_dir: Path | None,
        previous: Sequence[Applied],
        blueprint: Any,
        output_dir: Path | None,
    ) -> Result:
        import copy

        began = time.perf_counter()
        model = copy.deepcopy(model)
        result = Result(model, self.plan, list(previous), [])
        self.events.fire(
            "on_compile_begin", model=model, blueprint=blueprint, output_dir=output_dir
        )
        before = serialize(model)
        for position, (stage, steps) in enumerate(selected):
            stage_began = time.perf_counter()
            if self.observer:
                self.observer.stage_begin(stage, position + 1, len(selected))
            self.events.fire("on_stage_begin", stage=stage, model=model)
            for step in steps:
                model, before = self._run_step(step, model, before, result, checkpoint_dir)
            self.events.fire("on_stage_end", stage=stage, model=model)
            result.stages_run.append(stage)
            if checkpoint_dir is not None:
                path = checkpoint_path(checkpoint_dir, self.plan, stage)
                snapshot = copy.deepcopy(model)
                stamp(snapshot, result.provenance())
                write_atomic(path, serialize(snapshot))
                result.checkpoints.append(path)
            if self.observer:
                self.observer.stage_end(stage, time.perf_counter() - stage_began)
        result.model = model
        result.seconds = time.perf_counter() - began
        return result

    def _run_step(
        self,
        step: Step,
        model: ModelWrapper,
        before: bytes,
        result: Result,
        checkpoint_dir: Path | None,
    ) -> tuple[ModelWrapper, bytes]:
        from qonnx.core.modelwrapper import ModelWrapper

        options: Mapping[str, Any] = dict(step.options)
        verdicts = self.events.fire(
            "on_transform_before", stage=step.stage, transform=step.name, options=dict(options)
        )
        if any(v is False for v in verdicts):
            result.applied.append(
                Applied(
                    step.stage,
                    step.name,
                    options,
                    step.distribution,
                    step.version,
                    modified=False,
                    skipped=True,
                )
            )
            return model, before
        for verdict in verdicts:
            if isinstance(verdict, Mapping):
                options = dict(verdict)
        if self.observer:
            self.observer.transform_begin(step.stage, step.name)
        began = time.perf_counter()
        try:
            model, iterations, cleaned = self._apply(step, options, model)
        except CompileError as error:
            self._fail(error, step)
            raise
        except Exception as exc:
            failure = CompileError(
                f"{_step_label(step)} failed in stage {step.stage}: {type(exc).__name__}: {exc}",
                where=f"stage {step.stage}",
                fix=self._fix_text(step, result, checkpoint_dir),
            )
            self._fail(failure, step)
            raise failure from exc
        after = serialize(model)
        seconds = time.perf_counter() - began
        for replacement in self.events.fire(
            "on_transform_after",
            stage=step.stage,
            transform=step.name,
            model=model,
            modified=after != before,
        ):
            if isinstance(replacement, ModelWrapper):
                model = replacement
                after = serialize(model)
        result.applied.append(
            Applied(
                step.stage,
                step.name,
                options,
                step.distribution,
                step.version,
                modified=after != before,
                iterations=iterations,
                cleaned=cleaned,
                seconds=seconds,
            )
        )
        if self.observer:
            self.observer.transform_end(step.stage, step.name, seconds)
        return model, after

    def _apply(
        self, step: Step, options: Mapping[str, Any], model: ModelWrapper
    ) -> tuple[ModelWrapper, int, bool]:
        """``model.transform(step.factory(**options))`` without its deep copy and, when it
        would change nothing, without its cleanup."""
        transformation = step.factory(**options)
        if model.fix_float64:
            from qonnx.transformation.double_to_single_float import DoubleToSingleFloat

            model, _ = DoubleToSingleFloat().apply(model)
        limit = self.max_iterations or max(1000, 2 * len(model.graph.node))
        iterations = 0
        changed = True
        while changed:
            if iterations == limit:
                raise CompileError(
                    f"{_step_label(step)} in stage {step.stage} still reported a change after "
                    f"{limit} iterations; it would loop forever",
                    where=f"stage {step.stage}",
                    fix="fix the transform's apply() to return graph_modified=False once done, "
                    "or remove it from the blueprint",
                )
            model, changed = transformation.apply(model)
            iterations += 1
        cleaned = not cleanup_is_noop(model)
        if cleaned:
            model.cleanup()
        return model, iterations, cleaned

    def _fix_text(self, step: Step, result: Result, checkpoint_dir: Path | None) -> str:
        text = f"fix or remove {step.name} in the blueprint"
        if result.checkpoints:
            text += f"; the last good checkpoint is {result.checkpoints[-1]}"
        if checkpoint_dir is not None and result.stages_run:
            text += f" (resume with --start-stage {step.stage})"
        return text

    def _fail(self, error: BrainsmithError, step: Step) -> None:
        self.events.fire("on_compile_error", error=error, stage=step.stage, transform=step.name)
