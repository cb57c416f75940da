"""Directory plugins: folders of plain modules named by the settings (``plugin-dirs``,
``user-plugins``), driven through the real CLI in process.

Every module the tests write logs its import to a file outside the folder, so each test can
tell whether listing ran plugin code (it must not) and when activation did.
"""

from __future__ import annotations

import json
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from brainsmith.cli import main
from brainsmith.plugins._directories import package_name

if TYPE_CHECKING:
    from collections.abc import Iterator

FUSE = """\
from pathlib import Path

from qonnx.transformation.base import Transformation

from brainsmith import kernel, transform

with open({log!r}, "a") as log:
    log.write(__name__ + "\\n")


@transform(stage="graph_cleanup")
class Fuse(Transformation):
    \"\"\"Fuse nothing, for the test.\"\"\"

    def apply(self, model):
        return model, False


@kernel(infrastructure=True)
class Pad:
    pass
"""


@dataclass
class Run:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


@dataclass
class Project:
    root: Path
    log: Path
    capsys: pytest.CaptureFixture[str]

    def __call__(self, *argv: str) -> Run:
        code = main(list(argv))
        captured = self.capsys.readouterr()
        return Run(code, captured.out, captured.err)

    def settings(self, body: str) -> Path:
        path = self.root / "pyproject.toml"
        path.write_text(
            '[project]\nname = "proj"\n\n[tool.brainsmith]\n' + textwrap.dedent(body),
            encoding="utf-8",
        )
        return path

    def module(self, folder: str | Path, name: str, text: str) -> Path:
        path = self.root / folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).replace("{log!r}", repr(str(self.log))))
        return path

    def imported(self) -> list[str]:
        return self.log.read_text().split() if self.log.exists() else []

    def plugins(self) -> dict[str, dict[str, Any]]:
        run = self("plugins", "list", "--json")
        assert run.code == 0, run.err
        return {p["namespace"]: p for p in run.json()["plugins"]}

    def compile(self, *steps: str) -> tuple[Run, Path]:
        blueprint = self.root / "bp.yaml"
        blueprint.write_text(
            "name: dirs\nstages:\n  graph_cleanup:\n" + "".join(f"    - {s}\n" for s in steps)
        )
        out = self.root / "out"
        return self(
            "compile", "--example", "-q", "-b", str(blueprint), "-o", str(out)
        ), out / "compile_report.json"


@pytest.fixture
def project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[Project]:
    root = tmp_path / "proj"
    root.mkdir()
    monkeypatch.chdir(root)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    for name in (
        "BRAINSMITH_PLUGINS",
        "BRAINSMITH_DISABLE_PLUGIN_AUTOLOAD",
        "BRAINSMITH_TRACEBACK",
    ):
        monkeypatch.delenv(name, raising=False)
    before = set(sys.modules)
    yield Project(root, tmp_path / "imported.log", capsys)
    for name in set(sys.modules) - before:
        if name.startswith("_brainsmith_"):
            del sys.modules[name]


def user_folder(project: Project) -> Path:
    return project.root.parent / "config" / "brainsmith" / "plugins"


def test_nothing_is_read_unless_a_settings_file_names_the_folder(project: Project) -> None:
    project.module("brainsmith_plugins", "fuse.py", FUSE)
    project.module(user_folder(project), "mine.py", FUSE)
    project.settings("strict = false\n")
    plugins = project.plugins()
    assert "project" not in plugins
    assert "user" not in plugins
    run, _ = project.compile("builtin:RemoveIdentity")
    assert run.code == 0, run.err
    assert project.imported() == []


def test_listed_from_the_settings_folder_without_running_it(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = project.root / "brainsmith_plugins"
    project.module(folder, "fuse.py", FUSE)
    project.settings('plugin-dirs = ["brainsmith_plugins"]\n')
    sub = project.root / "src" / "deep"
    sub.mkdir(parents=True)
    monkeypatch.chdir(sub)  # relative to the settings file, not to the working folder
    row = project.plugins()["project"]
    assert (row["state"], row["source"], row["form"], row["location"]) == (
        "active",
        "project-dir",
        "directory",
        str(folder),
    )
    assert row["components"] == {"transforms": 1, "kernels": 1, "backends": 0, "hw_transforms": 0}
    table = project("plugins", "list").out.splitlines()
    line = next(line for line in table if line.startswith("project "))
    assert line.split() == ["project", "-", "-", "active", "1", "1", "0", "0", "project-dir"]
    assert table[0].split()[-1] == "SOURCE"
    shown = project("plugins", "show", "project", "--json").json()
    package = package_name("project", folder)
    assert [(c["qualified_name"], c["target"]) for c in shown["components"]] == [
        ("project:Fuse", f"{package}.fuse:Fuse"),
        ("project:Pad", f"{package}.fuse:Pad"),
    ]
    assert shown["components"][0]["description"] == "Fuse nothing, for the test."
    header = project("plugins", "show", "project").out.splitlines()[0]
    assert header == f"project  (folder {folder})  [active]"  # no empty "( )"
    assert project("plugins", "check").code == 0
    assert project.imported() == []  # listing, showing and checking ran nothing
    lock = project("plugins", "lock")
    assert lock.code == 0
    assert "project" not in lock.out  # a folder is not a distribution: never pinned


def test_activated_on_first_use_isolated_from_installed_modules(project: Project) -> None:
    folder = project.root / "brainsmith_plugins"
    project.module(folder, "json.py", FUSE)  # must not shadow the standard library's json
    project.module(folder, "_util.py", "VALUE = 41\n")
    project.module(
        folder,
        "more.py",
        """\
        from qonnx.transformation.base import Transformation

        from brainsmith import transform

        from ._util import VALUE


        @transform(stage="graph_cleanup", name="Answer")
        class Answer(Transformation):
            def apply(self, model):
                model.set_metadata_prop("answer", str(VALUE + 1))
                return model, False
        """,
    )
    project.settings('plugin-dirs = ["brainsmith_plugins"]\n')
    run, report_file = project.compile("builtin:RemoveIdentity")
    assert run.code == 0, run.err
    assert project.imported() == []  # compiled without using the folder: not imported
    run, report_file = project.compile("project:Fuse", "Answer")
    assert run.code == 0, run.err
    report = json.loads(report_file.read_text())
    assert [t["transform"] for t in report["transforms"]] == ["project:Fuse", "project:Answer"]
    package = package_name("project", folder)
    assert project.imported() == [f"{package}.json"]
    assert sys.modules["json"].__file__ != str(folder / "json.py")
    assert str(folder) not in sys.path
    from qonnx.core.modelwrapper import ModelWrapper

    model = ModelWrapper(str(report_file.parent / "model.onnx"))
    assert model.get_metadata_prop("answer") == "42"


def test_user_folder_and_second_project_folder_are_their_own_plugins(project: Project) -> None:
    user = user_folder(project)
    project.module(user, "fuse.py", FUSE)
    project.module("brainsmith_plugins", "fuse.py", FUSE)
    project.module("tools/extra", "fuse.py", FUSE)
    project.settings('plugin-dirs = ["brainsmith_plugins", "tools/extra"]\nuser-plugins = true\n')
    plugins = project.plugins()
    assert {
        ns: (p["source"], p["location"]) for ns, p in plugins.items() if p["form"] == "directory"
    } == {
        "project": ("project-dir", str(project.root / "brainsmith_plugins")),
        "project-extra": ("project-dir", str(project.root / "tools" / "extra")),
        "user": ("user-dir", str(user)),
    }
    run, _ = project.compile("user:Fuse", "project:Fuse", "project-extra:Fuse")
    assert run.code == 0, run.err
    assert len(set(project.imported())) == 3  # three folders, three separate modules


def test_problems_name_file_and_line(project: Project) -> None:
    folder = project.root / "brainsmith_plugins"
    bad = project.module(folder, "bad.py", "x = 1\n\ndef broken(:\n    pass\n")
    project.settings('plugin-dirs = ["brainsmith_plugins"]\n')
    row = project.plugins()["project"]
    assert row["state"] == "broken"
    (problem,) = row["problems"]
    assert problem["reason"].startswith(f"{bad}:3: SyntaxError: ")
    assert problem["fix"].startswith(f"fix the module(s) in {folder}")

    bad.unlink()
    backend = project.module(
        folder,
        "backend.py",
        """\
        from brainsmith import backend


        @backend(kernel="Pad", language="vhdl")
        class Pad_vhdl:
            pass
        """,
    )
    (problem,) = project.plugins()["project"]["problems"]
    assert problem["reason"] == (
        f"{backend}:4: @backend on Pad_vhdl: backend 'Pad_vhdl': language 'vhdl' is not one of "
        "hls, rtl"
    )

    backend.unlink()
    hooks = project.module(
        folder,
        "hooks.py",
        """\
        from brainsmith import hookimpl


        @hookimpl
        def on_compile_end(report):
            pass
        """,
    )
    (problem,) = project.plugins()["project"]["problems"]
    assert problem["reason"].startswith(f"{hooks}:5: @hookimpl on_compile_end: a directory plugin")


def test_import_error_names_file_and_line_and_other_plugins_keep_working(
    project: Project,
) -> None:
    folder = project.root / "brainsmith_plugins"
    boom = project.module(
        folder,
        "boom.py",
        """\
        from qonnx.transformation.base import Transformation

        from brainsmith import transform

        raise RuntimeError("kaput")


        @transform(stage="graph_cleanup")
        class Boom(Transformation):
            def apply(self, model):
                return model, False
        """,
    )
    project.settings('plugin-dirs = ["brainsmith_plugins"]\n')
    assert project.plugins()["project"]["state"] == "active"  # known statically, not run
    run, _ = project.compile("project:Boom")
    assert run.code == 2
    assert "RuntimeError: kaput" in run.err
    assert f"({boom}, line 5)" in run.err
    assert "Traceback" not in run.err
    run, _ = project.compile("builtin:RemoveIdentity")
    assert run.code == 0, run.err


def test_missing_folder_disable_allowlist_and_non_literal_arguments(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = project.settings('plugin-dirs = ["nowhere"]\n')
    row = project.plugins()["project"]
    assert row["state"] == "broken"
    assert row["problems"][0]["reason"] == (
        f"{project.root / 'nowhere'}: the plugin folder named by plugin-dirs in {source} does "
        "not exist"
    )
    project.module(
        "brainsmith_plugins",
        "fuse.py",
        FUSE.replace('stage="graph_cleanup"', "stage=STAGE").replace(
            "with open", 'STAGE = "graph_cleanup"\n\nwith open'
        ),
    )
    project.settings('plugin-dirs = ["brainsmith_plugins"]\ndisable = ["project"]\n')
    assert project.plugins()["project"]["state"] == "disabled"
    project.settings('plugin-dirs = ["brainsmith_plugins"]\n')
    monkeypatch.setenv("BRAINSMITH_PLUGINS", "builtin")
    assert project.plugins()["project"]["state"] == "disabled"
    monkeypatch.delenv("BRAINSMITH_PLUGINS")
    row = project.plugins()["project"]
    assert (row["state"], row["components"]) == ("not activated", None)  # STAGE is a name
    assert project.imported() == []
    run = project("plugins", "list", "--activate", "--json")
    row = {p["namespace"]: p for p in run.json()["plugins"]}["project"]
    assert (row["state"], row["components"]["transforms"]) == ("active", 1)


def test_the_cache_sees_edited_modules(project: Project) -> None:
    project.module("brainsmith_plugins", "fuse.py", FUSE)
    project.settings('plugin-dirs = ["brainsmith_plugins"]\n')
    assert project.plugins()["project"]["components"]["transforms"] == 1
    project.module(
        "brainsmith_plugins",
        "second.py",
        """\
        from brainsmith import transform


        @transform(stage="graph_cleanup")
        class Second:
            pass
        """,
    )
    assert project.plugins()["project"]["components"]["transforms"] == 2


def test_settings_value_and_folder_state_for_a_cache_key(project: Project) -> None:
    import os

    from brainsmith.plugins._directories import folders_state
    from brainsmith.plugins._settings import Settings, load_settings

    module = project.module("brainsmith_plugins", "fuse.py", FUSE)
    project.settings('plugin-dirs = ["brainsmith_plugins"]\nuser-plugins = true\n')
    settings = load_settings(project.root, {})
    assert settings.plugin_dirs == ("brainsmith_plugins",)
    assert Settings.from_json(json.loads(json.dumps(settings.to_json()))) == settings
    assert settings.digest() == load_settings(project.root, {}).digest()
    assert settings.digest() != load_settings(project.root, {"BRAINSMITH_PLUGINS": "x"}).digest()
    state = folders_state(settings)
    assert folders_state(settings) == state
    module.write_text(module.read_text() + "\n# edited\n")
    os.utime(module, ns=(1, 1))
    assert folders_state(settings) != state


def test_a_stage_typo_in_a_folder_plugin_is_found_by_check(project: Project) -> None:
    """``check`` finds an unknown stage in a folder plugin's ``@transform`` as it does in a
    manifest: an error with did-you-mean naming the module's file; ``lock`` says so too."""
    folder = project.root / "brainsmith_plugins"
    fuse = project.module(
        folder,
        "fuse.py",
        """\
        from qonnx.transformation.base import Transformation

        from brainsmith import transform


        @transform(stage="graph_cleanpu")
        class Fuse(Transformation):
            def apply(self, model):
                return model, False
        """,
    )
    project.settings('plugin-dirs = ["brainsmith_plugins"]\n')
    for argv in (("plugins", "check"), ("plugins", "check", "--activate")):
        run = project(*argv)
        assert run.code == 1, run.out + run.err
        assert (
            f"error: project: {fuse}: transform 'Fuse' declares stage 'graph_cleanpu', which is "
            "not a known stage (did you mean 'graph_cleanup'?)"
        ) in run.out
    lock = project("plugins", "lock")
    assert "left out" in lock.err and "graph_cleanpu" in lock.err
