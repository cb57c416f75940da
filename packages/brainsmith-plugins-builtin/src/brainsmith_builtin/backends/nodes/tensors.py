"""The parameter tensors (weights, thresholds) of a backend node, from an execution context or a
model's initializers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from brainsmith.hardware import HWKernel


def parameter_tensors(node: HWKernel, model: Any | None) -> dict[str, Any]:
    """``{input name: initializer}`` for every input of ``node`` that ``model`` holds as an
    initializer; ``{}`` without a model."""
    if model is None:
        return {}
    tensors = {}
    for name in node.onnx_node.input:
        value = model.get_initializer(name) if name else None
        if value is not None:
            tensors[name] = value
    return tensors


def parameter(node: HWKernel, tensors: Mapping[str, Any], ind: int, what: str) -> Any:
    """The parameter tensor feeding input ``ind`` of ``node`` (``what`` names it in errors).

    Raises :class:`~brainsmith.hardware.KernelNodeError` when it is not in ``tensors``: the
    input is not a constant initializer, or code generation was called without the model.
    """
    inputs = node.onnx_node.input
    if ind >= len(inputs) or not inputs[ind]:
        raise node.error(f"has no input {ind} ({what})")
    name = inputs[ind]
    if name not in tensors:
        raise node.error(
            f"input {ind} ({what}, {name!r}) is not available as a constant tensor",
            fix="make it an initializer of the model, and pass the model to generate_hls / "
            "generate_rtl",
        )
    return tensors[name]
