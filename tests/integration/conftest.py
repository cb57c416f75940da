"""Integration fixtures: real wheels, installed into fresh virtual environments.

``wheelhouse`` builds wheels of brainsmith-core, brainsmith-plugins-builtin and every
distribution under ``tests/plugins/`` once per test session; ``make_venv`` creates a fresh
virtual environment with some of them installed, and runs its executables as a user would.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [
    ROOT / "packages" / "brainsmith-core",
    ROOT / "packages" / "brainsmith-plugins-builtin",
    *sorted(p.parent for p in (ROOT / "tests" / "plugins").glob("*/pyproject.toml")),
]
CACHE = Path(os.environ.get("BRAINSMITH_TEST_CACHE", ROOT / ".cache" / "integration"))
_ENV_DROP = (
    "VIRTUAL_ENV",
    "PYTHONPATH",
    "PYTHONHOME",
    "BRAINSMITH_PLUGINS",
    "BRAINSMITH_DISABLE_PLUGIN_AUTOLOAD",
    "CONDA_PREFIX",
)


def _uv() -> str:
    found = shutil.which("uv")
    if found is None:
        pytest.skip("uv is needed to build wheels and virtual environments (pip install uv)")
    return found


def _source_hash(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and ".egg-info" not in str(path):
            digest.update(str(path.relative_to(folder)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class Wheelhouse:
    """Built wheels, by canonical distribution name."""

    folder: Path
    wheels: dict[str, Path]

    def wheel(self, distribution: str) -> Path:
        try:
            return self.wheels[distribution]
        except KeyError:
            raise KeyError(f"no wheel for {distribution!r}; known: {sorted(self.wheels)}") from None


def _build(source: Path, out: Path) -> tuple[str, Path]:
    name = tomllib.loads((source / "pyproject.toml").read_text())["project"]["name"]
    target = CACHE / "wheels" / f"{name}-{_source_hash(source)}"
    if not any(target.glob("*.whl")):
        shutil.rmtree(target, ignore_errors=True)
        subprocess.run(
            [_uv(), "build", "--quiet", "--wheel", "--out-dir", str(target), str(source)],
            check=True,
            capture_output=True,
            text=True,
        )
    wheel = next(target.glob("*.whl"))
    shutil.copy2(wheel, out / wheel.name)
    return name, out / wheel.name


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Wheelhouse:
    """Wheels of every distribution in the repository, built once (cached by content)."""
    out = tmp_path_factory.mktemp("wheelhouse")
    with ThreadPoolExecutor(max_workers=4) as pool:
        built = dict(pool.map(lambda s: _build(s, out), SOURCES))
    return Wheelhouse(out, built)


@dataclass
class Venv:
    """A fresh virtual environment; ``run`` runs one of its executables."""

    root: Path
    wheelhouse: Wheelhouse
    workdir: Path

    @property
    def bin(self) -> Path:
        return self.root / "bin"

    @property
    def python(self) -> Path:
        return self.bin / "python"

    def env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in _ENV_DROP}
        env["PATH"] = f"{self.bin}{os.pathsep}{env.get('PATH', '')}"
        env["VIRTUAL_ENV"] = str(self.root)
        env["BRAINSMITH_CACHE_DIR"] = str(self.root.parent / "cache")  # exercised, not shared
        env.update(extra or {})
        return env

    def run(
        self,
        *args: str | os.PathLike[str],
        cwd: Path | None = None,
        env: dict[str, str] | None = None,
        check: bool = False,
        timeout: float = 600,
    ) -> subprocess.CompletedProcess[str]:
        """Run ``args[0]`` from the venv's bin (or any program on PATH) with ``args[1:]``."""
        program, *rest = (str(a) for a in args)
        executable = self.bin / program
        command = [str(executable) if executable.exists() else program, *rest]
        result = subprocess.run(
            command,
            check=False,
            cwd=cwd or self.workdir,
            env=self.env(env),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"{' '.join(command)} exited {result.returncode}\n"
                f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
            )
        return result

    def install(self, *distributions: str, no_deps: bool = False) -> None:
        """Install wheels of repository distributions (by name, ``name[extra]`` for extras)
        with uv."""
        wheels = []
        for requirement in distributions:
            name, _, extras = requirement.partition("[")
            wheel = self.wheelhouse.wheel(name)
            wheels.append(f"{name}[{extras} @ {wheel.as_uri()}" if extras else str(wheel))
        command = [_uv(), "pip", "install", "--quiet", "--python", str(self.python)]
        if no_deps:
            command.append("--no-deps")
        else:
            command.append(str(self.wheelhouse.wheel("brainsmith-core")))
        subprocess.run(
            [*command, *wheels], check=True, capture_output=True, text=True, env=self.env()
        )


@pytest.fixture(scope="session")
def make_venv(
    wheelhouse: Wheelhouse, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[..., Venv]]:
    """Factory: ``make_venv("brainsmith-plugins-builtin", ..., seed=False)`` → a fresh venv with
    brainsmith-core and the named distributions installed from the wheelhouse. ``seed`` adds
    pip, for tests that install with pip itself."""

    def make(*distributions: str, seed: bool = False) -> Venv:
        root = tmp_path_factory.mktemp("venv")
        command = [_uv(), "venv", "--quiet", "--python", sys.executable, str(root / "env")]
        if seed:
            command.insert(3, "--seed")
        subprocess.run(command, check=True, capture_output=True, text=True)
        workdir = root / "work"
        workdir.mkdir()
        venv = Venv(root / "env", wheelhouse, workdir)
        venv.install(*distributions)
        return venv

    yield make
