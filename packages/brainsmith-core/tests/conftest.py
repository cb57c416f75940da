"""Shared fixtures: fake installed distributions and project folders.

A fake distribution is a real ``NAME-VERSION.dist-info`` folder (``METADATA`` with Name, Version
and Requires-Dist, ``entry_points.txt``) plus the plugin's package files, written into one
temporary site folder. Tests pass that folder as the ``path`` of ``discover`` and
``Session.from_environment``, so the real ``importlib.metadata`` reads it; nothing in the code
under test is mocked.

The site folder is also put first on ``sys.path`` (activation imports plugin code), and every
module imported from it is removed from ``sys.modules`` when the test ends.
"""

from __future__ import annotations

import importlib
import sys
import textwrap
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest
from brainsmith.testing import FakeDistributions

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence
    from pathlib import Path


class FakeSite(FakeDistributions):
    """The test kit's :class:`~brainsmith.testing.FakeDistributions` under the names these
    tests use (``fake_dist``, ``manifest_plugin``), and a ``root`` for a second site folder."""

    def fake_dist(
        self,
        name: str,
        version: str,
        *,
        entry_points: Mapping[str, str] | None = None,
        files: Mapping[str, str] | None = None,
        requires: Sequence[str] = (),
        other_groups: Mapping[str, Mapping[str, str]] | None = None,
        root: Path | None = None,
    ) -> Path:
        """:meth:`add` into this site, or into the site folder ``root``."""
        site = self if root is None else FakeDistributions(root, self.project)
        return site.add(
            name,
            version,
            entry_points=entry_points,
            files=files,
            requires=requires,
            other_groups=other_groups,
        )

    def manifest_plugin(
        self,
        namespace: str,
        manifest: str,
        *,
        dist: str | None = None,
        version: str = "1.0",
        package: str | None = None,
        requires: Sequence[str] = (),
        files: Mapping[str, str] | None = None,
    ) -> str:
        """:meth:`add_manifest_plugin`, the distribution named ``dist``."""
        return self.add_manifest_plugin(
            namespace,
            manifest,
            distribution=dist,
            version=version,
            package=package,
            requires=requires,
            files=files,
        )


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSite]:
    """A fake site folder, first on ``sys.path``; modules imported from it are forgotten after
    the test."""
    root = tmp_path / "site"
    root.mkdir()
    project = tmp_path / "project"
    project.mkdir()
    monkeypatch.syspath_prepend(str(root))
    for name in ("BRAINSMITH_DISABLE_PLUGIN_AUTOLOAD", "BRAINSMITH_PLUGINS"):
        monkeypatch.delenv(name, raising=False)
    try:
        yield FakeSite(root, project)
    finally:
        for name, module in list(sys.modules.items()):
            file = getattr(module, "__file__", None) or ""
            paths = list(getattr(module, "__path__", None) or [])
            if any(str(p).startswith(str(root)) for p in [file, *paths] if p):
                del sys.modules[name]
        importlib.invalidate_caches()


@dataclass
class ProjectDir:
    """A project folder with a ``pyproject.toml`` holding a ``[tool.brainsmith]`` table."""

    path: Path

    @property
    def pyproject(self) -> Path:
        return self.path / "pyproject.toml"

    def write(self, body: str) -> Path:
        """Rewrite ``pyproject.toml`` with ``[tool.brainsmith]`` holding ``body`` (dedented)."""
        self.pyproject.write_text(
            '[project]\nname = "proj"\n\n[tool.brainsmith]\n' + textwrap.dedent(body),
            encoding="utf-8",
        )
        return self.pyproject


@pytest.fixture
def project_dir(tmp_path: Path) -> ProjectDir:
    """A project folder whose ``pyproject.toml`` has an empty ``[tool.brainsmith]`` table."""
    folder = tmp_path / "proj"
    folder.mkdir()
    project = ProjectDir(folder)
    project.write("")
    return project


@pytest.fixture(autouse=True)
def _private_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sessions of the real environment cache into a folder of the test's own, never the
    user's ``~/.cache``."""
    monkeypatch.setenv("BRAINSMITH_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
