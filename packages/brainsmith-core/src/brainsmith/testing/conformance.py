"""The kernel conformance suite: every backend of a kernel computes exactly what its Python golden
model computes, and its RTL takes the cycles the kernel promises.

For kernel authors (builtin and third-party alike)::

    from brainsmith.testing.conformance import check_kernel

    def make_model(datatype, folding, rng):      # one kernel node, unspecialised
        ...                                      # (op_type "MyKernel", domain "brainsmith.myns")
        return model                             # a qonnx ModelWrapper, shapes and datatypes set

    def test_my_kernel_conforms():
        check_kernel(make_model, datatypes=["INT4", "UINT8"])

:func:`check_kernel` builds the model for every datatype and folding, feeds it random integer
inputs of the graph inputs' datatypes, executes it in Python (the golden model), then
specialises the node to every backend the kernel has (``<Kernel>_hls``, ``<Kernel>_rtl``,
registered with qonnx in the node's domain) and executes it in the backend's simulation:

- ``cppsim`` (HLS backends): outputs equal to Python's (bit-exactly, or within ``tolerance``
  for float kernels); all cppsim programs of the run are built up front, in parallel
  (:func:`brainsmith.hardware.prepare_exec_all`);
- ``rtlsim`` (RTL backends): outputs equal to Python's under random input gaps and output
  back-pressure (the ``rtlsim_gap_probability`` / ``rtlsim_stall_probability`` attributes of
  :class:`brainsmith.hardware.RTLBackend`), and, in a second run without stalls, the measured
  ``cycles_rtlsim`` within ``cycle_tolerance`` (15%) of the node's ``get_exp_cycles()``. Pick
  shapes where a frame takes at least ~50 cycles, so that pipeline latency stays within it.

Foldings default to the legal extremes and a middle: every folding parameter at 1 (PE=SIMD=1),
every one at its maximum (fully parallel), and every one at the middle of its legal values.
Every problem of the run is collected and raised at the end as one :class:`ConformanceError`.

Only tests import this module; it needs the kernel and backend classes registered with qonnx
(e.g. a plugin's own registration, or a compile session's ``install_kernels``).
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from qonnx.core.datatype import DataType
from qonnx.core.onnx_exec import execute_onnx
from qonnx.custom_op.registry import getCustomOp, is_custom_op

from ..hardware import (
    Backend,
    HWKernel,
    is_kernel_node,
    kernel_name,
    prepare_exec_all,
    set_exec_mode,
)

__all__ = [
    "CaseResult",
    "ConformanceError",
    "ConformanceReport",
    "KernelModelFactory",
    "check_kernel",
    "default_foldings",
    "random_inputs",
]

KernelModelFactory = Callable[[str, Mapping[str, int], np.random.Generator], Any]
"""``factory(datatype, folding, rng) -> ModelWrapper``: a model of one unspecialised kernel node
for the datatype name (e.g. the input datatype) and the folding (``{"PE": 2, "SIMD": 4}``; an
empty mapping means every parameter at 1), with parameter tensors (weights, thresholds) drawn
from ``rng`` as initializers, tensor shapes and graph-input datatypes set."""

BACKPRESSURE_GAP = 0.3
"""Chance that the rtlsim testbench holds an input word back on a cycle."""
BACKPRESSURE_STALL = 0.4
"""Chance that the rtlsim testbench's output is not ready on a cycle."""


class ConformanceError(AssertionError):
    """A kernel or backend failed the conformance suite; the message lists every failure with
    the backend, datatype and folding it happened at."""


@dataclass(frozen=True, slots=True)
class CaseResult:
    """One backend checked at one datatype and folding. ``cycles``/``expected_cycles`` are the
    stall-free rtlsim measurement and the kernel's formula (``None`` for cppsim)."""

    backend: str
    mode: str
    datatype: str
    folding: Mapping[str, int]
    cycles: int | None = None
    expected_cycles: int | None = None


@dataclass(frozen=True, slots=True)
class ConformanceReport:
    """What :func:`check_kernel` checked: the kernel, its backends, and every case passed."""

    kernel: str
    backends: tuple[str, ...]
    cases: tuple[CaseResult, ...] = field(default=())


@dataclass
class _Run:
    model: Any
    backend: str
    mode: str
    datatype: str
    folding: Mapping[str, int]
    inputs: dict[str, Any]
    expected: dict[str, Any]


def check_kernel(
    factory: KernelModelFactory,
    *,
    datatypes: Sequence[str],
    foldings: Iterable[Mapping[str, int]] | None = None,
    languages: Sequence[str] = ("hls", "rtl"),
    tolerance: float = 0.0,
    cycle_tolerance: float = 0.15,
    seed: int = 0,
) -> ConformanceReport:
    """Check that every backend of the kernel built by ``factory`` equals its Python golden
    model over ``datatypes`` x ``foldings`` (see the module docstring for what is checked).

    ``foldings`` defaults to :func:`default_foldings` of the kernel; ``languages`` are the
    backend languages to look for (``<Kernel>_<language>``); ``tolerance`` is the absolute
    difference allowed (0: bit-exact; float kernels need a small one); ``cycle_tolerance`` the
    relative rtlsim cycle deviation allowed; ``seed`` seeds every random draw.

    Returns the :class:`ConformanceReport`. Raises :class:`ConformanceError` listing every
    failure (including a kernel with no backend, or a factory that ignores the folding), and
    ``ValueError`` for an empty ``datatypes``.
    """
    if not datatypes:
        raise ValueError("check_kernel: give at least one datatype")
    rng = np.random.default_rng(seed)
    probe = factory(datatypes[0], {}, rng)
    node = _single_kernel_node(probe)
    kernel = node.op_type
    backends = tuple(
        f"{kernel}_{language}"
        for language in languages
        if is_custom_op(node.domain, f"{kernel}_{language}")
    )
    if not backends:
        raise ConformanceError(
            f"kernel {kernel} has no backend in {node.domain} (looked for "
            f"{', '.join(f'{kernel}_{lang}' for lang in languages)})"
        )
    folding_list = list(foldings) if foldings is not None else default_foldings(probe)
    failures: list[str] = []
    runs: list[_Run] = []
    for case, (datatype, folding) in enumerate(itertools.product(datatypes, folding_list)):
        case_rng = np.random.default_rng([seed, case])
        model = factory(datatype, folding, case_rng)
        label = f"{kernel} datatype={datatype} folding={dict(folding)}"
        problem = _folding_problem(model, folding)
        if problem:
            failures.append(f"{label}: {problem}")
            continue
        inputs = random_inputs(model, case_rng)
        try:
            expected = execute_onnx(model, inputs)
        except Exception as error:  # the golden model itself fails: report, go on
            failures.append(f"{label}: python execution failed: {error}")
            continue
        for backend in backends:
            specialised = _specialised(model, backend)
            mode = getCustomOp(specialised.graph.node[0]).simulation_mode
            runs.append(_Run(specialised, backend, mode, datatype, folding, inputs, expected))

    results: list[CaseResult] = []
    for mode in ("cppsim", "rtlsim"):
        batch = [run for run in runs if run.mode == mode]
        for run in batch:
            set_exec_mode(run.model, mode)
            if mode == "rtlsim":
                _set_stimulus(run.model, gap=BACKPRESSURE_GAP, stall=BACKPRESSURE_STALL)
        try:
            prepare_exec_all([run.model for run in batch], mode)
        except Exception as error:
            failures.append(f"{kernel}: preparing {mode} failed: {error}")
            continue
        for run in batch:
            result = _check_run(run, tolerance, cycle_tolerance, failures)
            if result is not None:
                results.append(result)
    if failures:
        raise ConformanceError(
            f"{len(failures)} conformance failure(s) of kernel {kernel}:\n- "
            + "\n- ".join(failures)
        )
    return ConformanceReport(kernel, backends, tuple(results))


def default_foldings(model: Any) -> list[dict[str, int]]:
    """Every folding parameter of ``model``'s kernel node at 1, at its maximum (fully
    parallel) and at the middle of its legal values; duplicates removed."""
    instance = getCustomOp(_single_kernel_node(model))
    parameters = instance.folding_parameters()
    choices = [
        {name: min(p.legal_values) for name, p in parameters.items()},
        {name: max(p.legal_values) for name, p in parameters.items()},
        {name: sorted(p.legal_values)[len(p.legal_values) // 2] for name, p in parameters.items()},
    ]
    unique: list[dict[str, int]] = []
    for choice in choices:
        if choice not in unique:
            unique.append(choice)
    return unique


def random_inputs(model: Any, rng: np.random.Generator) -> dict[str, Any]:
    """Random float32 values for every graph input that is not an initializer: uniform over an
    integer datatype's range (BIPOLAR: -1/+1); random integers in [-128, 127] for a float
    datatype."""
    inputs = {}
    for tensor in model.graph.input:
        name = tensor.name
        if model.get_initializer(name) is not None:
            continue
        shape = tuple(model.get_tensor_shape(name))
        dt = model.get_tensor_datatype(name)
        if dt == DataType["BIPOLAR"]:
            values = rng.choice(np.array([-1.0, 1.0]), size=shape)
        elif dt.is_integer():
            values = rng.integers(int(dt.min()), int(dt.max()) + 1, size=shape)
        else:
            values = rng.integers(-128, 128, size=shape)
        inputs[name] = np.asarray(values, dtype=np.float32)
    return inputs


def _single_kernel_node(model: Any) -> Any:
    nodes = list(model.graph.node)
    if len(nodes) != 1 or not is_kernel_node(nodes[0]):
        raise ConformanceError(
            "the factory must build a model of exactly one kernel node, got "
            + ", ".join(f"{n.op_type} ({n.domain or 'onnx'})" for n in nodes)
        )
    if kernel_name(nodes[0].op_type) != nodes[0].op_type:
        raise ConformanceError(
            f"the factory's node is already specialised ({nodes[0].op_type}); build the "
            f"kernel node ({kernel_name(nodes[0].op_type)}) and let the suite specialise it"
        )
    return nodes[0]


def _folding_problem(model: Any, folding: Mapping[str, int]) -> str:
    instance = getCustomOp(_single_kernel_node(model))
    if not isinstance(instance, HWKernel):
        return f"{type(instance).__name__} is not a brainsmith HWKernel"
    for name, value in folding.items():
        actual = instance.get_nodeattr(name)
        if actual != value:
            return f"the factory set {name}={actual}, not the requested {value}"
    try:
        instance.check_folding()
    except Exception as error:
        return f"illegal folding: {error}"
    return ""


def _specialised(model: Any, backend: str) -> Any:
    specialised = copy.deepcopy(model)
    specialised.graph.node[0].op_type = backend
    return specialised


def _set_stimulus(model: Any, *, gap: float, stall: float) -> None:
    instance = getCustomOp(model.graph.node[0])
    instance.set_nodeattr("rtlsim_gap_probability", gap)
    instance.set_nodeattr("rtlsim_stall_probability", stall)


def _check_run(
    run: _Run, tolerance: float, cycle_tolerance: float, failures: list[str]
) -> CaseResult | None:
    label = f"{run.backend} ({run.mode}) datatype={run.datatype} folding={dict(run.folding)}"
    try:
        outputs = execute_onnx(run.model, run.inputs)
    except Exception as error:
        failures.append(f"{label}: execution failed: {error}")
        return None
    mismatch = _mismatch(outputs, run.expected, tolerance)
    if mismatch:
        stalls = " under back-pressure" if run.mode == "rtlsim" else ""
        failures.append(f"{label}: differs from Python{stalls}: {mismatch}")
        return None
    if run.mode != "rtlsim":
        return CaseResult(run.backend, run.mode, run.datatype, dict(run.folding))
    _set_stimulus(run.model, gap=0.0, stall=0.0)
    try:
        outputs = execute_onnx(run.model, run.inputs)
    except Exception as error:
        failures.append(f"{label}: stall-free execution failed: {error}")
        return None
    instance = getCustomOp(run.model.graph.node[0])
    assert isinstance(instance, Backend)
    cycles = int(instance.get_nodeattr("cycles_rtlsim"))
    expected = int(instance.get_exp_cycles())
    mismatch = _mismatch(outputs, run.expected, tolerance)
    if mismatch:
        failures.append(f"{label}: differs from Python without stalls: {mismatch}")
        return None
    if abs(cycles - expected) > cycle_tolerance * expected:
        failures.append(
            f"{label}: rtlsim took {cycles} cycles, get_exp_cycles() is {expected} "
            f"(allowed: within {cycle_tolerance:.0%})"
        )
        return None
    return CaseResult(run.backend, run.mode, run.datatype, dict(run.folding), cycles, expected)


def _mismatch(outputs: Mapping[str, Any], expected: Mapping[str, Any], tolerance: float) -> str:
    for name, reference in expected.items():
        got = np.asarray(outputs[name])
        want = np.asarray(reference)
        if got.shape != want.shape:
            return f"output {name!r} has shape {got.shape}, Python's {want.shape}"
        difference = np.abs(got.astype(np.float64) - want.astype(np.float64))
        bad = np.argwhere(~(difference <= tolerance))
        if bad.size:
            index = tuple(int(i) for i in bad[0])
            return (
                f"output {name!r}: {len(bad)} of {want.size} values differ, first at {index}: "
                f"{got[index]} vs {want[index]}"
            )
    return ""
