"""``brainsmith sweep``: run a design-space sweep, and ``brainsmith sweep report DIR``.

Exit status: 0 the sweep ran (failed points are rows in its table, not an error); 1 an executor
or plugin failed; 2 bad input (the sweep file, its model, blueprints or options, the folder).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import BrainsmithError

if TYPE_CHECKING:
    import argparse

REPORT = "report"


def register(commands: Any, summary: str) -> None:
    """Add the ``sweep`` command (``sweep SWEEP.yaml -o DIR`` and ``sweep report DIR``),
    ``summary`` its one-line help."""
    parser = commands.add_parser(
        "sweep",
        help=summary,
        description="brainsmith sweep SWEEP.yaml -o DIR: compile every point of the sweep file "
        "(estimates only unless --verify), results in DIR/sweep.sqlite as they finish; a re-run "
        "compiles only the points not finished yet. brainsmith sweep report DIR: print the table, "
        "write DIR/sweep_report.html with the Pareto fronts (throughput against LUT and BRAM). "
        "Exit status: 0 ran (failed points are rows), 1 executor failure, 2 bad input.",
    )
    parser.add_argument("sweep", metavar="SWEEP.yaml|report", help="the sweep file, or 'report'")
    parser.add_argument("folder", nargs="?", type=Path, metavar="DIR", help="with 'report'")
    parser.add_argument("-o", "--output-dir", type=Path, help="the sweep's folder")
    parser.add_argument(
        "--executor", default="local", help="local (default), dask, or one a plugin adds"
    )
    parser.add_argument("--workers", type=int, help="worker processes (default: CPU count)")
    parser.add_argument("--scheduler", metavar="ADDR", help="an existing Dask scheduler")
    parser.add_argument(
        "--verify",
        nargs="?",
        const="python",
        default=None,
        metavar="MODE",
        help="verify every point (python, cppsim, rtlsim); default: estimates only",
    )
    parser.add_argument(
        "--retry-failed", action="store_true", help="compile failed points of a re-run again"
    )
    parser.add_argument(
        "--no-share", action="store_true", help="compile every point from the first stage"
    )
    parser.add_argument(
        "--artifacts",
        action="store_true",
        help="let plugins write each point's artifacts (the accelerator project)",
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--csv", action="store_true", help="print the results as CSV")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run the sweep, or report on one (``report DIR``)."""
    if args.json and args.csv:
        raise BrainsmithError("give --json or --csv, not both", fix="choose one format")
    if args.sweep == REPORT and not Path(REPORT).is_file():
        if args.folder is None:
            raise BrainsmithError(
                "brainsmith sweep report needs the sweep's folder",
                fix="brainsmith sweep report DIR",
            )
        return _report(args.folder, args)
    if args.folder is not None:
        raise BrainsmithError(
            f"unexpected argument {str(args.folder)!r}",
            fix="brainsmith sweep SWEEP.yaml -o DIR (or: brainsmith sweep report DIR)",
        )
    if args.output_dir is None:
        raise BrainsmithError(
            "the sweep needs its folder: -o DIR", fix=f"brainsmith sweep {args.sweep} -o DIR"
        )
    if args.workers is not None and args.workers < 1:
        raise BrainsmithError("--workers must be at least 1", fix="e.g. --workers 4")

    from ..compile import VERIFY_MODES
    from ..sweep import run_sweep
    from ._progress import SweepProgress

    if args.verify is not None and args.verify not in VERIFY_MODES:
        raise BrainsmithError(
            f"--verify {args.verify!r} is not a verification mode",
            fix=f"use one of: {', '.join(VERIFY_MODES)}",
        )
    from .._guard import plugin_output

    with plugin_output():  # plugin code runs here, and in the workers, which inherit it
        summary = run_sweep(
            Path(args.sweep),
            args.output_dir,
            executor=args.executor,
            workers=args.workers,
            scheduler=args.scheduler,
            verify=args.verify,
            retry_failed=args.retry_failed,
            share_prefixes=not args.no_share,
            artifacts=args.artifacts,
            observer=SweepProgress(sys.stderr, quiet=args.quiet or args.json or args.csv),
        )
    if not (args.quiet or args.json or args.csv):
        print(
            f"swept {len(summary.rows)} points in {summary.seconds:.1f}s: compiled "
            f"{summary.ran}, {summary.skipped} finished earlier, {summary.prefixes_built} shared "
            f"prefix(es) built; results in {summary.output_dir / 'sweep.sqlite'}",
            file=sys.stderr,
        )
    return _report(summary.output_dir, args)


def _report(folder: Path, args: argparse.Namespace) -> int:
    from ..sweep import sweep_report, write_html

    report = sweep_report(folder)
    page = write_html(report)
    if args.json:
        print(json.dumps(report.to_json(), indent=2, sort_keys=True), file=args.document_out)
    elif args.csv:
        args.document_out.write(report.to_csv())
    else:
        print(report.table())
        if not args.quiet:
            print(f"report: {page}", file=sys.stderr)
    return 0
