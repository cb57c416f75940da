"""The performance target of a compile: frame rate or cycles per frame, clock and device.

A blueprint's ``target:`` section (``brainsmith compile --target-fps/--clock-mhz/--device``
override it) is stamped into the model (``metadata_props`` key :data:`TARGET_KEY`, JSON) before
the first stage, so hw_transforms such as folding read it from the model they transform.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, replace
from typing import Any

MAX_CYCLES_PER_FRAME = 1e15
"""The slowest target a rate may ask for (about three years per frame at 10 MHz)."""
TARGET_KEY = "brainsmith.target"
"""The model metadata key holding the target (JSON)."""


def _positive(value: float) -> float:
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"expected a positive number, got {value!r}")
    return value


def _positive_int(value: int) -> int:
    if value <= 0:
        raise ValueError(f"expected a positive integer, got {value!r}")
    return value


@dataclass(frozen=True, slots=True)
class Target:
    """What the accelerator must achieve. Give ``fps`` (frames per second at ``clock_mhz``) or
    ``cycles_per_frame``, not both; with neither, folding keeps every kernel fully folded
    (PE = SIMD = 1)."""

    fps: float | None = field(
        default=None, metadata={"doc": "frames per second to reach", "check": _positive}
    )
    cycles_per_frame: int | None = field(
        default=None,
        metadata={"doc": "clock cycles per frame of the slowest layer", "check": _positive_int},
    )
    clock_mhz: float = field(
        default=100.0, metadata={"doc": "the design's clock in MHz", "check": _positive}
    )
    device: str | None = field(
        default=None, metadata={"doc": "the FPGA part, e.g. xc7z020 (utilisation in reports)"}
    )

    def __post_init__(self) -> None:
        if self.fps is not None and self.cycles_per_frame is not None:
            raise ValueError("give fps or cycles_per_frame, not both")
        for name, value in (("fps", self.fps), ("clock_mhz", self.clock_mhz)):
            if value is not None and not (
                isinstance(value, int | float)
                and not isinstance(value, bool)  # YAML's `true` is not a rate
                and math.isfinite(value)
                and value > 0
            ):
                raise ValueError(f"{name}: expected a positive number, got {value!r}")
        cycles = self.cycles_per_frame
        if cycles is not None and not (
            isinstance(cycles, int) and not isinstance(cycles, bool) and cycles > 0
        ):
            raise ValueError(f"cycles_per_frame: expected a positive integer, got {cycles!r}")
        if self.fps is not None and self.clock_mhz * 1e6 / self.fps > MAX_CYCLES_PER_FRAME:
            raise ValueError(
                f"fps: {self.fps!r} frames per second at {self.clock_mhz:g} MHz is more than "
                f"{MAX_CYCLES_PER_FRAME:.0e} cycles per frame; give a rate of at least "
                f"{self.clock_mhz * 1e6 / MAX_CYCLES_PER_FRAME:.3g} fps"
            )

    @property
    def target_cycles(self) -> int | None:
        """Cycles per frame the slowest layer may take: ``cycles_per_frame``, or the clock
        divided by ``fps`` (rounded down); ``None`` without a rate."""
        if self.cycles_per_frame is not None:
            return self.cycles_per_frame
        if self.fps is not None:
            return max(1, math.floor(self.clock_mhz * 1e6 / self.fps))
        return None

    def override(self, **changes: Any) -> Target:
        """This target with the non-``None`` ``changes`` applied (a rate given replaces the
        other kind of rate)."""
        given = {k: v for k, v in changes.items() if v is not None}
        if "fps" in given:
            given.setdefault("cycles_per_frame", None)
        if "cycles_per_frame" in given:
            given.setdefault("fps", None)
        return replace(self, **given)

    def to_json(self) -> dict[str, Any]:
        """The fields, plus ``target_cycles``."""
        return {**asdict(self), "target_cycles": self.target_cycles}


NO_TARGET = Target()
"""The default target: no rate, 100 MHz, no device."""


def stamp_target(model: Any, target: Target) -> None:
    """Store ``target`` in ``model`` (a qonnx ``ModelWrapper``) under :data:`TARGET_KEY`."""
    model.set_metadata_prop(TARGET_KEY, json.dumps(asdict(target), sort_keys=True))


def read_target(model: Any) -> Target:
    """The target stamped in ``model``, or the default :class:`Target` when there is none."""
    text = model.get_metadata_prop(TARGET_KEY)
    if not text:
        return NO_TARGET
    data = json.loads(text)
    return Target(
        **{k: data.get(k) for k in ("fps", "cycles_per_frame", "device")},
        clock_mhz=data.get("clock_mhz", 100.0),
    )
