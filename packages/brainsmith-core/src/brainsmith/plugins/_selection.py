"""The plugin selection every command uses: installed plugins discovered on the path and the
directory plugins the settings name, resolved against the project settings and the switches.

Both halves are cached on disk (:mod:`brainsmith.plugins._cache`), keyed apart: the environment
scan by the metadata on the path, the resolution by that plus the settings files' content, so
moving between folders costs nothing and editing a settings file re-resolves without a re-scan.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from .._version import PLUGIN_API, __version__
from . import _cache as disk
from ._settings import Settings
from .verdicts import Problem, Resolution


def select(
    cwd: Path | None,
    environ: Mapping[str, str] | None,
    path: Sequence[str] | None,
    cache: Path | bool,
) -> tuple[Settings, Resolution]:
    """``(settings, resolution)`` for the project at ``cwd`` (default: the working folder), the
    switches in ``environ`` (default ``os.environ``) and the plugins on ``path`` (default
    ``sys.path``). ``cache``: ``True`` for the user's cache folder (default ``path`` only), a
    folder, or ``False`` to bypass the cache."""
    env = os.environ if environ is None else environ
    folder = cwd if cwd is not None else Path.cwd()
    search = list(sys.path if path is None else path)
    store = _store(env, path, cache)
    if store is None:
        return _resolved(_scan(path), folder, env, path)
    # the keys are taken before anything is read: a change made meanwhile is a miss next time
    environment = disk.environment_key(search)
    settings_key = disk.settings_key(folder, env)
    snapshot = store.load_resolution(environment, settings_key)
    if snapshot is not None:
        named = snapshot.settings.plugin_dirs or snapshot.settings.user_plugins
        if not named or _folders_current(snapshot.settings, snapshot.resolution):
            return snapshot.settings, snapshot.resolution
    scanned = store.load_scan(environment)
    if scanned is None:
        scanned = _scan(path)
        store.save_scan(environment, scanned)
    settings, resolution = _resolved(scanned, folder, env, path)
    snapshot = disk.Snapshot(settings, resolution)
    store.save_resolution(environment, settings_key, snapshot, dict(scanned.manifests))
    return settings, resolution


def forget(
    environ: Mapping[str, str] | None, path: Sequence[str] | None, cache: Path | bool
) -> None:
    """Delete the cache entries :func:`select` (same arguments) reads: one of them was found
    to contradict the plugin files it was made from."""
    store = _store(os.environ if environ is None else environ, path, cache)
    if store is not None:
        store.discard()


def _store(
    environ: Mapping[str, str], path: Sequence[str] | None, cache: Path | bool
) -> disk.Store | None:
    directory = None
    if cache is True and path is None:
        directory = disk.cache_dir(environ)
        given = environ.get(disk.CACHE_DIR_ENV, "")
        if environ is os.environ and directory is not None and given and given != str(directory):
            # a relative (or ~) folder is resolved once, against the folder the first command
            # ran in: later commands of the process and its child processes (sweep workers)
            # use the same cache wherever they run
            os.environ[disk.CACHE_DIR_ENV] = str(directory)
    elif isinstance(cache, Path):
        directory = cache
    search = list(sys.path if path is None else path)
    return None if directory is None else disk.Store.open(directory, search)


def _resolved(
    scanned: disk.Scan, cwd: Path, environ: Mapping[str, str], path: Sequence[str] | None
) -> tuple[Settings, Resolution]:
    from .._distributions import installed_versions  # importlib.metadata: only on a miss
    from ._directories import discover_folders
    from ._resolve import resolve
    from ._settings import load_settings

    settings = load_settings(cwd, environ)
    records = scanned.records + discover_folders(settings)
    resolution = resolve(
        records,
        settings,
        core_version=__version__,
        plugin_api=PLUGIN_API,
        installed=installed_versions(settings.pins, path),
    )
    problems = scanned.problems + _url_pin_problems(settings, path)
    if problems:  # discovery's warnings (leftover metadata folders), URL pins unmet
        resolution = replace(resolution, problems=resolution.problems + problems)
    return settings, resolution


def _url_pin_problems(settings: Settings, path: Sequence[str] | None) -> tuple[Problem, ...]:
    """A pin naming a URL is met only by the distribution installed from that URL."""
    if not any("@" in pin for pin in settings.pins):
        return ()
    from .._distributions import url_pin_mismatches

    return tuple(
        Problem(
            "error",
            name,
            name,
            version,
            f"{name} {version} was installed {came}, not from the URL of the pin {text!r} "
            f"in {settings.source}",
            f"pip install '{text}'",
            "pin",
        )
        for text, name, version, came in url_pin_mismatches(settings.pins, path)
    )


def _folders_current(settings: Settings, resolution: Resolution) -> bool:
    from ._directories import folders_current

    return folders_current(settings, resolution)


def _scan(path: Sequence[str] | None) -> disk.Scan:
    from ._discovery import scan

    found = scan(path)
    return disk.Scan(found.records, found.problems, found.manifests)
