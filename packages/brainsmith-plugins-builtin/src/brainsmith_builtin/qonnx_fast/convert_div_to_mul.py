"""``ConvertDivToMul``: division by a float constant rewritten as multiplication by its
reciprocal, never on integers.

qonnx's pass turns every ``Div`` by an initializer into a ``Mul`` by ``(1.0 / A)`` cast back to
``A``'s dtype: on an integer tensor ``x / 3`` becomes ``x * 0``. Here only a ``Div`` whose
divisor is a float constant (an initializer that is not also a graph input) is converted. The
reciprocal is written to a new initializer when the divisor is also read elsewhere (qonnx
overwrites the shared initializer, changing its other readers). One sweep; nothing to repeat.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from onnx import numpy_helper
from qonnx.transformation.base import Transformation

from ._graph import Names, constants, initializer


class ConvertDivToMul(Transformation):  # type: ignore[misc]
    """Turn ``Div(x, c)`` with a float constant ``c`` into ``Mul(x, 1 / c)``."""

    def apply(self, model: Any) -> tuple[Any, bool]:
        graph = model.graph
        const = constants(graph)
        readers: dict[str, int] = {}
        for node in graph.node:
            for name in node.input:
                readers[name] = readers.get(name, 0) + 1
        public = {t.name for t in graph.output}
        names: Names | None = None
        for node in graph.node:
            if node.op_type != "Div" or node.domain not in ("", "ai.onnx"):
                continue
            divisor = node.input[1] if len(node.input) > 1 else ""
            if divisor not in const:
                continue
            value = numpy_helper.to_array(const[divisor])
            if value.dtype.kind != "f":
                continue
            with np.errstate(divide="ignore"):
                reciprocal = (1.0 / value).astype(value.dtype)
            node.op_type = "Mul"
            if readers[divisor] == 1 and divisor not in public:
                const[divisor].CopyFrom(initializer(divisor, reciprocal))
            else:
                names = names if names is not None else Names(graph)
                fresh = names.fresh(f"{divisor}_reciprocal")
                graph.initializer.append(initializer(fresh, reciprocal))
                node.input[1] = fresh
        return model, False
