"""Backend mixins: the ``hls`` and ``rtl`` implementations of a kernel.

A backend-specialised node keeps its kernel's domain and gets ``op_type = <Kernel>_hls`` or
``<Kernel>_rtl``; its class lists the backend mixin *first*, then the kernel (as FINN's
``MVAU_hls`` combines ``MVAU`` and ``HLSBackend``)::

    class MVAU_hls(HLSBackend, MVAU):
        def generate_hls(self, out_dir): ...
        def execute_cppsim(self, context, graph): ...

``execute_node`` then dispatches on the node's ``exec_mode``: ``"python"`` runs the kernel's
golden model, the backend's simulation mode runs the simulation. Code generation and simulation
are filled in by the backends; this module only fixes their names.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

from ._kernel import HWKernel, NodeAttrTypes


class Backend(HWKernel):
    """Mixin base of every backend. ``language`` is ``"hls"`` or ``"rtl"``;
    ``simulation_mode`` the ``exec_mode`` that runs the generated code."""

    language: ClassVar[str]
    simulation_mode: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # A concrete backend must put the mixin before the kernel, or the kernel's golden
        # model would shadow the dispatch below.
        if "execute_node" not in cls.__dict__ and cls.execute_node is not Backend.execute_node:
            raise TypeError(
                f"{cls.__name__}: list the backend mixin before the kernel class, e.g. "
                f"class {cls.__name__}(HLSBackend, Kernel)"
            )

    def supported_exec_modes(self) -> frozenset[str]:
        return frozenset({"python", self.simulation_mode})

    @classmethod
    def feasible(cls, node: Any, model: Any) -> list[str]:
        """Why this backend cannot implement ``node`` (an ONNX node of its kernel, in
        ``model``), one user-facing reason per problem; empty when it can. The base accepts
        every node; backends override with their real limits (``SpecializeBackends`` asks)."""
        return []

    @classmethod
    def prepare_simulations(
        cls,
        nodes: Sequence[tuple[Backend, Mapping[str, Any]]],
        progress: Callable[[str], None] | None = None,
    ) -> None:
        """Build up front whatever simulating ``nodes`` needs (each ``(node instance, its
        parameter tensors by name)``), e.g. compile them all in parallel, so that executing the
        graph afterwards finds every build ready. :func:`prepare_exec` calls it once per
        implementation with every node that shares it. ``progress``, when given, receives one
        line per finished step (``"cppsim MVAU_0 built in 2.1s (3/9)"``); an implementation
        never prints by itself. The base prepares nothing."""

    def execute_node(self, context: dict[str, Any], graph: Any) -> None:
        """Run the golden model (``exec_mode="python"``) or the backend's simulation."""
        mode = self.get_nodeattr("exec_mode")
        if mode == "python":
            super().execute_node(context, graph)
        elif mode == self.simulation_mode:
            self.execute_simulation(context, graph)
        else:
            self.execute_other_mode(mode, context, graph)

    @abstractmethod
    def execute_simulation(self, context: dict[str, Any], graph: Any) -> None:
        """Run the generated code on the node's inputs in ``context``, writing its outputs."""

    def execute_other_mode(self, mode: str, context: dict[str, Any], graph: Any) -> None:
        """A mode that is neither python nor this backend's simulation: an error by default."""
        raise self.error(
            f"exec_mode={mode!r} is not available for a {self.language} backend node",
            fix=f"use exec_mode 'python' or {self.simulation_mode!r}",
        )


class HLSBackend(Backend):
    """HLS C++ backend: generates C++ over streams, simulated with g++ (``cppsim``)."""

    language = "hls"
    simulation_mode = "cppsim"

    @abstractmethod
    def generate_hls(self, out_dir: Path) -> list[Path]:
        """Write the node's HLS C++ sources (and weights) under ``out_dir``; return the files."""

    @abstractmethod
    def execute_cppsim(self, context: dict[str, Any], graph: Any) -> None:
        """Compile (cached) and run the node's C++ on its inputs; write its outputs."""

    def execute_simulation(self, context: dict[str, Any], graph: Any) -> None:
        self.execute_cppsim(context, graph)


class RTLBackend(Backend):
    """RTL (Verilog) backend: simulated in Verilator or Icarus (``rtlsim``). Asked for
    ``cppsim``, it runs the golden model, as FINN's RTL kernels do."""

    language = "rtl"
    simulation_mode = "rtlsim"

    def get_nodeattr_types(self) -> NodeAttrTypes:
        """The kernel's attributes plus rtlsim's: ``cycles_rtlsim`` (int, written by
        ``execute_rtlsim``: clock cycles from the first input to the last output handshake),
        ``rtlsim_seed`` (int), ``rtlsim_gap_probability`` (float in [0, 1): chance an input
        word is held back on a cycle) and ``rtlsim_stall_probability`` (float in [0, 1):
        chance the output is not ready on a cycle), the testbench's random stimulus."""
        return {
            **super().get_nodeattr_types(),
            "cycles_rtlsim": ("i", False, 0),
            "rtlsim_seed": ("i", False, 1),
            "rtlsim_gap_probability": ("f", False, 0.0),
            "rtlsim_stall_probability": ("f", False, 0.0),
        }

    @abstractmethod
    def generate_rtl(self, out_dir: Path) -> list[Path]:
        """Write the node's Verilog sources under ``out_dir``; return the files."""

    @abstractmethod
    def execute_rtlsim(self, context: dict[str, Any], graph: Any) -> None:
        """Simulate the node's Verilog on its inputs; write its outputs."""

    def supported_exec_modes(self) -> frozenset[str]:
        return frozenset({"python", "cppsim", "rtlsim"})

    def execute_simulation(self, context: dict[str, Any], graph: Any) -> None:
        self.execute_rtlsim(context, graph)

    def execute_other_mode(self, mode: str, context: dict[str, Any], graph: Any) -> None:
        if mode == "cppsim":
            super(Backend, self).execute_node(context, graph)  # the kernel's golden model
            return
        super().execute_other_mode(mode, context, graph)
