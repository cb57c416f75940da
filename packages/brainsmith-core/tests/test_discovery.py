"""Discovery: entry points + manifests → records, without importing plugin code."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import pytest
from brainsmith.errors import ManifestError
from brainsmith.plugins._discovery import discover, locate_package_file, module_file_exists
from brainsmith.plugins.records import Declaration, Form, KernelSpec, TransformSpec

if TYPE_CHECKING:
    from pathlib import Path

    from conftest import FakeSite

# a package whose import would fail loudly: discovery must never run it
EXPLODING = "raise RuntimeError('plugin code ran during discovery')\n"


def explosive_plugin(site: FakeSite, namespace: str, **kwargs: object) -> str:
    manifest = (
        site.transforms_manifest(
            "Fold", extra='api = ">=1,<2"\nhooks = "{pkg}.hooks"\nrequires = []'
        )
        + '\n[[kernels]]\nname = "K"\ntarget = "{pkg}.kernels:K"\n'
    )
    return site.manifest_plugin(
        namespace,
        manifest,
        files={
            f"bsp_{namespace}/__init__.py": EXPLODING,
            f"bsp_{namespace}/hooks.py": EXPLODING,
            f"bsp_{namespace}/transforms.py": EXPLODING,
            f"bsp_{namespace}/kernels.py": EXPLODING,
        },
        **kwargs,  # type: ignore[arg-type]
    )


def test_manifest_plugin_is_read_without_import(site: FakeSite) -> None:
    pkg = explosive_plugin(site, "x", requires=["brainsmith-core>=0.1", "numpy"])
    (record,) = discover(site.path)
    assert record.namespace == "x"
    assert record.value == f"{pkg}:brainsmith_plugin.toml"
    assert record.distribution == "brainsmith-plugin-x"
    assert record.version == "1.0"
    assert record.requires_dist == ("brainsmith-core>=0.1", "numpy")
    assert record.form is Form.MANIFEST
    assert record.location == str(site.root / pkg / "brainsmith_plugin.toml")
    assert record.error == ""
    assert record.declaration == Declaration(api=">=1,<2", hooks=f"{pkg}.hooks")
    assert record.components == (
        TransformSpec(name="Fold", target=f"{pkg}.transforms:Fold", stage="graph_cleanup"),
        KernelSpec(name="K", target=f"{pkg}.kernels:K"),
    )
    assert not [m for m in sys.modules if m == pkg or m.startswith(pkg + ".")]


def test_listing_and_checking_leave_no_plugin_module_imported(site: FakeSite) -> None:
    pkg = explosive_plugin(site, "x")
    session = site.session()
    assert [str(v.state) for v in session.verdicts()] == ["active"]
    assert session.check() == ()
    assert [c.qualified_name for c in session.find_components()] == ["x:K", "x:Fold"]
    assert not [m for m in sys.modules if m == pkg or m.startswith(pkg + ".")]


def test_sorted_by_namespace_and_other_dists_ignored(site: FakeSite) -> None:
    for namespace in ("zeta", "alpha", "mid"):
        site.manifest_plugin(namespace, "")
    site.fake_dist(
        "unrelated",
        "2.0",
        other_groups={"console_scripts": {"tool": "unrelated:main"}},
    )
    site.fake_dist("no-entry-points", "1")
    assert [r.namespace for r in discover(site.path)] == ["alpha", "mid", "zeta"]


def test_one_distribution_may_publish_several_plugins(site: FakeSite) -> None:
    site.fake_dist(
        "multi",
        "3.1",
        entry_points={"b": "multi:b.toml", "a": "multi.sub:a.toml"},
        files={
            "multi/__init__.py": "",
            "multi/b.toml": "",
            "multi/sub/__init__.py": "",
            "multi/sub/a.toml": '[[kernels]]\nname = "A"\ntarget = "multi.sub:A"\n',
        },
    )
    records = discover(site.path)
    assert [(r.namespace, r.distribution, r.version) for r in records] == [
        ("a", "multi", "3.1"),
        ("b", "multi", "3.1"),
    ]
    assert records[0].location == str(site.root / "multi" / "sub" / "a.toml")
    assert records[0].components == (KernelSpec(name="A", target="multi.sub:A"),)
    assert records[1].components == ()


def test_code_defined_plugin_is_recorded_unimported(site: FakeSite) -> None:
    site.fake_dist(
        "brainsmith-plugin-p",
        "0.3",
        entry_points={"p": "bsp_p.plugin"},
        files={"bsp_p/__init__.py": EXPLODING, "bsp_p/plugin.py": EXPLODING},
    )
    (record,) = discover(site.path)
    assert (record.form, record.value, record.components) == (Form.PLUGGY, "bsp_p.plugin", None)
    assert record.location == str(site.root)
    assert "bsp_p" not in sys.modules


def test_missing_package(site: FakeSite) -> None:
    site.fake_dist("ghost", "1.0", entry_points={"ghost": "ghost_pkg:brainsmith_plugin.toml"})
    (record,) = discover(site.path)
    assert record.form is Form.MANIFEST
    assert record.components is None
    assert record.location == "entry point value 'ghost_pkg:brainsmith_plugin.toml'"
    assert record.error == (
        "entry point value 'ghost_pkg:brainsmith_plugin.toml': package 'ghost_pkg' named by the "
        "entry point is not installed or is not a package"
    )
    assert record.fix == "reinstall the plugin's distribution; its wheel must contain the package"


def test_missing_manifest_file(site: FakeSite) -> None:
    site.fake_dist(
        "nofile", "1.0", entry_points={"nf": "nofile:plugin.toml"}, files={"nofile/__init__.py": ""}
    )
    (record,) = discover(site.path)
    expected = site.root / "nofile" / "plugin.toml"
    assert record.location == str(expected)
    assert record.error == f"{expected}: no file 'plugin.toml' in package 'nofile'"
    assert record.fix


def test_malformed_manifest_is_an_error_record(site: FakeSite) -> None:
    pkg = site.manifest_plugin("bad", "schema = 3\n")
    site.manifest_plugin("good", "")
    bad, good = discover(site.path)
    manifest = site.root / pkg / "brainsmith_plugin.toml"
    assert bad.location == f"{manifest}: schema"
    assert bad.error.startswith(f"{manifest}: schema: schema = 3 is not supported")
    assert (good.namespace, good.error, good.components) == ("good", "", ())


def test_distribution_on_the_path_twice_counts_once(site: FakeSite, tmp_path: Path) -> None:
    second = tmp_path / "second"
    second.mkdir()
    site.manifest_plugin("x", "", version="2.0")
    site.fake_dist(
        "Brainsmith_Plugin.X",  # same canonical name, spelled differently
        "1.0",
        entry_points={"x": "bsp_x:brainsmith-plugin.toml"},  # the older spelling: still read
        files={"bsp_x/__init__.py": "", "bsp_x/brainsmith-plugin.toml": ""},
        root=second,
    )
    records = discover([*site.path, str(second)])
    assert [(r.namespace, r.version) for r in records] == [("x", "2.0")]
    records = discover([str(second), *site.path])
    assert [(r.distribution, r.version) for r in records] == [("Brainsmith_Plugin.X", "1.0")]


def test_locate_package_file_and_module_file_exists(site: FakeSite) -> None:
    site.fake_dist(
        "layout",
        "1",
        files={
            "lay/__init__.py": "",
            "lay/mod.py": "",
            "lay/sub/__init__.py": "",
            "lay/sub/leaf.py": "",
            "lay/data/x.toml": "",
            "single.py": "",
        },
    )
    assert locate_package_file("lay.data", "x.toml", site.path) == site.root / "lay/data/x.toml"
    with pytest.raises(ManifestError, match="package 'single' named by the entry point"):
        locate_package_file("single", "x.toml", site.path)
    assert module_file_exists("lay", site.path)
    assert module_file_exists("single", site.path)
    assert module_file_exists("lay.mod", site.path)
    assert module_file_exists("lay.sub", site.path)
    assert module_file_exists("lay.sub.leaf", site.path)
    assert not module_file_exists("lay.nope", site.path)
    assert not module_file_exists("lay.sub.nope", site.path)
    assert not module_file_exists("nope", site.path)
    assert not module_file_exists("nope.mod", site.path)
    assert "lay" not in sys.modules
