"""The hardware contract: folding, kernel base behaviour, backend dispatch, lazy registration."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from brainsmith.hardware import (
    EXEC_MODES,
    FoldingParameter,
    HLSBackend,
    HWKernel,
    KernelNodeError,
    NodeAttrTypes,
    RTLBackend,
    Shape,
    divisors,
    install_custom_ops,
    is_kernel_node,
    kernel_domain,
    target_loader,
)
from onnx import TensorProto, helper
from qonnx.core.datatype import DataType
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.core.onnx_exec import execute_onnx
from qonnx.custom_op.registry import getCustomOp
from qonnx.transformation.infer_datatypes import InferDataTypes
from qonnx.transformation.infer_shapes import InferShapes
from qonnx.util.basic import qonnx_make_model

DOMAIN = kernel_domain("contracttest")


class Negate(HWKernel):
    """A toy kernel: y = -x over ``NumChannels`` channels, ``PE`` channels per cycle."""

    def get_nodeattr_types(self) -> NodeAttrTypes:
        return {
            **super().get_nodeattr_types(),
            "NumChannels": ("i", True, 0),
            "PE": ("i", False, 1),
            "dataType": ("s", True, ""),
            "numInputVectors": ("ints", False, [1]),
        }

    def get_normal_input_shape(self, ind: int = 0) -> Shape:
        return (*self.get_ints("numInputVectors"), self.get_int("NumChannels"))

    def get_folded_input_shape(self, ind: int = 0) -> Shape:
        pe = self.get_int("PE")
        return (*self.get_ints("numInputVectors"), self.get_int("NumChannels") // pe, pe)

    get_normal_output_shape = get_normal_input_shape
    get_folded_output_shape = get_folded_input_shape

    def get_input_datatype(self, ind: int = 0) -> Any:
        return self.get_datatype("dataType")

    def get_output_datatype(self, ind: int = 0) -> Any:
        return self.get_datatype("dataType")

    def get_exp_cycles(self) -> int:
        return int(np.prod(self.get_folded_output_shape()[:-1]))

    def folding_parameters(self) -> dict[str, FoldingParameter]:
        return {"PE": FoldingParameter("PE", "NumChannels", self.get_int("NumChannels"))}

    def execute_node(self, context: dict[str, Any], graph: Any) -> None:
        x = self.check_input_shape(context)
        context[self.onnx_node.output[0]] = (-x).astype(np.float32)


class Negate_hls(HLSBackend, Negate):
    def generate_hls(self, out_dir: Path) -> list[Path]:
        path = out_dir / "negate.cpp"
        path.write_text("// toy\n")
        return [path]

    def execute_cppsim(self, context: dict[str, Any], graph: Any) -> None:
        # stands in for a compiled simulation: marks its output so the test sees which ran
        context[self.onnx_node.output[0]] = -context[self.onnx_node.input[0]] + 1000


class Negate_rtl(RTLBackend, Negate):
    def generate_rtl(self, out_dir: Path) -> list[Path]:
        return []

    def execute_rtlsim(self, context: dict[str, Any], graph: Any) -> None:
        context[self.onnx_node.output[0]] = -context[self.onnx_node.input[0]] + 2000


def negate_model(op_type: str = "Negate", **attrs: Any) -> ModelWrapper:
    attrs = {"NumChannels": 6, "PE": 2, "dataType": "INT4", "numInputVectors": [2], **attrs}
    node = helper.make_node(op_type, ["x"], ["y"], domain=DOMAIN, name="neg0", **attrs)
    graph = helper.make_graph(
        [node],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 6])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
    )
    model = ModelWrapper(qonnx_make_model(graph))
    model.set_tensor_datatype("x", DataType["INT4"])
    return model


@pytest.fixture(autouse=True, scope="module")
def registered() -> None:
    install_custom_ops(
        (DOMAIN, cls.__name__, lambda cls=cls: cls) for cls in (Negate, Negate_hls, Negate_rtl)
    )


def test_divisors() -> None:
    assert divisors(1) == (1,)
    assert divisors(12) == (1, 2, 3, 4, 6, 12)
    assert divisors(49) == (1, 7, 49)
    assert divisors(97) == (1, 97)
    for n in range(1, 200):
        assert divisors(n) == tuple(d for d in range(1, n + 1) if n % d == 0)
    for bad in (0, -4, 2.0, True):
        with pytest.raises(ValueError, match="positive integer"):
            divisors(bad)  # type: ignore[arg-type]


def test_folding_parameter() -> None:
    p = FoldingParameter("SIMD", "MW", 24)
    assert p.legal_values == (1, 2, 3, 4, 6, 8, 12, 24)
    assert p.is_legal(8) and not p.is_legal(5)
    assert p.fold(6) == 4
    with pytest.raises(ValueError, match=r"SIMD=5 does not divide MW=24"):
        p.fold(5)


def test_kernel_domain() -> None:
    assert kernel_domain("builtin") == "brainsmith.builtin"
    assert kernel_domain("my-plugin_2") == "brainsmith.my-plugin_2"
    for bad in ("", "a.b", "a b"):
        with pytest.raises(ValueError, match="namespace"):
            kernel_domain(bad)


def test_shapes_widths_and_cycles() -> None:
    op = getCustomOp(negate_model(dataType="INT5").graph.node[0])
    assert isinstance(op, Negate)
    assert op.get_folded_input_shape() == (2, 3, 2)
    assert op.get_instream_width() == 10
    assert op.get_instream_width_padded() == 16
    assert op.get_outstream_width_padded() == 16
    assert op.get_number_output_values() == 6
    assert op.get_exp_cycles() == 6
    assert op.get_nodeattr("exec_mode") == "python"
    assert {"python", "cppsim", "rtlsim"} == EXEC_MODES


def test_execute_shape_and_datatype_inference() -> None:
    model = negate_model()
    x = np.arange(-6, 6, dtype=np.float32).reshape(2, 6)
    y = execute_onnx(model, {"x": x})["y"]
    np.testing.assert_array_equal(y, -x)
    model = model.transform(InferShapes()).transform(InferDataTypes())
    assert model.get_tensor_shape("y") == [2, 6]
    assert model.get_tensor_datatype("y") == DataType["INT4"]


def test_check_folding_names_node_parameter_and_legal_values() -> None:
    op = getCustomOp(negate_model(PE=4).graph.node[0])
    with pytest.raises(KernelNodeError) as info:
        op.verify_node()
    text = str(info.value)
    assert "Negate node 'neg0'" in text
    assert "PE=4 does not divide NumChannels=6" in text
    assert "[1, 2, 3, 6]" in text
    assert isinstance(info.value, ValueError)


def test_verify_node_checks_inputs_datatypes_and_exec_mode() -> None:
    model = negate_model(dataType="FOO")
    with pytest.raises(KernelNodeError, match=r"dataType='FOO' is not a qonnx datatype"):
        getCustomOp(model.graph.node[0]).get_input_datatype()
    model = negate_model()
    model.graph.node[0].input.append("x")
    with pytest.raises(KernelNodeError, match="has 2 inputs, expected 1"):
        getCustomOp(model.graph.node[0]).verify_node()
    model = negate_model(exec_mode="cppsim")
    with pytest.raises(KernelNodeError, match="exec_mode='cppsim' is not supported"):
        getCustomOp(model.graph.node[0]).verify_node()
    getCustomOp(negate_model("Negate_hls", exec_mode="cppsim").graph.node[0]).verify_node()


@pytest.mark.parametrize(
    ("op_type", "mode", "offset"),
    [
        ("Negate_hls", "python", 0),
        ("Negate_hls", "cppsim", 1000),
        ("Negate_rtl", "python", 0),
        ("Negate_rtl", "rtlsim", 2000),
        ("Negate_rtl", "cppsim", 0),  # RTL asked for cppsim runs the golden model
    ],
)
def test_backend_dispatch_on_exec_mode(op_type: str, mode: str, offset: int) -> None:
    model = negate_model(op_type, exec_mode=mode)
    x = np.arange(-6, 6, dtype=np.float32).reshape(2, 6)
    np.testing.assert_array_equal(execute_onnx(model, {"x": x})["y"], -x + offset)


def test_hls_backend_refuses_rtlsim() -> None:
    model = negate_model("Negate_hls", exec_mode="rtlsim")
    with pytest.raises(KernelNodeError, match="exec_mode='rtlsim' is not available for a hls"):
        execute_onnx(model, {"x": np.zeros((2, 6), dtype=np.float32)})


def test_backend_mixin_must_come_first() -> None:
    with pytest.raises(TypeError, match="list the backend mixin before the kernel class"):

        class Wrong_hls(Negate, HLSBackend):
            pass


def test_install_custom_ops_is_lazy() -> None:
    calls: list[str] = []

    def loader() -> type[Negate]:
        calls.append("loaded")
        return type("LazyNegate", (Negate,), {})

    install_custom_ops([(DOMAIN, "LazyNegate", loader)])
    model = negate_model("LazyNegate")
    assert calls == []  # registering and building a graph load nothing
    x = np.ones((2, 6), dtype=np.float32)
    np.testing.assert_array_equal(execute_onnx(model, {"x": x})["y"], -x)
    assert calls == ["loaded"]
    execute_onnx(model, {"x": x})
    assert isinstance(getCustomOp(model.graph.node[0]), Negate)
    assert calls == ["loaded"]  # once, however often nodes are instantiated


def test_a_fallback_registration_keeps_the_existing_one() -> None:
    """A plugin's own registration (replace=False) must not override a session's."""
    calls: list[str] = []

    def first() -> type[Negate]:
        calls.append("session")
        return type("KeptNegate", (Negate,), {})

    def second(name: str = "KeptNegate") -> type[Negate]:
        calls.append("fallback")
        return type(name, (Negate,), {})

    install_custom_ops([(DOMAIN, "KeptNegate", first)])
    install_custom_ops([(DOMAIN, "KeptNegate", second)], replace=False)
    x = np.ones((2, 6), dtype=np.float32)
    execute_onnx(negate_model("KeptNegate"), {"x": x})
    assert calls == ["session"]
    fresh = [(DOMAIN, "FreshNegate", lambda: second("FreshNegate"))]
    install_custom_ops(fresh, replace=False)  # not known yet: registered
    execute_onnx(negate_model("FreshNegate"), {"x": x})
    assert calls == ["session", "fallback"]


def test_install_custom_ops_rejects_bad_names() -> None:
    install_custom_ops([(DOMAIN, "Misnamed", lambda: Negate)])
    with pytest.raises(TypeError, match="named exactly as its op_type"):
        getCustomOp(negate_model("Misnamed").graph.node[0])
    with pytest.raises(ValueError, match="opset version"):
        install_custom_ops([(DOMAIN, "Thing_v2", lambda: Negate)])


def test_target_loader() -> None:
    load = target_loader("qonnx.custom_op.general.multithreshold:MultiThreshold")
    assert load().__name__ == "MultiThreshold"
    with pytest.raises(ValueError, match=r"package\.module:ClassName"):
        target_loader("no_colon")
    with pytest.raises(TypeError, match="not a qonnx CustomOp"):
        target_loader("pathlib:Path")()


def test_is_kernel_node() -> None:
    assert is_kernel_node(helper.make_node("MVAU", [], [], domain="brainsmith.builtin"))
    assert is_kernel_node(
        helper.make_node("MVAU_hls", [], [], domain="finn.custom_op.fpgadataflow.hls")
    )
    assert not is_kernel_node(helper.make_node("MatMul", [], []))
    assert not is_kernel_node(
        helper.make_node("MultiThreshold", [], [], domain="qonnx.custom_op.general")
    )


def test_import_brainsmith_does_not_import_hardware() -> None:
    code = "import brainsmith, sys; print(sorted(m for m in sys.modules if 'hardware' in m))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
