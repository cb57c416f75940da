"""The executor: runs a validated plan's transforms, stage by stage, on one QONNX model.

It produces exactly the graph of the naive sequence ``model = model.transform(T(**options))``
while skipping what that sequence pays for nothing:

* **one copy** — the input model is copied once, not before every transform;
* **cleanup only when it changes something** — qonnx's ``ModelWrapper.cleanup()`` runs five
  passes (RemoveUnusedTensors, RemoveStaticGraphInputs, SortGraph,
  SortCommutativeInputsInitializerLast, GiveUniqueParameterTensors). :func:`cleanup_is_noop`
  checks in one linear sweep whether every one of them would leave the model untouched; only
  then is cleanup skipped, otherwise qonnx's cleanup runs (its GiveUniqueParameterTensors in one
  sweep, :func:`~._cleanup.cleanup`). The result is identical either way.

The apply loop is the one ``ModelWrapper.transform`` runs (repeat while the transform reports a
change), bounded: a transform still reporting a change after ``max_iterations`` is an error
instead of a hang. qonnx, onnx and numpy are imported only when a model is compiled.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from .._atomic import write_atomic
from .._guard import INTERRUPTS, PLUGIN_FAILURES, describe_failure
from ..errors import BrainsmithError
from ._cleanup import cleanup, cleanup_is_noop
from ._plan import Applied, Plan, Result, Step, checkpoint_path, dumps, serialize, stamp
from ._resume import STEPS_KEY

if TYPE_CHECKING:
    from onnx import ModelProto
    from qonnx.core.modelwrapper import ModelWrapper


class CompileError(BrainsmithError):
    """A transform failed, or looped, while compiling. Exit status 1."""

    exit_code = 1
    resume = ""
    """The part of :attr:`fix` naming the last checkpoint written (taken back by a compile
    whose checkpoints could not be kept)."""


class InvalidModelError(CompileError):
    """The model failed the executor's ``checker`` after a transform (``--check-each``)."""

    def __init__(self, message: str, *, stage: str, transform: str, fix: str = "") -> None:
        self.stage = stage
        self.transform = transform
        super().__init__(message, where=f"stage {stage}", fix=fix)


def add_note(error: BaseException, text: str) -> None:
    """Attach ``text`` to ``error`` as a second failure that must not hide it: in the message
    of a :class:`BrainsmithError` (the CLI prints it), else as an exception note."""
    if isinstance(error, BrainsmithError):
        error.message += f"\n  note: {text}"
    else:
        error.add_note(text)


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
    """Receives progress as the executor runs (see :mod:`brainsmith.cli._progress`)."""

    def stage_begin(self, stage: str, index: int, total: int) -> None:
        """Stage ``stage``, number ``index`` (from 1) of ``total``, starts."""

    def transform_begin(self, stage: str, transform: str) -> None:
        """Step ``transform`` (its qualified name) of ``stage`` starts."""

    def transform_end(self, stage: str, transform: str, seconds: float) -> None:
        """Step ``transform`` of ``stage`` ended after ``seconds`` (wall clock)."""

    def stage_end(self, stage: str, seconds: float) -> None:
        """Stage ``stage`` ended after ``seconds`` (wall clock)."""

    def message(self, text: str) -> None:
        """A line for the user: a warning, a summary."""
        ...


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
        checker: Callable[[ModelWrapper], str | None] | None = None,
    ) -> None:
        """``max_iterations`` bounds each transform's apply loop (default: the larger of 1000
        and twice the node count). ``seed`` seeds Python's ``random`` (qonnx draws tensor names
        from it) so that compiles are reproducible; ``None`` leaves it alone. ``checker``, if
        given, runs after every applied transform and returns a problem (the run then stops
        with :class:`InvalidModelError` naming the transform) or ``None``."""
        self.plan = plan
        self.events: Events = events if events is not None else NoEvents()
        self.observer = observer
        self.max_iterations = max_iterations
        self.seed = seed
        self.checker = checker

    def run(
        self,
        model: ModelWrapper,
        *,
        start_stage: str | None = None,
        stop_stage: str | None = None,
        checkpoint_dir: Path | None = None,
        checkpoint_home: Path | None = None,
        checkpoint_props: Mapping[str, str] | None = None,
        previous: Sequence[Applied] = (),
        blueprint: Any = None,
        output_dir: Path | None = None,
        finish: Callable[[Result], Mapping[str, Any]] | None = None,
    ) -> Result:
        """Compile a copy of ``model``; ``model`` itself is not changed.

        Stages from ``start_stage`` through ``stop_stage`` run; with ``checkpoint_dir`` the
        model after each stage is written there (atomically), with the ``metadata_props``
        ``checkpoint_props`` added; ``checkpoint_home`` is where they are published once the
        outputs are committed, the folder results and messages name (default
        ``checkpoint_dir``). ``previous`` are the steps
        already applied (to the checkpoint a resumed compile starts from), kept in the
        provenance. ``blueprint`` and ``output_dir`` are passed on to lifecycle events.

        Every compile event is fired here, in order: ``on_compile_begin``, per stage
        ``on_stage_begin`` / ``on_transform_before`` / ``on_transform_after`` /
        ``on_stage_end``, then ``on_compile_end(model, report)`` with the report ``finish``
        returns (``finish`` verifies and writes the outputs; without it, the report is the
        provenance) — or ``on_compile_error`` when anything fails with an ``Exception``
        (a hook raising there is attached to the original error as a note, never replaces
        it; ``KeyboardInterrupt`` fires nothing).
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
                checkpoints=_Checkpoints(checkpoint_dir, checkpoint_home, checkpoint_props),
                previous=previous,
                blueprint=blueprint,
                output_dir=output_dir,
                finish=finish,
            )
        finally:
            random.setstate(state)  # reproducible, without resetting anyone else's generator

    def _run(
        self,
        model: ModelWrapper,
        selected: Sequence[tuple[str, tuple[Step, ...]]],
        *,
        checkpoints: _Checkpoints,
        previous: Sequence[Applied],
        blueprint: Any,
        output_dir: Path | None,
        finish: Callable[[Result], Mapping[str, Any]] | None,
    ) -> Result:
        import copy

        began = time.perf_counter()
        model = copy.deepcopy(model)
        result = Result(model, self.plan, list(previous), [])
        where = ["", ""]  # the stage and transform running, for on_compile_error
        try:
            self.events.fire(
                "on_compile_begin", model=model, blueprint=blueprint, output_dir=output_dir
            )
            before = _snapshot(model)
            for position, (stage, steps) in enumerate(selected):
                where[:] = [stage, ""]
                stage_began = time.perf_counter()
                if self.observer:
                    self.observer.stage_begin(stage, position + 1, len(selected))
                self.events.fire("on_stage_begin", stage=stage, model=model)
                for step in steps:
                    where[1] = step.name
                    model, before = self._run_step(step, model, before, result, checkpoints.home)
                where[1] = ""
                self.events.fire("on_stage_end", stage=stage, model=model)
                result.stages_run.append(stage)
                checkpoints.write(self.plan, stage, model, result)
                if self.observer:
                    self.observer.stage_end(stage, time.perf_counter() - stage_began)
            where[:] = ["", ""]
            result.model = model
            result.seconds = time.perf_counter() - began
            report = finish(result) if finish is not None else result.provenance()
            self.events.fire("on_compile_end", model=result.model, report=report)
        except Exception as error:
            self._fail(error, *where)
            raise
        return result

    def _run_step(
        self,
        step: Step,
        model: ModelWrapper,
        before: ModelProto,
        result: Result,
        checkpoint_dir: Path | None,
    ) -> tuple[ModelWrapper, ModelProto]:
        from qonnx.core.modelwrapper import ModelWrapper

        options: Mapping[str, Any] = dict(step.options)
        verdicts = self._fire_attributed(
            "on_transform_before", stage=step.stage, transform=step.name, options=dict(options)
        )
        if any(v is False for _, v in verdicts):
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
        for plugin, verdict in verdicts:
            if isinstance(verdict, Mapping):
                options = self._hook_options(step, plugin, verdict)
        if self.observer:
            self.observer.transform_begin(step.stage, step.name)
        began = time.perf_counter()
        try:
            model, iterations, cleaned = self._apply(step, options, model)
        except CompileError:
            raise
        except INTERRUPTS:
            raise
        except PLUGIN_FAILURES as exc:  # exit() in a transform is its failure, not the run's
            module = getattr(step.factory, "__module__", "") or ""
            resume = self._resume_text(step, result, checkpoint_dir)
            failure = CompileError(
                f"{_step_label(step)} failed in stage {step.stage}: "
                f"{describe_failure(exc, module)}",
                where=f"stage {step.stage}",
                fix=f"fix or remove {step.name} in the blueprint{resume}",
            )
            failure.resume = resume
            raise failure from exc
        modified = model.model != before
        seconds = time.perf_counter() - began
        for replacement in self.events.fire(
            "on_transform_after",
            stage=step.stage,
            transform=step.name,
            model=model,
            modified=modified,
        ):
            if isinstance(replacement, ModelWrapper):
                model = replacement
                modified = model.model != before
        after = _snapshot(model) if modified else before
        result.applied.append(
            Applied(
                step.stage,
                step.name,
                options,
                step.distribution,
                step.version,
                modified=modified,
                iterations=iterations,
                cleaned=cleaned,
                seconds=seconds,
            )
        )
        if self.observer:
            self.observer.transform_end(step.stage, step.name, seconds)
        problem = self.checker(model) if self.checker is not None else None
        if problem is not None:
            raise InvalidModelError(
                f"the model is invalid after {_step_label(step)} in stage {step.stage}: {problem}",
                stage=step.stage,
                transform=step.name,
                fix=f"fix or remove {step.name} in the blueprint",
            )
        return model, after

    def _fire_attributed(self, event: str, **kwargs: Any) -> list[tuple[str, Any]]:
        """``(plugin, result)`` pairs of ``event``; plugin ``""`` when the events cannot
        attribute their results."""
        fire = getattr(self.events, "fire_attributed", None)
        if fire is None:
            return [("", result) for result in self.events.fire(event, **kwargs)]
        return list(fire(event, **kwargs))

    def _hook_options(self, step: Step, plugin: str, options: Mapping[str, Any]) -> dict[str, Any]:
        """The options a plugin's ``on_transform_before`` returned for ``step``, checked and
        typed like the blueprint's (:func:`._planner.typed_options`).

        :raises HookError: naming the plugin and the hook (exit 1: a plugin failure, not the
            blueprint's).
        """
        from ..lifecycle import HookError
        from ._planner import check_options, typed_options

        unknown = check_options(step.factory, options)
        typed, problems = typed_options(step.factory, options)
        problems = [unknown] if unknown else problems
        if not problems:
            return typed
        describe = getattr(self.events, "describe", None)
        label = describe(plugin) if callable(describe) and plugin else plugin or "a plugin"
        raise HookError(
            f"on_transform_before of plugin {label} returned options for {step.name} that it "
            f"does not take: {'; '.join(problems)}",
            plugin=plugin,
            hook="on_transform_before",
            where=f"plugin {label}, hook on_transform_before, stage {step.stage}",
            fix="fix the hook to return options the transform takes (or None to keep the "
            "blueprint's), or disable the plugin",
        )

    def _apply(
        self, step: Step, options: Mapping[str, Any], model: ModelWrapper
    ) -> tuple[ModelWrapper, int, bool]:
        """``model.transform(step.factory(**options))`` without its deep copy and, when it
        would change nothing, without its cleanup."""
        from ._planner import checked_outcome

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
            model, changed = checked_outcome(transformation.apply(model))
            iterations += 1
        cleaned = not cleanup_is_noop(model)
        if cleaned:
            model = cleanup(model)
        return model, iterations, cleaned

    def _resume_text(self, step: Step, result: Result, checkpoint_dir: Path | None) -> str:
        """What the fix says of the checkpoints written so far ("" when there are none)."""
        text = ""
        if result.checkpoints:
            text += f"; the last good checkpoint is {result.checkpoints[-1]}"
        if checkpoint_dir is not None and result.stages_run:
            text += f" (resume with --start-stage {step.stage})"
        return text

    def _fail(self, error: Exception, stage: str, transform: str) -> None:
        """Fire ``on_compile_error``; a hook raising there becomes a note on ``error``."""
        try:
            self.events.fire("on_compile_error", error=error, stage=stage, transform=transform)
        except Exception as secondary:
            detail = str(secondary).splitlines()[0] if str(secondary) else repr(secondary)
            add_note(error, f"an on_compile_error hook failed too: {detail}")


class _Checkpoints:
    """Where a run writes its per-stage checkpoints (nowhere without a folder)."""

    def __init__(
        self, folder: Path | None, home: Path | None, props: Mapping[str, str] | None
    ) -> None:
        self.folder = folder
        self.home = home if home is not None else folder
        self.props = dict(props or {})

    def write(self, plan: Plan, stage: str, model: ModelWrapper, result: Result) -> None:
        """Write the model after ``stage`` with the provenance so far; record its path as
        published in :attr:`home`."""
        import copy

        if self.folder is None or self.home is None:
            return
        snapshot = copy.deepcopy(model)
        stamp(snapshot, result.provenance())
        details = {STEPS_KEY: dumps([a.report() for a in result.applied])}
        for key, value in {**self.props, **details}.items():  # model-level, like the provenance
            entry = snapshot.model.metadata_props.add()
            entry.key, entry.value = key, value
        write_atomic(checkpoint_path(self.folder, plan, stage), serialize(snapshot))
        result.checkpoints.append(checkpoint_path(self.home, plan, stage))


def _snapshot(model: ModelWrapper) -> ModelProto:
    """A copy of ``model``'s proto, to tell whether the next step changes it: protobuf's
    equality is bitwise like the serialized bytes (NaN equals itself, -0.0 differs from 0.0)
    and stops at the first difference; a copy is taken only after a step that changed the
    model (serializing after every step cost a third of a 3,200-node compile)."""
    copied: ModelProto = type(model.model)()
    copied.CopyFrom(model.model)
    return copied
