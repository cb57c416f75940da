"""A small table of FPGA parts and their public resource capacities, for utilisation.

Capacities are the vendor data sheets' totals for the whole device (programmable logic only):
LUTs, flip-flops, 18 Kb block RAMs (a 36 Kb block counts as two), UltraRAMs and DSP slices.
Parts are looked up by prefix, so a full part name with package and speed grade
(``xc7z020clg400-1``) finds its device (``xc7z020``).

Why in the core: the target (``brainsmith.hardware.Target.device``) and the design estimate
(:func:`brainsmith.hardware.estimate`) are core concepts that every kernel plugin shares, and a
part's capacity does not depend on which plugin's kernels fill it.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from ._resources import RESOURCE_KINDS, Resources


@dataclass(frozen=True, slots=True)
class Device:
    """An FPGA part: ``name`` (the part-number prefix, lower case), ``family``, its
    ``capacity`` (:class:`Resources`) and ``source`` (the data sheet the numbers come from)."""

    name: str
    family: str
    capacity: Resources
    source: str
    part: str = ""
    """A full part number of the family member (package, speed grade) the Vivado and Vitis
    HLS scripts use when the target names only ``name``."""

    def utilisation(self, used: Resources) -> dict[str, float]:
        """``used / capacity`` per resource kind (a fraction; 1.0 is full). A kind the device
        does not have (capacity 0) is ``0.0`` when unused and ``inf`` when used."""
        result: dict[str, float] = {}
        for kind in RESOURCE_KINDS:
            have, need = getattr(self.capacity, kind), getattr(used, kind)
            result[kind] = need / have if have else (0.0 if need == 0 else float("inf"))
        return result


DEVICES = MappingProxyType(
    {
        device.name: device
        for device in (
            # Xilinx DS190 "Zynq-7000 SoC Data Sheet: Overview" (v1.11.1, 2018), table
            # "Zynq-7000 SoC Family", column Z-7020: 53,200 LUTs, 106,400 flip-flops,
            # 140 36 Kb block RAMs (4.9 Mb), 220 DSP48E1 slices; no UltraRAM.
            Device(
                "xc7z020",
                "zynq-7000",
                Resources(LUT=53_200, FF=106_400, BRAM_18K=280, URAM=0, DSP=220),
                "Xilinx DS190 (Zynq-7000 overview), Z-7020",
                "xc7z020clg400-1",  # the PYNQ-Z1/Z2 part
            ),
            # Xilinx DS891 "Zynq UltraScale+ MPSoC Data Sheet: Overview" (v1.9, 2021), table
            # "Zynq UltraScale+ MPSoC: EG Device Feature Summary", column ZU3EG: 70,560 CLB
            # LUTs, 141,120 CLB flip-flops, 216 36 Kb block RAMs (7.6 Mb), 360 DSP48E2; no URAM.
            Device(
                "xczu3eg",
                "zynq-ultrascale+",
                Resources(LUT=70_560, FF=141_120, BRAM_18K=432, URAM=0, DSP=360),
                "Xilinx DS891 (Zynq UltraScale+ MPSoC overview), ZU3EG",
                "xczu3eg-sbva484-1-e",  # the Ultra96 part
            ),
            # Xilinx DS962 "Alveo U250 Data Center Accelerator Card Data Sheet" (v1.4): the
            # XCU250 (a VU13P-class die): 1,728K LUTs, 3,456K registers, 2,688 36 Kb block
            # RAMs (94.5 Mb), 1,280 UltraRAMs (360 Mb), 12,288 DSP slices.
            Device(
                "xcu250",
                "alveo",
                Resources(LUT=1_728_000, FF=3_456_000, BRAM_18K=5_376, URAM=1_280, DSP=12_288),
                "Xilinx DS962 (Alveo U250 data sheet)",
                "xcu250-figd2104-2L-e",
            ),
        )
    }
)
"""The known devices by name."""


def find_device(part: str | None) -> Device | None:
    """The device whose name is the longest prefix of ``part`` (case-insensitive), e.g.
    ``"xc7z020clg400-1" -> xc7z020``; ``None`` when ``part`` is ``None`` or unknown (see
    :data:`DEVICES` for the known names)."""
    if not part:
        return None
    key = part.strip().lower()
    matches = [name for name in DEVICES if key.startswith(name)]
    return DEVICES[max(matches, key=len)] if matches else None
