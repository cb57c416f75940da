"""The fault matrix (issue 8, "Done when"): one row per fault by {list, check, lock, compile}.

Each row installs one faulty plugin as a real fake distribution beside a good plugin (whose
transform the compile runs) and a noisy one (which prints while imported and called), runs the
real command in process and asserts: no traceback; a message naming the distribution, its
version, what is wrong and how to fix it; the documented exit status; the good plugin still
working; stdout holding only the command's own output (JSON that parses, requirement lines).

Documented exit statuses: ``plugins list`` 0 unless ``--strict``; ``plugins check`` 1 on any
error; ``plugins lock`` 0 (a broken plugin is left out with a warning, never pinned);
``compile`` 0 when the faulty plugin is not needed (it is left out with a warning). Faults only
static checking sees (a misspelt stage, a missing target module) stay latent in a compile that
does not use the plugin: its row asserts that the compile runs, not a message.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest
from hostile_helpers import (
    Result,
    code_plugin,
    hooks_plugin,
    install_good,
    isolate,
    problems_of,
    run,
    state_of,
    tidy_blueprint,
)

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from conftest import FakeSite


@dataclass(frozen=True)
class Fault:
    namespace: str
    version: str
    install: Callable[[FakeSite], Path | None]
    what: str
    """What the message must say ({file}: the plugin's file at fault)."""
    fixes: tuple[str, ...]
    """The fix must contain one of these."""
    latent_in_compile: bool = False

    @property
    def distribution(self) -> str:
        return f"brainsmith-plugin-{self.namespace}"


def _manifest(namespace: str, body: str, files: dict[str, str]) -> Callable[[FakeSite], None]:
    def install(site: FakeSite) -> None:
        site.manifest_plugin(namespace, body, files=files)

    return install


HOOK = "from brainsmith import hookimpl\n\n\n"
FAULTS = {
    "exit at import": Fault(
        "quitter",
        "2.0",
        lambda site: code_plugin(site, "quitter", "import sys\nsys.exit(3)\n"),
        "importing 'quitter_pkg.plugin' raised SystemExit: the plugin called exit(3) (at {file}:2)",
        ("disable the plugin",),
    ),
    "exit in a hook": Fault(
        "hooked",
        "2.0",
        lambda site: code_plugin(
            site,
            "hooked",
            "import sys\n" + HOOK + "@hookimpl\ndef brainsmith_kernels():\n    sys.exit('bye')\n",
        ),
        "hook brainsmith_kernels raised SystemExit: the plugin called exit('bye') (at {file}:7)",
        ("report it to the maintainers of brainsmith-plugin-hooked",),
    ),
    "error at import": Fault(
        "raiser",
        "2.0",
        lambda site: code_plugin(site, "raiser", "x = 1\nraise RuntimeError('no licence')\n"),
        "importing 'raiser_pkg.plugin' raised RuntimeError: no licence (at {file}:2)",
        ("disable the plugin",),
    ),
    "syntax error in hooks": Fault(
        "syntax",
        "3.0",
        lambda site: hooks_plugin(site, "syntax", "def on_stage_begin(:\n"),
        "SyntaxError: invalid syntax (at {file}:1)",
        ("release brainsmith-plugin-syntax", "maintainers of brainsmith-plugin-syntax"),
    ),
    "wrapper on an event": Fault(
        "wrapping",
        "2.0",
        lambda site: code_plugin(
            site,
            "wrapping",
            HOOK + "@hookimpl(wrapper=True)\ndef on_stage_begin(stage):\n    return (yield)\n",
        ),
        "on_stage_begin() at {file}:4: a wrapper on the event on_stage_begin",
        ("hookspec",),
    ),
    "argument the hookspec lacks": Fault(
        "extra",
        "2.0",
        lambda site: code_plugin(
            site, "extra", HOOK + "@hookimpl\ndef on_stage_begin(stage, verbose=False):\n    pass\n"
        ),
        "on_stage_begin() at {file}:4: argument(s) 'verbose' the hookspec does not have",
        ("hookspec",),
    ),
    "misspelt stage": Fault(
        "typo",
        "1.0",
        _manifest(
            "typo",
            'schema = 1\n[[transforms]]\nname = "T"\nstage = "graph_cleanp"\n'
            'target = "{pkg}.t:T"\n',
            {"bsp_typo/t.py": "class T:\n    pass\n"},
        ),
        "transform 'T' declares stage 'graph_cleanp', which is not a known stage (did you mean "
        "'graph_cleanup'?)",
        ("use one of graph_cleanup",),
        latent_in_compile=True,
    ),
    "missing target module": Fault(
        "hollow",
        "1.0",
        _manifest(
            "hollow",
            'schema = 1\n[[kernels]]\nname = "K"\ntarget = "{pkg}.gone:K"\n',
            {},
        ),
        "kernel K: module 'bsp_hollow.gone' is not installed",
        ("fix the manifest",),
        latent_in_compile=True,
    ),
}

NOISY = HOOK + (
    "print('noisy: imported')\n\n"
    "@hookimpl\ndef brainsmith_transforms():\n    print('noisy: called')\n    return []\n"
)


def install(site: FakeSite, fault: Fault) -> str:
    """The faulty plugin, the good one and the noisy one; the fault's message text."""
    install_good(site)
    code_plugin(site, "noisy", NOISY)
    file = fault.install(site)
    return fault.what.format(file=file)


def assert_named(problem: dict[str, str], fault: Fault, what: str) -> None:
    assert (problem["distribution"], problem["version"]) == (fault.distribution, fault.version)
    assert what in problem["reason"]
    assert any(fix in problem["fix"] for fix in fault.fixes), problem["fix"]


def assert_no_traceback(result: Result) -> None:
    assert "Traceback" not in result.err + result.out


@pytest.fixture(params=list(FAULTS), ids=list(FAULTS))
def fault(request: pytest.FixtureRequest) -> Fault:
    return FAULTS[request.param]


@pytest.mark.parametrize("command", ["list", "check"])
def test_list_and_check(
    fault: Fault,
    command: str,
    site: FakeSite,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    isolate(site, monkeypatch)
    what = install(site, fault)
    argv = ["plugins", "list", "--activate"] if command == "list" else ["plugins", "check"]
    result = run(capsys, *argv, "--json")
    assert_no_traceback(result)
    assert result.code == (0 if command == "list" else 1)
    data = result.json()  # nothing the plugins printed
    assert state_of(data, fault.namespace) == "broken"
    assert_named(problems_of(data, fault.namespace)[0], fault, what)
    assert state_of(data, "good") == state_of(data, "noisy") == "active"
    assert problems_of(data, "good") == problems_of(data, "noisy") == []
    assert "noisy: called" in result.err


def test_lock(
    fault: Fault,
    site: FakeSite,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    isolate(site, monkeypatch)
    what = install(site, fault)
    result = run(capsys, "plugins", "lock")
    assert_no_traceback(result)
    assert result.code == 0
    lines = result.out.splitlines()
    assert lines[0].startswith("# ")
    pinned = dict(line.split("==") for line in lines[1:])
    assert pinned["brainsmith-plugin-good"] == "1.0"
    assert pinned["brainsmith-plugin-noisy"] == "2.0"
    assert fault.distribution not in pinned
    label = f"{fault.namespace} ({fault.distribution} {fault.version})"
    assert f"warning: plugin {label} left out: broken: " in result.err
    assert what in result.err
    fix = result.err.split(label, 1)[1].split("\n  fix: ", 1)[1].splitlines()[0]
    assert any(text in fix for text in fault.fixes), fix


def test_compile(
    fault: Fault,
    site: FakeSite,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(site.project)
    monkeypatch.delenv("BRAINSMITH_TRACEBACK", raising=False)
    what = install(site, fault)
    out = site.project / "out"
    flow = tidy_blueprint(site.project)
    result = run(capsys, "compile", "--example", "-b", str(flow), "--json", "-o", str(out))
    assert_no_traceback(result)
    assert result.code == 0, result.err
    report = json.loads(result.out)  # nothing the plugins printed
    assert report == json.loads((out / "compile_report.json").read_text())
    assert [t["transform"] for t in report["transforms"]] == ["qonnx:InferShapes", "good:Tidy"]
    assert "noisy: called" in result.err
    label = f"{fault.namespace} ({fault.distribution} {fault.version})"
    if fault.latent_in_compile:
        assert f"plugin {label} left out" not in result.err
        return
    assert f"warning: plugin {label} left out: " in result.err
    assert what in result.err
    fix = result.err.split(f"plugin {label} left out", 1)[1].split("\n  fix: ", 1)[1]
    assert any(text in fix.splitlines()[0] for text in fault.fixes), fix
