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
from pathlib import Path
from typing import Any, ClassVar

from ._kernel import HWKernel


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
