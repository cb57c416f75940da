"""The manifest entry point builds with every mainstream build backend, and a plain install of
the repository's packages is plain.

Each backend builds one manifest-first plugin (``uv build``, real backends from the index); the
wheel is installed into a fresh virtual environment beside brainsmith-core and listed and
checked by the real CLI.
"""

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

ROOT = Path(__file__).resolve().parents[2]
Venv = Any  # tests/integration/conftest.py's Venv: .python, .run(...)


def _uv() -> str:
    found = shutil.which("uv")
    if found is None:
        pytest.skip("uv is needed to build wheels and virtual environments (pip install uv)")
    return found


PROJECT = """\
[project]
name = "brainsmith-plugin-built"
version = "1.2.0"
description = "A manifest-first plugin built by {backend}"
requires-python = ">=3.11"
dependencies = ["brainsmith-core>=0.1,<0.2"]

[project.entry-points."brainsmith.plugins"]
built = "brainsmith_plugin_built:brainsmith_plugin.toml"
"""

BACKENDS = {
    "setuptools": """\
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

{project}
[tool.setuptools.packages.find]
where = ["src"]

[tool.setuptools.package-data]
brainsmith_plugin_built = ["brainsmith_plugin.toml"]
""",
    "hatchling": """\
[build-system]
requires = ["hatchling>=1.21"]
build-backend = "hatchling.build"

{project}
[tool.hatch.build.targets.wheel]
packages = ["src/brainsmith_plugin_built"]
""",
    "flit-core": """\
[build-system]
requires = ["flit_core>=3.9,<4"]
build-backend = "flit_core.buildapi"

{project}""",
    "pdm-backend": """\
[build-system]
requires = ["pdm-backend>=2.1"]
build-backend = "pdm.backend"

{project}""",
}

MANIFEST = """\
schema = 1
api = ">=1,<2"
description = "built by a build backend"

[[transforms]]
name = "Noop"
stage = "graph_cleanup"
target = "brainsmith_plugin_built.transforms:Noop"
"""


def _write_plugin(folder: Path, pyproject: str) -> Path:
    package = folder / "src" / "brainsmith_plugin_built"
    package.mkdir(parents=True)
    (folder / "pyproject.toml").write_text(pyproject)
    (package / "__init__.py").write_text('"""A manifest-first test plugin."""\n')
    (package / "transforms.py").write_text("class Noop:\n    pass\n")
    (package / "brainsmith_plugin.toml").write_text(MANIFEST)
    return folder


def _build(folder: Path) -> Path:
    out = folder / "dist"
    result = subprocess.run(
        [_uv(), "build", "--quiet", "--wheel", "--out-dir", str(out), str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    (wheel,) = out.glob("*.whl")
    return wheel


def _install_and_list(venv: Venv, wheel: Path) -> dict[str, object]:
    subprocess.run(
        [_uv(), "pip", "install", "--quiet", "--python", str(venv.python), str(wheel)],
        check=True,
        capture_output=True,
        text=True,
    )
    listing = venv.run("brainsmith", "plugins", "list", "--json", check=True)
    (plugin,) = [p for p in json.loads(listing.stdout)["plugins"] if p["namespace"] == "built"]
    checked = venv.run("brainsmith", "plugins", "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    return dict(plugin)


@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_every_backend_builds_and_installs_the_documented_entry_point(
    backend: str, tmp_path: Path, make_venv: Callable[..., Venv]
) -> None:
    pyproject = BACKENDS[backend].format(project=PROJECT.format(backend=backend))
    wheel = _build(_write_plugin(tmp_path / backend, pyproject))
    plugin = _install_and_list(make_venv(), wheel)
    assert plugin["state"] == "active"
    assert plugin["version"] == "1.2.0"
    assert str(plugin["location"]).endswith("brainsmith_plugin_built/brainsmith_plugin.toml")
    assert plugin["components"] == {
        "transforms": 1,
        "kernels": 0,
        "backends": 0,
        "hw_transforms": 0,
    }


def test_the_pyproject_in_docs_builds_as_written(
    tmp_path: Path, make_venv: Callable[..., Venv]
) -> None:
    text = (ROOT / "docs" / "plugins.md").read_text()
    blocks = re.findall(r"```toml\n(# pyproject.toml\n.*?)```", text, re.DOTALL)
    (documented,) = [b for b in blocks if "[build-system]" in b]
    documented = documented.replace("brainsmith_plugin_x", "brainsmith_plugin_built")
    documented = documented.replace("brainsmith-plugin-x", "brainsmith-plugin-built")
    documented = documented.replace('x = "', 'built = "')
    wheel = _build(_write_plugin(tmp_path / "documented", documented))
    plugin = _install_and_list(make_venv(), wheel)
    assert plugin["state"] == "active"


def test_setuptools_refuses_the_old_spelling_which_is_still_read(
    tmp_path: Path, make_venv: Callable[..., Venv]
) -> None:
    old = PROJECT.format(backend="hatchling").replace(
        "brainsmith_plugin.toml", "brainsmith-plugin.toml"
    )
    refused = tmp_path / "setuptools"
    _write_plugin(refused, BACKENDS["setuptools"].format(project=old))
    result = subprocess.run(
        [_uv(), "build", "--wheel", str(refused)], capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "brainsmith-plugin.toml" in result.stderr

    folder = _write_plugin(tmp_path / "hatchling", BACKENDS["hatchling"].format(project=old))
    package = folder / "src" / "brainsmith_plugin_built"
    (package / "brainsmith_plugin.toml").rename(package / "brainsmith-plugin.toml")
    plugin = _install_and_list(make_venv(), _build(folder))
    assert plugin["state"] == "active"
    assert str(plugin["location"]).endswith("brainsmith-plugin.toml")


def _installed_core(python: Path) -> tuple[dict[str, object], str]:
    info = subprocess.run(
        [
            str(python),
            "-c",
            "import json, brainsmith, importlib.metadata as m; "
            "d = m.distribution('brainsmith-core'); "
            "print(json.dumps([json.loads(d.read_text('direct_url.json') or '{}'), "
            "brainsmith.__file__]))",
        ],
        check=True,
        capture_output=True,
        text=True,
        cwd="/",
    )
    direct_url, module_file = json.loads(info.stdout)
    return direct_url, module_file


@pytest.mark.parametrize("installer", ["uv", "pip"])
def test_a_plain_install_of_the_packages_is_plain(installer: str, tmp_path: Path) -> None:
    env = tmp_path / "env"
    subprocess.run(
        [_uv(), "venv", "--quiet", "--seed", "--python", sys.executable, str(env)], check=True
    )
    python = env / "bin" / "python"
    sources = [
        str(ROOT / "packages" / p) for p in ("brainsmith-core", "brainsmith-plugins-builtin")
    ]
    if installer == "uv":
        command = [_uv(), "pip", "install", "--quiet", "--python", str(python), *sources]
    else:
        command = [str(python), "-m", "pip", "install", "--quiet", *sources]
    subprocess.run(command, check=True, capture_output=True, text=True, cwd=tmp_path)
    direct_url, module_file = _installed_core(python)
    assert not direct_url.get("dir_info", {}).get("editable")  # type: ignore[union-attr]
    assert Path(module_file).is_relative_to(env), module_file
    assert not list(env.glob("lib/python3*/site-packages/*brainsmith_core*.pth"))
