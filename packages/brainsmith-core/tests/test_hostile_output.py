"""What plugin code writes below ``sys.stdout`` — ``os.write(1, ...)``, a C extension's
``printf`` — goes to stderr too, so ``--json`` stdout always parses (issue 8, item 3).

The plugins are real fake distributions (and a directory plugin); the commands are the real
CLI, in process with descriptor-level capture (``capfd``), and as a subprocess for C's stdio.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import TYPE_CHECKING, Any

import brainsmith.cli
import pytest
from hostile_helpers import CORE_SRC, code_plugin, hooks_plugin, install_good, isolate

if TYPE_CHECKING:
    from pathlib import Path

    from conftest import FakeSite

WRITES_AT_IMPORT = """
import os

from brainsmith import hookimpl

os.write(1, b"raw: imported\\n")


@hookimpl
def brainsmith_transforms():
    os.write(1, b"raw: asked for transforms\\n")
    return []
"""


def cli(capfd: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any, str]:
    """``brainsmith ARGV`` in process: the exit code, stdout parsed as JSON, stderr."""
    code = brainsmith.cli.main(list(argv))
    out, err = capfd.readouterr()
    return code, json.loads(out), err


FOLDER_MODULE = """
import os

from brainsmith import transform
from qonnx.transformation.base import Transformation

os.write(1, b"folder: module ran\\n")


@transform(stage="graph_cleanup")
class Fold(Transformation):
    def apply(self, model):
        return model, False
"""


@pytest.fixture
def plugins(site: FakeSite, monkeypatch: pytest.MonkeyPatch) -> FakeSite:
    isolate(site, monkeypatch)
    install_good(site)
    code_plugin(site, "raw", WRITES_AT_IMPORT)
    hooks_plugin(site, "rawhooks", 'import os\nos.write(1, b"rawhooks: hooks imported\\n")\n')
    return site


def test_descriptor_writes_while_listing_go_to_stderr(
    plugins: FakeSite, capfd: pytest.CaptureFixture[str]
) -> None:
    code, listed, err = cli(capfd, "plugins", "list", "--activate", "--json")
    assert code == 0
    assert {p["namespace"]: p["state"] for p in listed["plugins"]} == {
        "good": "active",
        "raw": "active",
        "rawhooks": "active",
    }
    for line in ("raw: imported", "raw: asked for transforms", "rawhooks: hooks imported"):
        assert line in err.splitlines()


@pytest.mark.parametrize(
    "argv",
    [
        ("plugins", "show", "raw", "--json"),
        ("plugins", "check", "--json"),
        ("plugins", "check", "--activate", "--json"),
    ],
)
def test_descriptor_writes_keep_every_plugins_json_valid(
    plugins: FakeSite, capfd: pytest.CaptureFixture[str], argv: tuple[str, ...]
) -> None:
    code, data, err = cli(capfd, *argv)  # stdout parsed: nothing but the command's JSON
    assert code == 0
    assert "raw: imported" in err
    states = data.get("plugins", [data])
    assert {p["namespace"]: p["state"] for p in states}["raw"] == "active"


def test_descriptor_writes_of_a_transform_and_a_hook_keep_compile_json_valid(
    site: FakeSite, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(site.project)
    install_good(site)
    site.manifest_plugin(
        "loud",
        site.transforms_manifest("Shout"),
        files={
            "bsp_loud/transforms.py": """
                import os

                from qonnx.transformation.base import Transformation

                os.write(1, b"loud: imported\\n")


                class Shout(Transformation):
                    def apply(self, model):
                        os.write(1, b"loud: SHOUTING\\n")
                        return model, False
                """
        },
    )
    hooks_plugin(
        site,
        "hooky",
        """
        import os

        from brainsmith import hookimpl

        @hookimpl
        def on_stage_end(stage):
            os.write(1, f"hooky: {stage} over\\n".encode())
        """,
    )
    folder = site.project / "brainsmith_plugins"  # a directory plugin, imported on first use
    folder.mkdir()
    (folder / "__init__.py").write_text('import os\nos.write(1, b"folder: init ran\\n")\n')
    (folder / "fold.py").write_text(FOLDER_MODULE)
    (site.project / "brainsmith.toml").write_text('plugin-dirs = ["brainsmith_plugins"]\n')
    flow = site.project / "loud.yaml"
    flow.write_text("stages:\n  graph_cleanup: [good:Tidy, loud:Shout, project:Fold]\n")
    out = site.project / "out"
    argv = ("compile", "--example", "-b", str(flow), "--json", "-o", str(out))
    code, report, err = cli(capfd, *argv)
    assert code == 0, err
    assert [t["transform"] for t in report["transforms"]] == [
        "good:Tidy",
        "loud:Shout",
        "project:Fold",
    ]
    for line in (
        "loud: imported",
        "loud: SHOUTING",
        "hooky: graph_cleanup over",
        "folder: init ran",
        "folder: module ran",
    ):
        assert line in err.splitlines()


def test_stdout_is_restored_after_plugin_code_even_when_it_fails(
    plugins: FakeSite, capfd: pytest.CaptureFixture[str]
) -> None:
    code_plugin(plugins, "dies", 'import os\nos.write(1, b"dies: here\\n")\nraise SystemExit(3)\n')
    code, data, err = cli(capfd, "plugins", "check", "--activate", "--json")
    assert code == 1
    assert {p["namespace"]: p["state"] for p in data["plugins"]}["dies"] == "broken"
    assert "dies: here" in err
    os.write(1, b"the host's own line\n")  # descriptor 1 is stdout again
    assert capfd.readouterr().out == "the host's own line\n"


C_PRINTF = """
import ctypes
import sys

from brainsmith import hookimpl

ctypes.CDLL(None).printf(b"c: printf while imported\\n")  # buffered by C's stdio
sys.__stdout__.write("c: the interpreter's own stdout\\n")  # buffered by Python's


@hookimpl
def brainsmith_transforms():
    return []
"""


@pytest.mark.skipif(os.name != "posix", reason="C's printf through ctypes.CDLL(None)")
def test_a_c_extensions_buffered_printf_goes_to_stderr(tmp_path: Path, site: FakeSite) -> None:
    code_plugin(site, "cprint", C_PRINTF)
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("BRAINSMITH", "PYTHON"))}
    result = subprocess.run(
        [sys.executable, "-m", "brainsmith", "plugins", "check", "--activate", "--json"],
        cwd=site.project,
        env={**environ, "PYTHONPATH": os.pathsep.join([str(site.root), CORE_SRC])},
        capture_output=True,
        text=True,
        check=False,
    )
    data = json.loads(result.stdout)
    assert {p["namespace"]: p["state"] for p in data["plugins"]}["cprint"] == "active"
    assert "c: printf while imported" in result.stderr
    assert "c: the interpreter's own stdout" in result.stderr


def test_exit_in_a_directory_plugins_init_is_its_error_not_the_process_exit(
    site: FakeSite, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(site.project)
    monkeypatch.delenv("BRAINSMITH_TRACEBACK", raising=False)
    folder = site.project / "brainsmith_plugins"
    folder.mkdir()
    (folder / "__init__.py").write_text('import os, sys\nos.write(1, b"bye\\n")\nsys.exit(4)\n')
    (folder / "fold.py").write_text(FOLDER_MODULE)
    (site.project / "brainsmith.toml").write_text('plugin-dirs = ["brainsmith_plugins"]\n')
    flow = site.project / "fold.yaml"
    flow.write_text("stages:\n  graph_cleanup: [project:Fold]\n")
    out = site.project / "out"
    code = brainsmith.cli.main(["compile", "--example", "-b", str(flow), "-o", str(out)])
    captured = capfd.readouterr()
    assert code == 2, captured.err  # the blueprint's step cannot be had: its plugin is broken
    assert captured.out == ""
    assert f"running {folder / '__init__.py'} raised SystemExit: 4" in captured.err
    assert "bye" in captured.err
    assert not out.exists()


def test_descriptor_writes_keep_validates_json_valid(
    site: FakeSite, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(site.project)
    site.manifest_plugin(
        "loud",
        site.transforms_manifest("Shout"),
        files={
            "bsp_loud/transforms.py": """
                import os

                from qonnx.transformation.base import Transformation

                os.write(1, b"loud: imported\\n")


                class Shout(Transformation):
                    def apply(self, model):
                        return model, False
                """
        },
    )
    code = brainsmith.cli.main(["plugins", "validate", "brainsmith-plugin-loud", "--json"])
    out, err = capfd.readouterr()
    data = json.loads(out)  # nothing but validate's JSON
    assert "loud: imported" in err
    # the fake distribution declares no core requirement nor api range; its code is fine
    assert (code, [f["field"] for f in data["findings"]]) == (1, ["Requires-Dist", "api"])
