"""``--verify``: run the original and the compiled model on the same inputs and compare.

The inputs are the user's (``--inputs file.npz``), else the model's own reference sets
(``test_data_set_*`` beside the file) and :data:`~._input_sets.RANDOM_DRAWS` seeded random
draws by meaning (:mod:`._inputs_for`: integer inputs that are shapes, indices, repeats or
divisors get valid values). A model of standard operators only runs as one onnxruntime
session; one with custom ops (QONNX, kernels) runs node by node through qonnx's
``execute_onnx``. Every output's largest absolute difference over all sets is compared with the
tolerance (a half-precision output also passes within a few ulps: :func:`rounding_allowance`);
NaN in the same place of both is equal, strings and booleans must be equal, sequences
are compared element by element. Outputs are matched by position: compiling may rename tensors.
An input set the original model rejects (random values outside what an operator accepts) is
skipped and listed with its reason; the comparison uses the sets the original runs on. A model
whose original runs on none of them is *unverifiable*: the result says why and the compile is
not failed for it. (What verification cannot run at all is refused before compiling:
:mod:`._support`.)
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import BrainsmithError
from ._run import Runner, error_line

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from pathlib import Path

    from qonnx.core.modelwrapper import ModelWrapper

    from ._input_sets import InputSet

DEFAULT_TOLERANCE = 1e-4
"""Default largest absolute difference accepted per output."""


class VerificationError(BrainsmithError):
    """The compiled model computes something else, or a model cannot be executed. Exit 1."""

    exit_code = 1
    verification: Verification | None = None
    """The failed comparison, when the error is a difference above the tolerance."""


@dataclass(frozen=True, slots=True)
class OutputCheck:
    """The comparison of one output over every input set: the largest difference and the set
    it occurred on."""

    original: str
    compiled: str
    max_abs_diff: float
    passed: bool
    inputs: str = ""
    """The input set of the largest difference (``"random (seed 1)"``, ``"test_data_set_0"``)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "output": self.original,
            "compiled_output": self.compiled,
            "max_abs_diff": self.max_abs_diff,
            "passed": self.passed,
            "inputs": self.inputs,
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
    against the original, within the tolerance, on every input set; and with a simulation,
    bit-exactly against the compiled model's Python execution."""

    seed: int
    tolerance: float
    outputs: tuple[OutputCheck, ...]
    simulation: Simulation | None = None
    inputs: tuple[str, ...] = ()
    """The input sets both models ran on, in order."""
    unverifiable: str | None = None
    """Why the models could not be compared (nothing was then checked), or ``None``."""
    skipped: tuple[str, ...] = ()
    """Input sets the original model rejected (``"random (seed 1)": reason``): values drawn
    outside what the model accepts; the comparison used the others."""

    @property
    def verified(self) -> bool:
        """Whether the models were compared at all."""
        return self.unverifiable is None

    @property
    def passed(self) -> bool:
        """No output differs (also ``True`` when :attr:`unverifiable`: see :attr:`verified`)."""
        simulated = self.simulation is None or self.simulation.passed
        return simulated and all(o.passed for o in self.outputs)

    @property
    def max_abs_diff(self) -> float:
        """The largest absolute difference over every output and input set (0.0: none)."""
        return max((o.max_abs_diff for o in self.outputs), default=0.0)

    def to_json(self) -> dict[str, Any]:
        """The report's ``verification`` section: status, mode, tolerance, per-output checks."""
        status = "unverifiable" if not self.verified else "passed" if self.passed else "failed"
        return {
            "status": status,
            "passed": self.passed and self.verified,
            "unverifiable": self.unverifiable,
            "seed": self.seed,
            "tolerance": self.tolerance,
            "inputs": list(self.inputs),
            "skipped_inputs": list(self.skipped),
            "max_abs_diff": self.max_abs_diff,
            "outputs": [o.to_json() for o in self.outputs],
            "mode": self.simulation.mode if self.simulation is not None else "python",
            "simulation": self.simulation.to_json() if self.simulation is not None else None,
        }


def random_inputs(model: ModelWrapper, seed: int = 0) -> dict[str, Any]:
    """Seeded random values for every graph input, by shape, QONNX datatype and meaning
    (:func:`._inputs_for.draw_inputs`)."""
    from ._inputs_for import draw_inputs

    return draw_inputs(model, seed)


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
    inputs: InputSet | None = None,
    model_path: Path | None = None,
    original_runner: Runner | None = None,
) -> Verification:
    """Execute both models on the same input sets and compare every output.

    The sets are ``inputs`` (the user's, alone) or else the reference sets beside
    ``model_path`` and seeded random draws by meaning (``seed``, ``seed + 1``, ...). With
    ``mode`` ``"cppsim"`` or ``"rtlsim"``, every kernel node of (a copy of) the compiled model
    whose backend simulates in that mode runs there (all builds prepared up front) on the first
    set; the result must equal the compiled model's Python execution bit-exactly, and the
    original within ``tolerance``. ``progress`` receives the simulation builds' progress lines.
    ``original_runner`` executes the original (one prepared by :func:`._support.check_verifiable`;
    default a new one).

    Raises :class:`VerificationError` when the compiled model cannot be executed, the
    interfaces differ or ``mode`` is unknown. A difference is reported in the result
    (``passed``), not raised, so callers can print the numbers first; a model that cannot be
    verified (inputs of a kind that cannot be drawn, an original that cannot be executed) is
    reported with :attr:`Verification.unverifiable`.
    """
    from ._input_sets import input_sets
    from ._inputs_for import graph_inputs, undrawable

    if mode not in VERIFY_MODES:
        raise VerificationError(
            f"unknown verification mode {mode!r}", fix=f"use one of: {', '.join(VERIFY_MODES)}"
        )
    original_inputs = [vi.name for vi in graph_inputs(original)]
    compiled_inputs = [vi.name for vi in graph_inputs(compiled)]
    if len(compiled_inputs) != len(original_inputs):
        raise VerificationError(
            f"the compiled model has {len(compiled_inputs)} inputs, the original "
            f"{len(original_inputs)}"
        )
    reason = undrawable(original) if inputs is None else None
    sets = [] if reason else input_sets(original, seed=seed, given=inputs, model_path=model_path)
    if reason:
        return Verification(seed, tolerance, (), unverifiable=reason)
    names = [o.name for o in original.graph.output]
    compiled_names = [o.name for o in compiled.graph.output]
    expected_runner = original_runner if original_runner is not None else Runner(original)
    actual_runner = Runner(compiled)
    worst: dict[int, tuple[float, str]] = {}
    rounding: dict[int, float] = {}
    simulation = None
    used: list[str] = []
    rejected: list[tuple[str, str]] = []
    for input_set in sets:
        feed = dict(zip(compiled_inputs, input_set.values.values(), strict=True))
        try:
            expected = expected_runner.run(input_set.values)
        except Exception as exc:  # values the original rejects: not a set to compare on
            rejected.append((input_set.source, error_line(exc)))
            continue
        actual = _outputs("compiled", actual_runner, feed)
        if len(expected) != len(actual):
            raise VerificationError(
                f"the compiled model has {len(actual)} outputs, the original {len(expected)}"
            )
        used.append(input_set.source)
        if mode != "python" and simulation is None:
            simulated, report = _simulate(compiled, feed, mode, progress)
            simulation = Simulation(
                mode,
                report.simulated,
                report.python,
                _compare(
                    compiled_names, compiled_names, actual, simulated, 0.0, source=input_set.source
                ),
            )
            actual = simulated
        for i, (want, got) in enumerate(zip(expected, actual, strict=True)):
            diff = difference(want, got)
            if i not in worst or diff > worst[i][0]:
                worst[i] = (diff, input_set.source)
            rounding[i] = max(rounding.get(i, 0.0), rounding_allowance(want))
    skipped = tuple(f"{source}: {reason}" for source, reason in rejected)
    if not used:
        source, reason = rejected[0]
        return Verification(
            seed,
            tolerance,
            (),
            skipped=skipped,
            unverifiable=f"the original model cannot be executed on {source}: {reason}",
        )
    checks = tuple(
        OutputCheck(names[i], compiled_names[i], diff, diff <= max(tolerance, rounding[i]), source)
        for i, (diff, source) in sorted(worst.items())
    )
    return Verification(seed, tolerance, checks, simulation, tuple(used), skipped=skipped)


def _outputs(label: str, runner: Runner, feed: Mapping[str, Any]) -> list[Any]:
    """The model's outputs; any failure to execute it fails the verification (exit 1)."""
    try:
        return runner.run(feed)
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
    return _outputs(f"compiled ({mode})", Runner(model), feed), report


def _compare(
    names: list[str],
    compiled_names: list[str],
    expected: list[Any],
    actual: list[Any],
    limit: float,
    *,
    source: str = "",
) -> tuple[OutputCheck, ...]:
    checks = []
    for name, compiled_name, want, got in zip(names, compiled_names, expected, actual, strict=True):
        diff = difference(want, got)
        checks.append(OutputCheck(name, compiled_name, diff, diff <= limit, source))
    return tuple(checks)


HALF_PRECISION_ULPS = 4
"""Differences of a half-precision output within this many units in the last place of its
largest value pass whatever the tolerance: reassociating float16 arithmetic (``(x*a)*b`` to
``x*(a*b)``) moves results by an ulp or two, 0.05% of the value."""


def rounding_allowance(want: Any) -> float:
    """The difference rounding alone explains in an output of a type narrower than float32:
    :data:`HALF_PRECISION_ULPS` ulps of its largest finite magnitude; 0 for other outputs."""
    import numpy as np

    if isinstance(want, list | tuple) or want is None:
        return 0.0
    a = np.asarray(want)
    if a.dtype.kind != "f" or a.dtype.itemsize >= 4 or a.size == 0:
        return 0.0
    finite = np.abs(a[np.isfinite(a)]).astype(np.float64)
    largest = float(finite.max()) if finite.size else 0.0
    return HALF_PRECISION_ULPS * float(np.finfo(a.dtype).eps) * max(largest, 1.0)


def difference(want: Any, got: Any) -> float:
    """The largest absolute difference of two output values: ``inf`` for different shapes,
    kinds or sequence lengths, or NaN in one only; NaN in the same place of both, equal
    infinities and equal strings count as 0; a sequence's is its elements' largest."""
    import numpy as np

    if want is None or got is None:  # an absent optional output
        return 0.0 if want is None and got is None else float("inf")
    if isinstance(want, list | tuple) or isinstance(got, list | tuple):
        if not (isinstance(want, list | tuple) and isinstance(got, list | tuple)):
            return float("inf")
        if len(want) != len(got):
            return float("inf")
        return max((difference(w, g) for w, g in zip(want, got, strict=True)), default=0.0)
    a, b = np.asarray(want), np.asarray(got)
    if a.shape != b.shape:
        return float("inf")
    if a.dtype.kind in "OUSV" or b.dtype.kind in "OUSV":
        return 0.0 if a.dtype.kind == b.dtype.kind and np.array_equal(a, b) else float("inf")
    if a.size == 0:
        return 0.0
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    if a.dtype.kind in "iub" and b.dtype.kind in "iub":  # exactly: 2**53 + 1 is no float64
        unequal = a != b
        return float(np.maximum(np.abs(a64 - b64), 1.0)[unequal].max()) if unequal.any() else 0.0
    same = (a64 == b64) | (np.isnan(a64) & np.isnan(b64))
    with np.errstate(invalid="ignore"):
        delta = np.where(same, 0.0, np.abs(a64 - b64))
    diff = float(np.max(delta))
    return float("inf") if np.isnan(diff) else diff


def failure(result: Verification) -> VerificationError:
    """The error for a failed verification, naming every output above the tolerance."""
    bad = [o for o in result.outputs if not o.passed]
    lines = "; ".join(
        f"output {o.original!r} (compiled {o.compiled!r}) differs by {o.max_abs_diff:.3g} "
        f"on {o.inputs}"
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
        f"verification failed: {lines} (tolerance {result.tolerance:g})",
        fix="a transform changed the model's function: bisect with --stop-stage and "
        "--checkpoints, or raise --tolerance if the difference is rounding",
    )
    error.verification = result
    return error
