"""Vivado-free resource counts: yosys ``synth_xilinx`` (7-series primitives) of a design.

Used to check the kernels' LUT/FF estimates. The counts are yosys's mapping, not Vivado's, so
treat them as a reference of the right magnitude rather than a sign-off number.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .design import RtlDesign
from .simulator import SimulationError, SimulatorNotFoundError
from .testbench import parameter_literal

__all__ = ["SynthesisResult", "synthesize"]

_CELL_LINE = re.compile(r"^\s+(\S+)\s+(\d+)\s*$")
_FLIP_FLOPS = ("FDRE", "FDSE", "FDCE", "FDPE")
_LUTS = tuple(f"LUT{n}" for n in range(1, 7))


@dataclass(frozen=True, slots=True)
class SynthesisResult:
    """Counts after ``synth_xilinx -flatten``: ``luts`` (LUT1..LUT6 cells), ``ffs`` (FDRE, FDSE,
    FDCE and FDPE cells) and every primitive by name in ``cells`` (e.g. ``CARRY4``,
    ``RAM32M``, ``RAMB18E1``, ``DSP48E1``)."""

    luts: int
    ffs: int
    cells: Mapping[str, int]


def _wrapper(design: RtlDesign) -> str:
    overrides = ", ".join(
        f".{name}({parameter_literal(value)})" for name, value in design.resolved_parameters()
    )
    return f"""module bs_synth_top (
    input wire ap_clk, input wire ap_rst_n,
    input wire [{design.in_width - 1}:0] in0_V_TDATA, input wire in0_V_TVALID,
    output wire in0_V_TREADY,
    output wire [{design.out_width - 1}:0] out_V_TDATA, output wire out_V_TVALID,
    input wire out_V_TREADY
);
    {design.top} #({overrides}) core (
        .ap_clk(ap_clk), .ap_rst_n(ap_rst_n),
        .in0_V_TDATA(in0_V_TDATA), .in0_V_TVALID(in0_V_TVALID), .in0_V_TREADY(in0_V_TREADY),
        .out_V_TDATA(out_V_TDATA), .out_V_TVALID(out_V_TVALID), .out_V_TREADY(out_V_TREADY)
    );
endmodule
"""


def synthesize(design: RtlDesign, *, yosys: str | None = None) -> SynthesisResult:
    """Synthesise ``design`` with yosys ``synth_xilinx`` and count its cells.

    Raises :class:`~.simulator.SimulatorNotFoundError` when yosys is not installed and
    :class:`~.simulator.SimulationError` when synthesis fails.
    """
    command = yosys or shutil.which("yosys")
    if command is None:
        raise SimulatorNotFoundError(
            "resource counts need yosys, which is not installed",
            fix="apt-get install yosys (or run scripts/install-simulators.sh)",
        )
    with tempfile.TemporaryDirectory(prefix="brainsmith-yosys-") as scratch:
        work = Path(scratch)
        for name, text in design.memories:
            (work / design.memory_file_name(name)).write_text(text)
        (work / "bs_synth_top.v").write_text(_wrapper(design))
        sources = " ".join(str(path) for path in [*design.source_paths(), work / "bs_synth_top.v"])
        script = (
            f"read_verilog -defer {sources}; synth_xilinx -flatten -top bs_synth_top; "
            "tee -o stat.txt stat"
        )
        result = subprocess.run(
            [command, "-q", "-p", script], cwd=work, capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            raise SimulationError(
                f"yosys could not synthesise {design.top}:\n{result.stdout}{result.stderr}".strip(),
                fix="this is a bug in the Verilog or its parameters; report it",
            )
        stat = (work / "stat.txt").read_text()
    cells: dict[str, int] = {}
    in_cells = False
    for line in stat.splitlines():
        if "Number of cells:" in line:
            in_cells = True
            continue
        match = _CELL_LINE.match(line)
        if in_cells and match:
            cells[match.group(1)] = cells.get(match.group(1), 0) + int(match.group(2))
    return SynthesisResult(
        luts=sum(cells.get(name, 0) for name in _LUTS),
        ffs=sum(cells.get(name, 0) for name in _FLIP_FLOPS),
        cells=cells,
    )
