"""``FuseScalarMuls``: a worked example of an optimization transform for plugin authors.

It shows the usual shape of a rewrite: find a pattern, rewrite one match, and report
``graph_modified=True`` so the executor calls ``apply`` again until no match is left. Keep
rewrites exactly value-preserving (``brainsmith compile --verify`` checks that). The search
looks tensors up in dictionaries built once per ``apply`` (the ``ModelWrapper`` helpers
``get_initializer`` and ``find_consumers`` scan the whole graph per call: quadratic on a deep
network); the rewrite itself may use them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from brainsmith.plugins.decorators import transform
from onnx import numpy_helper
from qonnx.transformation.base import Transformation


@transform(name="FuseScalarMuls", stage="topology_optimization")
class FuseScalarMuls(Transformation):  # type: ignore[misc]
    """Fuse ``Mul(Mul(x, a), b)`` into ``Mul(x, a * b)`` when ``a`` and ``b`` are scalar
    initializers, the first Mul feeds only the second, and no other node reads ``b`` (it is
    overwritten with the product)."""

    def apply(self, model: Any) -> tuple[Any, bool]:
        graph = model.graph
        outputs = {t.name for t in graph.output}
        initializers: dict[str, Any] = {}
        for tensor in graph.initializer:
            initializers.setdefault(tensor.name, tensor)
        readers: dict[str, list[Any]] = {}
        for node in graph.node:
            for name in node.input:
                readers.setdefault(name, []).append(node)

        def scalar(name: str) -> Any:
            tensor = initializers.get(name)
            return None if tensor is None else numpy_helper.to_array(tensor)

        for first in graph.node:
            if first.op_type != "Mul" or first.output[0] in outputs:
                continue
            consumers = readers.get(first.output[0], [])
            if len(consumers) != 1 or first.input[1] not in initializers:
                continue
            a = scalar(first.input[1])
            if a.size != 1:
                continue
            second = consumers[0]
            if second.op_type != "Mul" or second.input[0] != first.output[0]:
                continue
            b = scalar(second.input[1])
            if b is None or b.size != 1 or b.dtype != a.dtype:
                continue
            if len(readers.get(second.input[1], [])) != 1:
                continue  # b is shared: overwriting it would change the other reader

            fused = np.asarray(a.reshape(()) * b.reshape(()), dtype=a.dtype).reshape(
                np.broadcast_shapes(a.shape, b.shape)
            )
            model.set_initializer(second.input[1], fused)
            second.input[0] = first.input[0]
            graph.node.remove(first)
            return model, True
        return model, False
