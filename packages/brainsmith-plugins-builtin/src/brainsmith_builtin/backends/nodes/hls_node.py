"""``HLSNodeBackend``: what every builtin ``<Kernel>_hls`` node shares.

A subclass turns its node into the HLS engine's generated kernel (:meth:`hls_kernel`, from the
node attributes and the parameter tensors); this mixin writes that C++ (``generate_hls``),
compiles it with g++ through the engine's digest cache and streams the node's inputs through it
(``execute_cppsim``), and builds many nodes in parallel (``prepare_simulations``, called by
:func:`brainsmith.hardware.prepare_exec`).
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from brainsmith.hardware import Backend, HLSBackend

from brainsmith_builtin.backends.hls.build import build_cppsim, build_cppsim_all
from brainsmith_builtin.backends.hls.cppsim import run_cppsim
from brainsmith_builtin.backends.hls.errors import HLSParameterError
from brainsmith_builtin.backends.hls.kernel import HLSKernel

from .tensors import parameter_tensors


class HLSNodeBackend(HLSBackend):
    """Mixin of the builtin HLS backends (list it first: ``class X_hls(HLSNodeBackend, X)``).

    Subclasses implement :meth:`hls_kernel` and, when a node has more than one stream input,
    :meth:`stream_inputs`.
    """

    @abstractmethod
    def hls_kernel(self, tensors: Mapping[str, Any]) -> HLSKernel:
        """The generated kernel for this node; ``tensors`` maps input names to parameter
        tensors (weights, thresholds), e.g. an execution context or the model's initializers.

        Raises :class:`~brainsmith_builtin.backends.hls.HLSParameterError` (naming the node and
        attribute) when the engine cannot implement the node, and
        :class:`~brainsmith.hardware.KernelNodeError` when a parameter tensor is missing.
        """

    def stream_inputs(self) -> tuple[int, ...]:
        """Indices of the node inputs that are streams, in the kernel's port order; the other
        inputs are parameter tensors compiled into the code. Default: input 0."""
        return (0,)

    @classmethod
    def feasible(cls, node: Any, model: Any) -> list[str]:
        """Why the HLS engine cannot implement ``node``: the generator's parameter error, if
        generating the code for the node's attributes and initializers fails; else nothing."""
        instance = cls(node)
        try:
            instance.hls_kernel(parameter_tensors(instance, model))
        except (HLSParameterError, ValueError) as error:
            return [str(error)]
        return []

    def generate_hls(self, out_dir: Path, model: Any | None = None) -> list[Path]:
        """Write the node's C++ (one translation unit with its weights and thresholds as
        constant arrays, Vitis HLS pragmas included) to ``out_dir/<function>.cpp``.

        A node with parameter tensors needs ``model`` (their initializers). Returns the files.
        """
        kernel = self.hls_kernel(parameter_tensors(self, model))
        out_dir.mkdir(parents=True, exist_ok=True)
        path = out_dir / f"{kernel.function}.cpp"
        path.write_text(kernel.source)
        return [path]

    def execute_cppsim(self, context: dict[str, Any], graph: Any) -> None:
        """Build (from the cache when unchanged) and run the node's C++ on its stream inputs in
        ``context``; write its outputs, float32 in the normal output shapes."""
        build = build_cppsim(self.hls_kernel(context))
        inputs = [
            np.asarray(self.normal_input(context, ind), dtype=np.float32)
            for ind in self.stream_inputs()
        ]
        outputs = run_cppsim(build, inputs)
        for ind, (name, value) in enumerate(zip(self.onnx_node.output, outputs, strict=True)):
            context[name] = value.reshape(self.get_normal_output_shape(ind)).astype(np.float32)

    @classmethod
    def prepare_simulations(
        cls,
        nodes: Sequence[tuple[Backend, Mapping[str, Any]]],
        progress: Callable[[str], None] | None = None,
    ) -> None:
        """Compile every node's cppsim program in parallel (one g++ per core; cached builds
        are reused); ``progress`` gets one line per finished build."""
        kernels = [
            node.hls_kernel(tensors) for node, tensors in nodes if isinstance(node, HLSNodeBackend)
        ]
        build_cppsim_all(kernels, progress=progress)
