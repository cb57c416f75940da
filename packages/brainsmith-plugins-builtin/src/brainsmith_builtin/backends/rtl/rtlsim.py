"""rtlsim: run a design in a Verilog simulator on a list of stream words.

Compiled simulations are cached in ``$BRAINSMITH_RTLSIM_CACHE`` (default: ``rtlsim/`` inside
``$BRAINSMITH_CACHE_DIR``, else ``$XDG_CACHE_HOME/brainsmith``, else ``~/.cache/brainsmith``),
one folder per digest of the simulator, the sources, the parameters and the memories, so a design
is compiled once and then reused for any inputs, seeds and stimulus.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .design import RtlDesign, memory_text
from .simulator import SimulationError, Simulator, find_simulator
from .testbench import TESTBENCH_TOP, testbench_source

__all__ = [
    "CACHE_ENV",
    "Stimulus",
    "StreamRun",
    "default_cache_dir",
    "run_compiled",
    "simulate_stream",
]

CACHE_ENV = "BRAINSMITH_RTLSIM_CACHE"
_READY_MARK = "ready"
_DONE = re.compile(r"BRAINSMITH_RTLSIM done cycles=(\d+)")
_TIMEOUT = re.compile(r"BRAINSMITH_RTLSIM timeout received=(\d+)")


@dataclass(frozen=True, slots=True)
class Stimulus:
    """How the testbench treats the handshakes.

    ``gap_probability``: chance (0 to <1) that input valid stays low on a cycle where a word could
    be offered. ``stall_probability``: chance (0 to <1) that output ready is low on a cycle.
    ``seed``: seed of the testbench's random generator (xorshift32; same sequence in every
    simulator).
    """

    seed: int = 1
    gap_probability: float = 0.0
    stall_probability: float = 0.0

    def __post_init__(self) -> None:
        for name in ("gap_probability", "stall_probability"):
            value = getattr(self, name)
            if not 0.0 <= value < 1.0:
                raise ValueError(f"Stimulus.{name} must be in [0, 1), got {value}")
        if not 0 <= self.seed < 2**31:
            raise ValueError(f"Stimulus.seed must be in [0, 2**31), got {self.seed}")


@dataclass(frozen=True, slots=True)
class StreamRun:
    """What one simulation produced: the output ``words`` and the ``cycles`` from the first
    input handshake to the last output handshake (clock cycles, both ends included)."""

    words: list[int]
    cycles: int


def default_cache_dir() -> Path:
    """Where compiled simulations are kept (see the module docstring)."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    if os.environ.get("BRAINSMITH_CACHE_DIR"):
        return Path(os.environ["BRAINSMITH_CACHE_DIR"], "rtlsim")
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base, "brainsmith", "rtlsim")


def _build(design: RtlDesign, simulator: Simulator, cache_dir: Path) -> Path:
    """The folder holding ``design``'s compiled simulation, compiling it when not cached."""
    bench = testbench_source(design)
    sha = hashlib.sha256()
    sha.update(f"{simulator.name}\0{simulator.version}\0".encode())
    sha.update(design.digest().encode())
    sha.update(bench.encode())
    build_dir = cache_dir / f"{design.top}-{simulator.name}-{sha.hexdigest()[:20]}"
    if (build_dir / _READY_MARK).exists():
        return build_dir
    cache_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".build-", dir=cache_dir))
    try:
        (staging / "testbench.v").write_text(bench)
        for name, text in design.memories:
            (staging / design.memory_file_name(name)).write_text(text)
        simulator.compile([*design.source_paths(), staging / "testbench.v"], TESTBENCH_TOP, staging)
        (staging / _READY_MARK).write_text(simulator.version + "\n")
        try:
            staging.rename(build_dir)
        except OSError:
            if not (build_dir / _READY_MARK).exists():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return build_dir


def simulate_stream(
    design: RtlDesign,
    words: list[int],
    output_words: int,
    *,
    stimulus: Stimulus | None = None,
    timeout_cycles: int | None = None,
    simulator: Simulator | None = None,
    cache_dir: Path | None = None,
) -> StreamRun:
    """Stream ``words`` (each < 2**in_width) into ``design`` and collect ``output_words`` words.

    ``timeout_cycles`` defaults to a generous bound from the word counts and the stimulus.
    Raises :class:`~.simulator.SimulatorNotFoundError` when no simulator is installed and
    :class:`~.simulator.SimulationError` when compiling fails, the simulation times out (a
    deadlock, or fewer outputs than expected) or its output has unknown (X/Z) bits.
    """
    stimulus = stimulus or Stimulus()
    simulator = simulator or find_simulator()
    for word in words:
        if word < 0 or word >> design.in_width:
            raise ValueError(
                f"{design.top}: input word {word:#x} does not fit {design.in_width} bits"
            )
    if timeout_cycles is None:
        slowdown = 1.0 / ((1.0 - stimulus.gap_probability) * (1.0 - stimulus.stall_probability))
        timeout_cycles = int(64 * slowdown * (len(words) + output_words)) + 10_000
    build_dir = _build(design, simulator, cache_dir or default_cache_dir())
    return run_compiled(
        build_dir,
        simulator,
        design,
        words,
        output_words,
        stimulus=stimulus,
        timeout_cycles=timeout_cycles,
    )


def run_compiled(
    build_dir: Path,
    simulator: Simulator,
    design: RtlDesign,
    words: list[int],
    output_words: int,
    *,
    stimulus: Stimulus,
    timeout_cycles: int,
) -> StreamRun:
    """Run the testbench compiled in ``build_dir`` (``testbench_source(design)`` with the
    design's sources, memory files beside it) on ``words``; collect ``output_words`` words.

    Raises :class:`~.simulator.SimulationError` when the simulation times out (a deadlock, or
    fewer outputs than expected) or its output has unknown (X/Z) bits.
    """
    with tempfile.TemporaryDirectory(prefix="brainsmith-rtlsim-") as scratch:
        in_path = Path(scratch, "in.hex")
        out_path = Path(scratch, "out.hex")
        in_path.write_text(memory_text(words, design.in_width) if words else "")
        command = [
            *simulator.run_command(build_dir),
            f"+in={in_path}",
            f"+out={out_path}",
            f"+n_in={len(words)}",
            f"+n_out={output_words}",
            f"+seed={stimulus.seed}",
            f"+gap={round(stimulus.gap_probability * 65536)}",
            f"+stall={round(stimulus.stall_probability * 65536)}",
            f"+timeout={timeout_cycles}",
        ]
        result = subprocess.run(command, cwd=build_dir, capture_output=True, text=True, check=False)
        log = result.stdout + result.stderr
        done = _DONE.search(log)
        if done is None:
            timeout = _TIMEOUT.search(log)
            reason = (
                f"timed out after {timeout_cycles} cycles with {timeout.group(1)} of "
                f"{output_words} output words"
                if timeout
                else f"ended without finishing (exit code {result.returncode})"
            )
            raise SimulationError(
                f"rtlsim of {design.top} {reason}:\n{log.strip()[-2000:]}",
                where=str(build_dir),
                fix="check the input word count against the kernel's folded shapes",
            )
        text = out_path.read_text().split()
    try:
        output = [int(token, 16) for token in text]
    except ValueError:
        raise SimulationError(
            f"rtlsim of {design.top} produced unknown (X/Z) output bits", where=str(build_dir)
        ) from None
    return StreamRun(words=output, cycles=int(done.group(1)))
