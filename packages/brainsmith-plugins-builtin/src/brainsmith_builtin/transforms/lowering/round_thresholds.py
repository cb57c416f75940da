"""``RoundAndClipThresholds``: thresholds on integer inputs become integers in range."""

from __future__ import annotations

from typing import Any

import numpy as np
from brainsmith import transform
from qonnx.transformation.base import Transformation

from .graph import new_constant


@transform(name="RoundAndClipThresholds", stage="topology_optimization")
class RoundAndClipThresholds(Transformation):  # type: ignore[misc]
    """For each ``MultiThreshold`` whose input has an integer qonnx datatype: ``T = ceil(T)``
    (for integer ``x``, ``x >= t`` iff ``x >= ceil(t)``), clipped to ``[min, max + 1]`` of
    the datatype, stored as float32. Float inputs: the smallest float32 ``>= T`` (same
    comparisons for float32 ``x``). Run ``InferDataTypes`` first."""

    def apply(self, model: Any) -> tuple[Any, bool]:
        changed = False
        for node in model.graph.node:
            if node.op_type != "MultiThreshold":
                continue
            steps = model.get_initializer(node.input[1])
            if steps is None:
                continue
            steps = np.asarray(steps)
            datatype = model.get_tensor_datatype(node.input[0])
            if datatype.is_integer():
                rounded = np.clip(np.ceil(steps), datatype.min(), datatype.max() + 1)
                result = rounded.astype(np.float32)
            else:
                result = steps.astype(np.float32)
                low = result.astype(np.float64) < steps
                result = np.where(low, np.nextafter(result, np.float32(np.inf)), result)
            if steps.dtype == np.float32 and np.array_equal(result, steps):
                continue
            node.input[1] = new_constant(model, result)
            changed = True
        return model, changed
