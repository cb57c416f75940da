"""Whether ``--verify`` can run a model, decided before anything is compiled.

Verification executes the original model and compares. When that cannot work, compiling first
and then reporting "not verified" wastes the compile and hides the reason; the compile is
refused up front instead (exit 2), naming the operator or type and why:

* an input or output of an element type numpy and onnxruntime's Python API cannot exchange
  (bfloat16, the 8-, 4- and 2-bit float and integer types);
* an input of a kind no values can be drawn for (a map, a sparse tensor), without ``--inputs``;
* a model of standard operators that onnxruntime cannot load — an operator (at that opset, for
  those types) it does not implement; the message is onnxruntime's, which names the node;
* an operator of another domain that is not a registered QONNX custom op (nothing can execute
  it node by node).

A model that can be verified passes through; its prepared :class:`~._run.Runner` is handed on
to verification so the original's session is built once. Without ``--verify`` nothing here
runs: a model is never refused for what only verification needs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import BrainsmithError
from ._run import STANDARD_DOMAINS, Runner, all_nodes, error_line

if TYPE_CHECKING:
    from qonnx.core.modelwrapper import ModelWrapper

UNEXCHANGEABLE = {
    16: "bfloat16",
    17: "float8e4m3fn",
    18: "float8e4m3fnuz",
    19: "float8e5m2",
    20: "float8e5m2fnuz",
    21: "uint4",
    22: "int4",
    23: "float4e2m1",
    24: "float8e8m0",
    25: "uint2",
    26: "int2",
}
"""ONNX element types (``TensorProto.DataType``) onnxruntime's Python API cannot pass to a
session as numpy arrays (onnxruntime 1.2x)."""

RETURNED_AS_BYTES = frozenset({17})
"""Of those, the types a session does return (float8e4m3fn: its bytes, as uint8; compared
bit for bit)."""

NO_VERIFY_FIX = "compile without --verify (the compile itself does not need to run the model)"


class UnverifiableModelError(BrainsmithError):
    """``--verify`` cannot execute the model: an unsupported operator or type. Exit 2."""


def check_verifiable(model: ModelWrapper, *, inputs_given: bool, where: str) -> Runner:
    """The runner that will execute the original ``model`` for verification, prepared.

    :param inputs_given: the user supplied the inputs (``--inputs``): no values are drawn.
    :param where: how errors name the model (its path).
    :raises UnverifiableModelError: naming the first input/output, operator or type that
        verification cannot handle, and why.
    """
    from ._inputs_for import undrawable

    for kind, values in (("input", model.graph.input), ("output", model.graph.output)):
        for vi in values:
            unexchangeable = _unexchangeable(vi.type, output=kind == "output")
            if unexchangeable is not None:
                raise UnverifiableModelError(
                    f"--verify cannot run this model: {kind} {vi.name!r} is {unexchangeable}, "
                    "a type onnxruntime's Python API exchanges with no numpy array",
                    where=where,
                    fix=NO_VERIFY_FIX,
                )
    if not inputs_given:
        reason = undrawable(model)
        if reason is not None:
            raise UnverifiableModelError(
                f"--verify cannot run this model: {reason}",
                where=where,
                fix="give the inputs with --inputs FILE.npz, or " + NO_VERIFY_FIX,
            )
    runner = Runner(model)
    if runner.standard:
        try:
            runner.prepare()
        except Exception as exc:
            raise UnverifiableModelError(
                "--verify cannot run this model: onnxruntime cannot load it: " + error_line(exc),
                where=where,
                fix=NO_VERIFY_FIX,
            ) from None
        return runner
    unknown = _unknown_custom_op(model)
    if unknown is not None:
        raise UnverifiableModelError(
            f"--verify cannot run this model: {unknown}",
            where=where,
            fix="install the plugin that provides it ('brainsmith plugins list'), or "
            + NO_VERIFY_FIX,
        )
    return runner


def _unexchangeable(type_: Any, *, output: bool) -> str | None:
    """The unexchangeable element type inside ``type_`` (a tensor, or a sequence/optional of
    one) of an input (or an ``output``), or ``None``."""
    which = type_.WhichOneof("value")
    if which == "tensor_type":
        element = type_.tensor_type.elem_type
        return None if output and element in RETURNED_AS_BYTES else UNEXCHANGEABLE.get(element)
    if which in ("sequence_type", "optional_type"):
        found = _unexchangeable(getattr(type_, which).elem_type, output=output)
        return None if found is None else f"a {which.split('_')[0]} of {found}"
    return None


def _unknown_custom_op(model: ModelWrapper) -> str | None:
    """The first node of a non-standard domain that qonnx cannot resolve to a custom op."""
    from qonnx.custom_op.registry import getCustomOp

    for node in all_nodes(model.graph):
        if node.domain in STANDARD_DOMAINS:
            continue
        try:
            getCustomOp(node)
        except Exception as exc:
            return (
                f"operator {node.op_type} of domain {node.domain!r} (node {node.name!r}) is "
                "neither implemented by onnxruntime nor a registered QONNX custom op "
                f"({error_line(exc)})"
            )
    return None
