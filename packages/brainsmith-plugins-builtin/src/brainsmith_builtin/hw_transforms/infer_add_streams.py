"""``InferAddStreams``: Add of two dynamic integer tensors of one shape -> ``AddStreams``."""

from __future__ import annotations

from typing import Any

from brainsmith import hw_transform

from .inference import KernelInference, Unmet, integer_datatype, known_shape, sum_range_datatype


@hw_transform(kernels=["AddStreams"])
class InferAddStreams(KernelInference):
    """Map ``Add(a, b)`` to ``AddStreams`` (PE = 1) when both inputs are computed at run time
    (not constants: those are biases, for streamlining to absorb), integer, and of the same
    static shape (no broadcasting). The output datatype is the narrowest holding every sum.
    """

    kernel = "AddStreams"
    candidates = frozenset({("", "Add")})

    def map_node(self, model: Any, node: Any) -> None:
        a, b = node.input[0], node.input[1]
        for name in (a, b):
            if model.get_initializer(name) is not None:
                raise Unmet(f"input {name!r} is a constant (a bias, not a second stream)")
        adt = integer_datatype(model, a, "input")
        bdt = integer_datatype(model, b, "input")
        shape = known_shape(model, a, "input")
        other = known_shape(model, b, "input")
        if shape != other:
            raise Unmet(f"input shapes {shape} and {other} differ (broadcasting is unsupported)")
        odt = sum_range_datatype(adt, bdt)
        new = self.kernel_node(
            node,
            [a, b],
            [node.output[0]],
            NumChannels=shape[-1],
            PE=1,
            inputDataTypes=[adt.name, bdt.name],
            outputDataType=odt.name,
            numInputVectors=shape[:-1],
        )
        self.replace(model, [node], new, odt)
