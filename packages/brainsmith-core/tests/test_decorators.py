"""Decorator sugar: validation at decoration time, records attached to the class."""

from __future__ import annotations

import sys

import pytest
from brainsmith.plugins.decorators import (
    SPEC_ATTRIBUTE,
    backend,
    hw_transform,
    is_qonnx_transformation,
    kernel,
    spec_of,
    transform,
)
from brainsmith.plugins.records import BackendSpec, HwTransformSpec, KernelSpec, TransformSpec


class NotATransformation:
    pass


@kernel
class Conv:
    """A convolution."""


@kernel(name="FIFO", infrastructure=True, description="queue")
class StreamingFIFO:
    """ignored"""


@backend(kernel="finn:MVAU", language="rtl")
class MVAURTL:
    pass


@kernel
class Parent:
    pass


class Child(Parent):
    pass


def test_transform_requires_a_qonnx_transformation() -> None:
    # qonnx is imported here only: the core never imports it to check a transform
    base = pytest.importorskip("qonnx.transformation.base")
    namespace = {"__module__": __name__, "__doc__": "Fuse scales.\n\n    Details."}
    fuse = transform(stage="topology_optimization", author="me")(
        type("FuseScales", (base.Transformation,), namespace)
    )
    assert spec_of(fuse) == TransformSpec(
        name="FuseScales",
        target=f"{__name__}:FuseScales",
        stage="topology_optimization",
        description="Fuse scales.",
        author="me",
    )
    with pytest.raises(TypeError) as info:
        transform(stage="graph_cleanup")(NotATransformation)
    assert str(info.value) == (
        "@transform on 'NotATransformation': must be a subclass of "
        "qonnx.transformation.base.Transformation"
    )
    with pytest.raises(ValueError, match="stage 'no stage' is not a valid name"):
        transform(stage="no stage")(type("T", (base.Transformation,), {"__module__": __name__}))

    infer = hw_transform(kernels=["Conv", "finn:MVAU"], name="InferConv", description="infer")(
        type("Infer", (base.Transformation,), {"__module__": __name__})
    )
    assert spec_of(infer) == HwTransformSpec(
        name="InferConv",
        target=f"{__name__}:Infer",
        kernels=("Conv", "finn:MVAU"),
        description="infer",
    )
    with pytest.raises(TypeError, match="@hw_transform on 'int': must be a subclass"):
        hw_transform(kernels=["K"])(int)


def test_qonnx_check_does_not_import_qonnx(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "qonnx.transformation.base", raising=False)
    assert not is_qonnx_transformation(type("Anything", (), {}))
    assert "qonnx.transformation.base" not in sys.modules


def test_kernel_bare_and_with_options() -> None:
    assert spec_of(Conv) == KernelSpec(
        name="Conv", target=f"{__name__}:{Conv.__qualname__}", description="A convolution."
    )
    assert spec_of(StreamingFIFO) == KernelSpec(
        name="FIFO",
        target=f"{__name__}:{StreamingFIFO.__qualname__}",
        infrastructure=True,
        description="queue",
    )
    assert vars(Conv)[SPEC_ATTRIBUTE] is spec_of(Conv)

    def function() -> None:
        pass

    with pytest.raises(TypeError, match="@kernel decorates classes, not function"):
        kernel(function)


def test_backend_language_validation() -> None:
    assert spec_of(MVAURTL) == BackendSpec(
        name="MVAURTL",
        target=f"{__name__}:{MVAURTL.__qualname__}",
        kernel="finn:MVAU",
        language="rtl",
    )
    with pytest.raises(ValueError) as info:
        backend(kernel="Conv", language="vhdl")(type("ConvVHDL", (), {"__module__": __name__}))
    assert str(info.value) == "backend 'ConvVHDL': language 'vhdl' is not one of hls, rtl"
    with pytest.raises(ValueError, match="kernel 'bad kernel' is not a valid name"):
        backend(kernel="bad kernel", language="hls")(type("B", (), {"__module__": __name__}))


def test_a_class_defined_in_a_function_has_no_importable_target() -> None:
    with pytest.raises(ValueError, match=r"must have the form 'package\.module:attribute'"):

        @kernel
        class Local:
            pass


def test_spec_of() -> None:
    record = KernelSpec(name="K", target="m:K")
    assert spec_of(record) is record
    assert spec_of(Parent).name == "Parent"
    with pytest.raises(TypeError) as info:
        spec_of(Child)
    assert str(info.value) == (
        f"{Child!r} is neither a component record nor decorated with @transform, @kernel, "
        "@backend or @hw_transform"
    )
    with pytest.raises(TypeError, match="is neither a component record"):
        spec_of(3)
