"""A plugin project built into a wheel and installed into a fresh virtual environment, beside
the brainsmith-core that runs the tests.

Building and installing use ``uv`` when it is on ``PATH`` (fast, cached), otherwise ``pip``
(``pip wheel``) and ``venv``. The fresh environment gets the running brainsmith-core: the wheel
built from its source folder when it is an editable or folder install, the very wheel it was
installed from, or ``brainsmith-core==<version>`` from the package index otherwise.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from urllib.parse import unquote, urlparse

from ._cli import CliResult, find_program, run_cli_subprocess

__all__ = ["PluginVenv", "build_wheel", "core_requirement", "make_plugin_venv"]


@dataclass(frozen=True)
class PluginVenv:
    """A fresh virtual environment with a plugin wheel and brainsmith-core installed."""

    root: Path
    """The environment's folder."""
    wheel: Path
    """The plugin's wheel that was installed."""

    @property
    def bin(self) -> Path:
        """The folder of the environment's executables (``python``, ``brainsmith``, ...)."""
        return self.root / ("Scripts" if os.name == "nt" else "bin")

    @property
    def python(self) -> Path:
        """The environment's interpreter."""
        return self.bin / ("python.exe" if os.name == "nt" else "python")

    def brainsmith(
        self, *args: str | os.PathLike[str], cwd: Path | None = None, timeout: float = 600
    ) -> CliResult:
        """Run the environment's ``brainsmith ARGS...`` (its own discovery cache, under
        :attr:`root`)."""
        env: dict[str, str | None] = {
            "BRAINSMITH_CACHE_DIR": str(self.root / ".brainsmith-cache"),
            "BRAINSMITH_PLUGINS": None,
            "BRAINSMITH_DISABLE_PLUGIN_AUTOLOAD": None,
        }
        return run_cli_subprocess(*args, cwd=cwd, env=env, python=self.python, timeout=timeout)

    def run(
        self, *args: str | os.PathLike[str], cwd: Path | None = None, timeout: float = 600
    ) -> subprocess.CompletedProcess[str]:
        """Run the environment's ``python ARGS...``; output captured as text, never raises on
        a non-zero exit status."""
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
        env["VIRTUAL_ENV"] = str(self.root)
        env["PATH"] = f"{self.bin}{os.pathsep}{env.get('PATH', '')}"
        return subprocess.run(
            [str(self.python), *(os.fspath(a) for a in args)],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


def build_wheel(project: Path, out_dir: Path) -> Path:
    """Build the project folder ``project`` (holding a ``pyproject.toml``) into a wheel in
    ``out_dir``.

    :returns: the wheel's path.
    :raises AssertionError: when the build fails, with the build tool's output.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    before = set(out_dir.glob("*.whl"))
    uv = find_program("uv")
    if uv:
        command = [uv, "build", "--quiet", "--wheel", "--out-dir", str(out_dir), str(project)]
    else:
        command = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps"]
        command += ["--wheel-dir", str(out_dir), str(project)]
    _run(command, f"building {project} into a wheel")
    built = sorted(set(out_dir.glob("*.whl")) - before) or sorted(out_dir.glob("*.whl"))
    if not built:
        raise AssertionError(f"building {project} left no wheel in {out_dir}")
    return built[-1]


def core_requirement(out_dir: Path) -> str:
    """What installs the running brainsmith-core into another environment: a wheel built into
    ``out_dir`` from its source folder (editable or folder installs), the wheel file it was
    installed from, or ``brainsmith-core==<version>``."""
    distribution = metadata.distribution("brainsmith-core")
    direct = distribution.read_text("direct_url.json")
    if direct:
        origin = json.loads(direct)
        path = Path(unquote(urlparse(origin.get("url", "")).path))
        if "dir_info" in origin and (path / "pyproject.toml").exists():
            return str(build_wheel(path, out_dir))
        if path.suffix == ".whl" and path.exists():
            return str(path)
    return f"brainsmith-core=={distribution.version}"


def make_plugin_venv(
    project: Path,
    folder: Path,
    *,
    core: str | None = None,
    requirements: Sequence[str] = (),
) -> PluginVenv:
    """Build ``project`` into a wheel and install it into a fresh virtual environment at
    ``folder/env``, with ``core`` (default :func:`core_requirement`) and ``requirements``.

    :raises AssertionError: when building, creating the environment or installing fails, with
        the tool's output.
    """
    wheel = build_wheel(project, folder / "dist")
    core = core or core_requirement(folder / "core")
    root = folder / "env"
    uv = find_program("uv")
    if uv:
        _run([uv, "venv", "--quiet", "--python", sys.executable, str(root)], "creating a venv")
        venv = PluginVenv(root, wheel)
        install = [uv, "pip", "install", "--quiet", "--python", str(venv.python)]
    else:
        _run([sys.executable, "-m", "venv", str(root)], "creating a venv")
        venv = PluginVenv(root, wheel)
        install = [str(venv.python), "-m", "pip", "install", "--quiet"]
    _run([*install, core, str(wheel), *requirements], f"installing {wheel.name}")
    return venv


def _run(command: Sequence[str], doing: str) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    with tempfile.TemporaryDirectory() as scratch:
        done = subprocess.run(
            list(command), capture_output=True, text=True, env=env, cwd=scratch, check=False
        )
    if done.returncode != 0:
        raise AssertionError(
            f"{doing} failed ({' '.join(command)} exited {done.returncode})\n"
            f"--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
        )
