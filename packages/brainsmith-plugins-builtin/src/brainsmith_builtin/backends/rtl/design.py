"""A design to simulate or synthesise: our Verilog modules, a top module and its parameters.

The Verilog sources are package data under ``hdl/``. Every top module has one AXI-Stream input
and one AXI-Stream output with these ports (FINN's naming):

- ``ap_clk`` (rising edge) and ``ap_rst_n`` (active-low, synchronous);
- ``in0_V_TDATA[in_width-1:0]``, ``in0_V_TVALID``, ``in0_V_TREADY`` (the design is the slave);
- ``out_V_TDATA[out_width-1:0]``, ``out_V_TVALID``, ``out_V_TREADY`` (the design is the master).

Memories (weights, thresholds) are ``$readmemh`` files: one hexadecimal word per line, word 0
first. A design carries their text; whoever builds it writes them next to the simulation and sets
the file-name parameter to the file's name.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

__all__ = ["HDL_SOURCES", "RtlDesign", "hdl_source", "memory_text"]

#: Every Verilog file the package ships, by module it defines.
HDL_SOURCES = (
    "bs_adder_tree.v",
    "bs_mvau.v",
    "bs_streaming_dwc.v",
    "bs_streaming_fifo.v",
    "bs_threshold_count.v",
    "bs_thresholding.v",
)

ParameterValue = int | str


def hdl_source(name: str) -> Path:
    """The path of one of the shipped Verilog files (``HDL_SOURCES``).

    Raises ``ValueError`` for a name that is not shipped.
    """
    if name not in HDL_SOURCES:
        raise ValueError(f"no Verilog source {name!r}: the shipped ones are {list(HDL_SOURCES)}")
    return Path(str(resources.files(__package__).joinpath("hdl").joinpath(name)))


def memory_text(words: Iterable[int], width: int) -> str:
    """A ``$readmemh`` file of ``width``-bit words, one zero-padded hexadecimal word per line."""
    digits = max(1, (width + 3) // 4)
    mask = (1 << width) - 1
    lines = []
    for word in words:
        if word < 0 or word > mask:
            raise ValueError(f"memory word {word:#x} does not fit {width} bits")
        lines.append(f"{word:0{digits}x}")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True, slots=True)
class RtlDesign:
    """A top module of ours with its parameter values, ready to simulate or synthesise.

    ``top``: module name. ``sources``: names in ``HDL_SOURCES`` it needs. ``parameters``: Verilog
    parameter overrides in order (ints, or strings for file names). ``memories``: parameter name ->
    ``$readmemh`` file text; the parameter is set to a file name when the design is built.
    ``in_width``/``out_width``: TDATA widths in bits.
    """

    top: str
    sources: tuple[str, ...]
    parameters: tuple[tuple[str, ParameterValue], ...]
    memories: tuple[tuple[str, str], ...]
    in_width: int
    out_width: int

    def __post_init__(self) -> None:
        if self.in_width < 1 or self.out_width < 1:
            raise ValueError(
                f"{self.top}: stream widths must be at least 1 bit, got in {self.in_width}, "
                f"out {self.out_width}"
            )
        for name in self.sources:
            hdl_source(name)

    def source_paths(self) -> list[Path]:
        """The Verilog files of this design."""
        return [hdl_source(name) for name in self.sources]

    def memory_file_name(self, parameter: str) -> str:
        """The file name a memory parameter is set to: its content's digest, so it is unique."""
        text = dict(self.memories)[parameter]
        return f"{parameter.lower()}_{hashlib.sha256(text.encode()).hexdigest()[:16]}.mem"

    def resolved_parameters(self) -> list[tuple[str, ParameterValue]]:
        """The parameters with each memory parameter set to its file name."""
        resolved = list(self.parameters)
        resolved += [(name, self.memory_file_name(name)) for name, _ in self.memories]
        return resolved

    def digest(self) -> str:
        """A digest of everything that defines the hardware: sources, parameters, memories."""
        sha = hashlib.sha256()
        sha.update(self.top.encode())
        for path in self.source_paths():
            sha.update(path.name.encode() + b"\0" + path.read_bytes())
        for name, value in self.resolved_parameters():
            sha.update(f"{name}={value!r}\0".encode())
        for name, text in self.memories:
            sha.update(name.encode() + b"\0" + text.encode())
        sha.update(f"{self.in_width},{self.out_width}".encode())
        return sha.hexdigest()
