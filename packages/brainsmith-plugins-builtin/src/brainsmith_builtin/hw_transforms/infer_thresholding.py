"""``InferThresholding``: MultiThreshold on an integer channels-last input -> ``Thresholding``."""

from __future__ import annotations

from typing import Any

from brainsmith import hw_transform

from .inference import (
    QONNX_DOMAIN,
    KernelInference,
    Unmet,
    integer_datatype,
    integer_thresholds,
    known_shape,
    multithreshold_problem,
    own_initializer,
    threshold_output,
)


@hw_transform(kernels=["Thresholding"])
class InferThresholding(KernelInference):
    """Map a qonnx ``MultiThreshold(x, T)`` to ``Thresholding`` (PE = 1) when ``x`` is integer,
    the thresholds are constant, per channel (or shared) over the last (channels-last) axis,
    ``out_scale`` is 1 and ``out_bias`` an integer (``ActVal``). Thresholds are rounded up and
    sorted (exact for integer inputs). After FINN's ``InferThresholdingLayer``. The bipolar
    activation (``out_dtype=BIPOLAR, out_scale=2, out_bias=-1``, one threshold per channel)
    maps to ``outputDataType=BIPOLAR`` with ``ActVal=0`` (ignored: the kernel outputs
    ``2 * count - 1``).

    Run after ``InferMVAU``, which fuses the thresholds that follow a MatMul. Declined
    (recorded): a float input (e.g. the input quantiser: it stays in software pre-processing),
    a scaled or channels-first output, dynamic thresholds.
    """

    kernel = "Thresholding"
    candidates = frozenset({(QONNX_DOMAIN, "MultiThreshold")})

    def map_node(self, model: Any, node: Any) -> None:
        x_name = node.input[0]
        idt = integer_datatype(model, x_name, "input")
        shape = known_shape(model, x_name, "input")
        channels = shape[-1]
        problem = multithreshold_problem(model, node, channels)
        if problem is not None:
            raise Unmet(problem)
        values, tdt = integer_thresholds(
            model.get_initializer(node.input[1]), (1, channels), "thresholds"
        )
        t_name = own_initializer(model, node, 1, values, tdt)
        odt, act_val = threshold_output(node)
        new = self.kernel_node(
            node,
            [x_name, t_name],
            [node.output[0]],
            NumChannels=channels,
            PE=1,
            numSteps=int(values.shape[1]),
            inputDataType=idt.name,
            weightDataType=tdt.name,
            outputDataType=odt.name,
            ActVal=act_val,
            numInputVectors=shape[:-1],
        )
        self.replace(model, [node], new, odt)
