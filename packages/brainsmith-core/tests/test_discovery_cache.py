"""The discovery cache is never a source of truth that differs from a fresh scan, and stays a
cache (issue 8, item 7): wrong shapes, manifest content, unsafe files, a private folder,
collection of old entries, and entries keyed apart for the environment and the settings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from brainsmith.errors import PluginError
from brainsmith.plugins import _cache as disk
from brainsmith.plugins import list_plugins
from brainsmith.plugins.records import Kind
from brainsmith.plugins.session import Session
from discovery_helpers import write_dist
from hostile_helpers import install_good, isolate, run

if TYPE_CHECKING:
    from conftest import FakeSite


def cached(site: FakeSite, folder: Path, cwd: Path | None = None) -> Session:
    return Session.from_environment(
        cwd=cwd or site.project, environ={}, path=site.path, cache=folder
    )


def fresh(site: FakeSite) -> Session:
    return Session.from_environment(cwd=site.project, environ={}, path=site.path, cache=False)


def names(session: Session) -> list[str]:
    return [c.name for c in session.registry.all()]


def _reshape(data: Any, how: str) -> Any:
    if how == "a list":
        return []
    if how == "a string":
        return "cache"
    return {**data, "manifests": ["not", "a", "table"]}


@pytest.mark.parametrize("how", ["a list", "a string", "manifests a list"])
def test_a_cache_file_of_the_wrong_shape_is_a_miss(
    site: FakeSite, tmp_path: Path, how: str
) -> None:
    site.manifest_plugin("alpha", site.transforms_manifest("A", "B"))
    folder = tmp_path / "cache"
    expected = cached(site, folder).resolution
    for file in folder.iterdir():
        file.write_text(json.dumps(_reshape(json.loads(file.read_text()), how)))
    assert cached(site, folder).resolution == expected == fresh(site).resolution


def test_a_same_size_manifest_edit_with_its_time_put_back_is_seen(
    site: FakeSite, tmp_path: Path
) -> None:
    folder = tmp_path / "cache"
    package = site.manifest_plugin("alpha", site.transforms_manifest("Aaa"))
    assert names(cached(site, folder)) == ["Aaa"]
    manifest = site.root / package / "brainsmith_plugin.toml"
    before = manifest.stat()
    manifest.write_text(manifest.read_text().replace('"Aaa"', '"Bbb"'))
    os.utime(manifest, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert manifest.stat().st_size == before.st_size
    assert names(cached(site, folder)) == ["Bbb"] == names(fresh(site))


@pytest.mark.parametrize("cause", ["misspelled", "not yet written", "invalid", "not TOML"])
def test_a_manifest_fixed_or_added_in_its_package_is_seen(
    site: FakeSite, tmp_path: Path, cause: str
) -> None:
    # an editable install: the package's folder is not a sys.path entry, so a manifest fixed or
    # created in it changes nothing the environment key covers; the cache must still see it
    folder = tmp_path / "cache"
    package = site.manifest_plugin("alpha", site.transforms_manifest("Aaa"))
    manifest = site.root / package / "brainsmith_plugin.toml"
    good = manifest.read_text()
    aside = manifest.with_name("brainsmith-plugin.toml" if cause == "misspelled" else "draft")
    if cause in ("misspelled", "not yet written"):
        manifest.rename(aside)
    else:
        manifest.write_text("schema = 1\nbogus = 3\n" if cause == "invalid" else "[[x]\n")
    for session in (cached(site, folder), cached(site, folder), fresh(site)):
        assert str(session.resolution.verdict("alpha").state) == "broken"  # type: ignore[union-attr]
    store = disk.Store.open(folder, site.path)
    assert store is not None  # while nothing changes, the entry holds: no scan per command
    assert store.load_scan(disk.environment_key(site.path)) is not None
    if cause in ("misspelled", "not yet written"):
        aside.rename(manifest)
    else:
        manifest.write_text(good)
    assert names(cached(site, folder)) == ["Aaa"] == names(fresh(site))
    listed = list_plugins(site.project, {}, site.path, cache=folder).document
    assert [p["state"] for p in listed["plugins"]] == ["active"]


def _renamed(data: Any) -> Any:
    if isinstance(data, dict):
        if data.get("name") == "A":
            return {**data, "name": "Poisoned"}
        return {k: _renamed(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_renamed(v) for v in data]
    return data


def _forge(file: Path, data: Any) -> None:
    """Write ``data`` as an entry with a valid seal: what another process of the same user
    could write (an edit without one is a miss: test_tampered_entries_are_rebuilt_...)."""
    document = json.dumps({k: v for k, v in data.items() if k != "seal"}, separators=(",", ":"))
    file.write_text(disk._sealed(document))
    file.chmod(0o600)


def _poison(folder: Path) -> None:
    """Rewrite every entry so that it differs from the truth (a transform renamed)."""
    for file in folder.iterdir():
        _forge(file, _renamed(json.loads(file.read_text())))


def _symlinked(folder: Path) -> None:
    for file in list(folder.iterdir()):
        elsewhere = folder.parent / f"elsewhere-{file.name}"
        file.rename(elsewhere)
        file.symlink_to(elsewhere)


def _other_owner(folder: Path) -> None:
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("giving a file to another user needs root")
    for file in folder.iterdir():
        os.chown(file, 54_321, -1)


UNSAFE: dict[str, Callable[[Path], None]] = {
    "group-writable": lambda folder: [f.chmod(0o620) for f in folder.iterdir()] and None,
    "world-writable": lambda folder: [f.chmod(0o602) for f in folder.iterdir()] and None,
    "reached through a symlink": _symlinked,
    "owned by another user": _other_owner,
}


@pytest.mark.parametrize("unsafe", sorted(UNSAFE))
def test_unsafe_cache_files_are_ignored(site: FakeSite, tmp_path: Path, unsafe: str) -> None:
    site.manifest_plugin("alpha", site.transforms_manifest("A"))
    folder = tmp_path / "cache"
    cached(site, folder)
    _poison(folder)
    assert names(cached(site, folder)) == ["Poisoned"]  # a safe file of our own is trusted
    _poison(folder)
    UNSAFE[unsafe](folder)
    assert names(cached(site, folder)) == ["A"]


def test_a_symlinked_or_shared_cache_folder_is_not_used(site: FakeSite, tmp_path: Path) -> None:
    site.manifest_plugin("alpha", site.transforms_manifest("A"))
    real = tmp_path / "real"
    cached(site, real)
    _poison(real)
    link = tmp_path / "link"
    link.symlink_to(real)
    assert names(cached(site, link)) == ["A"]
    real.chmod(0o777)  # writable by anyone: another user could have written the entries
    try:
        assert names(cached(site, real)) == ["A"]
    finally:
        real.chmod(0o700)


def test_the_cache_folder_and_files_are_private(site: FakeSite, tmp_path: Path) -> None:
    site.manifest_plugin("alpha", site.transforms_manifest("A"))
    old_umask = os.umask(0o002)
    try:
        folder = tmp_path / "new" / "cache"
        cached(site, folder)
        assert folder.stat().st_mode & 0o777 == 0o700
        assert {f.stat().st_mode & 0o777 for f in folder.iterdir()} == {0o600}
        loose = tmp_path / "made-by-an-older-version"
        loose.mkdir(mode=0o755)
        loose.chmod(0o755)
        cached(site, loose)
        assert loose.stat().st_mode & 0o777 == 0o700
    finally:
        os.umask(old_umask)


def test_old_entries_are_collected(site: FakeSite, tmp_path: Path) -> None:
    site.manifest_plugin("alpha", site.transforms_manifest("A"))
    folder = tmp_path / "cache"
    folder.mkdir(mode=0o700)
    now = time.time()
    day = 24 * 3600
    for index in range(disk.MAX_FILES + 20):  # recent entries: the oldest beyond the cap go
        entry = folder / f"resolution-{index:04d}.json"
        entry.write_text("{}")
        os.utime(entry, (now - index * 60, now - index * 60))
    stale = folder / "scan-stale.json"
    stale.write_text("{}")
    os.utime(stale, (now - 40 * day, now - 40 * day))
    older_format = folder / "plugins-0123456789abcdef0123.json"  # format 3 and before
    older_format.write_text("{}")
    temporary = folder / ".resolution-left.json.1234.tmp"  # left by a killed writer
    temporary.write_text("{")
    os.utime(temporary, (now - 2 * day, now - 2 * day))
    unrelated = folder / "notes.txt"
    unrelated.write_text("not the cache's")
    cached(site, folder)  # a miss: writes two entries and collects
    left = {f.name for f in folder.iterdir()}
    assert not {stale.name, older_format.name, temporary.name} & left
    assert unrelated.name in left
    ours = [n for n in left if n.endswith(".json")]
    assert len(ours) == disk.MAX_FILES
    assert "resolution-0000.json" in left
    assert f"resolution-{disk.MAX_FILES + 19:04d}.json" not in left


PROBE = (
    "import json, sys\n"
    "from brainsmith.plugins.session import Session\n"
    "session = Session.from_environment()\n"
    "ran = sorted(m.rpartition('.')[2] for m in sys.modules\n"
    "             if m in ('brainsmith.plugins._discovery', 'brainsmith.plugins._resolve'))\n"
    "print(json.dumps([ran, {v.namespace: str(v.state) for v in session.verdicts()}]))\n"
)


def _probe(cwd: Path, site: Path, cache: Path) -> tuple[list[str], dict[str, str]]:
    """In a fresh process started in ``cwd`` (``-P``: the working directory is not on
    ``sys.path``): which of discovery and resolution ran, and the plugins' states."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("BRAINSMITH", "PYTHON"))}
    result = subprocess.run(
        [sys.executable, "-P", "-c", PROBE],
        cwd=cwd,
        env={**environ, "PYTHONPATH": str(site), "BRAINSMITH_CACHE_DIR": str(cache)},
        capture_output=True,
        text=True,
        check=True,
    )
    ran, states = json.loads(result.stdout)
    return ran, states


def test_moving_between_folders_costs_nothing_and_settings_edits_do_not_rescan(
    tmp_path: Path,
) -> None:
    site = tmp_path / "site"
    write_dist(
        site,
        "brainsmith-plugin-moved",
        "1.0",
        entry_points={"moved": "bsp_moved:brainsmith_plugin.toml"},
        files={
            "bsp_moved/__init__.py": "",
            "bsp_moved/brainsmith_plugin.toml": "schema = 1\n",
        },
    )
    cache = tmp_path / "cache"
    first, second, project = tmp_path / "a", tmp_path / "b", tmp_path / "project"
    for folder in (first, second, project / "sub" / "deeper"):
        folder.mkdir(parents=True)
    pyproject = project / "pyproject.toml"
    pyproject.write_text('[project]\nname = "p"\n\n[tool.brainsmith]\nstrict = false\n')

    assert _probe(first, site, cache)[0] == ["_discovery", "_resolve"]  # cold
    assert _probe(second, site, cache) == ([], _probe(first, site, cache)[1])  # another folder
    ran, states = _probe(project, site, cache)  # other settings: resolved, not re-scanned
    assert ran == ["_resolve"]
    assert states["moved"] == "active"
    assert _probe(project / "sub" / "deeper", site, cache)[0] == []  # a subfolder: the same
    pyproject.write_text(pyproject.read_text() + 'disable = ["moved"]\n')
    ran, states = _probe(project / "sub", site, cache)
    assert ran == ["_resolve"]
    assert states["moved"] == "disabled"


def test_what_is_imported_comes_from_the_manifest_not_from_a_cache_entry(
    site: FakeSite, tmp_path: Path
) -> None:
    marker = tmp_path / "imported"
    site.manifest_plugin(
        "alpha",
        site.transforms_manifest("A"),
        files={
            "bsp_alpha/transforms.py": "class A:\n    pass\n",
            "bsp_alpha/elsewhere.py": f"open({str(marker)!r}, 'w').close()\nclass A:\n    pass\n",
        },
    )
    folder = tmp_path / "cache"
    cached(site, folder)
    for file in folder.iterdir():  # an entry naming another target than the manifest does
        text = file.read_text().replace("bsp_alpha.transforms:A", "bsp_alpha.elsewhere:A")
        _forge(file, json.loads(text))
    session = cached(site, folder)
    component = session.component(Kind.TRANSFORM, "A")
    assert component.spec.target == "bsp_alpha.elsewhere:A"  # the entry was used: a cache
    with pytest.raises(PluginError, match="declares other components or hooks") as caught:
        session.load(component)
    assert caught.value.where.startswith("plugin alpha (brainsmith-plugin-alpha 1.0): ")
    assert not marker.exists()
    assert not list(folder.iterdir())  # the entries it came from are gone: never served again
    again = cached(site, folder)
    assert again.resolution == fresh(site).resolution
    assert again.load(again.component(Kind.TRANSFORM, "A")).__module__ == "bsp_alpha.transforms"
    assert not marker.exists()
    assert fresh(site).load(fresh(site).component(Kind.TRANSFORM, "A")).__module__ == (
        "bsp_alpha.transforms"
    )


def test_tampered_entries_are_rebuilt_from_a_fresh_scan_and_rewritten(
    site: FakeSite, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    isolate(site, monkeypatch)
    site.manifest_plugin("alpha", site.transforms_manifest("A", "B"))
    install_good(site)
    folder = Path(os.environ["BRAINSMITH_CACHE_DIR"])
    listed = run(capsys, "plugins", "list", "--json").json()
    monkeypatch.setenv("BRAINSMITH_NO_CACHE", "1")
    assert run(capsys, "plugins", "show", "alpha", "--json").json()["components"]
    fresh_scan = run(capsys, "plugins", "list", "--json").json()
    monkeypatch.delenv("BRAINSMITH_NO_CACHE")
    assert listed == fresh_scan
    written = {f.name: f.read_bytes() for f in folder.iterdir()}
    assert set(written) and all(b'"name":"A"' in c for c in written.values())
    for file in folder.iterdir():  # edited in place: a component renamed, the file still ours
        file.write_bytes(file.read_bytes().replace(b'"name":"A"', b'"name":"Poisoned"'))
    for _ in range(2):
        assert run(capsys, "plugins", "list", "--json").json() == fresh_scan
        assert {f.name: f.read_bytes() for f in folder.iterdir()} == written  # rewritten
    shown = run(capsys, "plugins", "show", "alpha", "--json").json()
    assert [c["name"] for c in shown["components"]] == ["A", "B"]


CHILD = (
    "import os, subprocess, sys\n"
    "import brainsmith.cli\n"
    "assert brainsmith.cli.main(['plugins', 'list', '--json']) == 0\n"
    "os.chdir(sys.argv[1])\n"
    "sys.stdout.flush()\n"
    "subprocess.run([sys.executable, '-P', '-m', 'brainsmith', 'plugins', 'list', '--json'],"
    " check=True)\n"
)


def test_a_relative_cache_dir_is_resolved_once_so_commands_in_other_folders_share_it(
    site: FakeSite,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    isolate(site, monkeypatch)
    site.manifest_plugin("alpha", site.transforms_manifest("A"))
    first, second, third = tmp_path / "first", tmp_path / "second", tmp_path / "third"
    for folder in (first, second, third):
        folder.mkdir()
    monkeypatch.setenv("BRAINSMITH_CACHE_DIR", "relcache")
    monkeypatch.chdir(first)
    listed = run(capsys, "plugins", "list", "--json").json()
    cache = first / "relcache"
    entries = {f.name: f.read_bytes() for f in cache.iterdir()}
    assert entries
    monkeypatch.chdir(second)  # a later command of the same process (an API user, a notebook)
    assert run(capsys, "plugins", "list", "--json").json() == listed
    assert not (second / "relcache").exists()
    assert {f.name: f.read_bytes() for f in cache.iterdir()} == entries  # a hit: nothing new

    # a process started in one folder and its child process in another (sweep workers)
    for file in cache.iterdir():
        file.unlink()
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("BRAINSMITH", "PYTHON"))}
    result = subprocess.run(
        [sys.executable, "-P", "-c", CHILD, str(third)],
        cwd=second,
        env={
            **environ,
            "BRAINSMITH_CACHE_DIR": "relcache",
            "PYTHONPATH": os.pathsep.join([str(site.root), str(Path(disk.__file__).parents[2])]),
        },
        capture_output=True,
        text=True,
        check=True,
    )
    assert not (third / "relcache").exists()
    shared = sorted(f.name.partition("-")[0] for f in (second / "relcache").iterdir())
    assert shared == ["resolution", "scan"]  # the child's command was a hit in the same cache
    parent, end = json.JSONDecoder().raw_decode(result.stdout)
    assert json.loads(result.stdout[end:]) == parent


@pytest.mark.parametrize("command", [("plugins", "list", "--json"), ("compile", "--example")])
def test_a_no_cache_switch_that_is_neither_true_nor_false_is_refused(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    """``BRAINSMITH_NO_CACHE=maybe`` is bad input, as for the other switches — not silently
    read as "off"."""
    environ = {**os.environ, "BRAINSMITH_NO_CACHE": "maybe"}
    output = ["-o", str(tmp_path / "o")] if command[0] == "compile" else []
    done = subprocess.run(
        [sys.executable, "-m", "brainsmith", *command, *output],
        cwd=tmp_path,
        env=environ,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "BRAINSMITH_NO_CACHE='maybe' is neither true nor false" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "o").exists()
