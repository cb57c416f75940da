"""Running the ``brainsmith`` command from a test: in-process (fast) or as a subprocess."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CliResult", "find_program", "run_cli", "run_cli_subprocess"]


@dataclass(frozen=True)
class CliResult:
    """What one run of ``brainsmith ARGS...`` did."""

    args: tuple[str, ...]
    """The arguments after ``brainsmith``."""
    exit_code: int
    """The exit status: 0 success, 1 problems found / a tool failed, 2 bad input."""
    stdout: str
    """Everything printed to standard output."""
    stderr: str
    """Everything printed to standard error (error messages start with ``error:``)."""

    def __str__(self) -> str:
        return (
            f"brainsmith {' '.join(self.args)} exited {self.exit_code}\n"
            f"--- stdout\n{self.stdout}--- stderr\n{self.stderr}"
        )


def run_cli(
    *args: str | os.PathLike[str],
    cwd: Path | None = None,
    env: Mapping[str, str | None] | None = None,
) -> CliResult:
    """Run ``brainsmith ARGS...`` in this process through :func:`brainsmith.cli.main` and
    capture its output; argparse's exits (``--help``, usage errors) become exit codes.

    :param cwd: the working directory during the run (default: the current one).
    :param env: environment variables set during the run (``None`` removes one); the process
        environment is restored afterwards.
    """
    from ..cli import main

    arguments = tuple(os.fspath(a) for a in args)
    out, err = io.StringIO(), io.StringIO()
    with (
        _environment(env or {}),
        _working_directory(cwd),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        try:
            code = main(list(arguments))
        except SystemExit as leave:  # argparse: --help, --version, usage errors
            code = leave.code if isinstance(leave.code, int) else (0 if not leave.code else 2)
    return CliResult(arguments, code, out.getvalue(), err.getvalue())


def run_cli_subprocess(
    *args: str | os.PathLike[str],
    cwd: Path | None = None,
    env: Mapping[str, str | None] | None = None,
    python: Path | None = None,
    timeout: float = 600,
) -> CliResult:
    """Run ``brainsmith ARGS...`` as its own process: the ``brainsmith`` executable beside
    ``python`` (default: this interpreter), or ``python -m brainsmith`` when there is none.

    ``env`` changes the inherited environment (``None`` removes a variable); this process's
    ``sys.path`` is passed on as ``PYTHONPATH`` when ``python`` is this interpreter, so that
    fake distributions are seen.
    """
    interpreter = Path(python or sys.executable)
    arguments = tuple(os.fspath(a) for a in args)
    executable = interpreter.parent / "brainsmith"
    command = (
        [str(executable)] if executable.exists() else [str(interpreter), "-m", "brainsmith.cli"]
    )
    environment = dict(os.environ)
    if python is None:
        environment["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    else:  # another environment: nothing of this one leaks in
        environment.pop("PYTHONPATH", None)
        environment["VIRTUAL_ENV"] = str(interpreter.parent.parent)
        environment["PATH"] = f"{interpreter.parent}{os.pathsep}{environment.get('PATH', '')}"
    for key, value in (env or {}).items():
        if value is None:
            environment.pop(key, None)
        else:
            environment[key] = value
    done = subprocess.run(
        [*command, *arguments],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return CliResult(arguments, done.returncode, done.stdout, done.stderr)


def find_program(name: str) -> str | None:
    """The path of executable ``name`` beside this interpreter or on ``PATH``."""
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else shutil.which(name)


@contextlib.contextmanager
def _environment(changes: Mapping[str, str | None]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in changes}
    try:
        for key, value in changes.items():
            _set(key, value)
        yield
    finally:
        for key, value in saved.items():
            _set(key, value)


def _set(key: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(key, None)
    else:
        os.environ[key] = value


@contextlib.contextmanager
def _working_directory(folder: Path | None) -> Iterator[None]:
    if folder is None:
        yield
        return
    before = Path.cwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)
