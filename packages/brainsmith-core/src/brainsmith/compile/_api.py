"""``compile_model``: the library entry point of a compile. ``brainsmith compile`` only parses
its arguments, calls it and prints.

It owns the whole run: plugin activation, the lifecycle dispatcher and host, the blueprint's
plan, the executor (which fires every compile event), verification, provenance, the report and
the output files.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._atomic import write_atomic
from .._target import NO_TARGET, Target, stamp_target
from ..errors import BrainsmithError
from ._artifacts import write_artifacts
from ._captured import captured_warnings
from ._hardware_report import hardware_warnings
from ._hook_objects import registered
from ._outputs import OutputTransaction, write_failure
from ._report import OUTPUT_NAME, report_document

if TYPE_CHECKING:
    from qonnx.core.modelwrapper import ModelWrapper

    from ..lifecycle import Dispatcher, LifecycleHost, RunConfig
    from ..plugins import Session
    from ._executor import Observer
    from ._plan import Applied, Plan, Result
    from ._verify import Verification

REPORT_NAME = "compile_report.json"
"""The report's file name in the output directory."""
CHECKPOINTS = "checkpoints"
"""The folder of per-stage checkpoints in the output directory."""
FOLDING_NAME = "folding_config.json"
"""The chosen folding, in FINN's shape, beside the model (when a folding pass ran)."""
HOOK_STATS = "hook_stats.json"
PLUGIN_STATE = "plugin_state.json"
OWN_OUTPUTS = (OUTPUT_NAME, REPORT_NAME, HOOK_STATS, PLUGIN_STATE, CHECKPOINTS, FOLDING_NAME)
"""The names the compile itself writes in the output directory (artifacts may not take them)."""


@dataclass(frozen=True)
class CompileResult:
    """What :func:`compile_model` produced."""

    model: ModelWrapper
    """The compiled model (provenance stamped in its ``metadata_props``)."""
    report: Mapping[str, Any]
    """The document written to ``compile_report.json`` (docs/compile.md)."""
    verification: Verification | None
    """The comparison with the input model, with ``verify=True``; else ``None``."""
    output_dir: Path
    model_path: Path
    """``output_dir/model.onnx``."""
    report_path: Path
    """``output_dir/compile_report.json``."""
    checkpoints: tuple[Path, ...]
    """The per-stage models written with ``checkpoints=True``."""
    applied: tuple[Applied, ...]
    """Every step of this run (skipped ones included), after those of a resumed checkpoint."""
    seconds: float
    """Wall time of the stages, in seconds."""


def compile_model(
    model: str | os.PathLike[str] | Any,
    *,
    output_dir: str | os.PathLike[str],
    blueprint: str | os.PathLike[str] | None = None,
    verify: bool | str = False,
    tolerance: float | None = None,
    seed: int = 0,
    inputs: str | os.PathLike[str] | Mapping[str, Any] | None = None,
    run_config: str | os.PathLike[str] | RunConfig | None = None,
    plugins: Sequence[object] = (),
    target: Target | Mapping[str, Any] | None = None,
    checkpoints: bool = False,
    start_stage: str | None = None,
    stop_stage: str | None = None,
    session: Session | None = None,
    observer: Observer | None = None,
    name: str | None = None,
    check_each: bool = False,
    artifacts: bool = True,
) -> CompileResult:
    """Compile ``model`` through a blueprint's stages and write the outputs.

    :param model: a path to an ONNX/QONNX file, a qonnx ``ModelWrapper`` or an
        ``onnx.ModelProto`` (not changed).
    :param output_dir: created if needed; receives ``model.onnx``, ``compile_report.json``,
        ``hook_stats.json``, ``plugin_state.json`` (the lifecycle plugins' state; ``{}``
        without any) and, with ``checkpoints``, ``checkpoints/NN_<stage>.onnx``. All of them
        (and the plugins' artifacts) are staged in a hidden folder inside it and committed
        together, or not at all: a failing compile leaves the previous outputs as they were
        (except that a failing stage commits the checkpoints of the stages before it as one
        set) and keeps its hook statistics in ``output_dir/.failed/``.
    :param blueprint: a blueprint YAML file, or ``namespace:name`` for one a plugin ships
        (``builtin:dataflow``); default the bundled ``default.yaml``.
    :param verify: run both models on random inputs (``seed``) and compare their outputs
        within ``tolerance`` (absolute; default 1e-4). ``True`` or ``"python"`` runs kernel
        nodes' Python golden models; ``"cppsim"`` / ``"rtlsim"`` runs every kernel node whose
        backend can in g++-compiled HLS or simulated Verilog, which must also equal the Python
        execution bit-exactly. The inputs are ``inputs`` when given, else the model's own
        ``test_data_set_*`` beside its file and 3 random draws by meaning (seeds ``seed``...).
    :param inputs: the verification inputs: an ``.npz`` file or a mapping, one array per graph
        input by name (or ``arr_0``, ``arr_1``, ... in order); checked before the compile runs.
    :param run_config: a run config enabling lifecycle plugins (docs/lifecycle.md): a YAML
        file, or a :class:`~brainsmith.lifecycle.RunConfig`.
    :param plugins: extra objects with ``@hookimpl`` methods (compile events), registered for
        this compile only, after the installed plugins, and unregistered afterwards; an object
        implementing no hook or an unknown one is an error.
    :param target: the performance target (:class:`brainsmith.Target`, or a mapping of its
        fields: ``fps`` or ``cycles_per_frame``, ``clock_mhz``, ``device``); each field given
        overrides the blueprint's ``target:``. Stamped into the model for hw_transforms.
    :param start_stage: resume from the checkpoint written before this stage (same
        ``output_dir``, input model, blueprint and plugin versions, checked);
        ``stop_stage``: stop after this stage.
    :param session: the plugin session; default one from the environment.
    :param observer: receives progress and warnings (the CLI's progress display). Python
        warnings raised while the stages run and the result is verified (qonnx, onnx, numpy,
        plugins) are recorded into the report's ``warnings`` and told to the observer, never
        printed.
    :param name: how the report names the input (default: its path, or ``<in-memory model>``).
    :param check_each: check the model after every transform (else once, at the end; an
        invalid result is then replayed to find the transform that broke it).
    :param artifacts: let plugins write their files (``brainsmith_compile_artifacts``); with
        ``False`` only the compile's own outputs are written (a sweep's estimate-only points).
    :returns: the compiled model, the report, the verification and the output paths.
    :raises BrainsmithError: bad input (exit status 2): the model, the blueprint, its plugins,
        the stages, the checkpoints to resume from or the output directory; ``CompileError``
        (exit 1): a transform failed or looped, or the compiled model is invalid (the message
        names the transform after which it became so); ``HookError`` (exit 1): a lifecycle
        hook raised; ``CommitError`` (exit 1): writing the outputs failed;
        ``VerificationError`` (exit 1): with ``verify``, an output differs by more than the
        tolerance — the outputs are written first, so they can be inspected.
    """

    from ..plugins import Session
    from ._blueprint import DEFAULT_BLUEPRINT, load_blueprint
    from ._executor import Executor
    from ._input_sets import given_inputs
    from ._inputs import model_bytes, prepare_output
    from ._named import blueprint_file
    from ._planner import validate
    from ._resume import carry_checkpoints, checkpoint_props, identity, resume
    from ._verify import failure
    from ._wrap import wrap_model

    _check_arguments(output_dir, tolerance, seed, run_config)
    mode = _verify_mode(verify)
    repairs: list[str] = []  # input-model repairs and loading warnings, reported as warnings
    with captured_warnings() as loading:  # qonnx's wrapper warns about old-style domains
        data, source = model_bytes(model, notes=repairs)
        original = wrap_model(data)
    repairs += loading.drain()
    source = name if name is not None else source
    outdir = Path(output_dir)
    session = session if session is not None else Session.from_environment()
    session.enforce("compile")  # under strict, any plugin problem stops the compile here
    source_file = DEFAULT_BLUEPRINT if blueprint is None else blueprint_file(blueprint, session)
    loaded = load_blueprint(source_file, named=lambda ref: blueprint_file(ref, session))
    with captured_warnings() as validating:  # plugins warn when imported and constructed
        plan, warnings = validate(loaded, session, strict=session.settings.strict)
    warnings = [*repairs, *warnings, *validating.drain()]
    for warning in warnings:
        _tell(observer, f"warning: {warning}")
    start = _stage(plan, start_stage, "start stage")
    stop = _stage(plan, stop_stage, "stop stage")
    if start and stop and plan.stage_names.index(start) > plan.stage_names.index(stop):
        raise BrainsmithError(
            f"--start-stage {start} comes after --stop-stage {stop}",
            fix=f"stages run in the order {', '.join(plan.stage_names)}",
        )

    goal = _target(loaded.target, target)
    given = None if inputs is None else given_inputs(inputs, original)
    model_path = Path(model) if isinstance(model, str | os.PathLike) else None
    run = identity(plan, data)
    resumed, previous = resume(plan, start, outdir / CHECKPOINTS, run) if start else (None, [])
    start_model = resumed if resumed is not None else original
    stamp_target(start_model, goal)
    events, host = _lifecycle(session, run_config, observer, warnings)
    _install_kernels(session)
    runner = None
    if mode is not None:  # refuse what --verify cannot run before compiling (exit 2)
        from ._support import check_verifiable

        runner = check_verifiable(original, inputs_given=given is not None, where=source)
    folders = (CHECKPOINTS,) if checkpoints else ()
    prepare_output(outdir, files=OWN_OUTPUTS[:4], folders=folders, model=model_path)
    outputs = OutputTransaction.begin(outdir)
    written: dict[str, Any] = {"finishing": False}

    def finish(result: Result) -> Mapping[str, Any]:
        """Check, verify, report and stage the outputs; the executor then fires
        on_compile_end, and the outputs are committed after it."""
        from ._check import lift_ir_version, refuse_invalid
        from ._plan import serialize, stamp
        from ._verify import DEFAULT_TOLERANCE
        from ._verify import verify as compare

        written["finishing"] = True
        stamp(result.model, result.provenance())
        lifted = lift_ir_version(result.model.model)
        if lifted is not None:
            warnings.append(lifted)
            _tell(observer, f"warning: {lifted}")
        refuse_invalid(plan, start_model, original, result, len(previous), start, stop)
        verification = None
        if mode is not None:
            limit = DEFAULT_TOLERANCE if tolerance is None else tolerance
            verification = compare(
                original,
                result.model,
                tolerance=limit,
                seed=seed,
                mode=mode,
                progress=observer.message if observer is not None else None,
                inputs=given,
                model_path=model_path,
                original_runner=runner,
            )
        for line in caught.drain():  # third-party warnings go to the report, not stderr
            warnings.append(line)
            _tell(observer, f"warning: {line}")
        report = report_document(
            source, outdir, loaded, plan, result, session, verification, warnings
        )
        report["target"] = goal.to_json()
        for warning in hardware_warnings(report, target_given=goal != NO_TARGET):
            report["warnings"].append(warning)
            _tell(observer, f"warning: {warning}")
        report["artifacts"] = (
            write_artifacts(session, result.model, outputs, report, reserved=OWN_OUTPUTS)
            if artifacts
            else []
        )
        if report.get("folding"):
            folding = json.dumps(report["folding"]["config"], indent=2, sort_keys=True) + "\n"
            write_atomic(outputs.folder / FOLDING_NAME, folding)
        write_atomic(outputs.folder / OUTPUT_NAME, serialize(result.model))
        write_atomic(
            outputs.folder / REPORT_NAME,
            (json.dumps(report, indent=2, sort_keys=True) + "\n").encode(),
        )
        written.update(report=report, verification=verification)
        return report

    try:
        outputs.seed(PLUGIN_STATE)  # the lifecycle plugins' saved state, restored and updated
        if checkpoints and previous:
            carry_checkpoints(plan, start, outdir / CHECKPOINTS, outputs.folder / CHECKPOINTS)
        checker = None
        if check_each:
            from ._check import checker_for

            checker = checker_for(original)
        with (
            registered(session.plugin_manager, plugins),
            host.running(outputs.folder),
            captured_warnings() as caught,
        ):
            # host.running writes hook_stats.json and plugin_state.json at the end
            result = Executor(plan, events=events, observer=observer, checker=checker).run(
                start_model,
                start_stage=start,
                stop_stage=stop,
                checkpoint_dir=outputs.folder / CHECKPOINTS if checkpoints else None,
                checkpoint_home=outdir / CHECKPOINTS,
                checkpoint_props=checkpoint_props(run),
                previous=previous,
                blueprint=loaded,
                output_dir=outdir,
                finish=finish,
            )
        outputs.commit(own=OWN_OUTPUTS)
    except BaseException as error:
        finishing = written["finishing"]
        _failed(outputs, error, keep_checkpoints=not finishing and not isinstance(error, OSError))
        if isinstance(error, OSError):
            raise write_failure(error, outdir, outputs.folder) from error
        raise
    finally:
        outputs.close()
    compiled = CompileResult(
        model=result.model,
        report=written["report"],
        verification=written["verification"],
        output_dir=outdir,
        model_path=outdir / OUTPUT_NAME,
        report_path=outdir / REPORT_NAME,
        checkpoints=tuple(result.checkpoints),
        applied=tuple(result.applied[len(previous) :]),
        seconds=result.seconds,
    )
    if compiled.verification is not None and not compiled.verification.passed:
        raise failure(compiled.verification)
    return compiled


def _target(inherited: Target, given: Target | Mapping[str, Any] | None) -> Target:
    """The blueprint's target with the fields ``given`` sets."""
    if given is None:
        return inherited
    fields = (
        dict(given)
        if isinstance(given, Mapping)
        else {name: getattr(given, name) for name in Target.__slots__}
    )
    unknown = sorted(set(fields) - set(Target.__slots__))
    if unknown:
        raise BrainsmithError(
            f"target: unknown field(s) {', '.join(map(repr, unknown))}",
            fix=f"use: {', '.join(Target.__slots__)}",
        )
    try:
        return inherited.override(**fields)
    except (TypeError, ValueError) as exc:
        raise BrainsmithError(f"target: {exc}", fix="see docs/compile.md, 'Targets'") from None


def _check_arguments(output_dir: Any, tolerance: Any, seed: Any, run_config: Any) -> None:
    """Argument types a caller from Python can get wrong, as messages instead of tracebacks."""
    from ..lifecycle import RunConfig

    def number(value: Any) -> bool:
        return isinstance(value, int | float) and not isinstance(value, bool)

    if not isinstance(output_dir, str | os.PathLike):
        raise BrainsmithError(
            f"output_dir must be a path, got {type(output_dir).__name__}",
            fix="pass output_dir='build/model'",
        )
    if tolerance is not None and not (number(tolerance) and tolerance >= 0):
        raise BrainsmithError(
            f"tolerance must be a number >= 0, got {tolerance!r}", fix="e.g. 1e-4"
        )
    if not (isinstance(seed, int) and not isinstance(seed, bool) and seed >= 0):
        raise BrainsmithError(f"seed must be an integer >= 0, got {seed!r}", fix="e.g. seed=0")
    if run_config is not None and not isinstance(run_config, str | os.PathLike | RunConfig):
        raise BrainsmithError(
            f"run_config must be a file path or a RunConfig, got {type(run_config).__name__}",
            fix="pass a YAML file, or RunConfig.from_mapping({...}, source='...')",
        )


def _verify_mode(verify: bool | str) -> str | None:
    """``None`` (no verification) or the execution mode of the compiled model's kernels."""
    from ._verify import VERIFY_MODES

    if verify is False:
        return None
    if verify is True:
        return "python"
    if verify not in VERIFY_MODES:
        raise BrainsmithError(
            f"verify={verify!r} is not a verification mode",
            fix=f"use True or one of: {', '.join(VERIFY_MODES)}",
        )
    return verify


def _install_kernels(session: Session) -> None:
    """Make every plugin's kernel and backend nodes executable by qonnx (lazily: no kernel
    module is imported until a node of its type is used)."""
    from ..hardware import install_kernels

    install_kernels(session)


def _tell(observer: Observer | None, text: str) -> None:
    if observer is not None:
        observer.message(text)


def _lifecycle(
    session: Session,
    run_config: str | os.PathLike[str] | RunConfig | None,
    observer: Observer | None,
    warnings: list[str],
) -> tuple[Dispatcher, LifecycleHost]:
    """The dispatcher that fires this compile's events to every active plugin's hooks, and
    the host of the lifecycle plugins the run config enables.

    Activating imports the plugins' hook modules; one that fails to import is left out, and
    the compile goes on without it (under strict it stops). Every plugin left out, unmet pin
    and settings name matching nothing becomes a warning (naming distribution and version)
    in ``warnings``, which the report carries.
    """
    from ..lifecycle import Dispatcher, LifecycleHost, RunConfig

    session.activate_all()
    session.enforce("compile")
    for line in session.left_out():
        warnings.append(line)
        _tell(observer, f"warning: {line}")
    dispatcher = Dispatcher(
        session.plugin_manager, describe=session.describe, order=session.resolution.order
    )
    host = LifecycleHost(dispatcher)
    host.collect()
    if isinstance(run_config, RunConfig):
        host.configure(run_config)
    elif run_config is not None:
        host.configure(RunConfig.load(Path(run_config)))
    return dispatcher, host


def _stage(plan: Plan, name: str | None, what: str) -> str | None:
    from .._suggest import did_you_mean

    if name is not None and name not in plan.stage_names:
        option = "--" + what.replace(" ", "-")
        raise BrainsmithError(
            f"{option} {name!r} is not a stage of the blueprint"
            f"{did_you_mean(name, plan.stage_names)}",
            fix=f"use one of: {', '.join(plan.stage_names)}",
        )
    return name


def _failed(outputs: OutputTransaction, error: BaseException, *, keep_checkpoints: bool) -> None:
    """After a failed run: commit the checkpoints of the completed stages if a stage failed
    (an ``Exception`` that is not an ``OSError``, before the outputs were being finished), keep
    the hook statistics in ``.failed/``, and say so in the error."""
    from ._executor import CompileError, add_note

    committed: list[str] = []
    if keep_checkpoints and isinstance(error, Exception) and not isinstance(error, OSError):
        try:
            committed = outputs.commit(only=[CHECKPOINTS], own=[CHECKPOINTS])
        except BrainsmithError as secondary:
            add_note(error, f"the checkpoints of the completed stages were not kept: {secondary}")
            if isinstance(error, CompileError) and error.resume:  # names a checkpoint not kept
                error.fix = error.fix.replace(error.resume, "")
    failed = outputs.keep_failed(exclude=(*OWN_OUTPUTS[:2], CHECKPOINTS))
    kept = "nothing in the output directory was replaced"
    if committed:
        kept = "only the checkpoints of the completed stages were replaced"
    if failed is not None:
        kept += f"; this run's hook statistics are in {failed}"
    add_note(error, kept)
