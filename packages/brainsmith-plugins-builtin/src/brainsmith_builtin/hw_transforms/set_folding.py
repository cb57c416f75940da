"""``SetFolding``: choose every kernel's PE/SIMD for a target throughput, or from a folding file.

After FINN's ``SetFolding`` (Xilinx/finn ``src/finn/transformation/fpgadataflow/set_folding.py``)
and ``ApplyConfig``; written for any kernel that declares its folding parameters
(``HWKernel.folding_parameters()``), not a table of op types.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from brainsmith import hw_transform
from brainsmith.hardware import is_kernel_node, kernel_name, read_target, record_folding
from qonnx.custom_op.registry import getCustomOp
from qonnx.transformation.base import Transformation

from brainsmith_builtin.kernels.registration import install_builtin_kernels

MAX_WEIGHT_STREAM_WIDTH = 36
"""FINN's default cap on the weight bits an MVAU PE reads per cycle, ``SIMD * bits(W)``
(``mvau_wwidth_max=36`` in FINN's ``SetFolding``): wider weight words cost memory width more
than they buy throughput, so the pass raises PE instead."""

_MAX_CANDIDATES = 100_000


@hw_transform(kernels=[])
class SetFolding(Transformation):  # type: ignore[misc]
    """Set the folding parameters (PE, SIMD, ...) of every kernel node.

    **Target.** The cycles per frame every layer must meet are ``target_cycles`` if given,
    else the model's target (``brainsmith.hardware.read_target(model).target_cycles``:
    ``clock / fps`` or ``cycles_per_frame``). For each kernel node, among the legal values of
    its folding parameters (divisors of the dimensions they fold), the pass takes the folding
    with the **least parallelism** (product of the parameters) whose ``get_exp_cycles()`` is at
    most the target; ties go to fewer cycles, then to the larger value of the first parameter
    (SIMD before PE for an MVAU, as FINN raises SIMD first). An MVAU's SIMD is capped so that
    ``SIMD * bits(weightDataType) <= max_weight_stream_width`` (FINN's 36 by default). Each
    choice is deterministic and minimal, so the cycles of every layer, and of the design,
    never increase when the target rises.

    **Unreachable target.** A layer that cannot meet it takes its fastest legal folding. The
    pipeline is then balanced against the real bottleneck: every other layer is re-folded for
    the bottleneck's cycles (FINN's two-pass relaxation), since faster layers would only wait.
    The record names the limiting layer, why, and the best reachable rate; this is a warning,
    not an error.

    **Folding file** (``folding_file``, FINN's ``folding_config.json`` shape): ``{"Defaults":
    {...}, "<node name>": {"PE": 4, "SIMD": 8, ...}}``. ``Defaults`` entries are ``"attr":
    value`` (every node having the attribute) or FINN's ``"attr": [value, ["op_type", ...]]``
    / ``[value, "all"]``. Values from the file are set as given and those folding parameters
    are not searched; the others are still chosen for the target (without a target they are
    left as they are). Unknown node names and attributes a node lacks are warned about in the
    record; an illegal folding value raises ``ValueError`` naming the node, the attribute and
    the legal values.

    Without a target and a file the graph is left unchanged. The outcome is stored in the
    model (:func:`brainsmith.hardware.record_folding`; read it with ``read_folding``).

    Raises ``ValueError`` for bad options, an unreadable or malformed folding file, or an
    illegal value in it.
    """

    def __init__(
        self,
        target_cycles: int | None = None,
        max_weight_stream_width: int = MAX_WEIGHT_STREAM_WIDTH,
        folding_file: str | None = None,
    ) -> None:
        super().__init__()
        if target_cycles is not None and (isinstance(target_cycles, bool) or target_cycles < 1):
            raise ValueError(
                f"SetFolding: target_cycles={target_cycles!r} must be a positive integer"
            )
        if isinstance(max_weight_stream_width, bool) or max_weight_stream_width < 1:
            raise ValueError(
                f"SetFolding: max_weight_stream_width={max_weight_stream_width!r} must be a "
                "positive number of bits (FINN's default is 36)"
            )
        self.target_cycles = target_cycles
        self.max_weight_stream_width = max_weight_stream_width
        self.folding_file = folding_file

    def apply(self, model: Any) -> tuple[Any, bool]:
        install_builtin_kernels()
        target = read_target(model)
        cycles_target = self.target_cycles or target.target_cycles
        nodes = [(n, getCustomOp(n)) for n in model.graph.node if is_kernel_node(n)]
        warnings: list[str] = []
        fixed = self._apply_file(nodes, warnings) if self.folding_file else {}
        limits: dict[str, str] = {}
        if cycles_target is not None:
            for node, instance in nodes:
                limit = self._fold(instance, fixed.get(node.name, set()), cycles_target)
                if limit:
                    limits[node.name] = limit
            achieved = max((i.get_exp_cycles() for _, i in nodes), default=0)
            if achieved > cycles_target:  # balance against the real bottleneck
                for node, instance in nodes:
                    self._fold(instance, fixed.get(node.name, set()), achieved)
        record_folding(
            model,
            self._record(
                nodes=nodes,
                fixed=fixed,
                target=cycles_target,
                clock_mhz=target.clock_mhz,
                limits=limits,
                warnings=warnings,
            ),
        )
        return model, False

    # --- the file -------------------------------------------------------------------------

    def _apply_file(self, nodes: list[tuple[Any, Any]], warnings: list[str]) -> dict[str, set[str]]:
        config = _read_config(Path(str(self.folding_file)))
        defaults = config.get("Defaults", {})
        names = {node.name for node, _ in nodes}
        for name in config:
            if name != "Defaults" and name not in names:
                warnings.append(f"folding file names node {name!r}, which is not a kernel node")
        fixed: dict[str, set[str]] = {}
        for node, instance in nodes:
            entries: dict[str, Any] = {}
            for attr, spec in defaults.items():
                value, applies = _default_value(spec)
                applicable = applies is None or bool(
                    {node.op_type, kernel_name(node.op_type)} & applies
                )
                if applicable and attr in instance.get_nodeattr_types():
                    entries[attr] = value
            explicit = config.get(node.name, {})
            if not isinstance(explicit, Mapping):
                raise ValueError(
                    f"SetFolding: folding file {self.folding_file}: entry {node.name!r} must be "
                    f'an object such as {{"PE": 4, "SIMD": 8}}, got {explicit!r}'
                )
            entries.update(explicit)
            parameters = instance.folding_parameters()
            for attr, given in entries.items():
                if attr not in instance.get_nodeattr_types():
                    warnings.append(
                        f"folding file sets {attr} on {node.op_type} node {node.name!r}, which "
                        "has no such attribute; ignored"
                    )
                    continue
                # JSON writers that emit 4.0 mean 4
                value = int(given) if isinstance(given, float) and given.is_integer() else given
                if attr in parameters and (isinstance(value, bool) or not isinstance(value, int)):
                    raise ValueError(
                        f"SetFolding: folding file {self.folding_file} sets {attr}={value!r} on "
                        f"{node.op_type} node {node.name!r}: {attr} is a whole number, e.g. "
                        f"{attr}: {list(parameters[attr].legal_values)[-1]}"
                    )
                if attr in parameters and not parameters[attr].is_legal(value):
                    raise ValueError(
                        f"SetFolding: folding file {self.folding_file} sets {attr}={value!r} on "
                        f"{node.op_type} node {node.name!r}, but it must divide "
                        f"{parameters[attr].dimension}={parameters[attr].extent}; legal values: "
                        f"{list(parameters[attr].legal_values)}"
                    )
                instance.set_nodeattr(attr, value)
                if attr in parameters:
                    fixed.setdefault(node.name, set()).add(attr)
        return fixed

    # --- the search -----------------------------------------------------------------------

    def _fold(self, instance: Any, fixed: set[str], target: int) -> str:
        """Set ``instance``'s free folding parameters for ``target`` cycles; return why the
        target is missed ("" when met)."""
        parameters = {k: p for k, p in instance.folding_parameters().items() if k not in fixed}
        if not parameters:
            cycles = instance.get_exp_cycles()
            return (
                ""
                if cycles <= target
                else f"its folding is fixed by the folding file ({cycles} cycles)"
            )
        names = list(parameters)
        capped = self._simd_cap(instance)
        space = [
            [v for v in parameters[n].legal_values if n != "SIMD" or v <= capped] for n in names
        ]
        if math.prod(len(values) for values in space) > _MAX_CANDIDATES:
            raise ValueError(
                f"SetFolding: {instance.node_label} has more than {_MAX_CANDIDATES} foldings "
                "to search; give its folding in a folding file"
            )
        evaluated = []
        for combo in itertools.product(*space):
            for name, value in zip(names, combo, strict=True):
                instance.set_nodeattr(name, value)
            cycles = int(instance.get_exp_cycles())
            evaluated.append((math.prod(combo), cycles, tuple(-v for v in combo), combo))
        meeting = [e for e in evaluated if e[1] <= target]
        best = min(meeting) if meeting else min(evaluated, key=lambda e: (e[1], e[0], e[2]))
        for name, value in zip(names, best[3], strict=True):
            instance.set_nodeattr(name, value)
        if meeting:
            return ""
        reason = f"fully parallel it still takes {best[1]} cycles per frame"
        if capped < max(parameters.get("SIMD", parameters[names[0]]).legal_values):
            reason += (
                f" (SIMD capped at {capped} by max_weight_stream_width="
                f"{self.max_weight_stream_width} bits of weights per PE)"
            )
        return reason

    def _simd_cap(self, instance: Any) -> int:
        if "weightDataType" not in instance.get_nodeattr_types() or "SIMD" not in (
            instance.folding_parameters()
        ):
            return 1 << 62
        bits = int(instance.get_datatype("weightDataType").bitwidth())
        return max(1, self.max_weight_stream_width // bits)

    # --- the record -----------------------------------------------------------------------

    def _record(
        self,
        *,
        nodes: list[tuple[Any, Any]],
        fixed: dict[str, set[str]],
        target: int | None,
        clock_mhz: float,
        limits: dict[str, str],
        warnings: list[str],
    ) -> dict[str, Any]:
        layers = []
        for node, instance in nodes:
            folding = {k: int(instance.get_nodeattr(k)) for k in instance.folding_parameters()}
            layers.append(
                {
                    "node": node.name,
                    "op_type": node.op_type,
                    "folding": folding,
                    "cycles": int(instance.get_exp_cycles()),
                    "from_file": sorted(fixed.get(node.name, set())),
                }
            )
        max_cycles = max((layer["cycles"] for layer in layers), default=0)
        bottleneck = next((la["node"] for la in layers if la["cycles"] == max_cycles), None)
        fps = clock_mhz * 1e6 / max_cycles if max_cycles else None
        limiting = None
        if target is not None and max_cycles > target and bottleneck is not None:
            reason = limits.get(bottleneck, "its folding is fixed by the folding file")
            limiting = {"node": bottleneck, "cycles": max_cycles, "reason": reason}
            warnings.append(
                f"target of {target} cycles per frame ({clock_mhz * 1e6 / target:.1f} fps at "
                f"{clock_mhz:g} MHz) is unreachable: {bottleneck!r} limits it, {reason}; best "
                f"reachable: {max_cycles} cycles per frame, {fps:.1f} fps"
            )
        return {
            "target_cycles": target,
            "clock_mhz": clock_mhz,
            "max_weight_stream_width": self.max_weight_stream_width,
            "folding_file": self.folding_file,
            "config": {la["node"]: la["folding"] for la in layers if la["folding"]},
            "layers": layers,
            "max_cycles": max_cycles,
            "bottleneck": bottleneck,
            "fps": fps,
            "meets_target": None if target is None else max_cycles <= target,
            "limiting": limiting,
            "warnings": warnings,
        }


def _read_config(path: Path) -> dict[str, Any]:
    try:
        config = json.loads(path.read_text())
    except OSError as error:
        raise ValueError(f"SetFolding: cannot read folding file {path}: {error}") from None
    except json.JSONDecodeError as error:
        raise ValueError(
            f"SetFolding: folding file {path} is not valid JSON ({error}); expected "
            '{"Defaults": {...}, "<node name>": {"PE": 4, "SIMD": 8}}'
        ) from None
    if not isinstance(config, dict) or not isinstance(config.get("Defaults", {}), dict):
        raise ValueError(
            f"SetFolding: folding file {path} must hold an object of node names (and an "
            'optional "Defaults" object), e.g. {"MVAU_0": {"PE": 4, "SIMD": 8}}'
        )
    return config


def _default_value(spec: Any) -> tuple[Any, set[str] | None]:
    """A ``Defaults`` entry: a plain value (every node), or FINN's ``[value, op_types|"all"]``."""
    if (
        isinstance(spec, list)
        and len(spec) == 2
        and (spec[1] == "all" or isinstance(spec[1], list))
    ):
        return spec[0], None if spec[1] == "all" else set(spec[1])
    return spec, None
