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
from brainsmith.plugins._discovery import GROUP
from brainsmith.plugins.session import Session

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence
    from pathlib import Path


@dataclass
class FakeSite:
    """A temporary site folder holding fake distributions."""

    root: Path
    """The folder: the ``path`` argument of discovery and sessions."""
    project: Path
    """An empty working directory without project settings (sessions run from here)."""

    @property
    def path(self) -> list[str]:
        return [str(self.root)]

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
        """Install a fake distribution: ``entry_points`` go into ``brainsmith.plugins``,
        ``files`` (relative path → text, dedented) are written beside the ``.dist-info``.
        Returns the ``.dist-info`` folder."""
        site = root or self.root
        info = site / f"{name.replace('-', '_')}-{version}.dist-info"
        info.mkdir(parents=True)
        metadata = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
        metadata += [f"Requires-Dist: {r}" for r in requires]
        (info / "METADATA").write_text("\n".join(metadata) + "\n", encoding="utf-8")
        groups: dict[str, Mapping[str, str]] = dict(other_groups or {})
        if entry_points is not None:
            groups[GROUP] = entry_points
        text = "".join(
            f"[{group}]\n" + "".join(f"{k} = {v}\n" for k, v in eps.items()) + "\n"
            for group, eps in groups.items()
        )
        if text:
            (info / "entry_points.txt").write_text(text, encoding="utf-8")
        for relative, content in (files or {}).items():
            target = site / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(textwrap.dedent(content), encoding="utf-8")
        importlib.invalidate_caches()
        return info

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
        """Install a manifest-first plugin: package ``package`` (default
        ``bsp_<namespace>``) holding ``brainsmith_plugin.toml`` with ``manifest`` (in which
        ``{pkg}`` is replaced by the package name). Returns the package name."""
        pkg = package or f"bsp_{namespace}"
        all_files = {
            f"{pkg}/__init__.py": "",
            f"{pkg}/brainsmith_plugin.toml": textwrap.dedent(manifest).replace("{pkg}", pkg),
        }
        all_files.update(files or {})
        self.fake_dist(
            dist or f"brainsmith-plugin-{namespace}",
            version,
            entry_points={namespace: f"{pkg}:brainsmith_plugin.toml"},
            files=all_files,
            requires=requires,
        )
        return pkg

    @staticmethod
    def transforms_manifest(*names: str, stage: str = "graph_cleanup", extra: str = "") -> str:
        """A manifest with one transform per name, targets in ``{pkg}.transforms``."""
        tables = "".join(
            f'\n[[transforms]]\nname = "{n}"\nstage = "{stage}"\n'
            f'target = "{{pkg}}.transforms:{n}"\n'
            for n in names
        )
        return f"schema = 1\n{extra}\n{tables}"

    def session(self, environ: Mapping[str, str] | None = None, cwd: Path | None = None) -> Session:
        """A session over the fake site only, with no settings unless ``cwd`` has some."""
        return Session.from_environment(
            cwd=cwd or self.project, environ=dict(environ or {}), path=self.path
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
