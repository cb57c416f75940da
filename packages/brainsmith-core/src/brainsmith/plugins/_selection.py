"""The plugin selection every command uses: installed plugins discovered on the path and the
directory plugins the settings name, resolved against the project settings and the switches.

Both halves are cached on disk (:mod:`brainsmith.plugins._cache`), keyed apart: the environment
scan by the metadata on the path, the resolution by that plus the settings files' content, so
moving between folders costs nothing and editing a settings file re-resolves without a re-scan.
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from .._version import PLUGIN_API, __version__
from . import _cache as disk

if TYPE_CHECKING:
    from ._settings import Settings
    from .records import PluginRecord
    from .verdicts import Problem, Resolution

# settings and verdicts (dataclasses) are imported when typed values are made: cached_listing
# answers from the cache without them


class Lookup(NamedTuple):
    """A selection's cache folder and the keys of its two entries, taken before anything is
    read: a change made meanwhile is a miss next time."""

    store: disk.Store
    environment: str
    settings: str


def lookup(
    cwd: Path | None,
    environ: Mapping[str, str] | None,
    path: Sequence[str] | None,
    cache: Path | bool,
) -> Lookup | None:
    """The cache entries :func:`select` uses for these arguments, or ``None`` without a cache:
    ``cache`` is ``True`` for the user's cache folder (default ``path`` only), a folder, or
    ``False``; ``None`` too when the folder is unsafe or cannot be made."""
    env = os.environ if environ is None else environ
    store = _store(env, path, cache)
    if store is None:
        return None
    environment = disk.environment_key(list(sys.path if path is None else path))
    return Lookup(store, environment, disk.settings_key(cwd or Path.cwd(), env))


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


def select(
    cwd: Path | None,
    environ: Mapping[str, str] | None,
    path: Sequence[str] | None,
    cache: Path | bool,
) -> tuple[Settings, Resolution]:
    """``(settings, resolution)`` for the project at ``cwd`` (default: the working folder), the
    switches in ``environ`` (default ``os.environ``) and the plugins on ``path`` (default
    ``sys.path``). ``cache``: as :func:`lookup`."""
    return select_with(lookup(cwd, environ, path, cache), cwd, environ, path)


def select_with(
    found: Lookup | None,
    cwd: Path | None,
    environ: Mapping[str, str] | None,
    path: Sequence[str] | None,
) -> tuple[Settings, Resolution]:
    """:func:`select` through the cache entries ``found`` (``None``: no cache)."""
    env = os.environ if environ is None else environ
    folder = cwd if cwd is not None else Path.cwd()
    if found is None:
        with _collector_paused():
            return _resolved(_scan(path), folder, env, path)
    store, environment, settings_key = found
    snapshot = store.load_resolution(environment, settings_key)
    if snapshot is not None:
        named = snapshot.settings.plugin_dirs or snapshot.settings.user_plugins
        if not named or _folders_current(snapshot.settings, snapshot.resolution):
            return snapshot.settings, snapshot.resolution
    with _collector_paused():
        scanned = store.load_scan(environment)
        if scanned is None:
            scanned = _scan(path)
            store.save_scan(environment, scanned)
        settings, resolution = _resolved(scanned, folder, env, path)
        snapshot = disk.Snapshot(settings, resolution)
        listing = _listing(settings, resolution)
        store.save_resolution(environment, settings_key, snapshot, dict(scanned.manifests), listing)
    return settings, resolution


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Hold off the cyclic garbage collector while a miss scans and resolves: the imports and
    the tens of thousands of short-lived objects (TOML tables, records, JSON) would make it
    pass over everything imported several times (about 5 ms of a cold listing) for no cycle
    worth collecting; whatever is left is collected once it is back on."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def cached_listing(found: Lookup) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """``(settings, listing)`` as JSON data from the entry ``found`` names, if it holds — the
    settings as :meth:`Settings.to_json`, the listing as :func:`_listing` made it — else
    ``None`` (a miss, or settings naming plugin folders, whose state only a typed selection
    checks)."""
    stored = found.store.load_listing(found.environment, found.settings)
    if stored is None or stored[0].get("plugin_dirs") or stored[0].get("user_plugins"):
        return None
    return stored


def _listing(settings: Settings, resolution: Resolution) -> dict[str, Any]:
    """What a session of this selection lists before any activation: every verdict and the
    resolution's problems (ungraded: ``strict`` is applied when listed), as JSON data."""
    from .session import Session

    session = Session(settings, resolution)
    return {
        "plugins": [v.to_json() for v in session.verdicts()],
        "problems": [p.to_json() for p in resolution.problems],
    }


def _resolved(
    scanned: disk.Scan, cwd: Path, environ: Mapping[str, str], path: Sequence[str] | None
) -> tuple[Settings, Resolution]:
    from dataclasses import replace

    from .._distributions import installed_versions  # importlib.metadata: only with pins
    from ._resolve import resolve
    from ._settings import load_settings

    settings = load_settings(cwd, environ)
    records = scanned.records
    if settings.plugin_dirs or settings.user_plugins:  # else _directories need not be imported
        from ._directories import discover_folders

        records += discover_folders(settings)
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
    from .verdicts import Problem

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
    watched = _unread_manifests(found.records, dict(found.manifests), path)
    return disk.Scan(found.records, found.problems, found.manifests + watched)


def _unread_manifests(
    records: Sequence[PluginRecord], read: Mapping[str, str], path: Sequence[str] | None
) -> tuple[tuple[str, str], ...]:
    """``(location, digest)`` of the manifest of each manifest-first plugin the scan found
    broken over it, for the cache to notice it fixed: the content's sha256 for a manifest that
    did not parse, :data:`~._cache.ABSENT` for one missing from its package. A file in a
    package's folder is covered by no environment key (an editable install's source tree)."""
    import hashlib
    import tomllib

    from .._names import namespace_error
    from ..errors import ManifestError
    from ._discovery import locate_package_file, read_location
    from ._manifest import parse_manifest
    from .records import Form

    watched: list[tuple[str, str]] = []
    for record in records:
        if record.form is not Form.MANIFEST or record.components is not None:
            continue
        if namespace_error(record.namespace, "", record.distribution):
            continue  # refused by its name: the manifest is never read
        module, _, attr = (part.strip() for part in record.value.partition(":"))
        try:
            location = str(locate_package_file(module, attr, path))
        except ManifestError as missing:
            if os.path.isabs(missing.where):  # not there: watched until it is
                watched.append((missing.where, disk.ABSENT))
            continue
        if location in read:
            continue
        content = read_location(location)
        if content is None:
            watched.append((location, disk.ABSENT))
            continue
        try:
            parse_manifest(tomllib.loads(content.decode("utf-8")), where=location)
        except (ValueError, RecursionError, ManifestError):  # as the scan saw it: holds
            watched.append((location, hashlib.sha256(content).hexdigest()))
        else:  # fixed while the scan ran: the entry must not hold
            watched.append((location, ""))
    return tuple(watched)
