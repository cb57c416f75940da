"""``brainsmith plugins new``: the project it writes, its names and ranges, its refusals.

The project is built, installed and tested for real in tests/integration/test_plugin_kit.py;
here the written files are read back and checked with the core's own readers.
"""

from __future__ import annotations

import ast
import sys
import tomllib
from pathlib import Path

import brainsmith.cli
import pytest
import yaml
from brainsmith._version import PLUGIN_API, __version__
from brainsmith.plugins._checks import check_entry_point_value, check_manifest_data
from brainsmith.plugins._manifest import read_manifest
from brainsmith.plugins._scaffold import api_range, core_range


def new(tmp_path: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = brainsmith.cli.main(["plugins", "new", *args, "-o", str(tmp_path)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("0.1.0", ">=0.1,<0.2"),
        ("0.12.3", ">=0.12,<0.13"),
        ("1.4.0", ">=1.4,<2"),
        ("2.0", ">=2.0,<3"),
    ],
)
def test_the_core_range_is_the_running_release_series(version: str, expected: str) -> None:
    assert core_range(version) == expected


def test_the_api_range_is_the_running_plugin_api_major() -> None:
    assert api_range("1.0") == ">=1,<2"
    assert api_range("3.2") == ">=3,<4"


def test_a_transform_project_is_complete_and_reads_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = new(tmp_path, capsys, "demo")
    assert code == 0
    project = tmp_path / "brainsmith-plugin-demo"
    package = project / "src" / "brainsmith_plugin_demo"
    assert str(project) in out
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert pyproject["build-system"]["build-backend"] == "hatchling.build"
    assert pyproject["project"]["name"] == "brainsmith-plugin-demo"
    assert pyproject["project"]["dependencies"] == [
        f"brainsmith-core[compile]{core_range(__version__)}"
    ]
    entry = pyproject["project"]["entry-points"]["brainsmith.plugins"]
    assert entry == {"demo": "brainsmith_plugin_demo:brainsmith_plugin.toml"}
    assert check_entry_point_value(entry["demo"], "pyproject.toml", "demo") == []
    manifest = read_manifest(package / "brainsmith_plugin.toml")
    assert manifest.declaration.api == api_range(PLUGIN_API)
    assert [(s.name, s.target) for s in manifest.components] == [
        ("RemoveIdentityNodes", "brainsmith_plugin_demo.transforms:RemoveIdentityNodes")
    ]
    for python in [*project.rglob("*.py")]:
        tree = ast.parse(python.read_text(), str(python))  # every file is valid Python
        assert "$" not in python.read_text(), f"{python} has an unsubstituted placeholder"
        if python.name == "transforms.py":
            classes = [n for n in tree.body if isinstance(n, ast.ClassDef)]
            assert classes and all(ast.get_docstring(c) for c in classes)
    assert (package / "blueprints" / "demo.yaml").read_text().count("demo:RemoveIdentityNodes")
    assert {p.name for p in (project / "tests").iterdir()} == {
        "test_plugin.py",
        "test_transforms.py",
    }
    assert "oldest" in (project / "noxfile.py").read_text()
    assert "brainsmith-plugin-demo" in (project / "README.md").read_text()
    # its manifest passes validate's checks, the target imported from the project's src
    monkeypatch.syspath_prepend(str(project / "src"))
    try:
        data = tomllib.loads((package / "brainsmith_plugin.toml").read_text())
        assert check_manifest_data(data, "brainsmith_plugin.toml") == []
    finally:
        for name in [m for m in sys.modules if m.startswith("brainsmith_plugin_demo")]:
            del sys.modules[name]


def test_a_lifecycle_project_declares_its_hooks_module(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert new(tmp_path, capsys, "notes", "--kind", "lifecycle")[0] == 0
    package = tmp_path / "brainsmith-plugin-notes" / "src" / "brainsmith_plugin_notes"
    manifest = read_manifest(package / "brainsmith_plugin.toml")
    assert manifest.declaration.hooks == "brainsmith_plugin_notes.hooks"
    assert manifest.components == ()
    assert "def brainsmith_compile_artifacts(" in (package / "hooks.py").read_text()


def test_a_kernel_project_declares_kernel_backend_inference_and_blueprint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert new(tmp_path, capsys, "relu", "--kind", "kernel")[0] == 0
    project = tmp_path / "brainsmith-plugin-relu"
    package = project / "src" / "brainsmith_plugin_relu"
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    series = core_range(__version__)
    assert pyproject["project"]["dependencies"] == [
        f"brainsmith-core[compile]{series}",
        f"brainsmith-plugins-builtin[sim]{series}",
    ]
    manifest = read_manifest(package / "brainsmith_plugin.toml")
    assert manifest.declaration.requires == (f"builtin{series}",)
    assert [(s.kind.value, s.name, s.target) for s in manifest.components] == [
        ("kernel", "ReluStream", "brainsmith_plugin_relu.kernel:ReluStream"),
        ("backend", "ReluStream_hls", "brainsmith_plugin_relu.hls:ReluStream_hls"),
        ("hw_transform", "InferReluStream", "brainsmith_plugin_relu.infer:InferReluStream"),
    ]
    blueprint = yaml.safe_load((package / "blueprints" / "relu.yaml").read_text())
    assert blueprint["extends"] == "builtin:dataflow"
    assert blueprint["edits"] == [
        {"insert_before": "builtin:PartitionDataflow", "transform": "relu:InferReluStream"}
    ]
    assert {p.name for p in (project / "tests").iterdir()} == {
        "test_plugin.py",
        "test_kernel.py",
        "test_compile.py",
    }
    tests = (project / "tests" / "test_kernel.py").read_text()
    assert "check_kernel(" in tests and "from brainsmith_plugin_relu.infer import" in tests
    compile_test = (project / "tests" / "test_compile.py").read_text()
    assert '"relu:relu", "--verify", "cppsim"' in compile_test
    for python in project.rglob("*.py"):
        ast.parse(python.read_text(), str(python))
        assert "$" not in python.read_text(), f"{python} has an unsubstituted placeholder"
    assert "--kind kernel" in (project / "README.md").read_text()


def kit_uses(test_file: Path) -> set[str]:
    """What a generated test file takes from brainsmith's pytest plugin: the names it imports
    from ``brainsmith.testing`` and the plugin's fixtures its test functions request."""
    tree = ast.parse(test_file.read_text(), str(test_file))
    used: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "brainsmith.testing":
            used.update(alias.name for alias in node.names)
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
            fixtures = {"brainsmith_cli", "fake_distributions", "plugin_wheel_venv"}
            used.update(a.arg for a in node.args.args if a.arg in fixtures)
    return used


@pytest.mark.parametrize(
    ("kind", "name", "expected"),
    [
        (
            "transform",
            "demo",
            {
                "test_plugin.py": {"assert_lists_without_importing"},
                "test_transforms.py": {"CliResult", "assert_preserves_outputs", "brainsmith_cli"},
            },
        ),
        (
            "lifecycle",
            "notes",
            {
                "test_plugin.py": {"assert_lists_without_importing"},
                "test_hooks.py": {"CliResult", "brainsmith_cli"},
            },
        ),
        (
            "kernel",
            "relu",
            {
                "test_plugin.py": {"assert_lists_without_importing"},
                "test_kernel.py": {"assert_preserves_outputs", "check_kernel"},
                "test_compile.py": {"CliResult", "brainsmith_cli"},
            },
        ),
    ],
)
def test_every_kind_tests_itself_with_the_pytest_plugin_it_requires(
    kind: str,
    name: str,
    expected: dict[str, set[str]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert new(tmp_path, capsys, name, "--kind", kind)[0] == 0
    project = tmp_path / f"brainsmith-plugin-{name}"
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    extras = pyproject["project"]["optional-dependencies"]
    assert extras["test"] == [f"brainsmith-core[testing]{core_range(__version__)}"]
    tests = {p.name: kit_uses(p) for p in (project / "tests").glob("test_*.py")}
    assert tests == expected
    for test_file in (project / "tests").glob("test_*.py"):
        assert "subprocess" not in test_file.read_text(), f"{test_file} runs the CLI itself"


def test_the_kernel_backend_imports_only_the_public_engine_api(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert new(tmp_path, capsys, "relu", "--kind", "kernel")[0] == 0
    package = tmp_path / "brainsmith-plugin-relu" / "src" / "brainsmith_plugin_relu"
    for python in package.glob("*.py"):
        tree = ast.parse(python.read_text(), str(python))
        modules = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module]
        builtin = [m for m in modules if m.split(".")[0] == "brainsmith_builtin"]
        assert all(m == "brainsmith_builtin.backends" for m in builtin), (python.name, builtin)
    hls = ast.parse((package / "hls.py").read_text())
    (engine,) = [
        n
        for n in ast.walk(hls)
        if isinstance(n, ast.ImportFrom) and n.module == "brainsmith_builtin.backends"
    ]
    assert {a.name for a in engine.names} == {
        "Element",
        "HLSKernel",
        "HLSNodeBackend",
        "StreamPort",
        "identifier",
    }


@pytest.mark.parametrize("name", ["Demo", "2fast", "my-plugin", "a b", ""])
def test_a_name_that_cannot_be_a_namespace_is_refused(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = new(tmp_path, capsys, name)
    assert code == 2
    assert "cannot be a plugin namespace" in err and "fix:" in err
    assert list(tmp_path.iterdir()) == []


def test_an_existing_project_is_never_overwritten(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "brainsmith-plugin-demo"
    folder.mkdir()
    (folder / "keep.txt").write_text("mine")
    code, _, err = new(tmp_path, capsys, "demo")
    assert code == 2
    assert str(folder) in err and "not empty" in err
    assert [p.name for p in folder.iterdir()] == ["keep.txt"]
