"""Whole-graph execution modes: run every specialised kernel node of a model in cppsim or rtlsim.

:func:`set_exec_mode` sets ``exec_mode`` on every kernel node of a model (a node that has no
simulation in that mode stays ``"python"``, and the report says why); :func:`prepare_exec`
then builds everything the simulations need up front (each backend's
:meth:`~brainsmith.hardware.Backend.prepare_simulations`, e.g. all cppsim programs in parallel),
so that ``qonnx.core.onnx_exec.execute_onnx`` afterwards only runs them::

    report = set_exec_mode(model, "cppsim")
    prepare_exec(model, "cppsim")
    outputs = execute_onnx(model, {"x": x})

The kernels' classes must be known to qonnx first (a compile session's ``install_kernels``, or a
plugin's own registration helper).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from qonnx.custom_op.registry import getCustomOp

from ._backend import Backend
from ._domains import is_kernel_node
from ._kernel import EXEC_MODES
from ._mapping import kernel_name


@dataclass(frozen=True, slots=True)
class ExecModeReport:
    """What :func:`set_exec_mode` did: ``simulated`` names the nodes now in ``mode``;
    ``python`` maps every other kernel node to why it runs its Python golden model instead."""

    mode: str
    simulated: tuple[str, ...]
    python: tuple[tuple[str, str], ...]

    def lines(self) -> list[str]:
        """One human-readable line per kernel node, for logs and reports."""
        lines = [f"{name}: {self.mode}" for name in self.simulated]
        lines += [f"{name}: python ({reason})" for name, reason in self.python]
        return lines


def set_exec_mode(model: Any, mode: str) -> ExecModeReport:
    """Set ``exec_mode`` on every kernel node of ``model`` (in place): ``mode`` where the node's
    backend simulates in that mode, ``"python"`` elsewhere.

    ``mode`` is ``"python"``, ``"cppsim"`` (HLS backends, ``<Kernel>_hls``) or ``"rtlsim"``
    (RTL backends, ``<Kernel>_rtl``). A kernel node not specialised to a backend, or whose
    backend simulates in the other mode, runs its golden model; the report gives the reason per
    node. Non-kernel nodes are left alone. Raises ``ValueError`` for an unknown ``mode``.
    """
    if mode not in EXEC_MODES:
        raise ValueError(
            f"set_exec_mode: mode {mode!r} is not an execution mode; use one of "
            f"{sorted(EXEC_MODES)}"
        )
    simulated: list[str] = []
    python: list[tuple[str, str]] = []
    for node in model.graph.node:
        if not is_kernel_node(node):
            continue
        instance = getCustomOp(node)
        if mode == "python":
            instance.set_nodeattr("exec_mode", "python")
            simulated.append(node.name)
            continue
        if isinstance(instance, Backend) and instance.simulation_mode == mode:
            instance.set_nodeattr("exec_mode", mode)
            simulated.append(node.name)
            continue
        instance.set_nodeattr("exec_mode", "python")
        python.append((node.name, _why_python(node, instance, mode)))
    return ExecModeReport(mode, tuple(simulated), tuple(python))


def _why_python(node: Any, instance: Any, mode: str) -> str:
    kernel = kernel_name(node.op_type)
    if not isinstance(instance, Backend):
        return (
            f"{node.op_type} is not specialised to a backend (run SpecializeBackends for a "
            f"{kernel}_hls or {kernel}_rtl node)"
        )
    return (
        f"{node.op_type} is an {instance.language} backend, which simulates in "
        f"{instance.simulation_mode}, not {mode}"
    )


Progress = Callable[[str], None]
"""Receives one human-readable line per finished build step (a CLI prints it; a library
caller may log it)."""


def prepare_exec(model: Any, mode: str, progress: Progress | None = None) -> None:
    """Build up front what executing ``model`` in ``mode`` needs (see :func:`prepare_exec_all`)."""
    prepare_exec_all([model], mode, progress)


def prepare_exec_all(models: Iterable[Any], mode: str, progress: Progress | None = None) -> None:
    """Build everything the kernel nodes of ``models`` whose ``exec_mode`` is ``mode`` need to
    simulate, all at once: the nodes are grouped by their backend's
    :meth:`~brainsmith.hardware.Backend.prepare_simulations` implementation and each group is
    prepared in one call (the builtin HLS backends compile every cppsim program in parallel).

    ``progress`` is handed to every backend's preparation, which calls it once per finished
    step (e.g. ``"cppsim MatMul_0 built in 2.1s (3/9)"``); the hardware package never prints.

    Raises ``ValueError`` for an unknown ``mode``, and whatever a backend's preparation raises
    (a build failing, a simulator missing), naming the node.
    """
    if mode not in EXEC_MODES:
        raise ValueError(
            f"prepare_exec: mode {mode!r} is not an execution mode; use one of {sorted(EXEC_MODES)}"
        )
    groups: dict[Any, tuple[type[Backend], list[tuple[Backend, Mapping[str, Any]]]]] = {}
    for model in models:
        for node in model.graph.node:
            if not is_kernel_node(node):
                continue
            instance = getCustomOp(node)
            if not isinstance(instance, Backend) or instance.simulation_mode != mode:
                continue
            if instance.get_nodeattr("exec_mode") != mode:
                continue
            tensors = {
                name: model.get_initializer(name)
                for name in node.input
                if name and model.get_initializer(name) is not None
            }
            implementation = type(instance).prepare_simulations.__func__  # type: ignore[attr-defined]
            cls, batch = groups.setdefault(implementation, (type(instance), []))
            batch.append((instance, tensors))
    for cls, batch in groups.values():
        cls.prepare_simulations(batch, progress)
