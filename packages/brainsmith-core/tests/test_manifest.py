"""Manifest parsing: every error names the file and the field at fault."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

import pytest
from brainsmith.errors import ManifestError
from brainsmith.plugins._manifest import SCHEMA, parse_manifest, read_manifest
from brainsmith.plugins.records import (
    BackendSpec,
    Declaration,
    HwTransformSpec,
    KernelSpec,
    TransformSpec,
)

if TYPE_CHECKING:
    from pathlib import Path

FULL = """
schema = 1
api = ">=1,<2"
hooks = "bsp_x.hooks"
requires = ["builtin>=0.1"]
conflicts = ["legacy-x"]
description = "X plugin"

[[transforms]]
name = "FuseScales"
stage = "topology_optimization"
target = "bsp_x.transforms:FuseScales"
description = "fuse"
author = "me"
metadata = { paper = "arXiv:1", year = 2024 }

[[kernels]]
name = "Conv2D"
target = "bsp_x.kernels:Conv2D"

[[kernels]]
name = "FIFO"
target = "bsp_x.kernels:FIFO"
infrastructure = true

[[backends]]
name = "Conv2D_hls"
kernel = "Conv2D"
language = "hls"
target = "bsp_x.backends:Conv2DHLS"

[[hw_transforms]]
name = "InferConv2D"
kernels = ["Conv2D"]
target = "bsp_x.infer:InferConv2D"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "brainsmith_plugin.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def error_of(tmp_path: Path, text: str) -> ManifestError:
    path = write(tmp_path, text)
    with pytest.raises(ManifestError) as info:
        read_manifest(path)
    return info.value


def test_full_manifest(tmp_path: Path) -> None:
    manifest = read_manifest(write(tmp_path, FULL))
    assert manifest.declaration == Declaration(
        api=">=1,<2",
        hooks="bsp_x.hooks",
        requires=("builtin>=0.1",),
        conflicts=("legacy-x",),
        description="X plugin",
    )
    assert manifest.components == (
        TransformSpec(
            name="FuseScales",
            target="bsp_x.transforms:FuseScales",
            stage="topology_optimization",
            description="fuse",
            author="me",
            metadata=(("paper", "arXiv:1"), ("year", "2024")),
        ),
        KernelSpec(name="Conv2D", target="bsp_x.kernels:Conv2D"),
        KernelSpec(name="FIFO", target="bsp_x.kernels:FIFO", infrastructure=True),
        BackendSpec(
            name="Conv2D_hls", target="bsp_x.backends:Conv2DHLS", kernel="Conv2D", language="hls"
        ),
        HwTransformSpec(name="InferConv2D", target="bsp_x.infer:InferConv2D", kernels=("Conv2D",)),
    )


def test_empty_manifest_defaults_to_current_schema(tmp_path: Path) -> None:
    manifest = read_manifest(write(tmp_path, ""))
    assert SCHEMA == 1
    assert manifest.declaration == Declaration()
    assert manifest.components == ()


def test_same_name_in_two_kinds_is_allowed(tmp_path: Path) -> None:
    manifest = read_manifest(
        write(
            tmp_path,
            """
            [[kernels]]
            name = "Conv"
            target = "p:Conv"
            [[hw_transforms]]
            name = "Conv"
            kernels = ["Conv"]
            target = "p:InferConv"
            """,
        )
    )
    assert [c.name for c in manifest.components] == ["Conv", "Conv"]


def test_unknown_top_level_key(tmp_path: Path) -> None:
    error = error_of(tmp_path, 'schema = 1\ntransform = []\nname = "x"\n')
    path = tmp_path / "brainsmith_plugin.toml"
    assert error.where == str(path)
    assert (
        error.message
        == "unknown key(s) 'name', 'transform' (did you mean 'transforms', 'hw_transforms'?)"
    )
    assert error.fix == (
        "use one of: schema, api, hooks, requires, conflicts, description, blueprints, "
        "transforms, kernels, backends, hw_transforms"
    )
    assert str(error).startswith(f"{path}: unknown key(s) 'name', 'transform' (did you")


def test_unknown_component_key(tmp_path: Path) -> None:
    error = error_of(
        tmp_path,
        """
        [[transforms]]
        name = "T"
        stage = "graph_cleanup"
        target = "p:T"
        [[kernels]]
        name = "K"
        target = "p:K"
        stage = "graph_cleanup"
        """,
    )
    assert error.where == f"{tmp_path / 'brainsmith_plugin.toml'}: kernels[0]"
    assert error.message == "unknown key(s) 'stage' (did you mean 'target'?)"
    assert error.fix == ("use one of: name, target, description, author, metadata, infrastructure")


@pytest.mark.parametrize(
    ("table", "missing"),
    [
        ('[[transforms]]\nname = "T"\ntarget = "p:T"\n', "stage"),
        ('[[transforms]]\nstage = "graph_cleanup"\ntarget = "p:T"\n', "name"),
        ('[[kernels]]\nname = "K"\n', "target"),
        ('[[backends]]\nname = "B"\ntarget = "p:B"\nlanguage = "hls"\n', "kernel"),
        ('[[backends]]\nname = "B"\ntarget = "p:B"\nkernel = "K"\n', "language"),
        ('[[hw_transforms]]\nname = "H"\ntarget = "p:H"\n', "kernels"),
    ],
)
def test_missing_required_key(tmp_path: Path, table: str, missing: str) -> None:
    error = error_of(tmp_path, table)
    kind = table[2:].partition("]")[0]
    assert error.where == f"{tmp_path / 'brainsmith_plugin.toml'}: {kind}[0]"
    assert error.message == f"missing required key {missing!r}"


def test_bad_stage_name(tmp_path: Path) -> None:
    error = error_of(
        tmp_path, '[[transforms]]\nname = "T"\nstage = "graph cleanup"\ntarget = "p:T"\n'
    )
    assert error.where.endswith("brainsmith_plugin.toml: transforms[0]")
    assert error.message.startswith("stage 'graph cleanup' is not a valid name")


def test_bad_target(tmp_path: Path) -> None:
    error = error_of(
        tmp_path,
        """
        [[kernels]]
        name = "A"
        target = "p:A"
        [[kernels]]
        name = "B"
        target = "p.B"
        """,
    )
    assert error.where == f"{tmp_path / 'brainsmith_plugin.toml'}: kernels[1]"
    assert error.message.startswith("target 'p.B' must have the form 'package.module:attribute'")


def test_bad_language(tmp_path: Path) -> None:
    error = error_of(
        tmp_path,
        '[[backends]]\nname = "B"\ntarget = "p:B"\nkernel = "K"\nlanguage = "vhdl"\n',
    )
    assert error.where.endswith(": backends[0]")
    assert error.message == "backend 'B': language 'vhdl' is not one of hls, rtl"


def test_backend_kernel_not_a_string(tmp_path: Path) -> None:
    error = error_of(
        tmp_path, '[[backends]]\nname = "B"\ntarget = "p:B"\nkernel = 3\nlanguage = "hls"\n'
    )
    assert error.where.endswith(": backends[0].kernel")
    assert error.message == "expected a string, got int 3"


def test_duplicate_component(tmp_path: Path) -> None:
    error = error_of(
        tmp_path,
        """
        [[transforms]]
        name = "T"
        stage = "graph_cleanup"
        target = "p:T"
        [[transforms]]
        name = "T"
        stage = "kernel_mapping"
        target = "p:T2"
        """,
    )
    assert error.where == f"{tmp_path / 'brainsmith_plugin.toml'}: transforms[1]"
    assert error.message == "transform 'T' is declared twice"
    assert error.fix == "give each component of one kind a unique name"


def test_bad_toml(tmp_path: Path) -> None:
    error = error_of(tmp_path, "schema = \n")
    assert error.where == str(tmp_path / "brainsmith_plugin.toml")
    assert error.message.startswith("invalid TOML: ")


def test_wrong_schema(tmp_path: Path) -> None:
    error = error_of(tmp_path, "schema = 2\n")
    assert error.where == f"{tmp_path / 'brainsmith_plugin.toml'}: schema"
    assert error.message == "schema = 2 is not supported by this core (it reads schema 1)"
    assert error.fix == "upgrade brainsmith-core, or write the manifest in schema 1"


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ManifestError) as info:
        read_manifest(tmp_path / "nope.toml")
    assert info.value.where == str(tmp_path / "nope.toml")
    assert info.value.message == "manifest file not found"


@pytest.mark.parametrize(
    ("text", "field", "message"),
    [
        ("api = 1\n", "api", "expected a string, got int 1"),
        ('api = "one"\n', "api", "'one' is not a version specifier"),
        ('requires = "builtin"\n', "requires", "expected a list of strings, got str 'builtin'"),
        ("conflicts = [1]\n", "conflicts[0]", "expected a string, got int 1"),
        ("hooks = []\n", "hooks", "expected a string, got list []"),
        ('transforms = "T"\n', "transforms", "expected a list of mappings, got str 'T'"),
        ("transforms = [1]\n", "transforms[0]", "expected a mapping, got int 1"),
    ],
)
def test_bad_top_level_values(tmp_path: Path, text: str, field: str, message: str) -> None:
    error = error_of(tmp_path, text)
    assert error.where == f"{tmp_path / 'brainsmith_plugin.toml'}: {field}"
    assert error.message == message


def test_bad_component_values(tmp_path: Path) -> None:
    error = error_of(tmp_path, "kernels = [1]\n")
    assert (error.where.rpartition(": ")[2], error.message) == (
        "kernels[0]",
        "expected a mapping, got int 1",
    )
    error = error_of(tmp_path, '[[hw_transforms]]\nname = "H"\ntarget = "p:H"\nkernels = "K"\n')
    assert error.where.endswith(": hw_transforms[0].kernels")
    assert error.message == "expected a list of strings, got str 'K'"
    error = error_of(tmp_path, '[[kernels]]\nname = "K"\ntarget = "p:K"\nmetadata = 1\n')
    assert error.where.endswith(": kernels[0].metadata")
    assert error.message == "expected a table of strings, got int 1"


def test_parse_manifest_uses_where() -> None:
    with pytest.raises(ManifestError) as info:
        parse_manifest({"bogus": 1}, where="inline")
    assert str(info.value).startswith("inline: unknown key(s) 'bogus'")


def test_flags_and_texts_are_type_checked(tmp_path: Path) -> None:
    path = tmp_path / "brainsmith_plugin.toml"
    path.write_text('schema = 1\n[[kernels]]\nname = "K"\ntarget = "m:K"\ninfrastructure = "no"\n')
    with pytest.raises(ManifestError) as info:
        read_manifest(path)
    assert str(info.value) == (
        f"{path}: kernels[0].infrastructure: expected true or false, got str 'no'\n"
        "  fix: true for kernels the compiler inserts (FIFOs)"
    )
    path.write_text('schema = 1\n[[kernels]]\nname = "K"\ntarget = "m:K"\ndescription = 3\n')
    with pytest.raises(ManifestError) as info:
        read_manifest(path)
    assert str(info.value).startswith(
        f"{path}: kernels[0].description: expected a string, got int 3\n  fix: "
    )


def test_unknown_component_key_suggests_and_missing_keys_are_listed(tmp_path: Path) -> None:
    error = error_of(tmp_path, '[[backends]]\nname = "B"\ntarget = "p:B"\nlangauge = "hls"\n')
    assert error.where.endswith(": backends[0]")
    assert error.message == "unknown key(s) 'langauge' (did you mean 'language'?)"
    error = error_of(tmp_path, '[[backends]]\nname = "B"\ntarget = "p:B"\n')
    assert error.message == "missing required keys 'kernel', 'language'"
    assert "language (hls or rtl)" in error.fix
