"""Registry: qualified names, short-name priority, ambiguity, suggestions, backends."""

from __future__ import annotations

import pytest
from brainsmith.errors import UnknownComponentError
from brainsmith.plugins.records import (
    AnySpec,
    BackendSpec,
    Form,
    HwTransformSpec,
    KernelSpec,
    Kind,
    PluginRecord,
    TransformSpec,
)
from brainsmith.plugins.registry import Component, Registry


def plugin(namespace: str, *specs: AnySpec) -> list[Component]:
    record = PluginRecord(
        namespace=namespace,
        value=f"bsp_{namespace}:brainsmith_plugin.toml",
        distribution=f"dist-{namespace}",
        version="1.0",
        form=Form.MANIFEST,
        components=specs,
    )
    return [Component(spec, record) for spec in specs]


def t(name: str, namespace: str = "p") -> TransformSpec:
    return TransformSpec(name=name, target=f"{namespace}.t:{name}", stage="graph_cleanup")


def error_text(registry: Registry, kind: Kind, name: str) -> str:
    with pytest.raises(UnknownComponentError) as info:
        registry.find(kind, name)
    return str(info.value)


def test_qualified_and_unique_short_lookup() -> None:
    registry = Registry(
        [*plugin("x", t("FuseScales"), KernelSpec(name="FuseScales", target="p:K"))]
    )
    found = registry.find(Kind.TRANSFORM, "x:FuseScales")
    assert (found.qualified_name, found.kind, found.name) == (
        "x:FuseScales",
        Kind.TRANSFORM,
        "FuseScales",
    )
    assert registry.find(Kind.TRANSFORM, "FuseScales") is found
    assert registry.find(Kind.KERNEL, "FuseScales").kind is Kind.KERNEL


def test_short_name_follows_priority_and_qualified_always_works() -> None:
    components = [*plugin("a", t("T")), *plugin("b", t("T")), *plugin("c", t("T"))]
    registry = Registry(components, priority=["project", "b", "a"])
    assert registry.find(Kind.TRANSFORM, "T").qualified_name == "b:T"
    assert registry.find(Kind.TRANSFORM, "a:T").qualified_name == "a:T"
    assert registry.find(Kind.TRANSFORM, "c:T").qualified_name == "c:T"
    only_c = Registry(components, priority=["c"])
    assert only_c.find(Kind.TRANSFORM, "T").qualified_name == "c:T"


def test_ambiguous_short_name_lists_both_with_distributions() -> None:
    registry = Registry([*plugin("b", t("T")), *plugin("a", t("T"))], priority=["builtin"])
    assert error_text(registry, Kind.TRANSFORM, "T") == (
        "transform 'T' is ambiguous: b:T (dist-b 1.0), a:T (dist-a 1.0)\n"
        "  fix: use the qualified name, or list the namespace you prefer in "
        "[tool.brainsmith] priority"
    )


def test_unknown_name_suggests() -> None:
    registry = Registry([*plugin("x", t("FuseScales"), t("FoldConstants"))])
    assert error_text(registry, Kind.TRANSFORM, "FuseScale") == (
        "no transform named 'FuseScale' (did you mean 'x:FuseScales'?)\n"
        "  fix: run 'brainsmith plugins list' to see the installed plugins; install the "
        "plugin that provides it"
    )
    assert error_text(registry, Kind.TRANSFORM, "y:FuseScales").startswith(
        "no transform named 'y:FuseScales' (did you mean 'x:FuseScales'?)"
    )
    assert error_text(registry, Kind.KERNEL, "Zzz").startswith("no kernel named 'Zzz'\n")


def test_unavailable_namespace_says_why() -> None:
    registry = Registry(
        plugin("x", t("A")), unavailable={"z": "incompatible: requires brainsmith-core>=9"}
    )
    assert error_text(registry, Kind.TRANSFORM, "z:A") == (
        "transform 'z:A': plugin 'z' is not usable: incompatible: requires brainsmith-core>=9\n"
        "  fix: run 'brainsmith plugins check' for details"
    )


def test_all_is_sorted_by_kind_then_qualified_name() -> None:
    registry = Registry(
        [*plugin("b", t("A"), KernelSpec(name="K", target="p:K")), *plugin("a", t("Z"))]
    )
    assert [c.qualified_name for c in registry.all()] == ["b:K", "a:Z", "b:A"]
    assert [c.qualified_name for c in registry.all(Kind.TRANSFORM)] == ["a:Z", "b:A"]
    assert registry.all(Kind.BACKEND) == ()


def test_backends_of_matches_short_and_qualified_kernel_names() -> None:
    conv = KernelSpec(name="Conv", target="x.k:Conv")
    components = [
        *plugin(
            "x",
            conv,
            BackendSpec(name="Conv_hls", target="x.b:H", kernel="Conv", language="hls"),
        ),
        *plugin(
            "y",
            KernelSpec(name="Conv", target="y.k:Conv"),
            BackendSpec(name="Conv_rtl", target="y.b:R", kernel="x:Conv", language="rtl"),
            BackendSpec(name="Own_hls", target="y.b:O", kernel="Conv", language="hls"),
        ),
    ]
    registry = Registry(components)
    kernel = registry.find(Kind.KERNEL, "x:Conv")
    assert [c.qualified_name for c in registry.backends_of(kernel)] == ["x:Conv_hls", "y:Conv_rtl"]
    own = registry.find(Kind.KERNEL, "y:Conv")
    assert [c.qualified_name for c in registry.backends_of(own)] == ["y:Own_hls"]


def test_component_json() -> None:
    (component,) = plugin(
        "x", HwTransformSpec(name="Infer", target="x.i:Infer", kernels=("Conv",), description="d")
    )
    assert component.to_json() == {
        "kind": "hw_transform",
        "name": "Infer",
        "qualified_name": "x:Infer",
        "target": "x.i:Infer",
        "description": "d",
        "kernels": ["Conv"],
    }
