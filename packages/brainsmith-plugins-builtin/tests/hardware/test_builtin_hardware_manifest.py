"""The builtin manifest's kernels and hw_transforms: targets exist, specs match, loading is lazy."""

from __future__ import annotations

import importlib
import subprocess
import sys
import tomllib
from importlib import resources
from typing import Any

from brainsmith.hardware import HLSBackend, HWKernel, RTLBackend
from qonnx.transformation.base import Transformation


def entries(kind: str) -> list[dict[str, Any]]:
    text = resources.files("brainsmith_builtin").joinpath("brainsmith_plugin.toml").read_text()
    return list(tomllib.loads(text)[kind])


def target(entry: dict[str, Any]) -> Any:
    module, _, attr = entry["target"].partition(":")
    return getattr(importlib.import_module(module), attr)


def test_kernels_are_hwkernels_named_as_their_op_type_with_matching_specs() -> None:
    names = set()
    for entry in entries("kernels"):
        cls = target(entry)
        assert issubclass(cls, HWKernel) and cls.__name__ == entry["name"]
        spec = cls.__brainsmith_spec__
        assert (spec.name, spec.target, spec.infrastructure) == (
            entry["name"],
            entry["target"],
            entry.get("infrastructure", False),
        )
        assert "Cycles per frame" in (cls.__doc__ or ""), entry["name"]
        names.add(entry["name"])
    assert names == {
        "MVAU",
        "Thresholding",
        "ConvolutionInputGenerator",
        "StreamingMaxPool",
        "AddStreams",
        "LayerNorm",
        "StreamingFIFO",
        "StreamingDataWidthConverter",
    }


def test_backends_are_backend_mixins_of_their_kernel_with_matching_specs() -> None:
    kernels = {e["name"]: target(e) for e in entries("kernels")}
    found = set()
    for entry in entries("backends"):
        cls = target(entry)
        assert cls.__name__ == entry["name"] == f"{entry['kernel']}_{entry['language']}"
        mixin = HLSBackend if entry["language"] == "hls" else RTLBackend
        assert issubclass(cls, mixin) and issubclass(cls, kernels[entry["kernel"]])
        assert cls.__mro__.index(mixin) < cls.__mro__.index(kernels[entry["kernel"]])
        spec = cls.__brainsmith_spec__
        assert (spec.name, spec.target, spec.kernel, spec.language) == (
            entry["name"],
            entry["target"],
            entry["kernel"],
            entry["language"],
        )
        found.add(entry["name"])
    assert found == {
        *(f"{k}_hls" for k in ("MVAU", "Thresholding", "ConvolutionInputGenerator")),
        *(f"{k}_hls" for k in ("StreamingMaxPool", "AddStreams", "LayerNorm")),
        *(f"{k}_rtl" for k in ("MVAU", "Thresholding", "StreamingFIFO")),
        "StreamingDataWidthConverter_rtl",
    }


def test_hw_transforms_are_transformations_with_matching_specs() -> None:
    kernels = {e["name"] for e in entries("kernels")}
    for entry in entries("hw_transforms"):
        cls = target(entry)
        assert issubclass(cls, Transformation)
        spec = cls.__brainsmith_spec__
        assert (spec.name, spec.target, list(spec.kernels)) == (
            entry["name"],
            entry["target"],
            entry["kernels"],
        )
        assert set(entry["kernels"]) <= kernels


def test_installing_builtin_kernels_imports_no_kernel_until_a_node_runs() -> None:
    code = """
import sys
import numpy as np
from onnx import TensorProto, helper
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.core.onnx_exec import execute_onnx
from qonnx.util.basic import qonnx_make_model
from brainsmith_builtin.kernels.registration import install_builtin_kernels

def loaded():
    return sorted(m for m in sys.modules if m.startswith("brainsmith_builtin.kernels."))

install_builtin_kernels()
print(loaded())
node = helper.make_node("AddStreams", ["a", "b"], ["y"], domain="brainsmith.builtin",
    NumChannels=2, inputDataTypes=["INT2", "INT2"], outputDataType="INT3", numInputVectors=[1])
vi = [helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, 2]) for n in "aby"]
model = ModelWrapper(qonnx_make_model(helper.make_graph([node], "g", vi[:2], vi[2:])))
one = np.ones((1, 2), dtype=np.float32)
print(execute_onnx(model, {"a": one, "b": one})["y"].tolist())
print(loaded())
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    lines = out.stdout.splitlines()
    assert lines[0] == "['brainsmith_builtin.kernels.registration']"
    assert lines[1] == "[[2.0, 2.0]]"
    assert "brainsmith_builtin.kernels.add_streams" in lines[2]
    assert "brainsmith_builtin.kernels.mvau" not in lines[2]
