"""``Streamline``: the streamlining rules run to a fixed point."""

from __future__ import annotations

from typing import Any

from brainsmith import transform
from qonnx.transformation.base import Transformation
from qonnx.transformation.batchnorm_to_affine import BatchNormToAffine
from qonnx.transformation.infer_datatypes import InferDataTypes
from qonnx.transformation.infer_shapes import InferShapes

from .absorb_into_threshold import AbsorbAddIntoMultiThreshold, AbsorbMulIntoMultiThreshold
from .collapse_affine import CollapseRepeatedAffine
from .factor_sign_into_weights import FactorSignIntoWeights
from .move_add import MoveAddForward
from .move_mul import MoveMulForward
from .round_thresholds import RoundAndClipThresholds

MAX_ROUNDS = 200


def run_to_fixed_point(model: Any, rules: list[Transformation]) -> Any:
    """Apply each rule until it stops matching, round after round, until a whole round changes
    nothing. Raises ``RuntimeError`` if ``MAX_ROUNDS`` rounds do not converge (two rules undo
    each other: a bug in the rule set)."""
    for _ in range(MAX_ROUNDS):
        changed = False
        for rule in rules:
            while True:
                model, modified = rule.apply(model)
                if not modified:
                    break
                changed = True
                model = model.transform(InferShapes(), cleanup=False, make_deepcopy=False)
        if not changed:
            return model.cleanup()
    raise RuntimeError(f"the rules {[type(r).__name__ for r in rules]} did not converge")


@transform(name="Streamline", stage="topology_optimization")
class Streamline(Transformation):  # type: ignore[misc]
    """BatchNorm to affine (qonnx ``BatchNormToAffine``), then to a fixed point:
    ``MoveAddForward``, ``MoveMulForward``, ``CollapseRepeatedAffine``,
    ``AbsorbAddIntoMultiThreshold``, ``FactorSignIntoWeights``,
    ``AbsorbMulIntoMultiThreshold``; then ``InferDataTypes`` and ``RoundAndClipThresholds``.
    Value-preserving; afterwards the MatMuls between thresholds read integer tensors."""

    def apply(self, model: Any) -> tuple[Any, bool]:
        model = model.transform(BatchNormToAffine()).transform(InferShapes())
        rules: list[Transformation] = [
            MoveAddForward(),
            MoveMulForward(),
            CollapseRepeatedAffine(),
            AbsorbAddIntoMultiThreshold(),
            FactorSignIntoWeights(),
            AbsorbMulIntoMultiThreshold(),
        ]
        model = run_to_fixed_point(model, rules)
        model = model.transform(InferDataTypes()).transform(RoundAndClipThresholds())
        return model.transform(InferDataTypes()), False
