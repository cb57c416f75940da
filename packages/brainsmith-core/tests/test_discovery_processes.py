"""How the command behaves as a process (issue 8, item 8): ``python -m brainsmith`` ignores
the working directory, ``BRAINSMITH_TRACEBACK=0`` is off, written files follow the umask."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from discovery_helpers import listing, manifest, run_brainsmith, write_dist


def _plant(folder: Path) -> None:
    """A plugin whose metadata and package sit in ``folder`` itself (a checkout, a download
    folder): only a path entry pointing here may find it."""
    write_dist(
        folder,
        "brainsmith-plugin-planted",
        "6.6.6",
        entry_points={"planted": "bsp_planted:brainsmith_plugin.toml"},
        files={
            "bsp_planted/__init__.py": "",
            "bsp_planted/brainsmith_plugin.toml": manifest("Planted", "bsp_planted.t:Planted"),
        },
    )


@pytest.mark.parametrize("module", ["brainsmith", "brainsmith.cli"])
def test_python_m_brainsmith_finds_nothing_in_the_working_directory(
    tmp_path: Path, module: str
) -> None:
    work = tmp_path / "work"
    _plant(work)
    result = run_brainsmith("plugins", "list", "--json", cwd=work, python=("-m", module))
    namespaces = {p["namespace"] for p in listing(result)["plugins"]}
    assert "planted" not in namespaces
    assert {"builtin", "qonnx"} <= namespaces  # what is installed is still found
    # the same folder, named on the path on purpose, is searched
    named = run_brainsmith(
        "plugins", "list", "--json", cwd=work, path=[work], python=("-m", module)
    )
    assert "planted" in {p["namespace"] for p in listing(named)["plugins"]}


def test_brainsmith_traceback_zero_means_off(tmp_path: Path) -> None:
    for value, traceback in [("0", False), ("false", False), ("off", False), ("1", True)]:
        result = run_brainsmith(
            "plugins", "show", "nowhere", cwd=tmp_path, env={"BRAINSMITH_TRACEBACK": value}
        )
        assert ("Traceback (most recent call last)" in result.stderr) is traceback, value
        if not traceback:
            assert result.returncode == 2
            assert result.stderr.startswith("error: no plugin with namespace 'nowhere'")


def _modes(folder: Path) -> dict[str, int]:
    return {
        str(p.relative_to(folder)): stat.S_IMODE(p.stat().st_mode)
        for p in [folder, *folder.rglob("*")]
        if not p.name.startswith(".")
    }


@pytest.mark.parametrize("umask", [0o022, 0o027, 0o002])
def test_written_files_follow_the_umask(tmp_path: Path, umask: int) -> None:
    def with_umask() -> None:
        os.umask(umask)

    lock = run_brainsmith(
        "plugins", "lock", "-o", "plugins.lock", cwd=tmp_path, preexec_fn=with_umask
    )
    assert lock.returncode == 0, lock.stderr
    assert stat.S_IMODE((tmp_path / "plugins.lock").stat().st_mode) == 0o666 & ~umask
    compiled = run_brainsmith(
        "compile", "--example", "-q", "-o", "out", cwd=tmp_path, preexec_fn=with_umask
    )
    assert compiled.returncode == 0, compiled.stderr
    modes = _modes(tmp_path / "out")
    assert {"model.onnx", "compile_report.json"} <= set(modes)
    for name, mode in modes.items():
        is_dir = (tmp_path / "out" / name).is_dir()
        assert mode == (0o777 if is_dir else 0o666) & ~umask, name
