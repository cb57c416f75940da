"""Component records: validation at construction, immutability, JSON fields."""

from __future__ import annotations

import dataclasses

import pytest
from brainsmith.plugins.records import (
    SPEC_TYPES,
    STAGES,
    BackendSpec,
    Declaration,
    Form,
    HwTransformSpec,
    KernelSpec,
    Kind,
    PluginRecord,
    TransformSpec,
    check_name,
    check_target,
)


def test_stages_are_the_default_order() -> None:
    assert STAGES == (
        "graph_cleanup",
        "topology_optimization",
        "kernel_mapping",
        "kernel_optimization",
        "graph_optimization",
    )


@pytest.mark.parametrize("name", ["FuseScales", "_x", "a.b-c_1"])
def test_check_name_accepts(name: str) -> None:
    assert check_name(name) == name


@pytest.mark.parametrize("name", ["", "1abc", "a b", "ns:Name", None, 3])
def test_check_name_rejects(name: object) -> None:
    with pytest.raises(ValueError, match=r"is not a valid name"):
        check_name(name, "kernel")


def test_check_name_message_names_the_field() -> None:
    with pytest.raises(ValueError) as info:
        check_name("a b", "stage")
    assert str(info.value).startswith("stage 'a b' is not a valid name")


@pytest.mark.parametrize("target", ["pkg:Cls", "pkg.mod:Cls.inner", "_p.m2:_f"])
def test_check_target_accepts(target: str) -> None:
    assert check_target(target) == target


@pytest.mark.parametrize("target", ["pkg", "pkg:", ":Cls", "pkg:Cls:x", "pkg/mod:Cls", 1])
def test_check_target_rejects(target: object) -> None:
    with pytest.raises(ValueError, match=r"must have the form 'package.module:attribute'"):
        check_target(target)


def test_kind_names() -> None:
    assert [k.plural for k in Kind] == ["transforms", "kernels", "backends", "hw_transforms"]
    assert str(Kind.HW_TRANSFORM) == "hw_transform"
    assert {k: t.kind for k, t in SPEC_TYPES.items()} == {k: k for k in Kind}


def test_transform_spec_fields_and_immutability() -> None:
    spec = TransformSpec(name="T", target="p.m:T", stage="graph_cleanup", description="d")
    assert spec.kind is Kind.TRANSFORM
    assert spec.fields() == {"stage": "graph_cleanup"}
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.name = "U"  # type: ignore[misc]


def test_transform_spec_rejects_bad_stage_and_target() -> None:
    with pytest.raises(ValueError, match=r"^stage 'bad stage' is not a valid name"):
        TransformSpec(name="T", target="p.m:T", stage="bad stage")
    with pytest.raises(ValueError, match=r"target 'p.m' must have the form"):
        TransformSpec(name="T", target="p.m", stage="graph_cleanup")


def test_kernel_spec_fields() -> None:
    assert KernelSpec(name="K", target="p:K").fields() == {"infrastructure": False}
    assert KernelSpec(name="F", target="p:F", infrastructure=True).fields() == {
        "infrastructure": True
    }


def test_backend_spec_accepts_qualified_kernel_and_checks_language() -> None:
    spec = BackendSpec(name="K_hls", target="p:KH", kernel="finn:MVAU", language="hls")
    assert spec.fields() == {"kernel": "finn:MVAU", "language": "hls"}
    with pytest.raises(ValueError) as info:
        BackendSpec(name="K_v", target="p:KV", kernel="K", language="vhdl")  # type: ignore[arg-type]
    assert str(info.value) == "backend 'K_v': language 'vhdl' is not one of hls, rtl"


def test_hw_transform_spec_kernels() -> None:
    spec = HwTransformSpec(name="Infer", target="p:I", kernels=("K", "finn:MVAU"))
    assert spec.fields() == {"kernels": ["K", "finn:MVAU"]}
    with pytest.raises(ValueError, match="kernels must be a tuple of names"):
        HwTransformSpec(name="Infer", target="p:I", kernels="K")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="kernels must be a tuple of names"):
        HwTransformSpec(name="Infer", target="p:I", kernels=["K"])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="kernel 'a b' is not a valid name"):
        HwTransformSpec(name="Infer", target="p:I", kernels=("a b",))


def test_records_compare_by_value() -> None:
    a = KernelSpec(name="K", target="p:K", metadata=(("a", "1"),))
    b = KernelSpec(name="K", target="p:K", metadata=(("a", "1"),))
    assert a == b
    assert hash(a) == hash(b)


def test_plugin_record_label_and_defaults() -> None:
    record = PluginRecord(
        namespace="x",
        value="pkg:brainsmith_plugin.toml",
        distribution="d-x",
        version="1.2",
        form=Form.MANIFEST,
    )
    assert record.label == "x (d-x 1.2)"
    assert record.components is None
    assert record.declaration == Declaration()
    assert str(Form.LEGACY) == "legacy"
