"""Hostile plugin code never takes the host down and never corrupts its output (issue 8, item 3).

Every plugin here is a real fake distribution; the commands are the real CLI, in process.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from brainsmith.errors import PluginError
from hostile_helpers import (
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
    from pathlib import Path

    from conftest import FakeSite


@pytest.fixture
def plugins(site: FakeSite, monkeypatch: pytest.MonkeyPatch) -> FakeSite:
    isolate(site, monkeypatch)
    install_good(site)
    return site


@pytest.fixture
def project(site: FakeSite, monkeypatch: pytest.MonkeyPatch) -> FakeSite:
    """The full environment (qonnx, the builtin plugin) plus the fake site and ``good``."""
    monkeypatch.chdir(site.project)
    monkeypatch.delenv("BRAINSMITH_TRACEBACK", raising=False)
    install_good(site)
    return site


# -- SystemExit ------------------------------------------------------------------------------


def test_exit_while_importing_a_plugin_is_that_plugins_error(
    plugins: FakeSite, capsys: pytest.CaptureFixture[str]
) -> None:
    file = code_plugin(plugins, "quitter", "import sys\nsys.exit(3)\n")
    listed = run(capsys, "plugins", "list", "--activate", "--json")
    assert listed.code == 0
    data = listed.json()
    assert state_of(data, "quitter") == "broken"
    assert state_of(data, "good") == "active"
    (problem,) = problems_of(data, "quitter")
    assert (problem["distribution"], problem["version"]) == ("brainsmith-plugin-quitter", "2.0")
    assert problem["reason"] == (
        f"importing 'quitter_pkg.plugin' raised SystemExit: the plugin called exit(3) (at {file}:2)"
    )
    assert "disable the plugin" in problem["fix"]

    checked = run(capsys, "plugins", "check")
    assert checked.code == 1
    assert checked.out.splitlines()[-1] == "FAILED: 1 plugin(s) usable, 1 error(s), 0 warning(s)"
    shown = run(capsys, "plugins", "show", "quitter")
    assert (shown.code, shown.out.splitlines()[0]) == (
        0,
        "quitter  (brainsmith-plugin-quitter 2.0)  [broken]",
    )
    assert "Traceback" not in checked.err + shown.err + listed.err


def test_a_library_baseexception_while_importing_is_that_plugins_error(
    plugins: FakeSite, capsys: pytest.CaptureFixture[str]
) -> None:
    """A BaseException that is not an Exception (gevent's GreenletExit, pytest's Skipped)
    raised by plugin code is the plugin's error too; only Ctrl-C interrupts."""
    file = code_plugin(
        plugins,
        "greenlet",
        "class GreenletExit(BaseException):\n    pass\n\nraise GreenletExit()\n",
    )
    listed = run(capsys, "plugins", "check", "--json")
    assert listed.code == 1
    data = listed.json()
    assert state_of(data, "greenlet") == "broken"
    assert state_of(data, "good") in ("active", "not activated")
    (problem,) = problems_of(data, "greenlet")
    assert "raised GreenletExit" in problem["reason"] and f"{file}:4" in problem["reason"]
    assert "Traceback" not in listed.err


def test_exit_in_a_component_hook_or_a_legacy_callable_is_the_plugins_error(
    plugins: FakeSite, capsys: pytest.CaptureFixture[str]
) -> None:
    hook = code_plugin(
        plugins,
        "hooked",
        """
        import sys
        from brainsmith import hookimpl

        @hookimpl
        def brainsmith_transforms():
            sys.exit("bye")
        """,
    )
    plugins.fake_dist(
        "brainsmith-plugin-legacy",
        "0.3",
        entry_points={"legacy": "legacy_pkg:register"},
        files={"legacy_pkg/__init__.py": "def register():\n    raise SystemExit\n"},
    )
    data = run(capsys, "plugins", "list", "--activate", "--json").json()
    assert problems_of(data, "hooked")[0]["reason"] == (
        f"hook brainsmith_transforms raised SystemExit: the plugin called exit('bye') (at {hook}:7)"
    )
    assert problems_of(data, "legacy")[0]["reason"] == (
        "calling legacy_pkg:register raised SystemExit: the plugin called exit() "
        f"(at {plugins.root / 'legacy_pkg' / '__init__.py'}:2)"
    )
    assert state_of(data, "good") == "active"


def test_ctrl_c_while_importing_a_plugin_still_interrupts(plugins: FakeSite) -> None:
    code_plugin(plugins, "quitter", "raise SystemExit(1)\n")
    code_plugin(plugins, "impatient", "raise KeyboardInterrupt\n")
    session = plugins.session()
    with pytest.raises(PluginError, match="SystemExit"):
        session.activate("quitter")
    with pytest.raises(KeyboardInterrupt):
        session.activate("impatient")


def test_exit_in_a_transform_or_a_hook_fails_the_compile_not_the_process(
    project: FakeSite, capsys: pytest.CaptureFixture[str]
) -> None:
    hooks = hooks_plugin(
        project,
        "exiter",
        """
        import os, sys
        from brainsmith import hookimpl

        @hookimpl
        def on_stage_begin(stage):
            if os.environ.get("EXIT_IN_HOOK"):
                sys.exit(5)
        """,
    )
    project.manifest_plugin(
        "quits",
        project.transforms_manifest("Quit"),
        files={
            "bsp_quits/transforms.py": """
                import sys
                from qonnx.transformation.base import Transformation


                class Quit(Transformation):
                    def apply(self, model):
                        sys.exit(0)
                """
        },
    )
    flow = project.project / "quit.yaml"
    flow.write_text("stages:\n  graph_cleanup: [good:Tidy, quits:Quit]\n")
    out = project.project / "out"
    failed = run(capsys, "compile", "--example", "-b", str(flow), "-o", str(out))
    assert failed.code == 1
    transforms = project.root / "bsp_quits" / "transforms.py"
    assert (
        "transform quits:Quit (brainsmith-plugin-quits 1.0) failed in stage graph_cleanup: "
        f"SystemExit: the plugin called exit(0) (at {transforms}:8)"
    ) in failed.err
    assert not (out / "model.onnx").exists()

    import os

    os.environ["EXIT_IN_HOOK"] = "1"
    try:
        hooked = run(
            capsys,
            "compile",
            "--example",
            "-b",
            str(tidy_blueprint(project.project)),
            "-o",
            str(out),
        )
    finally:
        del os.environ["EXIT_IN_HOOK"]
    assert hooked.code == 1
    assert "plugin exiter (brainsmith-plugin-exiter 3.0), hook on_stage_begin" in hooked.err
    assert f"raised SystemExit: the plugin called exit(5) (at {hooks}:8)" in hooked.err
    assert "Traceback" not in failed.err + hooked.err
    assert not (out / "model.onnx").exists()


# -- output ----------------------------------------------------------------------------------


def test_what_plugins_print_goes_to_stderr(
    plugins: FakeSite, capsys: pytest.CaptureFixture[str]
) -> None:
    code_plugin(
        plugins,
        "chatty",
        """
        from brainsmith import hookimpl

        print("chatty: imported")

        @hookimpl
        def brainsmith_transforms():
            print("chatty: asked for transforms")
            return []

        @hookimpl
        def brainsmith_lifecycle_plugins():
            print("chatty: asked for lifecycle plugins")
            return []
        """,
    )
    hooks_plugin(plugins, "noisy", "print('noisy: hooks imported')\n")
    listed = run(capsys, "plugins", "list", "--activate", "--json")
    assert {p["namespace"]: p["state"] for p in listed.json()["plugins"]} == {
        "chatty": "active",
        "good": "active",
        "noisy": "active",
    }
    assert listed.err.splitlines() == [
        "chatty: imported",
        "chatty: asked for transforms",
        "noisy: hooks imported",
        "chatty: asked for lifecycle plugins",
    ]
    shown = run(capsys, "plugins", "show", "noisy", "--json")
    assert shown.json()["state"] == "active"
    locked = run(capsys, "plugins", "lock")
    assert all(line.startswith("#") or "==" in line for line in locked.out.splitlines())
    assert "chatty: asked for transforms" in locked.err  # imported by the commands before


def test_what_a_transform_prints_keeps_compile_json_valid(
    project: FakeSite, capsys: pytest.CaptureFixture[str]
) -> None:
    project.manifest_plugin(
        "loud",
        project.transforms_manifest("Shout"),
        files={
            "bsp_loud/transforms.py": """
                from qonnx.transformation.base import Transformation


                class Shout(Transformation):
                    def apply(self, model):
                        print("SHOUTING")
                        return model, False
                """
        },
    )
    hooks_plugin(
        project,
        "hooky",
        """
        from brainsmith import hookimpl

        @hookimpl
        def on_stage_end(stage):
            print("stage over:", stage)
        """,
    )
    flow = project.project / "loud.yaml"
    flow.write_text("stages:\n  graph_cleanup: [good:Tidy, loud:Shout]\n")
    out = project.project / "out"
    result = run(capsys, "compile", "--example", "-b", str(flow), "--json", "-o", str(out))
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert [t["transform"] for t in report["transforms"]] == ["good:Tidy", "loud:Shout"]
    assert "SHOUTING" in result.err
    assert "stage over: graph_cleanup" in result.err


# -- where the error is ----------------------------------------------------------------------


def test_an_error_in_plugin_code_names_the_plugins_file_and_line(
    project: FakeSite, capsys: pytest.CaptureFixture[str]
) -> None:
    project.manifest_plugin(
        "deep",
        project.transforms_manifest("Deep"),
        files={
            "bsp_deep/helpers.py": """
                def lookup(model):
                    table = {}
                    return table[model.graph.name]
                """,
            "bsp_deep/transforms.py": """
                from qonnx.transformation.base import Transformation

                from .helpers import lookup


                class Deep(Transformation):
                    def apply(self, model):
                        return lookup(model), False
                """,
        },
    )
    flow = project.project / "deep.yaml"
    flow.write_text("stages:\n  graph_cleanup: [good:Tidy, deep:Deep]\n")
    result = run(capsys, "compile", "--example", "-b", str(flow), "-o", str(project.project / "o"))
    assert result.code == 1
    helpers = project.root / "bsp_deep" / "helpers.py"
    assert "KeyError: " in result.err
    assert f"(at {helpers}:4)" in result.err
    assert "Traceback" not in result.err


# -- hook implementations the dispatcher cannot call --------------------------------------


INVALID_HOOKS = {
    "wrapping": (
        "@hookimpl(wrapper=True)\ndef on_stage_begin(stage):\n    return (yield)\n",
        "on_stage_begin() at {file}:4: a wrapper on the event on_stage_begin",
    ),
    "extra": (
        "@hookimpl\ndef on_stage_begin(stage, verbose=False):\n    pass\n",
        "on_stage_begin() at {file}:4: argument(s) 'verbose' the hookspec does not have",
    ),
    "misspelt": (
        "@hookimpl\ndef on_stage_begn(stage):\n    pass\n",
        "on_stage_begn() at {file}:4: there is no hook named 'on_stage_begn' "
        "(did you mean 'on_stage_begin'",
    ),
}


def install_invalid_hooks(site: FakeSite) -> dict[str, str]:
    """One code plugin per invalid hook implementation; the reason each must be broken with."""
    expected = {}
    for namespace, (body, reason) in INVALID_HOOKS.items():
        file = code_plugin(site, namespace, "from brainsmith import hookimpl\n\n\n" + body)
        expected[namespace] = reason.format(file=file)
    return expected


def test_hook_implementations_the_dispatcher_cannot_call_are_broken(
    plugins: FakeSite, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = install_invalid_hooks(plugins)
    data = run(capsys, "plugins", "list", "--activate", "--json").json()
    assert state_of(data, "good") == "active"
    for namespace, reason in expected.items():
        assert state_of(data, namespace) == "broken"
        (problem,) = problems_of(data, namespace)
        assert problem["reason"].startswith("invalid hook implementation(s):\n    " + reason)
        assert "hookspec" in problem["fix"]
        assert problem["distribution"] == f"brainsmith-plugin-{namespace}"


def test_a_compile_leaves_out_plugins_with_invalid_hooks_and_runs(
    project: FakeSite, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = install_invalid_hooks(project)
    out = project.project / "o"
    result = run(
        capsys, "compile", "--example", "-b", str(tidy_blueprint(project.project)), "-o", str(out)
    )
    assert result.code == 0, result.err
    for namespace, reason in expected.items():
        assert (
            f"warning: plugin {namespace} (brainsmith-plugin-{namespace} 2.0) left out: "
            f"broken: invalid hook implementation(s):\n    {reason}"
        ) in result.err
    report = json.loads((out / "compile_report.json").read_text())
    assert [t["transform"] for t in report["transforms"]][-1] == "good:Tidy"


def test_only_the_plugins_own_hooks_are_validated(tmp_path: Path, plugins: FakeSite) -> None:
    code_plugin(
        plugins,
        "fine",
        "from brainsmith import hookimpl\n\n@hookimpl\n"
        "def on_stage_begin(stage, model=None):\n    pass\n",
    )
    install_invalid_hooks(plugins)
    session = plugins.session()
    session.activate_all()
    assert {v.namespace: str(v.state) for v in session.verdicts()}["fine"] == "active"
    assert session.plugin_manager.get_plugin("wrapping") is None  # unregistered again


def test_a_stage_typo_in_a_code_plugin_is_found_by_check_and_never_pinned(
    project: FakeSite, capsys: pytest.CaptureFixture[str]
) -> None:
    """A code plugin's stages are known once it is activated (plain ``check`` activates code
    plugins): an unknown stage is an error with did-you-mean, the plugin is left out of the
    lock with a warning, and the other plugins are pinned."""
    code_plugin(
        project,
        "odd",
        """
        from qonnx.transformation.base import Transformation

        from brainsmith import hookimpl, transform


        @transform(stage="kernel_maping")
        class Odd(Transformation):
            def apply(self, model):
                return model, False


        @hookimpl
        def brainsmith_transforms():
            return [Odd]
        """,
    )
    expected = (
        "error: odd (brainsmith-plugin-odd 2.0): odd_pkg.plugin:Odd: transform 'Odd' declares "
        "stage 'kernel_maping', which is not a known stage (did you mean 'kernel_mapping'"
    )
    for argv in (("plugins", "check"), ("plugins", "check", "--activate")):
        result = run(capsys, *argv)
        assert result.code == 1, result.out + result.err
        assert expected in result.out
    lock = run(capsys, "plugins", "lock")
    assert lock.code == 0, lock.err
    assert "plugin odd (brainsmith-plugin-odd 2.0) left out: broken:" in lock.err
    assert "brainsmith-plugin-good==1.0" in lock.out
    assert "brainsmith-plugin-odd" not in lock.out
