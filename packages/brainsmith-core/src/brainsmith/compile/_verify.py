"""``--verify``: run the original and the compiled model on the same seeded random inputs.

Inputs match each graph input's shape and QONNX datatype (``INT8`` inputs get integers in
[-128, 127], ``FLOAT32`` inputs uniform floats in [-1, 1]), both models run through qonnx's
``execute_onnx`` and every output's largest absolute difference is compared with the
tolerance. Outputs are matched by position: compiling may rename tensors.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import BrainsmithError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from qonnx.core.modelwrapper import ModelWrapper

MIN_RUNNABLE_OPSET = 7
"""onnxruntime does not implement operators of older standard opsets."""

UPGRADE_OPSET = 11
"""The opset older models are converted to, for execution only."""

DEFAULT_TOLERANCE = 1e-4
"""Default largest absolute difference accepted per output."""


class VerificationError(BrainsmithError):
    """The compiled model computes something else, or a model cannot be executed. Exit 1."""

    exit_code = 1
    verification: Verification | None = None
    """The failed comparison, when the error is a difference above the tolerance."""


@dataclass(frozen=True, slots=True)
class OutputCheck:
    """The comparison of one output."""

    original: str
    compiled: str
    max_abs_diff: float
    passed: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "output": self.original,
            "compiled_output": self.compiled,
            "max_abs_diff": self.max_abs_diff,
            "passed": self.passed,
        }


@dataclass(frozen=True, slots=True)
class Simulation:
    """How the compiled model's kernel nodes ran in a simulation mode, and how their result
    compares with the same model in Python (which must be bit-exact)."""

    mode: str
    """``"cppsim"`` or ``"rtlsim"``."""
    simulated: tuple[str, ...]
    """Kernel nodes that ran in ``mode``."""
    python: tuple[tuple[str, str], ...]
    """Kernel nodes that ran their Python golden model instead, with the reason."""
    outputs: tuple[OutputCheck, ...]
    """Simulated against Python execution of the compiled model, tolerance 0."""

    @property
    def passed(self) -> bool:
        return all(o.passed for o in self.outputs)

    def to_json(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "passed": self.passed,
            "simulated": list(self.simulated),
            "python": [{"node": n, "reason": r} for n, r in self.python],
            "outputs": [o.to_json() for o in self.outputs],
        }


@dataclass(frozen=True, slots=True)
class Verification:
    """The result of :func:`verify`: the compiled model (in ``simulation.mode`` when given)
    against the original, within the tolerance; and with a simulation, bit-exactly against
    the compiled model's Python execution."""

    seed: int
    tolerance: float
    outputs: tuple[OutputCheck, ...]
    simulation: Simulation | None = None

    @property
    def passed(self) -> bool:
        simulated = self.simulation is None or self.simulation.passed
        return simulated and all(o.passed for o in self.outputs)

    @property
    def max_abs_diff(self) -> float:
        return max((o.max_abs_diff for o in self.outputs), default=0.0)

    def to_json(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "seed": self.seed,
            "tolerance": self.tolerance,
            "max_abs_diff": self.max_abs_diff,
            "outputs": [o.to_json() for o in self.outputs],
            "mode": self.simulation.mode if self.simulation is not None else "python",
            "simulation": self.simulation.to_json() if self.simulation is not None else None,
        }


def random_inputs(model: ModelWrapper, seed: int = 0) -> dict[str, Any]:
    """Seeded random values for every graph input, by shape and QONNX datatype."""
    import numpy as np
    from onnx import helper

    rng = np.random.default_rng(seed)
    inputs: dict[str, Any] = {}
    values: Any
    initializers = {t.name for t in model.graph.initializer}
    for vi in model.graph.input:
        if vi.name in initializers:
            continue
        dims = vi.type.tensor_type.shape.dim
        shape = tuple(d.dim_value if d.dim_value > 0 else 1 for d in dims)
        np_type = helper.tensor_dtype_to_np_dtype(vi.type.tensor_type.elem_type)
        datatype = model.get_tensor_datatype(vi.name)
        if datatype.is_integer():
            low, high = int(datatype.min()), int(datatype.max())
            values = rng.integers(low, high + 1, size=shape)
            if datatype.name == "BIPOLAR":
                values = 2 * rng.integers(0, 2, size=shape) - 1
        else:
            values = rng.uniform(-1.0, 1.0, size=shape)
        inputs[vi.name] = np.asarray(values).astype(np_type)
    return inputs


def run_model(model: ModelWrapper, inputs: Mapping[str, Any]) -> list[Any]:
    """The model's outputs, in graph order, for ``inputs``.

    Runs a copy when needed: shapes inferred when the model does not specify them all (qonnx
    execution requires them); a model of a standard opset older than onnxruntime supports
    that fails to run is run again lifted to :data:`UPGRADE_OPSET` by onnx's version converter.
    """
    from qonnx.core.modelwrapper import ModelWrapper

    try:
        return _execute(model, inputs)
    except Exception:
        opset = next(
            (o.version for o in model.model.opset_import if o.domain in ("", "ai.onnx")), 0
        )
        if not 0 < opset < MIN_RUNNABLE_OPSET:
            raise
    from onnx import version_converter

    proto = copy.deepcopy(model.model)
    # IR 3 wants every initializer listed as a graph input; qonnx's cleanup removes those
    # entries, which the converter would take for missing tensors. IR 4 lifts the rule.
    proto.ir_version = max(proto.ir_version, 4)
    lifted = version_converter.convert_version(proto, UPGRADE_OPSET)
    return _execute(ModelWrapper(lifted.SerializeToString()), inputs)


def _execute(model: ModelWrapper, inputs: Mapping[str, Any]) -> list[Any]:
    from qonnx.core.onnx_exec import execute_onnx
    from qonnx.transformation.infer_shapes import InferShapes

    runnable = model
    if not runnable.check_all_tensor_shapes_specified():
        runnable = copy.deepcopy(runnable).transform(InferShapes())
    outputs = execute_onnx(runnable, dict(inputs))
    return [outputs[o.name] for o in runnable.graph.output]


VERIFY_MODES = ("python", "cppsim", "rtlsim")
"""How :func:`verify` executes the compiled model's kernel nodes."""


def verify(
    original: ModelWrapper,
    compiled: ModelWrapper,
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    seed: int = 0,
    mode: str = "python",
    progress: Callable[[str], None] | None = None,
) -> Verification:
    """Execute both models on the same random inputs and compare every output.

    With ``mode`` ``"cppsim"`` or ``"rtlsim"``, every kernel node of (a copy of) the compiled
    model whose backend simulates in that mode runs there (all builds prepared up front); the
    result must equal the compiled model's Python execution bit-exactly, and the original within
    ``tolerance``. ``progress`` receives the simulation builds' progress lines.

    Raises :class:`VerificationError` when a model cannot be executed, the interfaces differ or
    ``mode`` is unknown; a difference is reported in the result (``passed``), not raised, so
    callers can print the numbers first.
    """
    if mode not in VERIFY_MODES:
        raise VerificationError(
            f"unknown verification mode {mode!r}", fix=f"use one of: {', '.join(VERIFY_MODES)}"
        )
    inputs = random_inputs(original, seed)
    compiled_inputs = [i.name for i in compiled.graph.input if i.name not in _inits(compiled)]
    if len(compiled_inputs) != len(inputs):
        raise VerificationError(
            f"the compiled model has {len(compiled_inputs)} inputs, the original {len(inputs)}"
        )
    feed = dict(zip(compiled_inputs, inputs.values(), strict=True))
    expected = _outputs("original", original, inputs)
    actual = _outputs("compiled", compiled, feed)
    if len(expected) != len(actual):
        raise VerificationError(
            f"the compiled model has {len(actual)} outputs, the original {len(expected)}"
        )
    names = [o.name for o in original.graph.output]
    compiled_names = [o.name for o in compiled.graph.output]
    simulation = None
    if mode != "python":
        simulated, report = _simulate(compiled, feed, mode, progress)
        simulation = Simulation(
            mode,
            report.simulated,
            report.python,
            _compare(compiled_names, compiled_names, actual, simulated, 0.0),
        )
        actual = simulated
    checks = _compare(names, compiled_names, expected, actual, tolerance)
    return Verification(seed, tolerance, checks, simulation)


def _outputs(label: str, model: ModelWrapper, feed: Mapping[str, Any]) -> list[Any]:
    """The model's outputs; any failure to execute it fails the verification (exit 1)."""
    try:
        return run_model(model, feed)
    except BrainsmithError as exc:  # a kernel's or a simulator's own message, with its fix
        raise VerificationError(
            f"executing the {label} model failed: {exc.message}",
            where=exc.where,
            fix=exc.fix,
        ) from exc
    except Exception as exc:
        raise VerificationError(
            f"executing the {label} model failed: {type(exc).__name__}: {exc}",
            fix="check that every operator of the model is supported by onnxruntime or "
            "is a registered QONNX custom op",
        ) from exc


def _simulate(
    compiled: ModelWrapper,
    feed: Mapping[str, Any],
    mode: str,
    progress: Callable[[str], None] | None = None,
) -> tuple[list[Any], Any]:
    """The compiled model's outputs with its kernel nodes in ``mode``, and who ran where."""
    from ..hardware import prepare_exec, set_exec_mode

    model = copy.deepcopy(compiled)
    report = set_exec_mode(model, mode)
    try:
        prepare_exec(model, mode, progress)
    except BrainsmithError:
        raise
    except Exception as exc:
        raise VerificationError(
            f"preparing the {mode} simulation failed: {type(exc).__name__}: {exc}",
            fix="see the message above; 'brainsmith compile --verify python' checks without "
            "simulators",
        ) from exc
    return _outputs(f"compiled ({mode})", model, feed), report


def _compare(
    names: list[str],
    compiled_names: list[str],
    expected: list[Any],
    actual: list[Any],
    limit: float,
) -> tuple[OutputCheck, ...]:
    import numpy as np

    checks = []
    for name, compiled_name, want, got in zip(names, compiled_names, expected, actual, strict=True):
        if np.shape(want) != np.shape(got):
            diff = float("inf")
        else:
            delta = np.abs(np.asarray(want, dtype=np.float64) - np.asarray(got, dtype=np.float64))
            diff = float(np.max(delta)) if delta.size else 0.0
            if np.isnan(diff):
                diff = float("inf")
        checks.append(OutputCheck(name, compiled_name, diff, diff <= limit))
    return tuple(checks)


def _inits(model: ModelWrapper) -> set[str]:
    return {t.name for t in model.graph.initializer}


def failure(result: Verification) -> VerificationError:
    """The error for a failed verification, naming every output above the tolerance."""
    bad = [o for o in result.outputs if not o.passed]
    lines = "; ".join(
        f"output {o.original!r} (compiled {o.compiled!r}) differs by {o.max_abs_diff:.3g}"
        for o in bad
    )
    simulation = result.simulation
    if simulation is not None and not simulation.passed:
        differing = [o for o in simulation.outputs if not o.passed]
        error = VerificationError(
            f"{simulation.mode} differs from the Python execution of the compiled model: "
            + "; ".join(f"output {o.compiled!r} by {o.max_abs_diff:.3g}" for o in differing)
            + f" (seed {result.seed}; nodes simulated: {', '.join(simulation.simulated)})",
            fix="a backend computes something other than its kernel's golden model: run the "
            "kernel conformance suite (brainsmith.testing.conformance) on it",
        )
        error.verification = result
        return error
    error = VerificationError(
        f"verification failed: {lines} (tolerance {result.tolerance:g}, seed {result.seed})",
        fix="a transform changed the model's function: bisect with --stop-stage and "
        "--checkpoints, or raise --tolerance if the difference is rounding",
    )
    error.verification = result
    return error
