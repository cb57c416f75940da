"""Executing a model for ``--verify``: as one onnxruntime session when every operator is
standard (fast: no per-node sessions), else node by node through qonnx's ``execute_onnx``
(custom ops: QONNX, kernels in their execution modes)."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qonnx.core.modelwrapper import ModelWrapper

MIN_RUNNABLE_OPSET = 7
"""onnxruntime does not implement operators of older standard opsets."""

UPGRADE_OPSET = 11
"""The opset older models are converted to, for execution only."""

STANDARD_DOMAINS = frozenset({"", "ai.onnx", "ai.onnx.ml", "com.microsoft"})
"""Operator domains onnxruntime implements: a model using only these runs as one session."""


def run_model(model: ModelWrapper, inputs: Mapping[str, Any]) -> list[Any]:
    """The model's outputs, in graph order, for ``inputs``.

    Runs a copy when needed: shapes inferred when the model does not specify them all (qonnx
    execution requires them); a model of a standard opset older than onnxruntime supports
    that fails to run is run again lifted to :data:`UPGRADE_OPSET` by onnx's version converter.
    """
    from qonnx.core.modelwrapper import ModelWrapper

    try:
        return _execute(model, inputs)
    except Exception:
        opset = next(
            (o.version for o in model.model.opset_import if o.domain in ("", "ai.onnx")), 0
        )
        if not 0 < opset < MIN_RUNNABLE_OPSET:
            raise
    from onnx import version_converter

    proto = copy.deepcopy(model.model)
    # IR 3 wants every initializer listed as a graph input; qonnx's cleanup removes those
    # entries, which the converter would take for missing tensors. IR 4 lifts the rule.
    proto.ir_version = max(proto.ir_version, 4)
    lifted = version_converter.convert_version(proto, UPGRADE_OPSET)
    return _execute(ModelWrapper(lifted.SerializeToString()), inputs)


def _execute(model: ModelWrapper, inputs: Mapping[str, Any]) -> list[Any]:
    from qonnx.core.onnx_exec import execute_onnx

    runnable = with_shapes(model)
    outputs = execute_onnx(runnable, dict(inputs))
    return [outputs[o.name] for o in runnable.graph.output]


def with_shapes(model: ModelWrapper) -> ModelWrapper:
    """``model`` itself when every tensor has a shape (qonnx's node-by-node execution needs
    them), else a copy with shapes inferred and nodes sorted: qonnx's InferShapes steps (each
    custom node replaced by its shape stand-in, ONNX shape inference, custom nodes put back by
    position) without its quadratic list surgery, per-node graph scans (the custom ops are asked
    through an :class:`~._indexed.IndexedModel`) and ``ModelWrapper`` constructor, then the nodes
    sorted (:func:`~._cleanup.sort_graph`, linear) — not the rest of the cleanup a transform adds:
    execution needs no more."""
    from onnx import NodeProto
    from onnx import shape_inference as onnx_shape_inference
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.custom_op.registry import is_custom_op
    from qonnx.transformation.infer_shapes import _make_shape_compatible_op

    from ._cleanup import sort_graph
    from ._indexed import IndexedModel

    if shapes_specified(model):
        return model
    copied = copy.deepcopy(model)
    view = IndexedModel(copied)
    originals: dict[int, NodeProto] = {}
    for position, node in enumerate(copied.graph.node):
        if is_custom_op(node.domain):
            stand_in = _make_shape_compatible_op(node, view)
            stand_in.name = node.name
            originals[position] = NodeProto()
            originals[position].CopyFrom(node)
            node.CopyFrom(stand_in)
    inferred = onnx_shape_inference.infer_shapes(copied.model)
    for position, original in originals.items():
        inferred.graph.node[position].CopyFrom(original)
    return sort_graph(ModelWrapper(inferred, fix_missing_initializer_valueinfo=False))


def shapes_specified(model: ModelWrapper) -> bool:
    """qonnx's ``check_all_tensor_shapes_specified`` in one sweep: every tensor a node reads or
    writes has a value info or an initializer."""
    graph = model.graph
    known = {vi.name for vi in (*graph.input, *graph.output, *graph.value_info)}
    known.update(t.name for t in graph.initializer)
    return all(name in known for node in graph.node for name in (*node.input, *node.output) if name)


class Runner:
    """Executes one model repeatedly: as one onnxruntime session when every operator is
    standard, else node by node through qonnx (:func:`run_model`), its shapes inferred once
    for every run."""

    def __init__(self, model: ModelWrapper) -> None:
        self.model = model
        self.session: Any = None
        self.standard = all(n.domain in STANDARD_DOMAINS for n in all_nodes(model.graph))
        self.runnable: ModelWrapper | None = None
        self.segments: Any = None
        """The runnable model prepared as :class:`._segments.Segments`, or ``False``."""

    def prepare(self) -> None:
        """Build the onnxruntime session now (a model of standard operators only); raises
        onnxruntime's error when it cannot load the model."""
        if self.standard and self.session is None:
            self.session = _session(self.model)

    def run(self, feed: Mapping[str, Any]) -> list[Any]:
        if not self.standard:
            return self._run_custom(feed)
        self.prepare()
        names = [i.name for i in self.session.get_inputs()]
        return list(self.session.run(None, {n: feed[n] for n in names}))

    def _run_custom(self, feed: Mapping[str, Any]) -> list[Any]:
        """A model with custom ops: in segments (:mod:`._segments`) when it can, else node by
        node through qonnx (which also says what fails)."""
        import onnxruntime as ort

        from ._segments import Segments, segmentable

        # qonnx's custom ops (channels_last) build sessions of their own with onnxruntime's
        # default logger, whose warnings go to stderr (even under --quiet): errors only
        ort.set_default_logger_severity(3)
        if self.runnable is None:
            try:
                self.runnable = with_shapes(self.model)
            except Exception:  # run_model lifts old opsets and says what fails
                return run_model(self.model, feed)
        if self.segments is None:
            try:
                ready = segmentable(self.runnable)
                self.segments = Segments(self.runnable) if ready else False
            except Exception:
                self.segments = False
        if self.segments is not False:
            try:
                return list(self.segments.run(feed))
            except Exception:
                self.segments = False
        return run_model(self.runnable, feed)


def _session(model: ModelWrapper) -> Any:
    """An onnxruntime session for ``model`` without graph optimisations (they may reorder
    float arithmetic); a model of a standard opset onnxruntime no longer implements is lifted
    to :data:`UPGRADE_OPSET` first."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    options.log_severity_level = 4  # fatal only: a failed run is an exception, handled
    proto = model.model
    opset = next((o.version for o in proto.opset_import if o.domain in ("", "ai.onnx")), 0)
    if 0 < opset < MIN_RUNNABLE_OPSET:
        from onnx import version_converter

        proto = copy.deepcopy(proto)
        proto.ir_version = max(proto.ir_version, 4)
        proto = version_converter.convert_version(proto, UPGRADE_OPSET)
    return ort.InferenceSession(
        proto.SerializeToString(), options, providers=["CPUExecutionProvider"]
    )


def all_nodes(graph: Any) -> list[Any]:
    """Every node of ``graph`` and of its subgraphs (If/Loop/Scan bodies)."""
    nodes = []
    for node in graph.node:
        nodes.append(node)
        for attribute in node.attribute:
            for sub in (
                (attribute.g, *attribute.graphs) if attribute.HasField("g") else attribute.graphs
            ):
                nodes += all_nodes(sub)
    return nodes


def error_line(exc: BaseException) -> str:
    """The first line of ``exc``'s message, without onnxruntime's ``[ONNXRuntimeError] : 9 :
    NOT_IMPLEMENTED :`` and ``Non-zero status code ... Status Message: <source file>:<line>``
    noise; a :class:`~brainsmith.errors.BrainsmithError`'s own message."""
    import re

    from ..errors import BrainsmithError

    text = (exc.message if isinstance(exc, BrainsmithError) else str(exc)).strip()
    if not text:
        return type(exc).__name__
    line = re.sub(r"^\[ONNXRuntimeError\] : \d+ : \w+ : ", "", text.splitlines()[0])
    return re.sub(r"Status Message: \S+:\d+ ", "", line)
