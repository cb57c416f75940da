"""Every setting and switch means the same in every command: ``plugins list``, ``show``,
``check``, ``lock`` and ``compile`` (the real CLI, in process, over real fake ``.dist-info``
folders and a real project settings file).

Two plugins, ``a`` (brainsmith-plugin-a 1.0) and ``b`` (brainsmith-plugin-b 2.0), each provide a
transform ``Tidy``; the compile runs a one-step blueprint naming ``Tidy`` by its short name, so
the report shows which plugin's transform ran. Each case sets one setting (or switch) and checks
every command against the same expected selection; then the same case under ``strict = true``.
"""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from brainsmith.cli import main

if TYPE_CHECKING:
    from conftest import FakeSite

TIDY = """\
from qonnx.transformation.base import Transformation


class Tidy(Transformation):
    def apply(self, model):
        return model, False
"""
FAKE = ("a", "b")
BLUEPRINT = "name: matrix\nstages:\n  graph_cleanup:\n    - Tidy\n"


@dataclass
class Run:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


@dataclass
class Env:
    site: FakeSite
    capsys: pytest.CaptureFixture[str]
    monkeypatch: pytest.MonkeyPatch
    out: Path

    def __call__(self, *argv: str) -> Run:
        code = main(list(argv))
        captured = self.capsys.readouterr()
        return Run(code, captured.out, captured.err)

    def settings(self, text: str) -> Path:
        path = self.site.project / "brainsmith.toml"
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    def compile(self) -> tuple[Run, dict[str, Any] | None]:
        run = self("compile", "--example", "-b", "blueprint.yaml", "-o", str(self.out))
        report = self.out / "compile_report.json"
        return run, json.loads(report.read_text()) if run.code == 0 else None


def add_tidy_plugin(site: FakeSite, namespace: str, version: str) -> None:
    site.manifest_plugin(
        namespace,
        site.transforms_manifest("Tidy"),
        version=version,
        files={f"bsp_{namespace}/transforms.py": TIDY},
    )


@pytest.fixture
def env(
    site: FakeSite,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> Env:
    add_tidy_plugin(site, "a", "1.0")
    add_tidy_plugin(site, "b", "2.0")
    (site.project / "blueprint.yaml").write_text(BLUEPRINT, encoding="utf-8")
    monkeypatch.chdir(site.project)
    monkeypatch.delenv("BRAINSMITH_TRACEBACK", raising=False)
    return Env(site, capsys, monkeypatch, tmp_path / "out")


@dataclass(frozen=True)
class Case:
    """One setting, and the selection every command must agree on."""

    id: str
    settings: str
    usable: tuple[str, ...]
    """The fake namespaces every command may use."""
    tidy: str
    """The namespace whose ``Tidy`` the compile runs."""
    environ: dict[str, str] = field(default_factory=dict)
    problem: str = ""
    """Text of the one problem every command reports ("" for none)."""
    unmet_pin: bool = False
    """The problem is an unmet pin: lock fails even without strict."""
    severity: str = "error"
    """The problem's severity (without strict)."""


EMPTY_ALLOWLIST = (
    "BRAINSMITH_PLUGINS is set but names no plugin; it is ignored, as if unset (every installed "
    "plugin loads)"
)


CASES = [
    Case("none", 'priority = ["a", "b"]\n', ("a", "b"), "a"),
    Case("priority", 'priority = ["b", "a"]\n', ("a", "b"), "b"),
    Case("disable", 'disable = ["a"]\n', ("b",), "b"),
    Case("allowlist", 'priority = ["a", "b"]\n', ("b",), "b", environ={"BRAINSMITH_PLUGINS": "b"}),
    Case(
        "autoload-off",
        'priority = ["a", "b"]\n',
        ("a",),
        "a",
        environ={"BRAINSMITH_DISABLE_PLUGIN_AUTOLOAD": "1", "BRAINSMITH_PLUGINS": "a"},
    ),
    Case(
        "only-pinned",
        'plugins = ["brainsmith-plugin-b==2.0"]\nonly-pinned = true\n',
        ("b",),
        "b",
    ),
    Case(
        "pin-missing",
        'plugins = ["brainsmith-plugin-bb>=1"]\npriority = ["a", "b"]\n',
        ("a", "b"),
        "a",
        problem="pinned as 'brainsmith-plugin-bb>=1' in {settings} but not installed "
        "(did you mean 'brainsmith-plugin-b'?)",
        unmet_pin=True,
    ),
    Case(
        "pin-out-of-range",
        'plugins = ["brainsmith-plugin-b>=3"]\npriority = ["a", "b"]\n',
        ("a",),
        "a",
        problem="version 2.0 does not satisfy the pin 'brainsmith-plugin-b>=3' in {settings}",
        unmet_pin=True,
    ),
    Case(
        "unknown-disable",
        'disable = ["bb"]\npriority = ["a", "b"]\n',
        ("a", "b"),
        "a",
        problem="disable names 'bb', but no installed plugin has that namespace "
        "(did you mean 'b'?)",
    ),
    Case(
        "unknown-allowlist",
        'priority = ["a", "b"]\n',
        ("a",),
        "a",
        environ={"BRAINSMITH_PLUGINS": "a,bb"},
        problem="BRAINSMITH_PLUGINS names 'bb', but no installed plugin has that namespace "
        "(did you mean 'b'?)",
    ),
    Case(  # an allowlist selecting nothing is a mistake: ignored, with a warning
        "empty-allowlist",
        'priority = ["a", "b"]\n',
        ("a", "b"),
        "a",
        environ={"BRAINSMITH_PLUGINS": ""},
        problem=EMPTY_ALLOWLIST,
        severity="warning",
    ),
    Case(
        "blank-allowlist",
        'priority = ["b", "a"]\n',
        ("a", "b"),
        "b",
        environ={"BRAINSMITH_PLUGINS": " , ,"},
        problem=EMPTY_ALLOWLIST,
        severity="warning",
    ),
    Case(
        "unknown-priority",
        'priority = ["aa", "b"]\n',
        ("a", "b"),
        "b",
        problem="priority names 'aa', but no installed plugin has that namespace "
        "(did you mean 'a'?)",
    ),
]


def fake_states(plugins: list[dict[str, Any]]) -> dict[str, str]:
    return {p["namespace"]: p["state"] for p in plugins if p["namespace"] in FAKE}


def expected_states(case: Case) -> dict[str, str]:
    states = {ns: "active" if ns in case.usable else "disabled" for ns in FAKE}
    if case.id == "pin-out-of-range":
        states["b"] = "incompatible"
    return states


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_every_command_honours_the_setting(env: Env, case: Case) -> None:
    source = env.settings(case.settings)
    for name, value in case.environ.items():
        env.monkeypatch.setenv(name, value)
    problem = case.problem.format(settings=source)
    states = expected_states(case)

    listed = env("plugins", "list", "--json")
    assert listed.code == 0, listed.err
    data = listed.json()
    assert fake_states(data["plugins"]) == states
    reasons = [p["reason"] for p in data["problems"]]
    assert reasons == ([problem] if problem else [])
    if problem:
        assert [p["severity"] for p in data["problems"]] == [case.severity]
        (fix,) = [p["fix"] for p in data["problems"]]
        if case.severity == "warning":  # how to load no plugin on purpose
            assert "set BRAINSMITH_DISABLE_PLUGIN_AUTOLOAD=1" in fix
        table = env("plugins", "list")
        assert problem in table.out

    for namespace in FAKE:
        shown = env("plugins", "show", namespace, "--json")
        assert (shown.code, shown.json()["state"]) == (0, states[namespace])

    check = env("plugins", "check", "--json")
    assert check.code == (1 if problem and case.severity == "error" else 0)
    assert fake_states(check.json()["plugins"]) == states
    assert [p["reason"] for p in check.json()["problems"]] == reasons

    lock = env("plugins", "lock")
    if case.unmet_pin:
        assert (lock.code, lock.out) == (1, "")
        assert "not locking" in lock.err
        assert problem in lock.err
    else:
        assert lock.code == 0, lock.err
        pinned = {line.split("==")[0] for line in lock.out.splitlines()[1:]}
        assert pinned & {"brainsmith-plugin-a", "brainsmith-plugin-b"} == {
            f"brainsmith-plugin-{ns}" for ns in case.usable
        }
        if problem:
            assert "warning: " in lock.err and problem in lock.err
        else:
            assert lock.err == ""

    run, report = env.compile()
    assert run.code == 0, run.err
    assert report is not None
    assert {p["namespace"] for p in report["plugins"]} & set(FAKE) == set(case.usable)
    assert [t["transform"] for t in report["transforms"]] == [f"{case.tidy}:Tidy"]
    if problem:
        assert any(problem in w for w in report["warnings"]), report["warnings"]
        assert problem in run.err
    if case.id == "pin-out-of-range":
        assert (
            "plugin b (brainsmith-plugin-b 2.0) left out: incompatible: version 2.0 does not "
            f"satisfy the pin 'brainsmith-plugin-b>=3' in {source}\n"
            "  fix: pip install 'brainsmith-plugin-b>=3'"
        ) in report["warnings"]


PROBLEM_CASES = [c for c in CASES if c.problem]


@pytest.mark.parametrize("case", PROBLEM_CASES, ids=[c.id for c in PROBLEM_CASES])
def test_strict_makes_every_command_fail_on_the_same_problem(env: Env, case: Case) -> None:
    source = env.settings(case.settings + "strict = true\n")
    for name, value in case.environ.items():
        env.monkeypatch.setenv(name, value)
    problem = case.problem.format(settings=source)

    listed = env("plugins", "list", "--json")
    assert listed.code == 1
    assert [(p["severity"], p["reason"]) for p in listed.json()["problems"]] == [("error", problem)]
    assert listed.json()["ok"] is False
    for namespace in FAKE:
        shown = env("plugins", "show", namespace)
        assert shown.code == 1
        assert problem in shown.out
    check = env("plugins", "check")
    assert check.code == 1
    assert "  error: " in check.out and problem in check.out
    lock = env("plugins", "lock")
    assert (lock.code, lock.out) == (1, "")
    assert "under strict mode" in lock.err and problem in lock.err
    run, report = env.compile()
    assert run.code == 2
    assert report is None
    assert run.err.startswith("error: compile: 1 plugin problem(s) under strict mode:")
    assert problem in run.err
    assert f"run without strict = true in {source}" in run.err
    assert not env.out.exists()


def test_strict_flag_equals_the_setting(env: Env) -> None:
    env.settings('disable = ["bb"]\n')
    assert env("plugins", "list").code == 0
    for argv in (
        ("plugins", "list", "--strict"),
        ("plugins", "show", "a", "--strict"),
        ("plugins", "check", "--strict"),
        ("plugins", "lock", "--strict"),
    ):
        run = env(*argv)
        assert run.code == 1, argv
        assert "disable names 'bb'" in run.out + run.err


def test_lock_never_pins_a_broken_plugin_and_compile_names_it(env: Env) -> None:
    env.settings('priority = ["a", "b"]\n')
    env.site.manifest_plugin("bad", "schema = 7\n", dist="brainsmith-plugin-bad", version="0.3")
    env.site.fake_dist(
        "brainsmith-plugin-boom",
        "0.9",
        entry_points={"boom": "boom_pkg"},
        files={"boom_pkg/__init__.py": "raise RuntimeError('kaput')\n"},
    )
    lock = env("plugins", "lock")
    assert lock.code == 0, lock.err
    pinned = {line.split("==")[0] for line in lock.out.splitlines()[1:]}
    assert {"brainsmith-plugin-a", "brainsmith-plugin-b"} <= pinned
    assert not pinned & {"brainsmith-plugin-bad", "brainsmith-plugin-boom"}
    assert "warning: plugin bad (brainsmith-plugin-bad 0.3) left out: broken" in (lock.err)
    assert "warning: plugin boom (brainsmith-plugin-boom 0.9) left out: broken" in (lock.err)

    run, report = env.compile()
    assert run.code == 0, run.err
    assert report is not None
    warnings = report["warnings"]
    assert any(
        w.startswith("plugin bad (brainsmith-plugin-bad 0.3) left out: broken: ") for w in warnings
    ), warnings
    assert any(
        w.startswith("plugin boom (brainsmith-plugin-boom 0.9) left out: broken: importing")
        and "kaput" in w
        for w in warnings
    ), warnings
    assert "warning: plugin boom (brainsmith-plugin-boom 0.9) left out: broken" in run.err

    env.settings('priority = ["a", "b"]\nstrict = true\n')
    run, report = env.compile()
    assert run.code == 2
    assert "brainsmith-plugin-bad 0.3" in run.err
    assert env("plugins", "lock").code == 1
