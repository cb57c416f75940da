"""A plugin's namespace (its entry point's name) is checked like every other name (issue 8):
``a:b`` would make components named ``a:b:Fold``; a blank or empty one cannot be addressed;
``project``/``user`` belong to directory plugins. Such a plugin is a ``broken`` row naming its
distribution, version, the bad name, the rule and the fix, and everything else still works.

Real fake distributions; the real CLI, in process (``plugins list/check/lock``, ``compile``).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from brainsmith.plugins.records import PROJECT_NAMESPACE, USER_NAMESPACE
from hostile_helpers import install_good, isolate, run, tidy_blueprint

if TYPE_CHECKING:
    from conftest import FakeSite

BAD = {  # entry point name -> what the message must say of it
    "a:b": "is not a valid namespace",
    "a b": "is not a valid namespace",
    "": "is not a valid namespace",
    "-x": "is not a valid namespace",
    "x.y": "is not a valid namespace",
    "project": "is reserved for directory plugins",
    "project-tools": "is reserved for directory plugins",
    "user": "is reserved for directory plugins",
}


def install_bad(site: FakeSite) -> dict[str, str]:
    """One distribution per bad name (``brainsmith-plugin-bad<i>`` version ``1.<i>``), each a
    manifest-first plugin with a transform ``Fold``; returns distribution -> bad name."""
    owners = {}
    for index, name in enumerate(BAD):
        dist = f"brainsmith-plugin-bad{index}"
        package = f"bsp_bad{index}"
        site.fake_dist(
            dist,
            f"1.{index}",
            entry_points={name: f"{package}:brainsmith_plugin.toml"},
            files={
                f"{package}/__init__.py": "",
                f"{package}/brainsmith_plugin.toml": (
                    "schema = 1\n\n[[transforms]]\n"
                    f'name = "Fold"\ntarget = "{package}.transforms:Fold"\n'
                    'stage = "graph_cleanup"\n'
                ),
            },
        )
        owners[dist] = name
    return owners


def test_the_reserved_namespaces_are_the_directory_plugins() -> None:
    from brainsmith._names import RESERVED_NAMESPACES, namespace_problem

    assert set(RESERVED_NAMESPACES) == {PROJECT_NAMESPACE, USER_NAMESPACE}
    assert [
        n for n in ("builtin", "qonnx", "legacy-x", "x_2", "3d", "FINN") if namespace_problem(n)
    ] == []


@pytest.mark.parametrize("command", ["list", "check"])
def test_bad_namespaces_are_broken_rows_naming_the_rule_and_the_fix(
    site: FakeSite,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: str,
) -> None:
    isolate(site, monkeypatch)
    install_good(site)
    owners = install_bad(site)
    result = run(capsys, "plugins", command, "--json")
    assert "Traceback" not in result.err
    assert result.code == (0 if command == "list" else 1)
    data = result.json()
    rows = {p["distribution"]: p for p in data["plugins"]}
    assert rows["brainsmith-plugin-good"]["state"] == "active"
    assert not data["problems"] or all(
        p["distribution"] != "brainsmith-plugin-good" for p in data["problems"]
    )
    for dist, name in owners.items():
        assert rows[dist]["state"] == "broken", dist
        assert rows[dist]["components"] is None  # nothing of it is registered: no 'a:b:Fold'
        (problem,) = [p for p in data["problems"] if p["distribution"] == dist]
        assert problem["version"] == rows[dist]["version"]
        assert f"namespace {name!r} {BAD[name]}" in problem["reason"]
        assert f"entry point {name} = " in problem["reason"]
        if "valid" in BAD[name]:
            assert "letters, digits, '-' and '_'" in problem["reason"]  # the rule
        assert f"report it to the maintainers of {dist}: rename the entry point" in problem["fix"]
        assert f"pip uninstall {dist}" in problem["fix"]
    text = run(capsys, "plugins", command)
    assert "Traceback" not in text.err + text.out
    assert "'a:b' is not a valid namespace" in text.out


def test_a_bad_namespace_is_never_pinned_and_the_compile_goes_on(
    site: FakeSite, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(site.project)
    monkeypatch.delenv("BRAINSMITH_TRACEBACK", raising=False)
    install_good(site)
    owners = install_bad(site)
    locked = run(capsys, "plugins", "lock")
    assert locked.code == 0, locked.err
    assert "brainsmith-plugin-good==1.0" in locked.out.splitlines()
    assert not [d for d in owners if d in locked.out]
    out = site.project / "out"
    flow = tidy_blueprint(site.project)
    result = run(capsys, "compile", "--example", "-b", str(flow), "--json", "-o", str(out))
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert [t["transform"] for t in report["transforms"]] == ["qonnx:InferShapes", "good:Tidy"]
    assert "(brainsmith-plugin-bad0 1.0) left out: broken: entry point a:b = " in result.err
