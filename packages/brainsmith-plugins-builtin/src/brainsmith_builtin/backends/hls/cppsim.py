"""Run a compiled cppsim program on numpy inputs and return numpy outputs.

Inputs are float32 tensors holding the values of each input port's datatype, in the port's
normal (channels-last) shape; several frames may be stacked along the first axis (``[N*d0, ...]``
for a port whose frame is ``[d0, ...]``). Outputs come back the same way, one array per output
port, as float32.
"""

from __future__ import annotations

import math
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from brainsmith_builtin.backends.hls.build import CppsimBuild, build_cppsim
from brainsmith_builtin.backends.hls.errors import CppsimRunError
from brainsmith_builtin.backends.hls.kernel import HLSKernel, StreamPort
from brainsmith_builtin.backends.hls.packing import pack_words, unpack_words

_TIMEOUT_SECONDS = 600


def _frames(port: StreamPort, array: NDArray[np.generic], function: str) -> int:
    frame = port.normal_shape
    if array.ndim != len(frame) or array.shape[1:] != frame[1:] or array.shape[0] % frame[0]:
        raise CppsimRunError(
            f"input {port.name} has shape {list(array.shape)}; one frame is {list(frame)}",
            where=f"cppsim of {function}",
            fix=f"pass an array of shape [N * {frame[0]}, {', '.join(map(str, frame[1:]))}]",
        )
    return int(array.shape[0]) // frame[0]


def run_cppsim(
    build: CppsimBuild, inputs: Sequence[NDArray[np.generic]]
) -> list[NDArray[np.float32]]:
    """Stream ``inputs`` (one array per input port) through the compiled kernel.

    Raises:
        CppsimRunError: wrong number or shape of inputs, frame counts that differ between
            inputs, a value outside its datatype, or the program failing (its stderr is shown).
    """
    kernel = build.kernel
    if len(inputs) != len(kernel.inputs):
        raise CppsimRunError(
            f"{len(inputs)} inputs given, the kernel has {len(kernel.inputs)} input streams",
            where=f"cppsim of {kernel.function}",
            fix="pass one array per input stream: " + ", ".join(p.name for p in kernel.inputs),
        )
    arrays = [np.asarray(a) for a in inputs]
    counts = {
        _frames(port, a, kernel.function) for port, a in zip(kernel.inputs, arrays, strict=True)
    }
    if len(counts) != 1:
        raise CppsimRunError(
            f"the inputs hold different numbers of frames: {sorted(counts)}",
            where=f"cppsim of {kernel.function}",
            fix="give every input the same number of frames",
        )
    frames = counts.pop()
    with tempfile.TemporaryDirectory(prefix="brainsmith-cppsim-") as folder:
        work = Path(folder)
        in_files = [work / f"{port.name}.bin" for port in kernel.inputs]
        out_files = [work / f"{port.name}.bin" for port in kernel.outputs]
        for port, array, path in zip(kernel.inputs, arrays, in_files, strict=True):
            try:
                path.write_bytes(pack_words(array, port.element, port.elems_per_word))
            except ValueError as error:
                raise CppsimRunError(
                    f"input {port.name}: {error}",
                    where=f"cppsim of {kernel.function}",
                    fix=f"give {port.element.datatype} values",
                ) from None
        command = [str(build.executable), str(frames), *map(str, in_files), *map(str, out_files)]
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=_TIMEOUT_SECONDS, check=False
        )
        if result.returncode != 0:
            raise CppsimRunError(
                f"the cppsim program exited with {result.returncode}: {result.stderr.strip()}",
                where=str(build.source),
                fix="this is a bug in the generated kernel: report it with the source",
            )
        outputs = []
        for port, path in zip(kernel.outputs, out_files, strict=True):
            values = unpack_words(path.read_bytes(), port.element, port.elems_per_word)
            shape = (frames * port.normal_shape[0], *port.normal_shape[1:])
            if values.size != math.prod(shape):
                raise CppsimRunError(
                    f"output {port.name} has {values.size} values, expected {math.prod(shape)}",
                    where=str(build.source),
                    fix="this is a bug in the generated kernel: report it with the source",
                )
            outputs.append(values.reshape(shape))
    return outputs


def cppsim(
    kernel: HLSKernel, inputs: Sequence[NDArray[np.generic]], *, cache_dir: Path | None = None
) -> list[NDArray[np.float32]]:
    """Build ``kernel`` (cached) and run it on ``inputs``: :func:`build_cppsim` then
    :func:`run_cppsim`."""
    return run_cppsim(build_cppsim(kernel, cache_dir=cache_dir), inputs)
