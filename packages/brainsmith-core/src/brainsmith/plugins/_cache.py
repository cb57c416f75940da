"""A disk cache of discovery and resolution that always answers what a fresh scan would.

Two kinds of entry, keyed separately, so that moving between folders costs nothing and
editing a settings file re-resolves without re-scanning:

- ``scan-*``: the environment scan (plugin records, leftover warnings) of one interpreter and
  import path, valid while the *environment key* is unchanged: the listing and modification
  time of every ``sys.path`` entry, and the size, modification time and inode of every
  metadata folder's ``METADATA`` / ``PKG-INFO`` / ``entry_points.txt`` (so a file rewritten in
  place — a legacy develop or an editable install — is seen);
- ``resolution-*``: settings and resolution, keyed by the environment key and the *settings
  key*: the content of every ``brainsmith.toml`` / ``pyproject.toml`` from the working
  directory up, and the switches' environment variables. Two folders under the same settings
  (two empty folders, a project and its subfolder) share an entry. It also keeps what
  ``plugins list`` shows of that selection, read back as JSON data (:meth:`Store.load_listing`)
  without making a record, a verdict or a settings object.

Both carry the sha256 of every manifest's content they were derived from — a manifest that
did not parse too, and :data:`ABSENT` for one that was not found — checked on every load, so a
manifest edited in place (even at the same size, with its modification time put back), fixed,
or added to an installed package's folder (an editable install) is seen; everything later
imported or called (hooks modules, targets) comes from those manifests, or from entry points
covered by the environment key.

Safety: the folder is created private (``0o700``); a folder or file that is a symlink, is not
owned by the current user, or is writable by group or others is not used; a file of the wrong
shape is a miss. Entries are sealed (key ``seal``: the sha256 of the rest): one edited since it
was written is deleted and rebuilt from a fresh scan by the command finding it; a record its
manifest contradicts at activation has every entry deleted (:meth:`Store.discard`). Entries
unused for :data:`MAX_AGE_S` and all but the newest :data:`MAX_FILES` are collected whenever an
entry is written.

``BRAINSMITH_NO_CACHE=1`` turns it off; ``BRAINSMITH_CACHE_DIR`` moves it (default
``$XDG_CACHE_HOME/brainsmith``, else ``~/.cache/brainsmith``; with no usable home folder the
cache is skipped). An unreadable or unwritable cache is ignored: it is only a cache.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from .._version import PLUGIN_API, __version__

if TYPE_CHECKING:
    from ._settings import Settings
    from .records import PluginRecord
    from .verdicts import Problem, Resolution

# The typed (de)serialisation (brainsmith.plugins._cache_json: records, verdicts, settings, and
# with them dataclasses and inspect) is imported only when a typed entry is read or written: a
# listing answered from the cache (load_listing) needs none of it.

CACHE_DIR_ENV = "BRAINSMITH_CACHE_DIR"
NO_CACHE_ENV = "BRAINSMITH_NO_CACHE"
FORMAT = 6
"""The entries' format; 6: resolution entries carry the listing (:meth:`Store.load_listing`)."""
MAX_AGE_S = 30 * 24 * 3600
"""Entries not used for this long (seconds) are deleted."""
MAX_FILES = 64
"""At most this many entries are kept (the most recently used)."""
_TOUCH_AFTER_S = 24 * 3600
_PREFIXES = ("scan-", "resolution-", "plugins-")
_METADATA_FILES = ("METADATA", "entry_points.txt")
_EGG_INFO_FILES = ("PKG-INFO", "entry_points.txt", "requires.txt")
_SEAL = b'{"seal":"'
ABSENT = "absent"
"""The digest recorded for a manifest that was not there (a broken plugin's expected file):
the entry holds while no file is at that location."""
_SWITCHES = ("BRAINSMITH_DISABLE_PLUGIN_AUTOLOAD", "BRAINSMITH_PLUGINS")
"""The environment switches settings are read from (``_settings.AUTOLOAD_ENV`` and
``ALLOWLIST_ENV``; a test keeps them equal), named here so keys need no settings module."""


class Snapshot(NamedTuple):
    """What a session needs to start: the settings in force and the resolution."""

    settings: Settings
    resolution: Resolution


class Scan(NamedTuple):
    """A cached environment scan: the records, the discovery warnings, the manifest digests."""

    records: tuple[PluginRecord, ...]
    problems: tuple[Problem, ...]
    manifests: tuple[tuple[str, str], ...]


def cache_dir(environ: Mapping[str, str]) -> Path | None:
    """The cache folder, or ``None`` when caching is switched off or there is no home folder
    to put it in (never a relative ``~`` folder in the working directory)."""
    switch = environ.get(NO_CACHE_ENV, "").strip().lower()
    if switch in ("1", "true", "yes", "on"):
        return None
    if switch not in ("", "0", "false", "no", "off"):  # as the other switches: never a guess
        from ..errors import ConfigError

        raise ConfigError(
            f"environment variable {NO_CACHE_ENV}={environ[NO_CACHE_ENV]!r} is neither true "
            "nor false",
            fix=f"set {NO_CACHE_ENV}=1 to switch the discovery cache off, or unset it",
        )
    if environ.get(CACHE_DIR_ENV):
        return Path(environ[CACHE_DIR_ENV]).expanduser().absolute()
    xdg = environ.get("XDG_CACHE_HOME", "")
    if os.path.isabs(xdg):  # the XDG spec: a relative value is ignored
        return Path(xdg, "brainsmith")
    home = _home(environ)
    return None if home is None else Path(home, ".cache", "brainsmith")


def _home(environ: Mapping[str, str]) -> str | None:
    home = environ.get("HOME", "")
    if os.path.isabs(home):
        return home
    try:
        import pwd

        found = pwd.getpwuid(os.getuid()).pw_dir
    except (ImportError, KeyError, OSError):  # no pwd module, or a uid without an entry
        return None
    return found if os.path.isabs(found) else None


class Store:
    """One cache folder, checked safe, for one interpreter and import path."""

    def __init__(self, folder: Path, path: Sequence[str]) -> None:
        self.folder = folder
        self._path_key = _hash("\0".join([sys.executable, *path]))[:20]

    @classmethod
    def open(cls, folder: Path, path: Sequence[str]) -> Store | None:
        """The store in ``folder`` (created private if missing, made private if only readable
        by others), or ``None`` if the folder cannot be made or is unsafe: a symlink, another
        user's, or writable by group or others."""
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            info = os.lstat(folder)
            if not stat.S_ISDIR(info.st_mode) or not _owned(info) or info.st_mode & 0o022:
                return None  # others could have put or swapped entries in it
            if info.st_mode & 0o077:  # readable by others (an older version made it): private
                os.chmod(folder, 0o700)
        except OSError:
            return None
        return cls(folder, path)

    # -- entries ----------------------------------------------------------------------------

    def load_resolution(self, environment: str, settings: str) -> Snapshot | None:
        """The settings and resolution stored for these keys, if their manifests still hold."""
        data = self._resolution_entry(environment, settings)
        try:
            if data is None:
                return None
            from ._cache_json import resolution_from_json, settings_from_json

            return Snapshot(
                settings_from_json(data["settings"]), resolution_from_json(data["resolution"])
            )
        except (LookupError, TypeError, ValueError, AttributeError):
            return None

    def load_listing(
        self, environment: str, settings: str
    ) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """``(settings, listing)`` stored for these keys, if their manifests still hold, in
        their JSON form: :meth:`Settings.to_json` and the ``listing`` given to
        :meth:`save_resolution`; nothing typed is built."""
        data = self._resolution_entry(environment, settings)
        if data is None:
            return None
        found, listing = data.get("settings"), data.get("listing")
        if not (isinstance(found, dict) and isinstance(listing, dict)):
            return None
        return found, listing

    def _resolution_entry(self, environment: str, settings: str) -> dict[str, Any] | None:
        data = self._read(self._resolution_file(environment, settings))
        try:
            if data is None or data["environment"] != environment:
                return None
            if not isinstance(data.get("listing"), dict):  # a miss: the entry is made again
                return None
            if not _manifests_hold(data["manifests"]):
                return None
        except (LookupError, TypeError, ValueError, AttributeError):
            return None
        return data

    def load_scan(self, environment: str) -> Scan | None:
        """The environment scan stored for this key, if its manifests still hold."""
        from ._cache_json import record_from_json
        from .verdicts import Problem

        data = self._read(self.folder / f"scan-{self._path_key}.json")
        try:
            if data is None or data["environment"] != environment:
                return None
            if not _manifests_hold(data["manifests"]):
                return None
            return Scan(
                tuple(record_from_json(r) for r in data["records"]),
                tuple(Problem(**p) for p in data["problems"]),
                tuple((str(k), str(v)) for k, v in data["manifests"].items()),
            )
        except (LookupError, TypeError, ValueError, AttributeError):
            return None

    def save_scan(self, environment: str, scan: Scan) -> None:
        """Store an environment scan; failures are ignored."""
        from ._cache_json import plain, record_to_json

        self._write(
            self.folder / f"scan-{self._path_key}.json",
            {
                "environment": environment,
                "manifests": dict(scan.manifests),
                "records": [record_to_json(r) for r in scan.records],
                "problems": [plain(p) for p in scan.problems],
            },
        )

    def save_resolution(
        self,
        environment: str,
        settings: str,
        snapshot: Snapshot,
        manifests: Mapping[str, str],
        listing: Mapping[str, Any],
    ) -> None:
        """Store settings and resolution, and ``listing`` (JSON data :meth:`load_listing`
        returns as it was given); failures are ignored."""
        from ._cache_json import plain, verdict_to_json

        self._write(
            self._resolution_file(environment, settings),
            {
                "environment": environment,
                "manifests": dict(manifests),
                "settings": snapshot.settings.to_json(),
                "resolution": {
                    "verdicts": [verdict_to_json(v) for v in snapshot.resolution.verdicts],
                    "problems": [plain(p) for p in snapshot.resolution.problems],
                    "order": list(snapshot.resolution.order),
                },
                "listing": dict(listing),
            },
        )

    # -- files ------------------------------------------------------------------------------

    def _resolution_file(self, environment: str, settings: str) -> Path:
        return self.folder / f"resolution-{_hash(environment + settings)[:24]}.json"

    def _read(self, file: Path) -> dict[str, Any] | None:
        """The entry's JSON object, if the file is safe (regular, not a symlink, ours, not
        writable by others) and of the current format."""
        try:
            fd = os.open(file, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            return None
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or not _owned(info) or info.st_mode & 0o022:
                return None
            with os.fdopen(fd, "rb", closefd=False) as handle:
                raw = handle.read()
            if not _seal_holds(raw):  # edited or damaged since written: gone, rewritten after
                with contextlib.suppress(OSError):
                    os.unlink(file)
                return None
            data = json.loads(raw)
            if time.time() - info.st_mtime > _TOUCH_AFTER_S:
                with contextlib.suppress(OSError):
                    os.utime(file)  # in use: keep it from being collected
        except (OSError, ValueError):
            return None
        finally:
            os.close(fd)
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            return None
        return data

    def _write(self, file: Path, data: dict[str, Any]) -> None:
        from .._atomic import write_atomic  # only a miss writes

        with contextlib.suppress(OSError, ValueError, TypeError):
            document = json.dumps({"format": FORMAT, **data}, separators=(",", ":"))
            write_atomic(file, _sealed(document), mode=0o600, sync=False)  # lost: a miss
            self.collect()

    def discard(self) -> None:
        """Delete every entry (a record its manifest contradicts was served): none is again."""
        with contextlib.suppress(OSError):
            for file in self.folder.glob("*.json"):
                if file.name.startswith(_PREFIXES):
                    file.unlink(missing_ok=True)

    def collect(self, now: float | None = None) -> None:
        """Delete entries of older formats, entries unused for :data:`MAX_AGE_S`, and all but
        the newest :data:`MAX_FILES`; never a file the cache did not write."""
        now = time.time() if now is None else now
        entries: list[tuple[float, Path]] = []
        with contextlib.suppress(OSError), os.scandir(self.folder) as listing:
            for entry in listing:
                name = entry.name
                ours = name.startswith(_PREFIXES) and name.endswith(".json")
                temporary = name.startswith(tuple("." + p for p in _PREFIXES))
                if not (ours or temporary) or not entry.is_file(follow_symlinks=False):
                    continue
                with contextlib.suppress(OSError):
                    modified = entry.stat(follow_symlinks=False).st_mtime
                    stale = now - modified > (MAX_AGE_S if ours else 3600)
                    if name.startswith("plugins-") or stale:
                        os.unlink(entry.path)
                    elif ours:
                        entries.append((modified, Path(entry.path)))
        for _, file in sorted(entries, reverse=True)[MAX_FILES:]:
            with contextlib.suppress(OSError):
                file.unlink()


def _sealed(document: str) -> str:
    """``document`` (a JSON object) led by ``"seal"``, the sha256 of ``document``: still JSON."""
    return f'{_SEAL.decode()}{_hash(document)}",{document[1:]}'


def _seal_holds(raw: bytes) -> bool:
    """Whether an entry is byte for byte what :func:`_sealed` wrote."""
    head, seal, rest = raw[:9], raw[9:73], raw[73:]
    return head == _SEAL and rest[:2] == b'",' and _hash(b"{" + rest[2:]).encode() == seal


def _owned(info: os.stat_result) -> bool:
    uid = getattr(os, "geteuid", None)
    return uid is None or info.st_uid == uid()


def _hash(text: str | bytes) -> str:
    data = text if isinstance(text, bytes) else text.encode("utf-8", "surrogateescape")
    return hashlib.sha256(data).hexdigest()


# -- keys ------------------------------------------------------------------------------------


def environment_key(path: Sequence[str]) -> str:
    """A digest of everything discovery reads, but the manifests' content: the interpreter,
    the core, each ``path`` entry's listing and times, and the state of every metadata
    folder's metadata files."""
    digest = hashlib.sha256()
    digest.update(f"{FORMAT}\0{__version__}\0{PLUGIN_API}\0{sys.version}\0".encode())
    digest.update(sys.executable.encode("utf-8", "surrogateescape"))
    for entry in path:
        folder = entry or "."
        digest.update(b"\1" + folder.encode("utf-8", "surrogateescape"))
        try:
            info = os.stat(folder)
        except OSError:
            digest.update(b"-")
            continue
        digest.update(f"{info.st_size}:{info.st_mtime_ns}:{info.st_ino}".encode())
        if not stat.S_ISDIR(info.st_mode):
            continue
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            continue
        digest.update("\0".join(names).encode("utf-8", "surrogateescape"))
        for name in names:
            files: tuple[str, ...]
            if name.endswith(".dist-info"):
                files = _METADATA_FILES
            elif name.endswith(".egg-info"):
                files = _EGG_INFO_FILES
            else:
                continue
            for file in files:
                digest.update(_file_state(os.path.join(folder, name, file)))
    return digest.hexdigest()


def settings_key(cwd: Path, environ: Mapping[str, str]) -> str:
    """A digest of what the settings are read from: the content of every ``brainsmith.toml``
    and ``pyproject.toml`` from ``cwd`` up (to the first ``brainsmith.toml``), and the switches.
    Folders under the same settings files get the same key."""
    digest = hashlib.sha256()
    start = cwd.resolve()
    for folder in (start, *start.parents):
        for name in ("brainsmith.toml", "pyproject.toml"):
            file = folder / name
            try:
                content = file.read_bytes()
            except OSError:
                continue
            digest.update(f"\1{file}\0".encode("utf-8", "surrogateescape"))
            digest.update(hashlib.sha256(content).digest())
            if name == "brainsmith.toml":
                break
        else:
            continue
        break
    for key in _SWITCHES:
        digest.update(f"\1{key}={environ.get(key)}".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def _file_state(path: str) -> bytes:
    try:
        info = os.stat(path)
    except OSError:
        return b"-"
    # not st_ctime: installers hard-link metadata files from their caches, and every new link
    # (another environment installing the same wheel) changes a file's change time
    return f"{info.st_size}:{info.st_mtime_ns}:{info.st_ino}".encode()


def _manifests_hold(manifests: Mapping[str, str]) -> bool:
    """Whether every manifest still has the content (sha256) it had when the entry was made,
    and every manifest found missing (:data:`ABSENT`) is still missing."""
    for location, digest in manifests.items():
        try:
            with open(location, "rb") as handle:
                content: bytes | None = handle.read()
        except OSError:  # inside a zip, or gone
            from ._discovery import read_location

            content = read_location(location)
        if content is None:
            if digest != ABSENT:
                return False
        elif hashlib.sha256(content).hexdigest() != digest:
            return False
    return True
