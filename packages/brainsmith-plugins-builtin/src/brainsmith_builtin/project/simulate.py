"""Simulate a written accelerator project: the HLS top-level with g++, the Verilog top-level in
Icarus Verilog or Verilator. Both compile the files on disk (nothing is regenerated), so they
prove what a user gets.

Inputs are float32 tensors holding values of each top-level input's datatype, one frame's
normal shape (``manifest.json``'s ``normal_shape``) with several frames stacked along axis 0.
"""

from __future__ import annotations

import hashlib
import json
import math
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from brainsmith_builtin.backends.hls.build import (
    CXX_FLAGS,
    CppsimBuild,
    compiler_path,
    default_cache_dir,
)
from brainsmith_builtin.backends.hls.cppsim import run_cppsim
from brainsmith_builtin.backends.hls.elements import Element
from brainsmith_builtin.backends.hls.errors import CppsimBuildError
from brainsmith_builtin.backends.hls.headers import ap_types_dir, shim_include_dir
from brainsmith_builtin.backends.hls.kernel import HLSKernel, StreamPort
from brainsmith_builtin.backends.rtl.design import RtlDesign
from brainsmith_builtin.backends.rtl.encoding import pack_words, unpack_words
from brainsmith_builtin.backends.rtl.rtlsim import Stimulus, run_compiled
from brainsmith_builtin.backends.rtl.simulator import Simulator, find_simulator
from brainsmith_builtin.backends.rtl.testbench import TESTBENCH_TOP, testbench_source

from .accelerator import MANIFEST
from .partition import StitchError

_MAX_ERROR_CHARS = 6000


def _manifest(project: Path) -> dict[str, Any]:
    path = project / MANIFEST
    if not path.is_file():
        raise StitchError(
            f"{path} does not exist",
            fix="pass the accelerator/ folder a compile wrote (brainsmith compile -o OUT)",
        )
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def _port(entry: dict[str, Any]) -> StreamPort:
    element = Element.of(entry["datatype"], node="top", attribute=entry["port"], allow_float=True)
    return StreamPort(
        entry["port"], element, int(entry["elems_per_word"]), tuple(entry["normal_shape"])
    )


def simulate_hls_project(
    project: Path,
    inputs: Sequence[NDArray[np.generic]],
    *,
    cache_dir: Path | None = None,
    compiler: str = "g++",
) -> list[NDArray[np.float32]]:
    """Compile ``project``'s ``hls/testbench.cpp`` (which includes the top-level and the
    kernels) with g++ against the stream shim and ``ap_int.h`` (cached under ``cache_dir``,
    default the cppsim cache, by the sources' digest), and stream ``inputs`` (one array per
    top-level input) through it. Returns one array per output.

    Raises :class:`StitchError` when the project has no HLS top-level,
    ``HeadersNotFoundError`` (what to install) without g++ or the headers,
    ``CppsimBuildError`` when g++ fails and ``CppsimRunError`` for bad inputs.
    """
    manifest = _manifest(project)
    if not manifest.get("hls_top"):
        raise StitchError(
            f"the project in {project} has no HLS top-level (language {manifest.get('language')})",
            fix="simulate RTL projects with simulate_rtl_project",
        )
    kernel = HLSKernel(
        manifest["top"],
        "",
        tuple(_port(e) for e in manifest["inputs"]),
        tuple(_port(e) for e in manifest["outputs"]),
        int(manifest["expected_cycles_per_frame"]),
    )
    executable = _build_hls(project, manifest, compiler, cache_dir)

    build = CppsimBuild(kernel, executable, project / manifest["hls_top"], "", False)
    return run_cppsim(build, inputs)


def _build_hls(
    project: Path, manifest: dict[str, Any], compiler: str, cache_dir: Path | None
) -> Path:
    """The compiled testbench of the project's HLS top-level, cached by the digest of every
    source under ``hls/``, the flags, the compiler and ``ap_int.h``."""
    hls = project / "hls"
    compiler_file = compiler_path(compiler)
    ap_types = ap_types_dir()
    digest = hashlib.sha256()
    ap_int = (ap_types / "ap_int.h").stat()
    for part in (" ".join(CXX_FLAGS), str(compiler_file), f"{ap_types}:{ap_int.st_mtime_ns}"):
        digest.update(part.encode() + b"\0")
    digest.update((shim_include_dir() / "hls_stream.h").read_bytes())
    for source in sorted(hls.rglob("*.cpp")):
        digest.update(str(source.relative_to(hls)).encode() + b"\0" + source.read_bytes())
    entry = (cache_dir or default_cache_dir()) / "hls-project" / digest.hexdigest()[:32]
    executable = entry / "sim"
    if executable.is_file():
        return executable
    entry.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".build-", dir=entry.parent))
    command = [
        str(compiler_file),
        *CXX_FLAGS,
        f"-I{shim_include_dir()}",
        f"-I{ap_types}",
        f"-I{hls}",
        str(hls / "testbench.cpp"),
        "-o",
        str(scratch / "sim"),
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        shutil.rmtree(scratch, ignore_errors=True)
        raise CppsimBuildError(
            f"g++ could not compile the stitched top-level (exit {result.returncode}):\n"
            + result.stderr.strip()[:_MAX_ERROR_CHARS],
            where=str(project / manifest["hls_top"]),
            fix="this is a bug in the stitcher or a kernel generator: report it with the folder",
        )
    try:
        scratch.rename(entry)
    except OSError:  # a concurrent build of the same digest won
        shutil.rmtree(scratch, ignore_errors=True)
    return executable


@dataclass(frozen=True)
class ProjectRtlsim:
    """The Verilog top-level's output (frames stacked on axis 0, float32) and the cycles from
    the first input to the last output handshake over all ``frames``."""

    output: NDArray[np.float32]
    cycles: int
    frames: int

    @property
    def cycles_per_frame(self) -> float:
        """``cycles / frames``: approaches the steady-state interval as frames grow."""
        return self.cycles / self.frames


def simulate_rtl_project(
    project: Path,
    x: NDArray[np.generic],
    *,
    stimulus: Stimulus | None = None,
    simulator: Simulator | None = None,
    build_dir: Path | None = None,
) -> ProjectRtlsim:
    """Compile ``project``'s Verilog (``rtl/*.v`` with the top-level, plus the rtlsim
    testbench) and stream ``x`` (frames stacked on axis 0) through it with ``stimulus``'s input
    gaps and output back-pressure.

    Raises :class:`StitchError` when the project has no simulable Verilog top-level (none, or
    a mixed design whose HLS modules only Vitis HLS generates), ``ValueError`` for a badly
    shaped input, ``SimulatorNotFoundError`` (what to install) without a simulator and
    ``SimulationError`` when the simulation fails or deadlocks.
    """
    manifest = _manifest(project)
    if not manifest.get("verilog_top") or manifest.get("language") != "rtl":
        raise StitchError(
            f"the project in {project} has no all-RTL Verilog top-level "
            f"(language {manifest.get('language')})",
            fix="simulate all-HLS projects with simulate_hls_project; mixed designs need the "
            "Verilog Vitis HLS generates",
        )
    source, sink = _port(manifest["inputs"][0]), _port(manifest["outputs"][0])
    array = np.asarray(x, dtype=np.float64)
    frame_size = math.prod(source.normal_shape)
    if array.size == 0 or array.size % frame_size:
        raise ValueError(
            f"simulate_rtl_project: input of shape {list(array.shape)} is not a whole number "
            f"of frames of shape {list(source.normal_shape)}"
        )
    frames = array.size // frame_size
    words = pack_words(array.reshape(-1, source.elems_per_word), source.element.datatype)
    design = RtlDesign(manifest["top"], (), (), (), source.width, sink.width)
    simulator = simulator or find_simulator()
    stimulus = stimulus or Stimulus()
    scratch = Path(build_dir or tempfile.mkdtemp(prefix="brainsmith-project-rtlsim-"))
    scratch.mkdir(parents=True, exist_ok=True)
    try:
        rtl = project / "rtl"
        (scratch / "testbench.v").write_text(testbench_source(design))
        for memory in rtl.glob("*.mem"):
            shutil.copyfile(memory, scratch / memory.name)
        simulator.compile(
            [*sorted(rtl.glob("*.v")), scratch / "testbench.v"], TESTBENCH_TOP, scratch
        )
        out_words = frames * sink.words_per_frame
        slowdown = 1.0 / ((1.0 - stimulus.gap_probability) * (1.0 - stimulus.stall_probability))
        budget = frames * int(manifest["expected_cycles_per_frame"]) * len(manifest["nodes"])
        run = run_compiled(
            scratch,
            simulator,
            design,
            words,
            out_words,
            stimulus=stimulus,
            timeout_cycles=int(4 * slowdown * (budget + len(words) + out_words)) + 10_000,
        )
    finally:
        if build_dir is None:
            shutil.rmtree(scratch, ignore_errors=True)
    values = unpack_words(run.words, sink.elems_per_word, sink.element.datatype)
    shape = (frames * sink.normal_shape[0], *sink.normal_shape[1:])
    return ProjectRtlsim(values.reshape(shape).astype(np.float32), run.cycles, frames)
