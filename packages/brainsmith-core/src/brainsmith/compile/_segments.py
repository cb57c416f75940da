"""Executing a model with custom ops in segments: every maximal run of standard nodes as one
onnxruntime session (built once, run for every input set), each custom node through qonnx.

qonnx's ``execute_onnx`` builds an onnxruntime session for every standard node on every run and
looks up each tensor's datatype and shape with a scan of the graph (quadratic). The result here
is the same: nodes run in qonnx's order (the model is topologically sorted first), a tensor
with an integer QONNX datatype annotation is sanitized where qonnx sanitizes it (a standard
node writing one ends its segment, so its consumers read the sanitized value), and custom
nodes run qonnx's own ``execute_custom_node`` with their output tensors allocated by shape as
qonnx allocates them. Models whose nodes carry subgraphs are not segmented (:func:`segmentable`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ._run import STANDARD_DOMAINS, shapes_specified

if TYPE_CHECKING:
    from qonnx.core.modelwrapper import ModelWrapper


def segmentable(model: ModelWrapper) -> bool:
    """Whether :class:`Segments` can run ``model``: no node carries a subgraph, every tensor
    a node reads or writes has a value info (shapes inferred) or an initializer."""
    from onnx import AttributeProto

    subgraphs = (AttributeProto.GRAPH, AttributeProto.GRAPHS)
    if any(a.type in subgraphs for node in model.graph.node for a in node.attribute):
        return False
    return shapes_specified(model)


@dataclass(frozen=True)
class _Custom:
    node: Any
    opset: int


@dataclass(frozen=True)
class _Standard:
    session: Any
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]


class Segments:
    """``model`` (topologically sorted, shapes inferred; see :func:`segmentable`) prepared
    for repeated execution."""

    def __init__(self, model: ModelWrapper) -> None:
        import numpy as np
        from onnx import helper, numpy_helper
        from qonnx.core.datatype import DataType

        graph = model.graph
        self.graph = graph
        self.valueinfo = {vi.name: vi for vi in (*graph.input, *graph.output, *graph.value_info)}
        self.initializers = {t.name: t for t in graph.initializer}
        self.constants = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
        self.datatypes: dict[str, Any] = {}
        for annotation in graph.quantization_annotation:
            for entry in annotation.quant_parameter_tensor_names:
                if entry.key == "finn_datatype" and DataType[entry.value].is_integer():
                    self.datatypes[annotation.tensor_name] = DataType[entry.value]
        self.empty: dict[str, Any] = {}
        for name, vi in self.valueinfo.items():
            tensor_type = vi.type.tensor_type
            if tensor_type.elem_type:
                shape = [d.dim_value for d in tensor_type.shape.dim]
                dtype = helper.tensor_dtype_to_np_dtype(tensor_type.elem_type)
                self.empty[name] = (shape, dtype)
        self.opsets = {o.domain: o.version for o in model.model.opset_import}
        self.steps: list[_Custom | _Standard] = []
        self._np = np
        self._numpy_helper = numpy_helper
        self._sanitize(list(self.constants), self.constants)
        self._plan(self._translated(self._folded(list(graph.node))))

    def _folded(self, nodes: list[Any]) -> list[Any]:
        """``nodes`` without the custom nodes that read only constants (a weight's ``Quant``):
        each is executed here, once, exactly as :meth:`run` would execute it on every run, and
        its outputs become constants. Halves the session of a QONNX network."""
        remaining: list[Any] = []
        for node in nodes:
            if node.domain in STANDARD_DOMAINS or not all(
                name in self.constants for name in node.input if name
            ):
                remaining.append(node)
                continue
            context: dict[str, Any] = dict.fromkeys(node.input)
            context.update((n, self.constants[n]) for n in node.input if n)
            context[""] = None
            self._execute_custom(_Custom(node, self._opset(node)), context)
            for name in node.output:
                if name:
                    self.constants[name] = context[name]
                    self.initializers[name] = self._numpy_helper.from_array(context[name], name)
        return remaining

    def _opset(self, node: Any) -> int:
        from qonnx.util.basic import get_preferred_qonnx_opset

        return int(self.opsets.get(node.domain, get_preferred_qonnx_opset()))

    def _translated(self, nodes: list[Any]) -> list[Any]:
        """``nodes`` with each QONNX Quant that :func:`._quant_ops.quant_as_standard` computes
        exactly replaced by its standard nodes (so a QONNX MLP runs as one session)."""
        from ._quant_ops import quant_as_standard

        elem_types = {n: vi.type.tensor_type.elem_type for n, vi in self.valueinfo.items()}
        elem_types.update({n: t.data_type for n, t in self.initializers.items()})
        opset = next((v for d, v in self.opsets.items() if d in ("", "ai.onnx")), 0)
        result: list[Any] = []
        for node in nodes:
            translation = quant_as_standard(node, self.constants, elem_types, opset)
            if translation is None:
                result.append(node)
                continue
            standard, initializers = translation
            result += standard
            for tensor in initializers:
                self.initializers[tensor.name] = tensor
                self.constants[tensor.name] = self._numpy_helper.to_array(tensor)
        return result

    def _plan(self, nodes: list[Any]) -> None:
        readers: dict[str, int] = {}
        for position, node in enumerate(nodes):
            for name in node.input:
                readers[name] = position  # the last reader
        outputs = {o.name for o in self.graph.output}
        segment: list[Any] = []
        for position, node in enumerate(nodes):
            if node.domain not in STANDARD_DOMAINS:
                self._close(segment, readers, outputs, position)
                segment = []
                self.steps.append(_Custom(node, self._opset(node)))
                continue
            segment.append(node)
            if any(name in self.datatypes for name in node.output):
                self._close(segment, readers, outputs, position + 1)
                segment = []
        self._close(segment, readers, outputs, len(nodes))

    def _close(
        self, segment: list[Any], readers: dict[str, int], outputs: set[str], after: int
    ) -> None:
        """One onnxruntime session for ``segment`` (the nodes before position ``after``)."""
        import onnxruntime as ort
        from onnx import helper

        if not segment:
            return
        produced = {name for node in segment for name in node.output if name}
        needed: dict[str, None] = {}
        for node in segment:
            for name in node.input:
                if name and name not in produced:
                    needed[name] = None
        inputs = tuple(n for n in needed if n not in self.constants)
        initializers = [self.initializers[n] for n in needed if n in self.constants]
        results = tuple(
            n
            for node in segment
            for n in node.output
            if n and (n in outputs or readers.get(n, -1) >= after)
        )
        graph = helper.make_graph(
            segment,
            "segment",
            [self.valueinfo[n] for n in inputs],
            [self.valueinfo[n] for n in results],
            initializers,
        )
        opsets = [
            helper.make_opsetid(d, v) for d, v in self.opsets.items() if d in STANDARD_DOMAINS
        ]
        proto = helper.make_model(graph, opset_imports=opsets)
        proto.ir_version = 8
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        options.log_severity_level = 3
        # qonnx runs each node in a session whose every tensor is an input; a constant weight
        # here would be pre-packed by onnxruntime (another summation order): not bit-exact
        options.add_session_config_entry("session.disable_prepacking", "1")
        session = ort.InferenceSession(
            proto.SerializeToString(), options, providers=["CPUExecutionProvider"]
        )
        self.steps.append(_Standard(session, inputs, results))

    def run(self, feed: Mapping[str, Any]) -> list[Any]:
        """The outputs, in graph order, for ``feed`` (values by graph input name)."""
        context: dict[str, Any] = dict(self.constants)
        context.update(feed)
        context[""] = None
        self._sanitize(list(feed), context)
        for step in self.steps:
            if isinstance(step, _Standard):
                values = step.session.run(None, {n: context[n] for n in step.inputs})
                context.update(zip(step.outputs, values, strict=True))
                self._sanitize(step.outputs, context)
                continue
            self._execute_custom(step, context)
        return [context[o.name] for o in self.graph.output]

    def _execute_custom(self, step: _Custom, context: dict[str, Any]) -> None:
        """qonnx's execution of one custom node on ``context`` (in place), its inputs and
        outputs sanitized and its outputs allocated by shape as qonnx does."""
        from qonnx.core.execute_custom_node import execute_custom_node

        node = step.node
        self._sanitize(node.input, context)
        for name in node.output:
            if name in self.empty:
                shape, dtype = self.empty[name]
                context[name] = self._np.zeros(shape, dtype=dtype)
        execute_custom_node(node, context, self.graph, onnx_opset_version=step.opset)
        self._sanitize(node.output, context)

    def _sanitize(self, names: Any, context: dict[str, Any]) -> None:
        """qonnx's ``sanitize_quant_values`` on the tensors with an integer datatype."""
        from qonnx.util.basic import sanitize_quant_values

        chosen = [n for n in names if n in self.datatypes and n in context]
        if chosen:
            sanitize_quant_values(_Datatypes(self.datatypes), chosen, context)


class _Datatypes:
    """The one model method ``sanitize_quant_values`` calls, answered from a dictionary."""

    def __init__(self, datatypes: dict[str, Any]) -> None:
        self.datatypes = datatypes

    def get_tensor_datatype(self, name: str) -> Any:
        return self.datatypes[name]
