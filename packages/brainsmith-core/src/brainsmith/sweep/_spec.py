"""Sweep files: a base compile and the axes to vary, expanded into points with stable ids.

The format (docs/sweep.md has the full reference)::

    model: ../tests/models/brevitas/tfc_w4a4/torchscript.onnx   # relative to this file
    blueprint: builtin:dataflow         # a file (relative to this file) or namespace:name
    target: {clock_mhz: 100}            # the base target (over the blueprint's target:)
    options:                            # base transform options, over the blueprint's
      builtin:SetFolding: {max_weight_stream_width: 36}
    grid:                               # every combination of these values
      target_fps: [1000, 10000, 100000]
      builtin:SpecializeBackends.preferences: [{MVAU: [hls]}, {MVAU: [rtl]}]
    points:                             # and/or points listed one by one
      - {target_fps: 1.0e9, device: xc7z020}

A parameter is ``target_fps``, ``target_cycles``, ``clock_mhz``, ``device``, ``blueprint`` or
``TRANSFORM.option`` (a transform of the blueprint, short or qualified name, and one of its
options). Reading checks the structure only; :mod:`._prepare` checks the names against the
blueprint.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import BrainsmithError

TARGET_PARAMETERS = {
    "target_fps": "fps",
    "target_cycles": "cycles_per_frame",
    "clock_mhz": "clock_mhz",
    "device": "device",
}
"""Sweep parameters that set a field of the compile's target (parameter -> Target field)."""
BLUEPRINT_PARAMETER = "blueprint"
_NAMED = re.compile(r"^[A-Za-z_][\w.-]*:[A-Za-z_][\w.-]*$")
_TOP_LEVEL = ("model", "blueprint", "run_config", "verify", "target", "options", "grid", "points")
_FIX = "see docs/sweep.md for the sweep file's format"


class SweepFileError(BrainsmithError):
    """A sweep file is missing, malformed, or names what the blueprint does not have."""


@dataclass(frozen=True, slots=True)
class Point:
    """One compile of a sweep: the base with some parameters set.

    ``parameters`` are the values this point sets (its axes), in the order written;
    ``blueprint`` the blueprint reference, ``target`` the target fields (``fps``,
    ``cycles_per_frame``, ``clock_mhz``, ``device``) over the base's, ``options``
    ``{transform: {option: value}}`` over the base's.
    """

    position: int
    parameters: Mapping[str, Any]
    blueprint: str
    """A blueprint file (absolute), ``namespace:name``, or ``""`` for the bundled default."""
    target: Mapping[str, Any]
    options: Mapping[str, Mapping[str, Any]]

    def label(self) -> str:
        """``target_fps=1000 clock_mhz=200``: the parameters, for tables."""
        return " ".join(f"{k}={_short(v)}" for k, v in self.parameters.items()) or "(base)"


@dataclass(frozen=True, slots=True)
class SweepSpec:
    """A loaded sweep file: the base compile and its points, in order."""

    path: Path
    model: Path
    """The input model (absolute)."""
    verify: str | None
    """``None`` (estimate only) or a verification mode: ``python``, ``cppsim``, ``rtlsim``."""
    run_config: Path | None
    points: tuple[Point, ...] = field(default=())


def load_sweep(path: Path) -> SweepSpec:
    """Read and expand the sweep file at ``path``.

    :raises SweepFileError: missing or unreadable file, invalid YAML (with line and column),
        an unknown key, a value of the wrong shape, an empty grid axis, no points at all, or
        two points with the same parameters.
    """
    from .._yaml import read_yaml

    document = read_yaml(path, "sweep", SweepFileError)
    where = str(path)
    if not isinstance(document, dict):
        raise SweepFileError("a sweep file must be a YAML mapping", where=where, fix=_FIX)
    unknown = sorted(set(document) - set(_TOP_LEVEL))
    if unknown:
        raise SweepFileError(
            f"unknown key(s) {', '.join(map(repr, unknown))}",
            where=where,
            fix=f"a sweep file has: {', '.join(_TOP_LEVEL)}",
        )
    if not isinstance(document.get("model"), str):
        raise SweepFileError(
            "'model' is missing: the ONNX model every point compiles",
            where=f"{where}: model",
            fix="add 'model: path/to/model.onnx' (relative to the sweep file)",
        )
    folder = path.resolve().parent
    base: dict[str, Any] = {}
    if document.get("blueprint") is not None:
        base[BLUEPRINT_PARAMETER] = _string(document["blueprint"], f"{where}: blueprint")
    for name, value in _mapping(document.get("target"), f"{where}: target").items():
        parameter = next((p for p, f in TARGET_PARAMETERS.items() if f == name), name)
        if parameter not in TARGET_PARAMETERS:
            raise SweepFileError(
                f"unknown target field {name!r}",
                where=f"{where}: target",
                fix=f"use: {', '.join(TARGET_PARAMETERS.values())}",
            )
        base[parameter] = value
    for transform, options in _mapping(document.get("options"), f"{where}: options").items():
        for option, value in _mapping(options, f"{where}: options.{transform}").items():
            base[f"{transform}.{option}"] = value
    axes = _points(document, where)
    points = []
    seen: dict[str, int] = {}
    for position, parameters in enumerate(axes):
        for name in parameters:
            _check_parameter(name, f"{where}: point {position + 1}")
        key = json.dumps(parameters, sort_keys=True, default=repr)
        if key in seen:
            raise SweepFileError(
                f"point {position + 1} repeats point {seen[key] + 1} ({_label(parameters)})",
                where=where,
                fix="list each combination once",
            )
        seen[key] = position
        points.append(_point(position, base, parameters, folder))
    verify = document.get("verify", False)
    if verify not in (False, None, True, "python", "cppsim", "rtlsim"):
        raise SweepFileError(
            f"verify: {verify!r} is not a verification mode",
            where=f"{where}: verify",
            fix="use false (estimates only), true/python, cppsim or rtlsim",
        )
    run_config = document.get("run_config")
    return SweepSpec(
        path=path,
        model=(folder / _string(document["model"], f"{where}: model")),
        verify="python" if verify is True else (verify or None),
        run_config=folder / _string(run_config, f"{where}: run_config") if run_config else None,
        points=tuple(points),
    )


def point_id(point: Point, input_sha256: str, blueprint_sha256: str, verify: str | None) -> str:
    """The point's stable id: 12 hex digits of the SHA-256 of what its compile depends on (the
    input model's bytes, the effective blueprint with the point's options, the target and the
    verification mode). The same point in another run, or another file, has the same id."""
    document = {
        "input": input_sha256,
        "blueprint": blueprint_sha256,
        "target": dict(sorted(point.target.items())),
        "verify": verify,
    }
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), default=repr)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _points(document: Mapping[str, Any], where: str) -> list[dict[str, Any]]:
    grid = _mapping(document.get("grid"), f"{where}: grid")
    listed = document.get("points") or []
    if not isinstance(listed, list):
        raise SweepFileError(
            "'points' must be a list of mappings", where=f"{where}: points", fix=_FIX
        )
    found: list[dict[str, Any]] = []
    if grid:
        for name, values in grid.items():
            if not isinstance(values, list) or not values:
                raise SweepFileError(
                    f"grid axis {name!r} must be a non-empty list of values",
                    where=f"{where}: grid.{name}",
                    fix=f"e.g. {name}: [1000, 10000]",
                )
        names = list(grid)
        found.extend(
            dict(zip(names, combo, strict=True)) for combo in itertools.product(*grid.values())
        )
    for i, entry in enumerate(listed):
        found.append(dict(_mapping(entry, f"{where}: points[{i}]")))
    if not found:
        raise SweepFileError(
            "the sweep has no points", where=where, fix="add a 'grid:' or a 'points:' list"
        )
    return found


def _point(position: int, base: Mapping[str, Any], given: Mapping[str, Any], folder: Path) -> Point:
    merged = {**base, **given}
    reference = merged.get(BLUEPRINT_PARAMETER)
    if reference is None:
        blueprint = ""  # the bundled default
    elif not isinstance(reference, str) or not reference:
        raise SweepFileError(
            f"blueprint: expected a file or namespace:name, got {reference!r}",
            where=f"point {position + 1}",
            fix=_FIX,
        )
    elif _NAMED.match(reference) and not (folder / reference).exists():
        blueprint = reference
    else:
        blueprint = str(folder / reference)
    target = {
        TARGET_PARAMETERS[k]: _number(v) if k in ("target_fps", "clock_mhz") else v
        for k, v in merged.items()
        if k in TARGET_PARAMETERS
    }
    if "target_fps" in given and "target_cycles" not in given:
        target.pop("cycles_per_frame", None)  # the point's rate replaces the base's
    if "target_cycles" in given and "target_fps" not in given:
        target.pop("fps", None)
    options: dict[str, dict[str, Any]] = {}
    for name, value in merged.items():
        if name in TARGET_PARAMETERS or name == BLUEPRINT_PARAMETER:
            continue
        transform, _, option = name.rpartition(".")
        options.setdefault(transform, {})[option] = value
    return Point(position, dict(given), blueprint, target, options)


def _check_parameter(name: str, where: str) -> None:
    if name in TARGET_PARAMETERS or name == BLUEPRINT_PARAMETER:
        return
    transform, _, option = name.rpartition(".")
    if not transform or not option.isidentifier():
        known = [*TARGET_PARAMETERS, BLUEPRINT_PARAMETER]
        raise SweepFileError(
            f"unknown parameter {name!r}",
            where=where,
            fix=f"use {', '.join(known)} or TRANSFORM.option (builtin:SetFolding.target_cycles)",
        )


def _number(value: Any) -> Any:
    """YAML 1.1 reads ``1e6`` and ``1.0e9`` as strings: a rate written so is the number meant."""
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise SweepFileError("expected a mapping of names to values", where=where, fix=_FIX)
    return value


def _string(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise SweepFileError(f"expected a non-empty string, got {value!r}", where=where, fix=_FIX)
    return value


def _short(value: Any) -> str:
    if isinstance(value, str):
        return value.rsplit("/", 1)[-1]
    return json.dumps(value, sort_keys=True, separators=(",", ":")).replace('"', "")


def _label(parameters: Mapping[str, Any]) -> str:
    return " ".join(f"{k}={_short(v)}" for k, v in parameters.items())
