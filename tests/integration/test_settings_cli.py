"""Settings and directory plugins in a fresh virtual environment, driven as a user would: real
wheels installed with uv, the real ``brainsmith`` executable in its own processes.

A fresh environment holds only what the wheels declare, so the user's plugin folder working at
all proves ``platformdirs`` is a declared dependency of brainsmith-core.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

TRANSFORM = """\
from qonnx.transformation.base import Transformation

from brainsmith import transform

with open({log!r}, "a") as log:
    log.write("{name}\\n")


@transform(stage="graph_cleanup")
class {name}(Transformation):
    def apply(self, model):
        model.set_metadata_prop("{name}", "ran")
        return model, False
"""


@pytest.fixture(scope="module")
def venv(make_venv):  # type: ignore[no-untyped-def]
    return make_venv("brainsmith-plugins-builtin")


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")


def test_directory_plugins_and_pins_in_every_command(venv, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    project = tmp_path / "proj"
    config = tmp_path / "config"
    log = tmp_path / "imported.log"
    env = {"XDG_CONFIG_HOME": str(config)}
    for folder, name in (
        (project / "brainsmith_plugins", "Local"),
        (config / "brainsmith" / "plugins", "Mine"),
    ):
        write(
            folder / "steps.py",
            TRANSFORM.replace("{log!r}", repr(str(log))).replace("{name}", name),
        )
    write(
        project / "pyproject.toml",
        """\
        [project]
        name = "proj"

        [tool.brainsmith]
        plugin-dirs = ["brainsmith_plugins"]
        user-plugins = true
        """,
    )
    listed = venv.run("brainsmith", "plugins", "list", "--json", cwd=project, env=env)
    assert listed.returncode == 0, listed.stderr
    rows = {p["namespace"]: p for p in json.loads(listed.stdout)["plugins"]}
    assert {ns: rows[ns]["source"] for ns in ("builtin", "project", "user")} == {
        "builtin": "installed",
        "project": "project-dir",
        "user": "user-dir",
    }
    assert rows["user"]["location"] == str(config / "brainsmith" / "plugins")
    assert not log.exists()  # listed without running a line of either folder

    write(project / "bp.yaml", "name: t\nstages:\n  graph_cleanup:\n    - Local\n    - user:Mine\n")
    compiled = venv.run(
        "brainsmith", "compile", "--example", "-b", "bp.yaml", "-o", "out", cwd=project, env=env
    )
    assert compiled.returncode == 0, compiled.stderr
    report = json.loads((project / "out" / "compile_report.json").read_text())
    assert [t["transform"] for t in report["transforms"]] == ["project:Local", "user:Mine"]
    assert sorted(log.read_text().split()) == ["Local", "Mine"]

    # an unmet pin: the same problem in every command; lock refuses, compile warns
    settings = (project / "pyproject.toml").read_text()
    (project / "pyproject.toml").write_text(
        settings + 'plugins = ["brainsmith-plugins-bultin>=0.1"]\n', encoding="utf-8"
    )
    missing = "pinned as 'brainsmith-plugins-bultin>=0.1'"
    hint = "(did you mean 'brainsmith-plugins-builtin'?)"
    check = venv.run("brainsmith", "plugins", "check", cwd=project, env=env)
    assert check.returncode == 1
    assert missing in check.stdout and hint in check.stdout
    lock = venv.run("brainsmith", "plugins", "lock", "-o", "plugins.lock", cwd=project, env=env)
    assert lock.returncode == 1
    assert missing in lock.stderr and "Traceback" not in lock.stderr
    assert not (project / "plugins.lock").exists()
    compiled = venv.run(
        "brainsmith", "compile", "--example", "-b", "bp.yaml", "-o", "out", cwd=project, env=env
    )
    assert compiled.returncode == 0, compiled.stderr
    report = json.loads((project / "out" / "compile_report.json").read_text())
    assert any(w.startswith("unmet pin: ") and missing in w for w in report["warnings"])

    (project / "pyproject.toml").write_text(
        settings + 'plugins = ["brainsmith-plugins-bultin>=0.1"]\nstrict = true\n',
        encoding="utf-8",
    )
    compiled = venv.run(
        "brainsmith", "compile", "--example", "-b", "bp.yaml", "-o", "out2", cwd=project, env=env
    )
    assert compiled.returncode == 2
    assert compiled.stderr.startswith("error: compile: 1 plugin problem(s) under strict mode")
    assert not (project / "out2").exists()
