"""``FoldConstants``: nodes whose inputs are all constant replaced by their result, at the
model's real ONNX opset, in one sweep.

A node is folded when every input is a constant (an initializer that is not also a graph
input), or it is a ``Shape`` of a tensor whose shape is fully known, or it has no inputs, and
no output is a graph output (ONNX wants those produced by a node), its op type is not excluded
(quantizers by default), it is not random (``RandomNormal``, ..., which qonnx folds into one
fixed draw), it has no subgraph body and its outputs are tensors.
Nodes are visited in graph order, so a chain of constant nodes folds in the same sweep; shape
inference then runs once, and the sweep repeats only when that made new ``Shape`` nodes
foldable.

Unlike qonnx's pass, standard nodes run at the ``""`` / ``"ai.onnx"`` opset version (qonnx
reads ``opset_import[0]``: a custom domain listed first makes it run them at opset 1), graph
inputs with a default initializer are not taken as constants, every output of a node is kept
(qonnx keeps only the first) and the whole graph is folded per call (qonnx folds one node per
call, each followed by shape inference over the whole graph: quadratic).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from onnx import numpy_helper
from qonnx.core.onnx_exec import execute_node
from qonnx.transformation.base import Transformation
from qonnx.transformation.infer_shapes import InferShapes

from ._graph import (
    constants,
    elem_types,
    has_subgraph,
    initializer,
    numpy_dtype,
    onnx_opset,
    replace_nodes,
    shapes,
)

DEFAULT_EXCLUDED = ("Quant", "IntQuant", "BipolarQuant")
"""Op types never folded unless the caller says otherwise: quantizers carry the quantization
the later passes lower."""


_NOT_CONSTANT = frozenset(
    {
        "RandomNormal",
        "RandomUniform",
        "RandomNormalLike",
        "RandomUniformLike",
        "Multinomial",
        "Bernoulli",
    }
)
"""Operators whose output differs from run to run even on constant inputs: never folded."""


class FoldConstants(Transformation):  # type: ignore[misc]
    """Fold every node computable from constants; ``exclude_op_types`` lists op types to keep."""

    def __init__(self, exclude_op_types: list[str] | tuple[str, ...] = DEFAULT_EXCLUDED) -> None:
        super().__init__()
        self.exclude_op_types = tuple(exclude_op_types)

    def apply(self, model: Any) -> tuple[Any, bool]:
        while True:
            folded, waiting = self._sweep(model)
            if not folded:
                break
            model = model.transform(InferShapes(), cleanup=False)  # the executor cleans up
            if not waiting:
                break
        return model, False

    def _sweep(self, model: Any) -> tuple[bool, bool]:
        """Fold what can be folded now; (whether anything was, whether a ``Shape`` of a tensor
        of unknown shape is left that shape inference may now resolve)."""
        graph = model.graph
        opset = onnx_opset(model)
        const = {name: numpy_helper.to_array(t) for name, t in constants(graph).items()}
        facts = _Facts(graph)
        outputs = {t.name for t in graph.output}
        kept: list[Any] = []
        folded = waiting = False
        for node in graph.node:
            # a graph output stays produced by a node (ONNX requires it of graph outputs)
            public = any(name in outputs for name in node.output)
            values = None if public else self._fold(node, const, facts, opset, graph)
            if values is None:
                if node.op_type == "Shape" and node.input and node.input[0] not in const:
                    waiting = True
                kept.append(node)
                continue
            for name, value in values.items():
                const[name] = value
                graph.initializer.append(initializer(name, value))
                facts.shapes[name] = tuple(np.shape(value))
            folded = True
        if folded:
            replace_nodes(graph, kept)
        return folded, waiting

    def _fold(
        self,
        node: Any,
        const: dict[str, Any],
        facts: _Facts,
        opset: int,
        graph: Any,
    ) -> dict[str, Any] | None:
        """The node's outputs computed from constants; ``None`` when it cannot be folded
        (qonnx or onnxruntime cannot execute it: the node then stays, which is always right)."""
        if node.op_type in self.exclude_op_types or node.op_type in _NOT_CONSTANT:
            return None
        if has_subgraph(node):
            return None
        if any(name in const for name in node.output) or not node.output:
            return None
        inputs = [name for name in node.input if name]
        context: dict[str, Any] = {}
        if node.op_type == "Shape" and node.domain in ("", "ai.onnx") and inputs:
            shape = facts.shapes.get(inputs[0])
            if inputs[0] not in const and (shape is None or None in shape):
                return None
            context[inputs[0]] = const.get(inputs[0])
            if context[inputs[0]] is None:
                context[inputs[0]] = np.zeros(shape, facts.dtype(inputs[0]))
        elif all(name in const for name in inputs):
            context.update((name, const[name]) for name in inputs)
        else:
            return None
        # qonnx's execute_node needs every output's value info (graph output or value_info);
        # only tensors can become initializers (not sequences, maps or optionals)
        if not all(name in facts.typed and facts.types.get(name) for name in node.output if name):
            return None
        for name in node.output:
            if name:
                shape = facts.shapes.get(name)
                context[name] = np.zeros([d or 0 for d in shape] if shape else [], np.float32)
        try:
            execute_node(node, context, graph, opset_version=opset)
        except Exception:
            return None
        results = {name: context[name] for name in node.output if name}
        if not all(isinstance(value, np.ndarray) for value in results.values()):
            return None
        return results


class _Facts:
    """Shapes, element types and value-info presence of a graph's tensors, read once."""

    def __init__(self, graph: Any) -> None:
        self.shapes = shapes(graph)
        self.types = elem_types(graph)
        self.typed = {t.name for t in graph.value_info} | {t.name for t in graph.output}

    def dtype(self, name: str) -> Any:
        """The numpy dtype of tensor ``name`` (float32 where unknown)."""
        return numpy_dtype(self.types.get(name, 0)) or np.float32
