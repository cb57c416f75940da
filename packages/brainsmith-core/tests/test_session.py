"""Session: lazy activation, check() without imports, isolation of failures, requirements."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import pytest
from brainsmith.errors import PluginError, UnknownComponentError
from brainsmith.plugins._resolve import Problem, State
from brainsmith.plugins.records import Kind

if TYPE_CHECKING:
    from conftest import FakeSite, ProjectDir

CODE_PLUGIN = """
from brainsmith import hookimpl
from brainsmith.plugins.decorators import kernel


@kernel
class Pool:
    pass


@hookimpl
def brainsmith_kernels():
    return [Pool]
"""


def add_code_plugin(site: FakeSite, namespace: str, body: str = CODE_PLUGIN) -> str:
    pkg = f"cp_{namespace}"
    site.fake_dist(
        f"brainsmith-plugin-{namespace}",
        "2.0",
        entry_points={namespace: f"{pkg}.plugin"},
        files={f"{pkg}/__init__.py": "", f"{pkg}/plugin.py": body},
    )
    return pkg


def add_manifest_plugin(site: FakeSite, namespace: str, extra: str = "") -> str:
    return site.manifest_plugin(
        namespace,
        site.transforms_manifest("Fold", extra=extra),
        files={f"bsp_{namespace}/transforms.py": "class Fold:\n    pass\n"},
    )


def states(session_verdicts: tuple[object, ...]) -> dict[str, str]:
    return {v.namespace: str(v.state) for v in session_verdicts}  # type: ignore[attr-defined]


def test_code_plugin_is_activated_on_first_lookup(site: FakeSite) -> None:
    pkg = add_code_plugin(site, "cp")
    add_manifest_plugin(site, "mf")
    session = site.session()
    assert states(session.verdicts()) == {"cp": "not activated", "mf": "active"}
    # a manifest plugin's component is found without importing anything
    fold = session.component(Kind.TRANSFORM, "Fold")
    assert fold.qualified_name == "mf:Fold"
    assert f"{pkg}.plugin" not in sys.modules
    pool = session.component(Kind.KERNEL, "Pool")
    assert pool.qualified_name == "cp:Pool"
    assert f"{pkg}.plugin" in sys.modules
    assert states(session.verdicts()) == {"cp": "active", "mf": "active"}
    assert session.plugin_manager.get_plugin("cp") is sys.modules[f"{pkg}.plugin"]
    assert session.load(pool) is sys.modules[f"{pkg}.plugin"].Pool


def test_qualified_lookup_activates_only_that_namespace(site: FakeSite) -> None:
    one = add_code_plugin(site, "one")
    two = add_code_plugin(site, "two")
    session = site.session()
    assert session.component(Kind.KERNEL, "two:Pool").qualified_name == "two:Pool"
    assert f"{two}.plugin" in sys.modules
    assert f"{one}.plugin" not in sys.modules


def test_load_imports_the_target_only_then(site: FakeSite) -> None:
    pkg = add_manifest_plugin(site, "mf")
    session = site.session()
    component = session.component(Kind.TRANSFORM, "mf:Fold")
    assert f"{pkg}.transforms" not in sys.modules
    fold = session.load(component)
    assert fold is sys.modules[f"{pkg}.transforms"].Fold


def test_check_finds_missing_modules_without_importing(site: FakeSite) -> None:
    pkg = site.manifest_plugin(
        "mf",
        'hooks = "{pkg}.hooks"\n'
        '[[transforms]]\nname = "A"\nstage = "graph_cleanup"\ntarget = "{pkg}.transforms:A"\n'
        '[[transforms]]\nname = "B"\nstage = "graph_cleanup"\ntarget = "{pkg}.nothere:B"\n'
        '[[kernels]]\nname = "K"\ntarget = "other_missing_pkg.k:K"\n',
        files={
            "bsp_mf/__init__.py": "raise RuntimeError('imported')\n",
            "bsp_mf/transforms.py": "raise RuntimeError('imported')\n",
        },
    )
    session = site.session()
    manifest = site.root / pkg / "brainsmith_plugin.toml"
    assert session.check() == (
        Problem(
            "error",
            "mf",
            "brainsmith-plugin-mf",
            "1.0",
            f"hooks module: module '{pkg}.hooks' is not installed",
            f"fix the manifest {manifest}, or install what provides '{pkg}'",
        ),
        Problem(
            "error",
            "mf",
            "brainsmith-plugin-mf",
            "1.0",
            f"transform B: module '{pkg}.nothere' is not installed",
            f"fix the manifest {manifest}, or install what provides '{pkg}'",
        ),
        Problem(
            "error",
            "mf",
            "brainsmith-plugin-mf",
            "1.0",
            "kernel K: module 'other_missing_pkg.k' is not installed",
            f"fix the manifest {manifest}, or install what provides 'other_missing_pkg'",
        ),
    )
    assert not [m for m in sys.modules if m.startswith(pkg)]


def test_activation_failure_is_broken_and_others_keep_working(site: FakeSite) -> None:
    add_code_plugin(site, "bad", "raise ImportError('cannot load native lib')\n")
    good = add_code_plugin(site, "good")
    add_manifest_plugin(site, "mf")
    session = site.session()
    assert session.check() == (
        Problem(
            "error",
            "bad",
            "brainsmith-plugin-bad",
            "2.0",
            "importing 'cp_bad.plugin' raised ImportError: cannot load native lib "
            f"(at {site.root / 'cp_bad' / 'plugin.py'}:1)",
            "report it to the maintainers of brainsmith-plugin-bad, or disable the plugin "
            '(BRAINSMITH_PLUGINS or [tool.brainsmith] disable = ["bad"])',
        ),
    )
    assert states(session.verdicts()) == {"bad": "broken", "good": "active", "mf": "active"}
    assert session.component(Kind.KERNEL, "Pool").qualified_name == "good:Pool"
    assert f"{good}.plugin" in sys.modules
    assert [r.namespace for r in session.active_plugins()] == ["good", "mf"]
    with pytest.raises(PluginError) as info:
        session.activate("bad")
    assert str(info.value) == (
        "plugin bad (brainsmith-plugin-bad 2.0): importing 'cp_bad.plugin' raised "
        f"ImportError: cannot load native lib (at {site.root / 'cp_bad' / 'plugin.py'}:1)"
    )
    with pytest.raises(UnknownComponentError) as lookup:
        session.component(Kind.KERNEL, "bad:Pool")
    assert lookup.value.message == (
        "kernel 'bad:Pool': plugin 'bad' is not usable: broken: importing 'cp_bad.plugin' "
        f"raised ImportError: cannot load native lib (at {site.root / 'cp_bad' / 'plugin.py'}:1)"
    )


def test_activation_follows_requires(site: FakeSite) -> None:
    base = add_code_plugin(site, "base")
    add_manifest_plugin(site, "app", extra='requires = ["base>=2"]')
    session = site.session()
    assert session.resolution.order == ("base", "app")
    session.activate("app")
    assert f"{base}.plugin" in sys.modules
    assert states(session.verdicts()) == {"app": "active", "base": "active"}


def test_activating_unusable_or_unknown_plugins(site: FakeSite) -> None:
    add_manifest_plugin(site, "mf")
    session = site.session(environ={"BRAINSMITH_PLUGINS": "other"})
    with pytest.raises(PluginError) as info:
        session.activate("mf")
    assert str(info.value) == (
        "plugin 'mf' is disabled: not named by BRAINSMITH_PLUGINS\n"
        "  fix: run 'brainsmith plugins check' for details"
    )
    with pytest.raises(PluginError, match="plugin 'nope' is not installed"):
        session.activate("nope")
    assert session.describe("mf") == "mf (brainsmith-plugin-mf 1.0)"
    assert session.describe("nope") == "nope"


def test_settings_from_the_project(site: FakeSite, project_dir: ProjectDir) -> None:
    add_manifest_plugin(site, "a")
    add_manifest_plugin(site, "b")
    project_dir.write('disable = ["b"]\npriority = ["b", "a"]\n')
    session = site.session(cwd=project_dir.path)
    assert session.settings.source == str(project_dir.pyproject)
    assert states(session.verdicts()) == {"a": "active", "b": "disabled"}
    assert session.component(Kind.TRANSFORM, "Fold").qualified_name == "a:Fold"
    assert session.problems() == ()


def test_namespace_collision_in_session(site: FakeSite) -> None:
    add_manifest_plugin(site, "x")
    site.fake_dist(
        "other-x",
        "9.0",
        entry_points={"x": "ox:brainsmith_plugin.toml"},
        files={"ox/__init__.py": "", "ox/brainsmith_plugin.toml": ""},
    )
    session = site.session()
    assert [(v.distribution, str(v.state)) for v in session.verdicts()] == [
        ("brainsmith-plugin-x", "incompatible"),
        ("other-x", "incompatible"),
    ]
    with pytest.raises(UnknownComponentError, match="plugin 'x' is not usable: incompatible"):
        session.component(Kind.TRANSFORM, "x:Fold")


def test_pins_read_installed_versions(site: FakeSite, project_dir: ProjectDir) -> None:
    add_manifest_plugin(site, "a")
    site.fake_dist("helper-lib", "0.5")
    project_dir.write('plugins = ["brainsmith-plugin-a>=1", "helper_lib>=1", "absent-dist"]\n')
    session = site.session(cwd=project_dir.path)
    assert [p.reason for p in session.problems()] == [
        f"pinned as 'absent-dist' in {project_dir.pyproject} but not installed",
        f"version 0.5 does not satisfy the pin 'helper_lib>=1' in {project_dir.pyproject}",
    ]


def test_check_requirements(site: FakeSite) -> None:
    add_manifest_plugin(site, "a")
    add_code_plugin(site, "cp")
    session = site.session()
    session.check_requirements(
        ["brainsmith-plugin-a>=1", "Brainsmith_Plugin_CP==2.0", "brainsmith-core>=0.1"], "bp.yaml"
    )
    with pytest.raises(PluginError) as info:
        session.check_requirements(
            ["brainsmith-plugin-a>=3", "nothere", "bad req !!", "brainsmith-core>=99"], "bp.yaml"
        )
    assert str(info.value).startswith(
        "bp.yaml: unmet plugin requirement(s):\n"
        "    brainsmith-plugin-a>=3: brainsmith-plugin-a 1.0 is installed\n"
        "    nothere: not installed (or not usable)\n"
        "    'bad req !!' is not a PEP 508 requirement ("
    )
    assert "\n    brainsmith-core>=99: brainsmith-core 0.1.0 is installed\n" in str(info.value)
    assert info.value.fix == (
        "pip install the listed requirements, or run 'brainsmith plugins check'"
    )


def test_find_components_activates_code_plugins(site: FakeSite) -> None:
    add_code_plugin(site, "cp")
    add_manifest_plugin(site, "mf")
    session = site.session()
    assert [c.qualified_name for c in session.registry.all()] == ["mf:Fold"]
    assert [c.qualified_name for c in session.find_components()] == ["cp:Pool", "mf:Fold"]
    assert [c.qualified_name for c in session.find_components(Kind.KERNEL)] == ["cp:Pool"]
    assert session.verdicts()[0].state is State.ACTIVE


def test_a_plugin_that_fails_to_activate_leaves_the_registry(site: FakeSite) -> None:
    """A manifest plugin's components are known before its code runs; when its hooks module
    then fails to import, the registry must drop them (it is derived, never reset by hand)."""
    site.manifest_plugin(
        "mf",
        site.transforms_manifest("Fold", extra='hooks = "bsp_mf.hooks"'),
        files={
            "bsp_mf/transforms.py": "class Fold:\n    pass\n",
            "bsp_mf/hooks.py": "raise RuntimeError('broken hooks')\n",
        },
    )
    session = site.session()
    assert session.component(Kind.TRANSFORM, "Fold").qualified_name == "mf:Fold"
    with pytest.raises(PluginError, match="broken hooks"):
        session.activate("mf")
    with pytest.raises(UnknownComponentError, match="plugin 'mf' is not usable: broken"):
        session.component(Kind.TRANSFORM, "mf:Fold")
    assert session.registry.all(Kind.TRANSFORM) == ()


def test_a_step_names_a_transform_or_an_hw_transform(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``Session.step`` finds an hw_transform without building the did-you-mean of a
    transform it is not (difflib over every name: half of validating builtin:dataflow), and
    an unknown name still gets suggestions from both kinds."""
    from brainsmith import _suggest
    from brainsmith.plugins import Session, registry

    session = Session.from_environment()
    suggested: list[str] = []
    real = _suggest.did_you_mean

    def counting(name: str, known: object) -> str:
        suggested.append(name)
        return real(name, known)  # type: ignore[arg-type]

    monkeypatch.setattr(_suggest, "did_you_mean", counting)
    monkeypatch.setattr(registry, "did_you_mean", counting)
    assert session.step("builtin:InferMVAU").kind is Kind.HW_TRANSFORM
    assert session.step("InferMVAU").kind is Kind.HW_TRANSFORM
    assert session.step("qonnx:InferShapes").kind is Kind.TRANSFORM
    assert suggested == []
    with pytest.raises(UnknownComponentError, match="InferMVAU"):
        session.step("InferMVAX")
