"""The discovery cache: the same answer as a fresh scan, invalidated by any change."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import TYPE_CHECKING

from brainsmith.plugins import _cache as disk
from brainsmith.plugins.session import Session

if TYPE_CHECKING:
    from pathlib import Path

    from .conftest import FakeSite, ProjectDir


def cached(site: FakeSite, folder: Path, cwd: Path | None = None) -> Session:
    return Session.from_environment(
        cwd=cwd or site.project, environ={}, path=site.path, cache=folder
    )


def fresh(site: FakeSite, cwd: Path | None = None) -> Session:
    return Session.from_environment(
        cwd=cwd or site.project, environ={}, path=site.path, cache=False
    )


def test_cached_session_equals_a_fresh_one(site: FakeSite, tmp_path: Path) -> None:
    site.manifest_plugin(
        "alpha", site.transforms_manifest("A", "B"), requires=["brainsmith-core>=0.1"]
    )
    site.manifest_plugin("beta", site.transforms_manifest("C", extra='requires = ["alpha"]'))
    site.fake_dist("brainsmith-plugin-code", "0.3", entry_points={"code": "bsp_code.hooks"})
    folder = tmp_path / "cache"
    first = cached(site, folder)
    files = sorted(folder.iterdir())
    assert [f.name.partition("-")[0] for f in files] == ["resolution", "scan"]
    assert all(json.loads(f.read_text())["format"] == disk.FORMAT for f in files)
    second = cached(site, folder)
    assert second.resolution == first.resolution == fresh(site).resolution
    assert second.settings == first.settings


def test_a_newly_installed_plugin_is_seen_at_once(site: FakeSite, tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    site.manifest_plugin("alpha", site.transforms_manifest("A"))
    assert [v.namespace for v in cached(site, folder).verdicts()] == ["alpha"]
    site.manifest_plugin("beta", site.transforms_manifest("B"))
    assert [v.namespace for v in cached(site, folder).verdicts()] == ["alpha", "beta"]


def test_an_edited_manifest_is_seen_at_once(site: FakeSite, tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    package = site.manifest_plugin("alpha", site.transforms_manifest("A"))
    names = [c.name for c in cached(site, folder).registry.all()]
    assert names == ["A"]
    manifest = site.root / package / "brainsmith_plugin.toml"
    manifest.write_text(site.transforms_manifest("A", "Renamed").replace("{pkg}", package))
    stat = manifest.stat()
    os.utime(manifest, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert [c.name for c in cached(site, folder).registry.all()] == ["A", "Renamed"]


def test_changed_project_settings_and_switches_are_seen(
    site: FakeSite, tmp_path: Path, project_dir: ProjectDir
) -> None:
    folder = tmp_path / "cache"
    site.manifest_plugin("alpha", site.transforms_manifest("A"))
    assert cached(site, folder, project_dir.path).verdicts()[0].state == "active"
    project_dir.write('disable = ["alpha"]\n')
    assert cached(site, folder, project_dir.path).verdicts()[0].state == "disabled"
    session = Session.from_environment(
        cwd=site.project, environ={"BRAINSMITH_PLUGINS": "other"}, path=site.path, cache=folder
    )
    assert session.verdicts()[0].state == "disabled"


def test_a_corrupt_cache_is_ignored_and_rewritten(site: FakeSite, tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    site.manifest_plugin("alpha", site.transforms_manifest("A"))
    cached(site, folder)
    files = sorted(folder.iterdir())
    for file in files:
        file.write_text("{not json")
    assert [v.namespace for v in cached(site, folder).verdicts()] == ["alpha"]
    assert all(json.loads(f.read_text())["format"] == disk.FORMAT for f in files)


def test_a_cache_hit_imports_neither_packaging_nor_the_resolver(tmp_path: Path) -> None:
    # the working directory is on sys.path for "python -c": keep the cache out of it
    (tmp_path / "cache").mkdir()
    (tmp_path / "work").mkdir()
    env = {**os.environ, "BRAINSMITH_CACHE_DIR": str(tmp_path / "cache")}
    code = (
        "import sys\n"
        "from brainsmith.plugins.session import Session\n"
        "s = Session.from_environment()\n"
        "print(len(s.verdicts()), sorted(m for m in sys.modules if m.startswith("
        "('packaging', 'brainsmith.plugins._resolve', 'brainsmith.plugins._discovery', "
        "'tomllib', 'pluggy'))))\n"
    )
    run = [sys.executable, "-c", code]
    first = subprocess.run(
        run, env=env, capture_output=True, text=True, check=True, cwd=tmp_path / "work"
    )
    second = subprocess.run(
        run, env=env, capture_output=True, text=True, check=True, cwd=tmp_path / "work"
    )
    assert "brainsmith.plugins._resolve" in first.stdout
    assert second.stdout.split(" ", 1)[1].strip() == "[]"
    assert first.stdout.split(" ", 1)[0] == second.stdout.split(" ", 1)[0]
