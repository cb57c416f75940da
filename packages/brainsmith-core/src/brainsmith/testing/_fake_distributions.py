"""Fake installed distributions: real ``.dist-info`` folders in a temporary site folder.

A fake distribution is a real ``NAME-VERSION.dist-info`` folder (``METADATA`` with Name, Version
and Requires-Dist, ``entry_points.txt``) plus the plugin's package files, written into one
site folder. The real ``importlib.metadata`` reads it, so discovery, resolution and activation
run unmocked; nothing in the code under test is patched.
"""

from __future__ import annotations

import importlib
import sys
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..plugins import Session

__all__ = ["ENTRY_POINT_GROUP", "MANIFEST_FILE", "FakeDistributions"]

ENTRY_POINT_GROUP = "brainsmith.plugins"
"""The entry-point group plugins are declared in."""
MANIFEST_FILE = "brainsmith_plugin.toml"
"""The manifest's file name inside the plugin package (the entry point is ``pkg:FILE``)."""


@dataclass
class FakeDistributions:
    """A site folder of fake distributions and a working directory without project settings.

    Put ``root`` on ``sys.path`` (the ``fake_distributions`` fixture does) so that activation can
    import the plugins' code, or pass :attr:`path` as the ``path`` of discovery and sessions.
    """

    root: Path
    """The site folder holding the ``.dist-info`` folders and the packages."""
    project: Path
    """An empty working directory without project settings (sessions and the CLI run here)."""

    @property
    def path(self) -> list[str]:
        """``[root]``: the ``path`` argument of discovery and :meth:`Session.from_environment`."""
        return [str(self.root)]

    def add(
        self,
        name: str,
        version: str,
        *,
        entry_points: Mapping[str, str] | None = None,
        files: Mapping[str, str] | None = None,
        requires: Sequence[str] = (),
        other_groups: Mapping[str, Mapping[str, str]] | None = None,
    ) -> Path:
        """Install a fake distribution ``name`` ``version``.

        :param entry_points: namespace → entry-point value, written into ``brainsmith.plugins``.
        :param files: relative path → text (dedented), written beside the ``.dist-info``.
        :param requires: ``Requires-Dist`` lines (e.g. ``"brainsmith-core>=0.1,<1"``).
        :param other_groups: further entry-point groups, group → name → value.
        :returns: the ``.dist-info`` folder.
        :raises FileExistsError: when that name and version is installed already.
        """
        info = self.root / f"{name.replace('-', '_')}-{version}.dist-info"
        info.mkdir(parents=True)
        metadata = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
        metadata += [f"Requires-Dist: {r}" for r in requires]
        (info / "METADATA").write_text("\n".join(metadata) + "\n", encoding="utf-8")
        groups: dict[str, Mapping[str, str]] = dict(other_groups or {})
        if entry_points is not None:
            groups[ENTRY_POINT_GROUP] = entry_points
        text = "".join(
            f"[{group}]\n" + "".join(f"{k} = {v}\n" for k, v in eps.items()) + "\n"
            for group, eps in groups.items()
        )
        if text:
            (info / "entry_points.txt").write_text(text, encoding="utf-8")
        written = [f"{info.name}/METADATA"]
        for relative, content in (files or {}).items():
            target = self.root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(textwrap.dedent(content), encoding="utf-8")
            written.append(relative)
        (info / "RECORD").write_text("".join(f"{f},,\n" for f in written), encoding="utf-8")
        importlib.invalidate_caches()
        return info

    def add_manifest_plugin(
        self,
        namespace: str,
        manifest: str,
        *,
        distribution: str | None = None,
        version: str = "1.0",
        package: str | None = None,
        requires: Sequence[str] = (),
        files: Mapping[str, str] | None = None,
    ) -> str:
        """Install a manifest-first plugin: distribution ``distribution`` (default
        ``brainsmith-plugin-<namespace>``) with package ``package`` (default
        ``bsp_<namespace>``) holding the manifest text ``manifest``, in which ``{pkg}`` is
        replaced by the package name. ``files`` adds modules (relative path → text).

        :returns: the package name.
        """
        pkg = package or f"bsp_{namespace}"
        all_files = {
            f"{pkg}/__init__.py": "",
            f"{pkg}/{MANIFEST_FILE}": textwrap.dedent(manifest).replace("{pkg}", pkg),
        }
        all_files.update(files or {})
        self.add(
            distribution or f"brainsmith-plugin-{namespace}",
            version,
            entry_points={namespace: f"{pkg}:{MANIFEST_FILE}"},
            files=all_files,
            requires=requires,
        )
        return pkg

    @staticmethod
    def transforms_manifest(*names: str, stage: str = "graph_cleanup", extra: str = "") -> str:
        """Manifest text with one transform per name in ``stage``, each targeting
        ``{pkg}.transforms:<name>``; ``extra`` is added after ``schema = 1``."""
        tables = "".join(
            f'\n[[transforms]]\nname = "{n}"\nstage = "{stage}"\n'
            f'target = "{{pkg}}.transforms:{n}"\n'
            for n in names
        )
        return f"schema = 1\n{extra}\n{tables}"

    def session(self, environ: Mapping[str, str] | None = None, cwd: Path | None = None) -> Session:
        """A :class:`~brainsmith.plugins.Session` over these distributions only, with the
        switches in ``environ`` (default none) and the settings of ``cwd`` (default
        :attr:`project`, which has none)."""
        from ..plugins import Session

        return Session.from_environment(
            cwd=cwd or self.project, environ=dict(environ or {}), path=self.path
        )

    def forget_modules(self) -> None:
        """Remove every module imported from :attr:`root` from ``sys.modules``."""
        root = str(self.root)
        for name, module in list(sys.modules.items()):
            file = getattr(module, "__file__", None) or ""
            paths = list(getattr(module, "__path__", None) or [])
            if any(str(p).startswith(root) for p in [file, *paths] if p):
                del sys.modules[name]
        importlib.invalidate_caches()
