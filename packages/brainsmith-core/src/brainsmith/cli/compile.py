"""``brainsmith compile``: run a blueprint's stages on a model, verify it, write provenance.

Exit status: 0 compiled (and verified); 1 a transform failed or the verification found a
difference above the tolerance; 2 bad input (model, blueprint, options, plugins, output
directory). Heavy modules (qonnx, onnx, numpy, yaml) are imported inside :func:`run` only.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..compile import VERIFY_MODES, VerificationError
from ..errors import BrainsmithError

if TYPE_CHECKING:
    import argparse

    from ..compile import Verification
    from ._progress import Progress


def register(commands: Any, summary: str) -> None:
    """Add the ``compile`` command, ``summary`` its one-line help."""
    parser = commands.add_parser(
        "compile",
        help=summary,
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
        "--verify",
        nargs="?",
        const="python",
        default=None,
        metavar="MODE",
        help="run both models on random inputs and compare; MODE python (default), cppsim "
        "(kernels as g++-compiled HLS) or rtlsim (kernels as simulated Verilog), which must also "
        "equal the Python execution bit-exactly",
    )
    parser.add_argument(
        "--tolerance",
        type=float,
        default=None,
        help="largest absolute difference --verify accepts (default: 1e-4)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of --verify's inputs")
    parser.add_argument(
        "--inputs",
        type=Path,
        metavar="FILE.npz",
        help="--verify on these inputs (numpy.savez, one array per graph input by name) instead "
        "of the model's test_data_set_* and random draws",
    )
    target = parser.add_argument_group(
        "target", "override the blueprint's target: section (what folding aims for)"
    )
    target.add_argument("--target-fps", type=float, metavar="FPS", help="frames per second")
    target.add_argument(
        "--target-cycles", type=int, metavar="N", help="cycles per frame of the slowest layer"
    )
    target.add_argument("--clock-mhz", type=float, metavar="MHZ", help="clock frequency")
    target.add_argument("--device", metavar="PART", help="FPGA part, e.g. xc7z020")
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
        "--check-each",
        action="store_true",
        help="check the model after every transform, not only the compiled one (slower; "
        "names the transform that made it invalid without replaying)",
    )
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


def run(args: argparse.Namespace) -> int:
    """Compile; see :func:`register` for the options."""
    _split_verify_mode(args)
    if args.example == (args.model is not None):
        raise BrainsmithError(
            "give either a MODEL or --example",
            fix="brainsmith compile MODEL.onnx, or brainsmith compile --example",
        )
    if args.tolerance is not None and not args.tolerance >= 0:
        raise BrainsmithError("--tolerance must be a number >= 0", fix="e.g. --tolerance 1e-4")

    from .._guard import plugin_output
    from ..compile import compile_model
    from ._progress import Progress

    progress = Progress(sys.stderr, quiet=args.quiet)
    if args.example:
        from ..examples import example_model

        model: Any = example_model()
        name = "example"
    else:
        model = args.model
        name = str(args.model)
    stem = "example" if args.example else args.model.stem
    outdir: Path = args.output_dir if args.output_dir is not None else Path("build") / stem
    try:
        with plugin_output():  # what plugins print while compiling goes to stderr
            result = compile_model(
                model,
                output_dir=outdir,
                blueprint=args.blueprint,
                verify=args.verify or False,
                tolerance=args.tolerance,
                seed=args.seed,
                inputs=args.inputs,
                run_config=args.run_config,
                target=_target(args),
                checkpoints=args.checkpoints,
                start_stage=args.start_stage,
                stop_stage=args.stop_stage,
                check_each=args.check_each,
                observer=progress,
                name=name,
            )
    except VerificationError as failed:
        _summarise(progress, failed.verification)
        raise
    except KeyboardInterrupt:  # the outputs are one transaction: the last good ones stay
        print(f"interrupted: nothing in {outdir} was replaced", file=sys.stderr)
        return 130
    if args.json:
        print(json.dumps(result.report, indent=2, sort_keys=True), file=args.document_out)
    applied = [a for a in result.applied if not a.skipped]
    progress.message(
        f"compiled {name} -> {result.model_path} ({len(applied)} transforms, "
        f"{sum(a.modified for a in applied)} changed the model, {result.seconds:.2f}s); "
        f"report: {result.report_path}"
    )
    _summarise(progress, result.verification)
    _hardware_summary(progress, result.report)
    return 0


def _target(args: argparse.Namespace) -> dict[str, Any] | None:
    """The target fields given on the command line, or ``None``."""
    given = {
        "fps": args.target_fps,
        "cycles_per_frame": args.target_cycles,
        "clock_mhz": args.clock_mhz,
        "device": args.device,
    }
    if args.target_fps is not None and args.target_cycles is not None:
        raise BrainsmithError(
            "give --target-fps or --target-cycles, not both",
            fix="--target-cycles N is the same as --target-fps clock/N",
        )
    given = {k: v for k, v in given.items() if v is not None}
    return given or None


def _split_verify_mode(args: argparse.Namespace) -> None:
    """``--verify`` takes an optional MODE, so ``compile --verify model.onnx`` reads the model
    as the mode: give it back to MODEL."""
    if args.verify is None or args.verify in VERIFY_MODES:
        return
    if args.model is None and not args.example:
        args.model, args.verify = Path(args.verify), "python"
        return
    raise BrainsmithError(
        f"--verify {args.verify!r} is not a verification mode",
        fix=f"use --verify alone, or one of: {', '.join(VERIFY_MODES)}",
    )


def _hardware_summary(progress: Progress, report: Mapping[str, Any]) -> None:
    """Per kernel: backend, folding, cycles and resources; then throughput and the bottleneck."""
    from .output import format_table

    estimates = report.get("estimates")
    if not estimates or not estimates["layers"]:
        return
    columns = ("node", "backend", "PE", "SIMD", "cycles", "LUT", "FF", "BRAM_18K", "DSP")
    rows = [
        [
            ("* " if layer["node"] == estimates["bottleneck"] else "  ") + layer["node"],
            layer["backend"] or layer["kernel"],
            *("-" if layer[c] is None else str(layer[c]) for c in columns[2:]),
        ]
        for layer in estimates["layers"]
    ]
    totals = estimates["totals"]
    rows.append(["  total", "", "", "", "", *(str(totals[c]) for c in columns[5:])])
    progress.message(format_table([c.upper() for c in columns], rows))
    target = estimates.get("target_cycles")
    met = "" if target is None else (" (meets" if estimates["meets_target"] else " (MISSES")
    met += f" the target of {target} cycles)" if target is not None else ""
    progress.message(
        f"throughput {estimates['fps']:,.0f} fps at {estimates['clock_mhz']:g} MHz, "
        f"bottleneck {estimates['bottleneck']} ({estimates['max_cycles']} cycles){met}; "
        f"latency {estimates['latency_us']:,.1f} us"
    )
    device = estimates.get("device")
    if device:
        used = ", ".join(
            f"{kind} {share:.1%}" for kind, share in estimates["utilisation"].items() if share
        )
        progress.message(f"{device['name']}: {used or 'nothing used'}")
    for kind in estimates.get("over_capacity", []):
        progress.message(f"warning: the design needs more {kind} than {device['name']} has")


def _summarise(progress: Progress, verification: Verification | None) -> None:
    """One line per compared output."""
    if verification is None:
        return
    if verification.unverifiable is not None:
        progress.message(f"warning: verify: not verified: {verification.unverifiable}")
        for skipped in verification.skipped[1:]:
            progress.message(f"verify: skipped {skipped}")
        return
    progress.message(
        f"verify: on {len(verification.inputs)} input set(s): " + ", ".join(verification.inputs)
    )
    for skipped in verification.skipped:
        progress.message(f"verify: skipped {skipped}")
    simulation = verification.simulation
    if simulation is not None:
        progress.message(
            f"verify: {simulation.mode}: {len(simulation.simulated)} kernel node(s) simulated, "
            f"{len(simulation.python)} in python"
        )
        for node, reason in simulation.python:
            progress.message(f"verify:   {node}: python ({reason})")
        for check in simulation.outputs:
            progress.message(
                f"verify: output {check.compiled!r}: {simulation.mode} vs python max abs diff "
                f"{check.max_abs_diff:.3g} ({'bit-exact' if check.passed else 'DIFFERS'})"
            )
    for check in verification.outputs:
        progress.message(
            f"verify: output {check.original!r}: max abs diff {check.max_abs_diff:.3g} "
            f"({'ok' if check.passed else 'ABOVE'} tolerance {verification.tolerance:g}"
            f"{'' if check.passed else ' on ' + check.inputs})"
        )
