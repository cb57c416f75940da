"""The ``brainsmith`` command: one sub-module per command group, each imported only when run.

Argument parsing and printing only: the work is done by the public API of the wings
(``brainsmith.plugins``, ``brainsmith.compile``, ``brainsmith.lifecycle``,
``brainsmith.sweep``), which is all the
command modules may import (plus the shared helpers); no wing imports the CLI.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
from collections.abc import Mapping, Sequence

from .._version import __version__

TRACEBACK_ENV = "BRAINSMITH_TRACEBACK"
"""Set to ``1`` to see the Python traceback of an error (like ``--traceback``)."""

COMMAND_GROUPS: Mapping[str, str] = {
    "plugins": "list, show, check and lock installed plugins",
    "compile": "compile a model through a blueprint's stages of transforms",
    "hooks": "lifecycle hooks and their statistics",
    "sweep": "compile a model over a grid of targets, options and blueprints; report the "
    "Pareto front",
    "explain": "what an error code means and how to fix it",
}
"""Each command group (a sub-module of :mod:`brainsmith.cli` defining
``register(commands, summary)``) and its one-line help, as ``brainsmith --help`` lists it."""


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser. Without ``argv``, every command group is registered in full (the
    command-line reference is generated from it). With ``argv`` (the arguments about to be
    parsed), only the group they name is: its module alone is imported, and every other group
    is a placeholder with the same one-line help — all ``brainsmith --help`` and an
    invalid-choice error show of them — so a command pays only for itself."""
    parser = argparse.ArgumentParser(
        prog="brainsmith",
        description="Compile quantized ONNX/QONNX models into FPGA dataflow accelerators "
        "through installed plugins.",
    )
    parser.add_argument("--version", action="version", version=f"brainsmith-core {__version__}")
    parser.add_argument(
        "--traceback", action="store_true", help="show the Python traceback of an error"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    named = None if argv is None else _group_named(argv)
    for group, summary in COMMAND_GROUPS.items():
        if argv is None or group == named:
            importlib.import_module(f"{__name__}.{group}").register(commands, summary)
        else:
            commands.add_parser(group, help=summary)
    return parser


def _group_named(argv: Sequence[str]) -> str | None:
    """The command group ``argv`` runs: its first argument that is not an option (the
    top-level options take no value), if that is a group's name."""
    first = next((arg for arg in argv if not arg.startswith("-")), None)
    return first if first in COMMAND_GROUPS else None


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``brainsmith`` console script; returns the exit status."""
    from ..errors import BrainsmithError

    for stream in ("stdout", "stderr"):  # started with it closed (>&-): what it says is lost
        if getattr(sys, stream) is None:
            setattr(sys, stream, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115
    arguments = sys.argv[1:] if argv is None else list(argv)
    args = build_parser(arguments).parse_args(arguments)
    machine = getattr(args, "json", False) or getattr(args, "csv", False)
    reserved = _reserve_stdout(keep=argv is None) if machine else None
    args.document_out = sys.stdout if reserved is None else reserved.stream
    try:
        status: int = args.run(args)
        args.document_out.flush()  # a full disk or a closed pipe is reported here, not at exit
        return status
    except BrainsmithError as error:
        if args.traceback or _traceback_requested(os.environ):
            raise
        print(f"error: {error}\n  explain: brainsmith explain {error.code}", file=sys.stderr)
        return error.exit_code
    except BrokenPipeError:  # output piped into a command that stopped reading (head, less)
        _discard_stdout()
        return 0
    except OSError as exc:  # what no command turned into a message: writing its output, mostly
        if args.traceback or _traceback_requested(os.environ):
            raise
        where = f": {exc.filename}" if exc.filename else " (writing the output)"
        print(f"error: {exc.strerror or exc}{where}", file=sys.stderr)
        _discard_stdout()
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        if reserved is not None:
            reserved.release()


class _ReservedStdout:
    """Descriptor 1 kept for the command's JSON or CSV alone (:attr:`stream`), and pointed at
    stderr meanwhile: whatever else writes there — plugin code from a thread it started, an
    ``atexit`` handler, a C library — goes to stderr, so the document parses."""

    def __init__(self, keep: bool) -> None:
        sys.stdout.flush()
        self._saved = os.dup(1)
        os.dup2(2, 1)
        self.stream = os.fdopen(os.dup(self._saved), "w", encoding="utf-8")
        self._keep = keep

    def release(self) -> None:
        """Flush the document; give descriptor 1 back unless the process ends with the command
        (its ``atexit`` handlers still to run must not write into the document)."""
        with contextlib.suppress(OSError, ValueError):
            self.stream.close()
        if not self._keep:
            sys.stdout.flush()
            os.dup2(self._saved, 1)
        os.close(self._saved)


def _reserve_stdout(*, keep: bool) -> _ReservedStdout | None:
    """A :class:`_ReservedStdout` when ``sys.stdout`` is the process's descriptor 1 (not when
    a caller or a test captures it), else ``None``."""
    try:
        stdout = sys.stdout
        if stdout is not sys.__stdout__ or stdout is None or stdout.fileno() != 1:
            return None
        return _ReservedStdout(keep)
    except (OSError, ValueError, AttributeError):  # no descriptor (an IDE's stream), closed
        return None


def _discard_stdout() -> None:
    """Point descriptor 1 at the null device: the output cannot be written, and the
    interpreter's flush at exit must not fail again."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _traceback_requested(environ: Mapping[str, str]) -> bool:
    """``BRAINSMITH_TRACEBACK``: unset, empty, ``0``, ``false``, ``no`` or ``off`` mean off."""
    value = environ.get(TRACEBACK_ENV, "").strip().lower()
    return value not in ("", "0", "false", "no", "off")


def run_as_module() -> int:
    """``python -m brainsmith`` (and ``python -m brainsmith.cli``): :func:`main`, after taking
    off ``sys.path`` the working directory that ``-m`` puts first (unless ``-P`` or
    ``PYTHONSAFEPATH`` already did), so that no plugin is discovered or imported from whatever
    folder the command happens to run in. Returns the exit status."""
    if not sys.flags.safe_path and sys.path:
        first = sys.path[0] or os.curdir
        with contextlib.suppress(OSError):
            if os.path.samefile(first, os.curdir):
                del sys.path[0]
    return main()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run_as_module())
