"""A disk cache of one environment's discovery and resolution.

Scanning every installed distribution, parsing manifests and resolving versions is the cost of
every command; the result only changes when the environment or the project settings do. The
cache is keyed by a fingerprint of exactly that, so a freshly installed, removed or upgraded
distribution, an edited manifest or settings file, or a changed switch is seen at once:

- the listing and modification time of every ``sys.path`` folder (installing or removing a
  distribution adds or removes its ``.dist-info`` folder there);
- the size and modification time of every manifest a plugin ships, and of every
  ``brainsmith.toml`` / ``pyproject.toml`` from the working directory up;
- the switches' environment variables, the core's version and the interpreter.

``BRAINSMITH_NO_CACHE=1`` turns it off; ``BRAINSMITH_CACHE_DIR`` moves it (default
``$XDG_CACHE_HOME/brainsmith``). An unreadable or unwritable cache is ignored: it is only a cache.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from .._atomic import write_atomic
from .._version import PLUGIN_API, __version__
from ._settings import ALLOWLIST_ENV, AUTOLOAD_ENV, Settings
from .records import SPEC_TYPES, AnySpec, Declaration, Form, Kind, PluginRecord
from .verdicts import Problem, Resolution, State, Verdict

CACHE_DIR_ENV = "BRAINSMITH_CACHE_DIR"
NO_CACHE_ENV = "BRAINSMITH_NO_CACHE"
FORMAT = 4


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What a session needs to start: the settings in force and the resolution."""

    settings: Settings
    resolution: Resolution


def cache_dir(environ: Mapping[str, str]) -> Path | None:
    """The cache folder, or ``None`` when caching is switched off."""
    if environ.get(NO_CACHE_ENV, "").strip().lower() not in ("", "0", "false", "no", "off"):
        return None
    if environ.get(CACHE_DIR_ENV):
        return Path(environ[CACHE_DIR_ENV])
    base = environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base, "brainsmith")


def cache_file(folder: Path, path: Sequence[str]) -> Path:
    """One file per interpreter and import path."""
    key = hashlib.sha256("\0".join([sys.executable, *path]).encode()).hexdigest()[:20]
    return folder / f"plugins-{key}.json"


def fingerprint(path: Sequence[str], cwd: Path, environ: Mapping[str, str]) -> str:
    """A digest of everything discovery and resolution depend on, but the manifests."""
    digest = hashlib.sha256()
    digest.update(f"{FORMAT}\0{__version__}\0{PLUGIN_API}\0{sys.version}\0".encode())
    for entry in path:
        digest.update(b"\1" + entry.encode())
        try:
            stat = os.stat(entry or ".")
            digest.update(str(stat.st_mtime_ns).encode())
            if os.path.isdir(entry or "."):
                digest.update("\0".join(sorted(os.listdir(entry or "."))).encode())
        except OSError:
            digest.update(b"-")
    for folder in (cwd, *cwd.parents):
        for name in ("brainsmith.toml", "pyproject.toml"):
            digest.update(_file_state(str(folder / name)).encode())
    for key in (AUTOLOAD_ENV, ALLOWLIST_ENV):
        digest.update(f"\1{key}={environ.get(key)}".encode())
    return digest.hexdigest()


def load(file: Path, key: str) -> Snapshot | None:
    """The snapshot stored under ``key``, if it is there and its manifests are unchanged."""
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT or data.get("fingerprint") != key:
            return None
        if any(_file_state(p) != state for p, state in data["manifests"].items()):
            return None
        return Snapshot(_settings(data["settings"]), _resolution(data["resolution"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def store(file: Path, key: str, snapshot: Snapshot) -> None:
    """Write the snapshot atomically; failures are ignored."""
    manifests = {
        v.record.location: _file_state(v.record.location)
        for v in snapshot.resolution.verdicts
        if v.record is not None and v.record.form is Form.MANIFEST
    }
    data = {
        "format": FORMAT,
        "fingerprint": key,
        "manifests": manifests,
        "settings": snapshot.settings.to_json(),
        "resolution": {
            "verdicts": [_verdict_json(v) for v in snapshot.resolution.verdicts],
            "problems": [_plain(p) for p in snapshot.resolution.problems],
            "order": list(snapshot.resolution.order),
        },
    }
    with contextlib.suppress(OSError):
        write_atomic(file, json.dumps(data))


# -- (de)serialisation -------------------------------------------------------------------------


def _file_state(path: str) -> str:
    try:
        stat = os.stat(path)
    except OSError:
        return f"{path}:-"
    return f"{path}:{stat.st_size}:{stat.st_mtime_ns}"


def _plain(obj: Any) -> dict[str, Any]:
    return {f.name: getattr(obj, f.name) for f in fields(obj)}


def _spec_json(spec: AnySpec) -> dict[str, Any]:
    return {"kind": spec.kind.value, **_plain(spec)}


def _spec(data: dict[str, Any]) -> AnySpec:
    kind = Kind(data.pop("kind"))
    data["metadata"] = tuple(tuple(pair) for pair in data["metadata"])
    if kind is Kind.HW_TRANSFORM:
        data["kernels"] = tuple(data["kernels"])
    spec: AnySpec = SPEC_TYPES[kind](**data)  # type: ignore[assignment]
    return spec


def _record_json(record: PluginRecord) -> dict[str, Any]:
    data = _plain(record)
    data["declaration"] = _plain(record.declaration)
    data["components"] = (
        None if record.components is None else [_spec_json(s) for s in record.components]
    )
    return data


def _record(data: dict[str, Any]) -> PluginRecord:
    declaration = data["declaration"]
    components = data["components"]
    return PluginRecord(
        **{
            **data,
            "requires_dist": tuple(data["requires_dist"]),
            "form": Form(data["form"]),
            "declaration": Declaration(
                **{
                    **declaration,
                    "requires": tuple(declaration["requires"]),
                    "conflicts": tuple(declaration["conflicts"]),
                }
            ),
            "components": None if components is None else tuple(_spec(c) for c in components),
        }
    )


def _verdict_json(verdict: Verdict) -> dict[str, Any]:
    data = _plain(verdict)
    data["record"] = None if verdict.record is None else _record_json(verdict.record)
    data["problems"] = [_plain(p) for p in verdict.problems]
    return data


def _resolution(data: dict[str, Any]) -> Resolution:
    verdicts = tuple(
        Verdict(
            namespace=v["namespace"],
            distribution=v["distribution"],
            version=v["version"],
            state=State(v["state"]),
            record=None if v["record"] is None else _record(v["record"]),
            problems=tuple(Problem(**p) for p in v["problems"]),
        )
        for v in data["verdicts"]
    )
    return Resolution(verdicts, tuple(Problem(**p) for p in data["problems"]), tuple(data["order"]))


def _settings(data: dict[str, Any]) -> Settings:
    return Settings.from_json(data)
