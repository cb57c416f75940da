"""The plugin author's kit, end to end: ``plugins new`` → ``uv build`` → a fresh venv → the
project's own tests → ``plugins validate`` → ``plugins list`` → a compile using the component;
every validate finding provoked by breaking the scaffold; ``plugins install`` against a local
``--find-links`` folder of wheels."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.integration

UV = shutil.which("uv")


def brainsmith(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The CLI of the development environment (the running interpreter)."""
    return subprocess.run(
        [sys.executable, "-m", "brainsmith.cli", *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
    )


def new_project(parent: Path, name: str, kind: str = "transform") -> Path:
    result = brainsmith("plugins", "new", name, "--kind", kind, "-o", parent)
    assert result.returncode == 0, result.stderr
    return parent / f"brainsmith-plugin-{name}"


def build(project: Path, out: Path) -> Path:
    assert UV is not None
    staging = project.parent / "wheel"
    subprocess.run(
        [UV, "build", "--wheel", "--quiet", "--out-dir", str(staging), str(project)],
        check=True,
        capture_output=True,
        text=True,
    )
    (wheel,) = staging.glob("*.whl")
    out.mkdir(parents=True, exist_ok=True)
    return Path(shutil.move(wheel, out / wheel.name))


def install_with_test_extra(venv: Any, *wheels: Path) -> None:
    """Install each plugin wheel into ``venv`` with its ``test`` extra (brainsmith's pytest
    plugin, ``brainsmith-core[testing]``), the core resolved to the wheelhouse's wheel."""
    assert UV is not None
    core = str(venv.wheelhouse.wheel("brainsmith-core"))
    plugins = [f"{w.name.split('-')[0]}[test] @ {w.as_uri()}" for w in wheels]
    command = [UV, "pip", "install", "--quiet", "--python", str(venv.python), core, *plugins]
    subprocess.run(command, check=True, capture_output=True, text=True)


def identity_model(path: Path) -> Path:
    from onnx import TensorProto, helper, save

    nodes = [helper.make_node("Identity", ["x"], ["a"]), helper.make_node("Relu", ["a"], ["y"])]
    graph = helper.make_graph(
        nodes,
        "identity_then_relu",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])],
    )
    save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    return path


@pytest.mark.skipif(UV is None, reason="uv builds the wheels")
def test_a_new_plugin_builds_installs_passes_its_tests_validates_and_compiles(
    make_venv: Callable[..., Any], tmp_path: Path
) -> None:
    venv = make_venv("brainsmith-core[compile]")
    for name, kind in (("demo", "transform"), ("notes", "lifecycle")):  # templates from the wheel
        written = venv.run("brainsmith", "plugins", "new", name, "--kind", kind, "-o", tmp_path)
        assert written.returncode == 0, written.stderr
    demo, notes = tmp_path / "brainsmith-plugin-demo", tmp_path / "brainsmith-plugin-notes"
    wheels = [build(demo, tmp_path / "dist"), build(notes, tmp_path / "dist")]
    install_with_test_extra(venv, *wheels)
    for project in (demo, notes):
        tests = venv.run("python", "-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=project)
        assert tests.returncode == 0, tests.stdout + tests.stderr
        assert re.search(r"\b4 passed\b", tests.stdout), tests.stdout
        clean = venv.run("brainsmith", "plugins", "validate", project, "--json")
        assert clean.returncode == 0, clean.stdout + clean.stderr
        assert json.loads(clean.stdout)["findings"] == []
    installed = venv.run("brainsmith", "plugins", "validate", "brainsmith-plugin-demo")
    assert installed.returncode == 0, installed.stdout + installed.stderr

    listing = json.loads(venv.run("brainsmith", "plugins", "list", "--json").stdout)
    rows = {p["namespace"]: p for p in listing["plugins"]}
    assert rows["demo"]["distribution"] == "brainsmith-plugin-demo"
    assert rows["demo"]["components"]["transforms"] == 1
    assert rows["notes"]["state"] in ("active", "not activated")

    model = identity_model(tmp_path / "model.onnx")
    out = tmp_path / "out"
    compiled = venv.run("brainsmith", "compile", model, "-b", "demo:demo", "-o", out)
    assert compiled.returncode == 0, compiled.stderr
    report = json.loads((out / "compile_report.json").read_text())
    ran = [(t["transform"], t["distribution"], t["modified"]) for t in report["transforms"]]
    assert ("demo:RemoveIdentityNodes", "brainsmith-plugin-demo", True) in ran
    from onnx import load

    assert [n.op_type for n in load(str(out / "model.onnx")).graph.node] == ["Relu"]
    summary = json.loads((out / "notes-summary.json").read_text())  # the lifecycle plugin's
    assert summary == {"nodes": {"Relu": 1}, "total": 1}
    assert "notes-summary.json" in json.dumps(report["artifacts"])


INT8_RELU_MODEL = """
import sys
from onnx import TensorProto, helper
from qonnx.core.datatype import DataType
from qonnx.core.modelwrapper import ModelWrapper
graph = helper.make_graph(
    [helper.make_node("Relu", ["x"], ["h"], name="relu0"), helper.make_node("Sin", ["h"], ["y"])],
    "int_relu_then_sin",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, 16])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4, 16])],
)
model = ModelWrapper(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]))
model.set_tensor_datatype("x", DataType["INT8"])
model.save(sys.argv[1])
"""


@pytest.mark.skipif(UV is None, reason="uv builds the wheels")
@pytest.mark.skipif(shutil.which("g++") is None, reason="cppsim compiles with g++")
def test_a_new_kernel_plugin_builds_passes_its_conformance_tests_and_maps_a_node(
    make_venv: Callable[..., Any], tmp_path: Path
) -> None:
    venv = make_venv("brainsmith-plugins-builtin[sim]")
    written = venv.run("brainsmith", "plugins", "new", "relu", "--kind", "kernel", "-o", tmp_path)
    assert written.returncode == 0, written.stderr
    project = tmp_path / "brainsmith-plugin-relu"
    wheel = build(project, tmp_path / "dist")
    install_with_test_extra(venv, wheel)
    tests = venv.run("python", "-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=project)
    assert tests.returncode == 0, tests.stdout + tests.stderr
    # found and listed without importing, conformance, inference, a compile
    assert re.search(r"\b5 passed\b", tests.stdout), tests.stdout
    clean = venv.run("brainsmith", "plugins", "validate", project, "--json")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert json.loads(clean.stdout)["findings"] == []

    listing = json.loads(venv.run("brainsmith", "plugins", "list", "--json").stdout)
    row = next(p for p in listing["plugins"] if p["namespace"] == "relu")
    assert row["distribution"] == "brainsmith-plugin-relu"
    assert row["components"] == {"transforms": 0, "kernels": 1, "backends": 1, "hw_transforms": 1}

    model, out = tmp_path / "relu.onnx", tmp_path / "out"
    venv.run("python", "-c", INT8_RELU_MODEL, model, check=True)
    compiled = venv.run(
        "brainsmith", "compile", model, "-b", "relu:relu", "--verify", "cppsim", "-o", out
    )
    assert compiled.returncode == 0, compiled.stderr
    report = json.loads((out / "compile_report.json").read_text())
    mapping = report["mapping"]
    assert mapping["kernels"] == {"ReluStream": 1}
    (mapped,) = mapping["mapped"]
    assert mapped["sources"] == [{"node": mapped["node"], "op_type": "Relu"}]
    assert [(b["node"], b["backend"]) for b in mapping["backends"]] == [
        (mapped["node"], "ReluStream_hls")
    ]
    assert [s["op_type"] for s in mapping["software"]] == ["Sin"]
    assert report["verification"]["passed"], report["verification"]
    assert report["verification"]["simulation"]["simulated"] == [mapped["node"]]
    assert "cppsim vs python max abs diff 0 (bit-exact)" in compiled.stderr


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def _rename_manifest(project: Path) -> None:
    package = project / "src" / "brainsmith_plugin_demo"
    (package / "brainsmith_plugin.toml").rename(package / "brainsmith-plugin.toml")
    _edit(project / "pyproject.toml", ":brainsmith_plugin.toml", ":brainsmith-plugin.toml")


MANIFEST = "src/brainsmith_plugin_demo/brainsmith_plugin.toml"
TRANSFORMS = "src/brainsmith_plugin_demo/transforms.py"
BREAKAGES: dict[str, tuple[Callable[[Path], None], str, str]] = {
    # name: (how the scaffold is broken, the finding's field, a word of its message)
    "manifest schema": (
        lambda p: _edit(p / MANIFEST, 'stage = "graph_cleanup"', 'stage = "graph_cleanup"\nx = 1'),
        "transforms[0]",
        "x",
    ),
    "target not importable": (
        lambda p: _edit(p / MANIFEST, "demo.transforms:", "demo.transformz:"),
        "transforms[name='RemoveIdentityNodes'].target",
        "ModuleNotFoundError",
    ),
    "target not of its kind": (
        lambda p: _edit(p / TRANSFORMS, "(Transformation):", ":"),
        "transforms[name='RemoveIdentityNodes'].target",
        "not a subclass of qonnx's Transformation",
    ),
    "stage unknown": (
        lambda p: _edit(p / MANIFEST, '"graph_cleanup"', '"graph_claenup"'),
        "transforms[0].stage",
        "did you mean",
    ),
    "api unbounded": (lambda p: _edit(p / MANIFEST, ',<2"', '"'), "api", "no upper bound"),
    "core requirement unbounded": (
        lambda p: _edit(p / "pyproject.toml", ",<0.", ",!=0."),
        "project.dependencies",
        "no upper bound",
    ),
    "core requirement missing": (
        lambda p: _edit(p / "pyproject.toml", '"brainsmith-core[compile]', '"qonnx'),
        "project.dependencies",
        "no requirement on brainsmith-core",
    ),
    "entry point not an object reference": (
        _rename_manifest,
        'project.entry-points."brainsmith.plugins".demo',
        "not an object reference",
    ),
    "manifest not in the wheel": (
        lambda p: _edit(
            p / "pyproject.toml",
            'packages = ["src/brainsmith_plugin_demo"]',
            'packages = ["src/brainsmith_plugin_demo"]\nexclude = ["*.toml"]',
        ),
        "package data",
        "not in the built wheel",
    ),
    "hook not in the hookspecs": (
        lambda p: (
            _edit(
                p / MANIFEST, 'blueprints = "blueprints"', 'hooks = "brainsmith_plugin_demo.hooks"'
            ),
            (p / "src/brainsmith_plugin_demo/hooks.py").write_text(
                "from brainsmith import hookimpl\n\n\n@hookimpl\ndef on_compile_ends(report):\n"
                "    pass\n"
            ),
        ),
        "hooks",
        "invalid hook implementation",
    ),
    "hook argument not in the hookspec": (
        lambda p: (
            _edit(
                p / MANIFEST, 'blueprints = "blueprints"', 'hooks = "brainsmith_plugin_demo.hooks"'
            ),
            (p / "src/brainsmith_plugin_demo/hooks.py").write_text(
                "from brainsmith import hookimpl\n\n\n@hookimpl\ndef on_compile_end(report, "
                "epoch):\n    pass\n"
            ),
        ),
        "hooks",
        "epoch",
    ),
}


@pytest.mark.skipif(UV is None, reason="uv builds the wheels")
@pytest.mark.parametrize("breakage", list(BREAKAGES))
def test_each_validate_finding_is_provoked_by_breaking_the_scaffold(
    breakage: str, tmp_path: Path
) -> None:
    project = new_project(tmp_path, "demo")
    apply, field, word = BREAKAGES[breakage]
    apply(project)
    result = brainsmith("plugins", "validate", project, "--json")
    assert result.returncode == 1, result.stdout + result.stderr
    findings = json.loads(result.stdout)["findings"]
    matching = [f for f in findings if f["field"] == field and word in f["message"]]
    assert matching, findings
    assert all(f["file"] and f["fix"] for f in findings)
    text = brainsmith("plugins", "validate", project)
    assert text.returncode == 1 and "fix:" in text.stdout and "Traceback" not in text.stderr


def _release(parent: Path, version: str, core_range: str, out: Path, api: str = ">=1,<2") -> Path:
    project = new_project(parent / version, "demo")
    _edit(project / "pyproject.toml", 'version = "0.1.0"', f'version = "{version}"')
    _edit(project / "pyproject.toml", ">=0.1,<0.2", core_range)
    _edit(project / MANIFEST, 'api = ">=1,<2"', f'api = "{api}"')
    return build(project, out)


def _freeze(venv: Any) -> str:
    assert UV is not None
    return subprocess.run(
        [UV, "pip", "freeze", "--python", str(venv.python)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


@pytest.mark.skipif(UV is None, reason="uv builds the wheels")
def test_install_picks_the_newest_release_fitting_the_core_and_refuses_when_none_fits(
    make_venv: Callable[..., Any], tmp_path: Path
) -> None:
    links = tmp_path / "links"
    _release(tmp_path, "0.1.0", ">=0.1,<0.2", links)
    _release(tmp_path, "0.2.0", ">=0.2,<0.3", links)  # made for a core that does not exist yet
    # fits the core by Requires-Dist, but its manifest wants a plugin API this core lacks:
    # pip installs it, brainsmith finds it incompatible, so it is taken back and 0.1.0 chosen
    _release(tmp_path, "0.3.0", ">=0.1,<0.2", links, api=">=2,<3")
    # a broken plugin installed beside must not stop install or uninstall
    venv = make_venv("brainsmith-core[compile]", "brainsmith-plugin-faulty")
    core_before = re.search(r"brainsmith-core[ =@].*", _freeze(venv))

    installed = venv.run(
        "brainsmith", "plugins", "install", "brainsmith-plugin-demo", "-f", links, "--no-index"
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert "installed brainsmith-plugin-demo 0.1.0" in installed.stdout
    assert "skipped (installed, did not fit, taken back): brainsmith-plugin-demo 0.3.0" in (
        installed.stdout
    )
    assert re.search(
        r"check: demo \(brainsmith-plugin-demo 0\.1\.0\): (active|not activated)", installed.stdout
    ), installed.stdout
    frozen = _freeze(venv)
    assert "brainsmith-plugin-demo==0.1.0" in frozen
    assert core_before is not None and core_before.group(0) in frozen  # the core untouched

    removed = venv.run("brainsmith", "plugins", "uninstall", "demo")
    assert removed.returncode == 0, removed.stderr
    assert "removed brainsmith-plugin-demo 0.1.0" in removed.stdout
    before = _freeze(venv)
    refused = venv.run(
        "brainsmith", "plugins", "install", "brainsmith-plugin-demo>=0.2", "-f", links, "--no-index"
    )
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "nothing was changed" in refused.stderr
    assert "brainsmith-core 0.1.0" in refused.stderr
    assert "brainsmith-plugin-demo 0.2.0: requires brainsmith-core[compile]<0.3,>=0.2" in (
        refused.stderr
    )
    assert "taken back: brainsmith-plugin-demo 0.3.0" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert _freeze(venv) == before


@pytest.mark.skipif(UV is None, reason="uv builds the wheels")
def test_install_of_a_newer_wheel_path_replaces_the_installed_release(
    make_venv: Callable[..., Any], tmp_path: Path
) -> None:
    links = tmp_path / "links"
    older = _release(tmp_path, "0.1.0", ">=0.1,<0.2", links)
    newer = _release(tmp_path, "0.1.1", ">=0.1,<0.2", links)
    venv = make_venv("brainsmith-core[compile]")
    first = venv.run("brainsmith", "plugins", "install", str(older))
    assert first.returncode == 0, first.stdout + first.stderr

    upgraded = venv.run("brainsmith", "plugins", "install", str(newer))

    assert upgraded.returncode == 0, upgraded.stdout + upgraded.stderr
    assert "changed brainsmith-plugin-demo 0.1.0 -> 0.1.1" in upgraded.stdout
    assert re.search(r"brainsmith-plugin-demo( @ \S*-|==)0\.1\.1", _freeze(venv))


@pytest.mark.skipif(UV is None, reason="uv builds the wheels")
def test_validate_names_a_dynamic_version_as_built(tmp_path: Path) -> None:
    project = new_project(tmp_path, "demo")
    _edit(project / "pyproject.toml", 'version = "0.1.0"', 'dynamic = ["version"]')
    _edit(
        project / "pyproject.toml",
        "[tool.hatch.build.targets.wheel]",
        '[tool.hatch.version]\npath = "src/brainsmith_plugin_demo/_version.py"\n\n'
        "[tool.hatch.build.targets.wheel]",
    )
    (project / "src/brainsmith_plugin_demo/_version.py").write_text('__version__ = "2.3.4"\n')

    result = brainsmith("plugins", "validate", project, "--json")

    assert result.returncode == 0, result.stdout + result.stderr
    verdict = json.loads(result.stdout)
    assert (verdict["distribution"], verdict["version"]) == ("brainsmith-plugin-demo", "2.3.4")
