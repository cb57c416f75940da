"""Helpers shared by the compile tests: the models onnx ships and the naive qonnx sequence."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import onnx

PYTORCH_CONVERTED = Path(onnx.__file__).parent / "backend/test/data/pytorch-converted"
PYTORCH_MODELS = ("test_Linear", "test_BatchNorm2d_eval", "test_Conv2d")


def naive(
    proto: onnx.ModelProto, transforms: list[tuple[type, dict[str, Any]]], seed: int = 0
) -> Any:
    """``model = model.transform(T(**options))`` for each transform: the reference result."""
    from qonnx.core.modelwrapper import ModelWrapper

    random.seed(seed)
    model = ModelWrapper(proto.SerializeToString())
    for cls, options in transforms:
        model = model.transform(cls(**options))
    return model
