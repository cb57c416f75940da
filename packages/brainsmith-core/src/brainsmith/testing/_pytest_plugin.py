"""The ``brainsmith`` pytest plugin: fixtures for plugin authors' tests.

Registered through the ``pytest11`` entry point of brainsmith-core (install
``brainsmith-core[testing]`` to get pytest with it), so every test session of an environment
with brainsmith-core has these fixtures without a ``conftest.py``:

- ``brainsmith_cli``: ``brainsmith_cli("plugins", "list")`` runs the command in-process and
  returns a :class:`~brainsmith.testing.CliResult` (``exit_code``, ``stdout``, ``stderr``);
  ``brainsmith_cli(..., subprocess=True)`` runs the executable instead.
- ``fake_distributions``: a :class:`~brainsmith.testing.FakeDistributions` whose site folder is
  first on ``sys.path`` for the test; its modules are forgotten afterwards.
- ``plugin_wheel_venv``: ``plugin_wheel_venv(project_folder)`` builds the project into a wheel,
  installs it with the running brainsmith-core into a fresh venv and returns a
  :class:`~brainsmith.testing.PluginVenv` (``python``, ``bin``, ``brainsmith(...)``).

Every fixture gives the test its own discovery cache folder (``BRAINSMITH_CACHE_DIR``).
This module imports only pytest and the standard library when pytest loads it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol

import pytest

from ._cli import CliResult, run_cli, run_cli_subprocess
from ._fake_distributions import FakeDistributions
from ._wheel_venv import PluginVenv, core_requirement, make_plugin_venv

_SWITCHES = ("BRAINSMITH_DISABLE_PLUGIN_AUTOLOAD", "BRAINSMITH_PLUGINS")


class BrainsmithCli(Protocol):
    """The ``brainsmith_cli`` fixture's call signature."""

    def __call__(
        self,
        *args: str | os.PathLike[str],
        cwd: Path | None = None,
        env: dict[str, str | None] | None = None,
        subprocess: bool = False,
    ) -> CliResult: ...


@pytest.fixture
def _brainsmith_private_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    folder = tmp_path_factory.mktemp("brainsmith-cache")
    monkeypatch.setenv("BRAINSMITH_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def brainsmith_cli(_brainsmith_private_cache: Path) -> BrainsmithCli:
    """Run ``brainsmith ARGS...``: ``brainsmith_cli("plugins", "check", cwd=folder)`` →
    :class:`~brainsmith.testing.CliResult`. In-process by default (fast; sees
    ``fake_distributions``); ``subprocess=True`` runs the ``brainsmith`` executable of this
    interpreter's environment, with this process's ``sys.path``. ``env`` sets variables for
    the run (``None`` removes one)."""

    def run(
        *args: str | os.PathLike[str],
        cwd: Path | None = None,
        env: dict[str, str | None] | None = None,
        subprocess: bool = False,
    ) -> CliResult:
        if subprocess:
            return run_cli_subprocess(*args, cwd=cwd, env=env)
        return run_cli(*args, cwd=cwd, env=env)

    return run


@pytest.fixture
def fake_distributions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, _brainsmith_private_cache: Path
) -> Iterator[FakeDistributions]:
    """A temporary environment of fake distributions: ``fake_distributions.add(name,
    version, entry_points=..., files=..., requires=...)`` and
    ``fake_distributions.add_manifest_plugin(namespace, manifest_text)`` write real
    ``.dist-info`` folders into a site folder that is first on ``sys.path`` for the test. The
    plugin switches (``BRAINSMITH_PLUGINS``, ``BRAINSMITH_DISABLE_PLUGIN_AUTOLOAD``) are unset;
    modules imported from the folder are forgotten when the test ends."""
    root = tmp_path / "site"
    root.mkdir()
    project = tmp_path / "project"
    project.mkdir()
    monkeypatch.syspath_prepend(str(root))
    for name in _SWITCHES:
        monkeypatch.delenv(name, raising=False)
    fake = FakeDistributions(root, project)
    try:
        yield fake
    finally:
        fake.forget_modules()


@pytest.fixture(scope="session")
def _brainsmith_core_requirement(tmp_path_factory: pytest.TempPathFactory) -> str:
    return core_requirement(tmp_path_factory.mktemp("brainsmith-core-wheel"))


@pytest.fixture
def plugin_wheel_venv(
    tmp_path_factory: pytest.TempPathFactory, _brainsmith_core_requirement: str
) -> Callable[..., PluginVenv]:
    """Factory ``plugin_wheel_venv(project_folder, requirements=())`` → a
    :class:`~brainsmith.testing.PluginVenv`: the project built into a wheel (uv, or pip) and
    installed into a fresh venv with the running brainsmith-core (built once per test session)
    and ``requirements``. Fails the test with the tool's output when a step fails."""

    def make(project: Path, requirements: tuple[str, ...] | list[str] = ()) -> PluginVenv:
        folder = tmp_path_factory.mktemp("plugin-venv")
        return make_plugin_venv(
            Path(project), folder, core=_brainsmith_core_requirement, requirements=requirements
        )

    return make


def pytest_report_header(config: Any) -> str:
    """The brainsmith-core version under test, in pytest's header."""
    from .._version import __version__

    return f"brainsmith-core {__version__}"
