"""``FuseScalarMuls``: a worked example of an optimization transform for plugin authors.

It shows the usual shape of a rewrite: find a pattern with the ``ModelWrapper`` helpers
(``find_producer``, ``find_consumers``, ``get_initializer``), rewrite one match, and report
``graph_modified=True`` so the executor calls ``apply`` again until no match is left. Keep
rewrites exactly value-preserving (``brainsmith compile --verify`` checks that).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from brainsmith.plugins.decorators import transform
from qonnx.transformation.base import Transformation


@transform(name="FuseScalarMuls", stage="topology_optimization")
class FuseScalarMuls(Transformation):  # type: ignore[misc]
    """Fuse ``Mul(Mul(x, a), b)`` into ``Mul(x, a * b)`` when ``a`` and ``b`` are scalar
    initializers, the first Mul feeds only the second, and no other node reads ``b`` (it is
    overwritten with the product)."""

    def apply(self, model: Any) -> tuple[Any, bool]:
        graph = model.graph
        outputs = {t.name for t in graph.output}
        for first in graph.node:
            if first.op_type != "Mul" or first.output[0] in outputs:
                continue
            a = model.get_initializer(first.input[1])
            consumers = model.find_consumers(first.output[0])
            if a is None or a.size != 1 or len(consumers) != 1:
                continue
            second = consumers[0]
            if second.op_type != "Mul" or second.input[0] != first.output[0]:
                continue
            b = model.get_initializer(second.input[1])
            if b is None or b.size != 1 or b.dtype != a.dtype:
                continue
            if len(model.find_consumers(second.input[1])) != 1:
                continue  # b is shared: overwriting it would change the other reader

            fused = np.asarray(a.reshape(()) * b.reshape(()), dtype=a.dtype).reshape(
                np.broadcast_shapes(a.shape, b.shape)
            )
            model.set_initializer(second.input[1], fused)
            second.input[0] = first.input[0]
            graph.node.remove(first)
            return model, True
        return model, False
