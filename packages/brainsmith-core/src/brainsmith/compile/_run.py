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
    from qonnx.transformation.infer_shapes import InferShapes

    runnable = model
    if not runnable.check_all_tensor_shapes_specified():
        runnable = copy.deepcopy(runnable).transform(InferShapes())
    outputs = execute_onnx(runnable, dict(inputs))
    return [outputs[o.name] for o in runnable.graph.output]


class Runner:
    """Executes one model repeatedly: as one onnxruntime session when every operator is
    standard, else node by node through qonnx (:func:`run_model`)."""

    def __init__(self, model: ModelWrapper) -> None:
        self.model = model
        self.session: Any = None
        self.standard = all(n.domain in STANDARD_DOMAINS for n in all_nodes(model.graph))

    def prepare(self) -> None:
        """Build the onnxruntime session now (a model of standard operators only); raises
        onnxruntime's error when it cannot load the model."""
        if self.standard and self.session is None:
            self.session = _session(self.model)

    def run(self, feed: Mapping[str, Any]) -> list[Any]:
        if not self.standard:
            return run_model(self.model, feed)
        self.prepare()
        names = [i.name for i in self.session.get_inputs()]
        return list(self.session.run(None, {n: feed[n] for n in names}))


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
