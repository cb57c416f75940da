"""``brainsmith compile``: run a blueprint's stages on a model, verify it, write provenance.

Exit status: 0 compiled (and verified); 1 a transform failed or the verification found a
difference above the tolerance; 2 bad input (model, blueprint, options, plugins, output
directory). Heavy modules (qonnx, onnx, numpy, yaml) are imported inside :func:`run` only.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..atomic import write_atomic
from ..errors import BrainsmithError

if TYPE_CHECKING:
    import argparse

    from ..host import LifecycleHost
    from ..lifecycle import Dispatcher
    from ..pipeline import Applied, Plan
    from ..progress import Progress
    from ..session import Session

REPORT_NAME = "compile_report.json"
OUTPUT_NAME = "model.onnx"
CHECKPOINTS = "checkpoints"


class ModelError(BrainsmithError):
    """The input model cannot be read or is not valid ONNX."""


class OutputError(BrainsmithError):
    """The output directory cannot be written."""


def register(commands: Any) -> None:
    """Add the ``compile`` command."""
    parser = commands.add_parser(
        "compile",
        help="compile a model through a blueprint's stages of transforms",
        description="Compile an ONNX/QONNX model: run the blueprint's stages of transforms "
        "from installed plugins, record provenance, optionally verify the result numerically. "
        "Writes OUTDIR/model.onnx and OUTDIR/compile_report.json. Exit status: 0 success, "
        "1 a transform failed or verification failed, 2 bad input.",
    )
    parser.add_argument("model", nargs="?", type=Path, help="the ONNX model to compile")
    parser.add_argument(
        "--example",
        action="store_true",
        help="compile the bundled example (a small quantized MLP with LayerNormalization)",
    )
    parser.add_argument(
        "-b", "--blueprint", type=Path, help="blueprint YAML (default: the bundled default)"
    )
    parser.add_argument(
        "-o", "--output-dir", type=Path, help="output directory (default: build/<model name>)"
    )
    parser.add_argument(
        "--verify", action="store_true", help="run both models on random inputs and compare"
    )
    parser.add_argument(
        "--tolerance",
        type=float,
        default=None,
        help="largest absolute difference --verify accepts (default: 1e-4)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of --verify's inputs")
    parser.add_argument(
        "--checkpoints",
        action="store_true",
        help="write the model after each stage to OUTDIR/checkpoints/NN_<stage>.onnx",
    )
    parser.add_argument(
        "--start-stage", metavar="STAGE", help="resume from the checkpoint before STAGE"
    )
    parser.add_argument("--stop-stage", metavar="STAGE", help="stop after STAGE")
    parser.add_argument(
        "--run-config",
        type=Path,
        metavar="FILE",
        help="run config YAML enabling lifecycle plugins with options and priorities "
        "(e.g. the builtin 'timing' report); see docs/lifecycle.md",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON on stdout")
    parser.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    parser.set_defaults(run=run)


def _lifecycle(
    session: Session, run_config: Path | None, progress: Progress
) -> tuple[Dispatcher, LifecycleHost]:
    """The dispatcher that fires this compile's lifecycle events to every active plugin's
    hooks, and the host of the lifecycle plugins the run config enables.

    Activating imports the plugins' hook modules; one that fails to import is reported and
    left out, and the compile goes on without it.
    """
    from ..host import LifecycleHost
    from ..lifecycle import Dispatcher
    from ..runconfig import RunConfig

    for problem in session.activate_all():
        progress.message(f"warning: plugin {problem.subject} left out: {problem.reason}")
    dispatcher = Dispatcher(
        session.plugin_manager, describe=session.describe, order=session.resolution.order
    )
    host = LifecycleHost(dispatcher)
    host.collect()
    if run_config is not None:
        host.configure(RunConfig.load(run_config))
    return dispatcher, host


def _read_model(path: Path) -> bytes:
    """The model's bytes, checked to be a valid ONNX model."""
    import onnx

    where = str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ModelError("model file not found", where=where, fix="check the path") from None
    except OSError as exc:
        raise ModelError(f"cannot read the model: {exc.strerror or exc}", where=where) from None
    try:
        proto = onnx.load_model_from_string(data)
    except Exception as exc:  # protobuf's DecodeError, onnx's errors
        raise ModelError(
            f"not an ONNX model (it does not parse: {exc or 'truncated or corrupt'})",
            where=where,
            fix="pass an .onnx file; a truncated download must be fetched again",
        ) from None
    if proto.ir_version == 0 or not proto.HasField("graph") or not proto.opset_import:
        raise ModelError(
            "not an ONNX model (no IR version, graph or opset)",
            where=where,
            fix="pass an .onnx file; a truncated download must be fetched again",
        )
    try:
        onnx.checker.check_model(proto)
    except onnx.checker.ValidationError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelError(
            f"the model fails ONNX checking: {first}",
            where=where,
            fix="re-export the model, or repair it so that onnx.checker.check_model passes",
        ) from None
    return data


def _prepare_output(directory: Path) -> None:
    """Create ``directory`` and prove it writable before any work is done."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".brainsmith-probe-", dir=directory)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise OutputError(
            f"cannot write to the output directory: {exc.strerror or exc}",
            where=str(directory),
            fix="choose another directory with -o, or fix its permissions",
        ) from None


def _stage(plan: Plan, name: str | None, option: str) -> str | None:
    from ..suggest import did_you_mean

    if name is not None and name not in plan.stage_names:
        raise BrainsmithError(
            f"{option} {name!r} is not a stage of the blueprint"
            f"{did_you_mean(name, plan.stage_names)}",
            fix=f"use one of: {', '.join(plan.stage_names)}",
        )
    return name


def _resume(
    plan: Plan, start: str, outdir: Path
) -> tuple[Any, list[Applied]] | tuple[None, list[Applied]]:
    """The checkpoint a compile starting at ``start`` resumes from, and what it applied."""
    from qonnx.core.modelwrapper import ModelWrapper

    from ..pipeline import Applied, checkpoint_path, read_provenance

    index = plan.stage_names.index(start)
    if index == 0:
        return None, []
    previous = plan.stage_names[index - 1]
    path = checkpoint_path(outdir / CHECKPOINTS, plan, previous)
    if not path.is_file():
        raise BrainsmithError(
            f"--start-stage {start} needs the checkpoint of stage {previous!r}, which does not "
            "exist",
            where=str(path),
            fix="compile once with --checkpoints (and the same -o) first",
        )
    model = ModelWrapper(_read_model(path))
    document = read_provenance(model) or {}
    if document.get("blueprint_sha256") != plan.blueprint_hash:
        raise BrainsmithError(
            "the checkpoint was made with a different blueprint",
            where=str(path),
            fix="compile from the start (without --start-stage) with --checkpoints",
        )
    applied = [
        Applied(
            t["stage"],
            t["transform"],
            t["options"],
            t["distribution"],
            t["version"],
            modified=t["modified"],
        )
        for t in document.get("transforms", [])
    ]
    return model, applied


def run(args: argparse.Namespace) -> int:
    """Compile; see :func:`register` for the options."""
    if args.example == (args.model is not None):
        raise BrainsmithError(
            "give either a MODEL or --example",
            fix="brainsmith compile MODEL.onnx, or brainsmith compile --example",
        )
    if args.tolerance is not None and not args.tolerance >= 0:
        raise BrainsmithError("--tolerance must be a number >= 0")

    from qonnx.core.modelwrapper import ModelWrapper

    from .. import pipeline
    from ..blueprint import DEFAULT_BLUEPRINT, load_blueprint, validate
    from ..progress import Progress
    from ..session import Session
    from ..verify import DEFAULT_TOLERANCE, failure, verify

    progress = Progress(sys.stderr, quiet=args.quiet)
    if args.example:
        from ..examples import example_model

        source = "example"
        data = example_model().SerializeToString()
    else:
        source = str(args.model)
        data = _read_model(args.model)
    stem = "example" if args.example else args.model.stem
    outdir: Path = args.output_dir if args.output_dir is not None else Path("build") / stem

    blueprint = load_blueprint(args.blueprint or DEFAULT_BLUEPRINT)
    session = Session.from_environment()
    plan, warnings = validate(blueprint, session, strict=session.settings.strict)
    for warning in warnings:
        progress.message(f"warning: {warning}")
    start = _stage(plan, args.start_stage, "--start-stage")
    stop = _stage(plan, args.stop_stage, "--stop-stage")
    if start and stop and plan.stage_names.index(start) > plan.stage_names.index(stop):
        raise BrainsmithError(f"--start-stage {start} comes after --stop-stage {stop}")

    original = ModelWrapper(data)
    model, previous = (None, [])
    if start:
        model, previous = _resume(plan, start, outdir)
    events, host = _lifecycle(session, args.run_config, progress)
    _prepare_output(outdir)

    with host.running(outdir):  # writes hook_stats.json (and plugin_state.json) at the end
        executor = pipeline.Executor(plan, events=events, observer=progress)
        result = executor.run(
            model if model is not None else original,
            start_stage=start,
            stop_stage=stop,
            checkpoint_dir=outdir / CHECKPOINTS if args.checkpoints else None,
            previous=previous,
            blueprint=blueprint,
            output_dir=outdir,
        )
        pipeline.stamp(result.model, result.provenance())

        verification = None
        if args.verify:
            tolerance = DEFAULT_TOLERANCE if args.tolerance is None else args.tolerance
            verification = verify(original, result.model, tolerance=tolerance, seed=args.seed)
        output = outdir / OUTPUT_NAME
        report = _report(
            source=source,
            output=output,
            blueprint=blueprint,
            plan=plan,
            result=result,
            session=session,
            verification=verification,
            warnings=warnings,
        )
        write_atomic(output, pipeline.serialize(result.model))
        write_atomic(
            outdir / REPORT_NAME, (json.dumps(report, indent=2, sort_keys=True) + "\n").encode()
        )
        events.fire("on_compile_end", model=result.model, report=report)

    if args.json:
        print(json.dumps(report, indent=2, sort_keys=True))
    applied = [a for a in result.applied[len(previous) :] if not a.skipped]
    progress.message(
        f"compiled {source} -> {output} ({len(applied)} transforms, "
        f"{sum(a.modified for a in applied)} changed the model, {result.seconds:.2f}s); "
        f"report: {outdir / REPORT_NAME}"
    )
    if verification is not None:
        for check in verification.outputs:
            progress.message(
                f"verify: output {check.original!r}: max abs diff {check.max_abs_diff:.3g} "
                f"({'ok' if check.passed else 'ABOVE'} tolerance {verification.tolerance:g})"
            )
        if not verification.passed:
            raise failure(verification)
    return 0


def _report(
    *,
    source: str,
    output: Path,
    blueprint: Any,
    plan: Plan,
    result: Any,
    session: Session,
    verification: Any,
    warnings: list[str],
) -> dict[str, Any]:
    """The document written to compile_report.json (docs/compile.md describes it)."""
    from .._version import __version__

    return {
        "schema": 1,
        "status": "ok" if verification is None or verification.passed else "verify_failed",
        "brainsmith_core": __version__,
        "model": source,
        "output": str(output),
        "blueprint": {
            "name": plan.name,
            "path": str(blueprint.path),
            "sources": [str(p) for p in blueprint.sources],
            "sha256": plan.blueprint_hash,
        },
        "stages": list(result.stages_run),
        "transforms": [a.report() for a in result.applied],
        "plugins": [
            {"namespace": p.namespace, "distribution": p.distribution, "version": p.version}
            for p in session.active_plugins()
        ],
        "checkpoints": [str(p) for p in result.checkpoints],
        "seconds": round(result.seconds, 6),
        "verification": verification.to_json() if verification is not None else None,
        "warnings": warnings,
    }
