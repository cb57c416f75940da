"""Files nested past Python's recursion limit (a fuzzer's favourite, and what a generator gone
wrong writes) are messages naming the file, never a ``RecursionError`` traceback: project
settings, blueprints and plugin manifests alike."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from brainsmith.cli import main

if TYPE_CHECKING:
    from pathlib import Path

    from conftest import FakeSite

DEEP = "[" * 5000 + "]" * 5000


def run(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_deep_project_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "pyproject.toml").write_text(f"[tool.brainsmith]\nstrict = {DEEP}\n")
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "plugins", "list")
    assert code == 2 and "Traceback" not in err
    assert f"{tmp_path / 'pyproject.toml'}: cannot read project settings" in err


@pytest.mark.parametrize("where", ["top", "stage"])
def test_deep_blueprint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    blueprint = tmp_path / "flow.yaml"
    text = f"stages: {DEEP}\n" if where == "top" else f"stages:\n  graph_cleanup: {DEEP}\n"
    blueprint.write_text(text)
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "compile", "--example", "-b", blueprint, "-o", tmp_path / "o")
    assert code == 2 and "Traceback" not in err
    assert f"{blueprint}: the blueprint is nested too deeply to read" in err
    assert not (tmp_path / "o").exists()


def test_deep_manifest_is_that_plugins_problem(
    site: FakeSite, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    site.manifest_plugin("deep", f"schema = 1\nx = {DEEP}\n", dist="brainsmith-plugin-deep")
    site.manifest_plugin("fine", site.transforms_manifest("Tidy"), dist="brainsmith-plugin-fine")
    monkeypatch.chdir(site.project)
    monkeypatch.setenv("BRAINSMITH_NO_CACHE", "1")
    code, out, err = run(capsys, "plugins", "list", "--json")
    assert code == 0 and "Traceback" not in err
    states = {p["namespace"]: p["state"] for p in json.loads(out)["plugins"]}
    assert states["deep"] == "broken" and states["fine"] == "active"
