"""``InferMVAU``: integer MatMul (plus a following MultiThreshold) -> ``MVAU``."""

from __future__ import annotations

from typing import Any

from brainsmith import hw_transform
from brainsmith.hardware import record_declined

from .inference import (
    QONNX_DOMAIN,
    KernelInference,
    Unmet,
    accumulator_datatype,
    initializer,
    integer_datatype,
    integer_thresholds,
    known_shape,
    multithreshold_problem,
    own_initializer,
    threshold_output,
)


@hw_transform(kernels=["MVAU"])
class InferMVAU(KernelInference):
    """Map ``MatMul(x, W)`` with an integer ``x`` and a constant integer ``W`` ``[MW, MH]`` to
    an ``MVAU`` (PE = SIMD = 1), fusing the one ``MultiThreshold`` that consumes it when its
    ``out_scale`` is 1, its ``out_bias`` an integer (becoming ``ActVal``) and its thresholds
    per output channel over the last axis; otherwise ``noActivation=1`` (output = accumulator,
    annotated with the narrowest datatype holding it). After FINN's
    ``InferQuantizedMatrixVectorActivation``.

    A bipolar activation (``out_dtype=BIPOLAR, out_scale=2, out_bias=-1``, one threshold per
    channel: ``y = 2 * count - 1``) is fused too: the MVAU gets ``outputDataType=BIPOLAR`` and
    ``ActVal=0``, which the kernel ignores for a BIPOLAR output (it implies ``2 * count - 1``).

    Declined (recorded): a dynamic or non-2-D ``W``, a non-integer ``x`` or ``W`` annotation,
    weights outside their datatype, an unknown or rank-1 input shape. A MultiThreshold that
    cannot be fused is recorded too, with the reason.
    """

    kernel = "MVAU"
    candidates = frozenset({("", "MatMul")})

    def map_node(self, model: Any, node: Any) -> None:
        x_name, w_name = node.input[0], node.input[1]
        weights = initializer(model, w_name, "weights")
        if weights.ndim != 2:
            raise Unmet(f"weights {w_name!r} have shape {list(weights.shape)}, expected [MW, MH]")
        idt = integer_datatype(model, x_name, "input")
        wdt = integer_datatype(model, w_name, "weights")
        if not all(wdt.allowed(v) for v in weights.flat):
            raise Unmet(f"weights {w_name!r} hold values outside their datatype {wdt.name}")
        shape = known_shape(model, x_name, "input")
        mw, mh = (int(d) for d in weights.shape)
        if len(shape) < 2 or shape[-1] != mw:
            raise Unmet(f"input {x_name!r} has shape {shape}; expected [..., {mw}] (rank >= 2)")
        adt = accumulator_datatype(idt, weights)
        attrs: dict[str, Any] = {
            "MW": mw,
            "MH": mh,
            "SIMD": 1,
            "PE": 1,
            "inputDataType": idt.name,
            "weightDataType": wdt.name,
            "accDataType": adt.name,
            "numInputVectors": shape[:-1],
        }
        threshold = self._fusable_threshold(model, node, mh)
        if threshold is None:
            new = self.kernel_node(
                node,
                [x_name, w_name],
                [node.output[0]],
                outputDataType=adt.name,
                noActivation=1,
                **attrs,
            )
            self.replace(model, [node], new, adt)
            return
        odt, act_val = threshold_output(threshold)
        values, tdt = integer_thresholds(
            model.get_initializer(threshold.input[1]), (1, mh), "thresholds"
        )
        t_name = own_initializer(model, threshold, 1, values, tdt)
        new = self.kernel_node(
            node,
            [x_name, w_name, t_name],
            [threshold.output[0]],
            outputDataType=odt.name,
            noActivation=0,
            ActVal=act_val,
            **attrs,
        )
        self.replace(model, [node, threshold], new, odt)

    def _fusable_threshold(self, model: Any, node: Any, mh: int) -> Any | None:
        out = node.output[0]
        consumers = model.find_consumers(out)
        if len(consumers) != 1:
            return None
        mt = consumers[0]
        if (mt.domain, mt.op_type) != (QONNX_DOMAIN, "MultiThreshold") or mt.input[0] != out:
            return None
        if out in {t.name for t in model.graph.output}:
            problem: str | None = f"the MatMul output {out!r} is also a graph output"
        else:
            problem = multithreshold_problem(model, mt, mh)
        if problem is not None:
            record_declined(model, mt, self.kernel, f"not fused into MVAU {node.name!r}: {problem}")
            return None
        return mt
