"""The simulation backends: cppsim build time per kernel, the build cache, rtlsim speed.

- **cppsim cold**: every HLS kernel of the CNV-like export (compiled with ``builtin:dataflow``)
  built with g++ into an empty cache folder, one at a time (the time per kernel), then all of
  them again into another empty folder with ``build_cppsim_all`` (2 jobs) for the parallel
  wall time;
- **cppsim re-run**: the same kernels built again from the warm cache: hit rate and time;
- **rtlsim**: an RTL MVAU (64 x 64, PE = SIMD = 4, 64 input vectors) simulated with back-pressure
  on a warm simulation cache: simulated clock cycles per second of wall time, and the
  simulator's compile time once.

Targets: the re-run hits the cache for every kernel and takes at most 5% of the sequential
cold build. Uses only the builtin plugin's public backends API. Run:

    python benchmarks/bench_backends.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from brainsmith.compile import compile_model
from brainsmith_builtin.backends.hls import HLSKernel, build_cppsim, build_cppsim_all
from brainsmith_builtin.backends.nodes.hls_node import HLSNodeBackend
from brainsmith_builtin.backends.nodes.tensors import parameter_tensors
from brainsmith_builtin.backends.rtl.kernel import rtlsim
from brainsmith_builtin.backends.rtl.mvau import MvauRtl
from brainsmith_builtin.backends.rtl.rtlsim import Stimulus
from brainsmith_builtin.backends.rtl.simulator import find_simulator
from qonnx.custom_op.registry import getCustomOp

ROOT = Path(__file__).resolve().parents[1]
CNV = ROOT / "tests" / "models" / "brevitas" / "cnv_w4a4" / "torchscript.onnx"
MAX_RERUN_FRACTION = 0.05


def cnv_kernels(folder: Path) -> list[HLSKernel]:
    """The generated HLS kernels of every node of the compiled CNV-like export."""
    model = compile_model(CNV, blueprint="builtin:dataflow", output_dir=folder).model
    kernels = []
    for node in model.graph.node:
        if node.domain.startswith("brainsmith."):
            instance = getCustomOp(node)
            if isinstance(instance, HLSNodeBackend):
                kernels.append(instance.hls_kernel(parameter_tensors(instance, model)))
    return kernels


def bench_cppsim(work: Path) -> bool:
    kernels = cnv_kernels(work / "compile")
    print(f"cppsim: {len(kernels)} HLS kernels of {CNV.relative_to(ROOT)}")
    cold = 0.0
    for kernel in kernels:
        began = time.perf_counter()
        build = build_cppsim(kernel, cache_dir=work / "cold")
        seconds = time.perf_counter() - began
        cold += seconds
        assert not build.cached
        print(f"  {kernel.function:<16} cold build {seconds:6.2f} s")
    began = time.perf_counter()
    build_cppsim_all(kernels, cache_dir=work / "parallel", jobs=2)
    parallel = time.perf_counter() - began
    began = time.perf_counter()
    warm = build_cppsim_all(kernels, cache_dir=work / "cold", jobs=2)
    rerun = time.perf_counter() - began
    hits = sum(b.cached for b in warm) / len(warm)
    print(
        f"  cold, one at a time: {cold:.2f} s; cold, build_cppsim_all with 2 jobs: {parallel:.2f} s"
    )
    print(f"  re-run: hit rate {hits:.0%}, {rerun * 1000:.1f} ms ({rerun / cold:.2%} of cold)")
    ok = hits == 1.0 and rerun <= MAX_RERUN_FRACTION * cold
    if not ok:
        print(f"  MISSED: hit rate 100% and re-run <= {MAX_RERUN_FRACTION:.0%} of cold")
    return ok


def bench_rtlsim(work: Path) -> None:
    simulator = find_simulator()
    rng = np.random.default_rng(0)
    vectors, mw, mh = 64, 64, 64
    engine = MvauRtl(
        mw=mw,
        mh=mh,
        simd=4,
        pe=4,
        input_datatype="UINT4",
        weight_datatype="INT4",
        output_datatype="INT16",
        acc_datatype="INT16",
        weights=rng.integers(-8, 8, size=(mw, mh)),
        num_input_vectors=(vectors,),
    )
    x = rng.integers(0, 16, size=(vectors, mw))
    stimulus = Stimulus(seed=1, gap_probability=0.1, stall_probability=0.1)
    began = time.perf_counter()
    rtlsim(engine, x, stimulus=stimulus, simulator=simulator, cache_dir=work / "rtlsim")
    first = time.perf_counter() - began
    began = time.perf_counter()
    result = rtlsim(engine, x, stimulus=stimulus, simulator=simulator, cache_dir=work / "rtlsim")
    warm = time.perf_counter() - began
    print(f"rtlsim ({simulator.name}): MVAU {mw}x{mh} PE=SIMD=4, {vectors} vectors")
    print(
        f"  {result.cycles} cycles (formula {engine.expected_cycles}) in {warm:.2f} s: "
        f"{result.cycles / warm:,.0f} cycles/s; first run with compile {first:.2f} s"
    )


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="bench-backends-") as folder:
        work = Path(folder)
        ok = bench_cppsim(work)
        bench_rtlsim(work)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
