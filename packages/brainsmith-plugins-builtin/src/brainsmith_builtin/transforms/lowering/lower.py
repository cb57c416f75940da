"""``Lower``: the whole lowering of a Brevitas QONNX export, in the order that works."""

from __future__ import annotations

from typing import Any

from brainsmith import transform
from qonnx.transformation.base import Transformation
from qonnx.transformation.extract_conv_bias import ExtractBiasFromConv
from qonnx.transformation.fold_constants import FoldConstants
from qonnx.transformation.general import GiveUniqueNodeNames
from qonnx.transformation.infer_datatypes import InferDataTypes
from qonnx.transformation.infer_shapes import InferShapes

from .channels_last import ConvertToChannelsLast
from .fold_quant_weights import FoldQuantWeights
from .gemm_to_matmul import GemmToMatMulAdd
from .graph import QUANT_OPS
from .lower_conv import LowerConvToMatMul
from .move_weight_scale import MoveWeightScalePastMatMul
from .quant_act_to_multithreshold import QuantActToMultiThreshold
from .record_unlowered import RecordUnloweredNodes
from .streamline import Streamline


def lowering_steps() -> list[Transformation]:
    """The ordered passes ``Lower`` runs (a blueprint may list the same names instead)."""
    return [
        InferShapes(),
        FoldConstants(exclude_op_types=list(QUANT_OPS)),  # the quantizers are lowered below
        GiveUniqueNodeNames(),
        GemmToMatMulAdd(),
        ExtractBiasFromConv(),
        InferShapes(),
        FoldQuantWeights(),
        QuantActToMultiThreshold(),
        InferShapes(),
        MoveWeightScalePastMatMul(),
        LowerConvToMatMul(),
        InferShapes(),
        Streamline(),
        ConvertToChannelsLast(),
        InferDataTypes(),
        GiveUniqueNodeNames(),
        RecordUnloweredNodes(),
    ]


@transform(name="Lower", stage="topology_optimization")
class Lower(Transformation):  # type: ignore[misc]
    """Lower a quantized QONNX model to integer ``MatMul`` (and ``Im2Col`` + ``MatMul``)
    between ``MultiThreshold`` nodes in NHWC, with the input quantization before the first
    MatMul and the final de-quantisation after the last one left as float software ops.
    Value-preserving. Nodes that could not be lowered keep their form; the reasons are in
    ``model.model.metadata_props['brainsmith.lowering']`` (see ``notes.lowering_notes``)."""

    def apply(self, model: Any) -> tuple[Any, bool]:
        for step in lowering_steps():
            model = model.transform(step)
        return model, False
