"""Discover plugins: entry points of ``brainsmith.plugins`` → :class:`PluginRecord` s.

Reads installed metadata and static manifests only; never imports a plugin's code. Built for
the environments people really have:

- a distribution installed in several ``sys.path`` entries counts once: the first wins, as for
  imports;
- an empty or metadata-less ``*.dist-info`` left by an interrupted upgrade beside the real one
  is passed over (whatever the directory order) and reported as a warning naming the folder;
- pip's ``~``-prefixed leftover folders (``~ackage-0.9.dist-info``) are ignored, as pip does;
- a plugin inside a zip or wheel on ``sys.path`` has its manifest read through the package's
  ``importlib.resources`` reader, not the file system;
- a namespace package split over several ``sys.path`` entries is searched in every portion.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from importlib.machinery import ModuleSpec, PathFinder, SourceFileLoader, SourcelessFileLoader
from pathlib import Path
from typing import TYPE_CHECKING

from .._names import namespace_error
from ..errors import ManifestError, PluginError
from ._manifest import parse_manifest, read_manifest
from ._metadata import (
    Distribution,
    EntryPoint,
    UnreadableFile,
    distributions,
    entry_points,
    normalize,
)
from ._metadata import folder_of as _folder_of
from ._metadata import read_bytes as _read_bytes
from ._metadata import read_text as _read_text
from .records import Declaration, Form, PluginRecord
from .verdicts import Problem

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

GROUP = "brainsmith.plugins"
"""The entry-point group every plugin is published in."""

MANIFEST_SUFFIXES = (".toml",)
_FILE_LOADERS = (SourceFileLoader, SourcelessFileLoader)


@dataclass(frozen=True, slots=True)
class Discovery:
    """What a scan of the environment found: the plugins and warnings about leftovers."""

    records: tuple[PluginRecord, ...]
    """Every plugin, sorted by namespace then distribution."""
    problems: tuple[Problem, ...]
    """Warnings: metadata folders passed over (each names the folder and how to remove it)."""
    manifests: tuple[tuple[str, str], ...] = ()
    """``(location, sha256 of the content)`` of every manifest read."""


def discover(path: Sequence[str] | None = None) -> tuple[PluginRecord, ...]:
    """Every plugin installed on ``path`` (default ``sys.path``), sorted by namespace."""
    return scan(path).records


def scan(path: Sequence[str] | None = None) -> Discovery:
    """Scan ``path`` (default ``sys.path``): plugins, leftover warnings and manifest digests."""
    search = list(sys.path if path is None else path)
    records: list[PluginRecord] = []
    manifests: list[tuple[str, str]] = []
    chosen, leftovers = _distributions(search)
    unreadable: list[Problem] = []
    for dist in chosen:
        try:
            eps = entry_points(dist, GROUP)
        except ValueError as exc:  # entry_points.txt is not UTF-8, or a line has no "="
            if isinstance(exc, UnreadableFile) or GROUP.encode() in _read_bytes(
                dist, "entry_points.txt"
            ):
                unreadable.append(_unreadable_entry_points(dist, exc))
            continue
        if not eps:
            continue
        name, version, requires = _core_metadata(dist)
        for ep in eps:
            record, digest = _record(
                ep, dist, distribution=name, version=version, requires_dist=requires, path=path
            )
            if not record.error and not _valid_version(version):
                record = replace(
                    record,
                    error=f"{_folder_of(dist)}: the metadata has no valid Version "
                    f"({version!r}), so the plugin cannot be checked, pinned or reported",
                    fix=f"reinstall it: pip install --force-reinstall {name}",
                )
            records.append(record)
            if digest:
                manifests.append((record.location, digest))
    records.sort(key=lambda r: (r.namespace, r.distribution.lower()))
    problems = tuple(
        Problem(
            "warning",
            folder,
            owner,
            version,
            "a metadata folder without metadata beside the installed distribution (left by an "
            "interrupted install or upgrade); it is ignored",
            f"remove the folder {folder}",
        )
        for folder, owner, version in leftovers
    )
    return Discovery(tuple(records), (*problems, *unreadable), tuple(manifests))


def _unreadable_entry_points(dist: Distribution, exc: ValueError) -> Problem:
    folder = _folder_of(dist)
    name = _declared_name(dist) or os.path.basename(folder)
    unknown = isinstance(exc, UnreadableFile)  # whether it declares plugins is not known
    return Problem(
        "warning" if unknown else "error",
        folder,
        name,
        "",
        f"{folder}/entry_points.txt cannot be read ({exc}): plugins it may declare are ignored"
        if unknown
        else f"{folder}/entry_points.txt names the group {GROUP!r} but cannot be read ({exc}); "
        "its plugins are ignored",
        f"reinstall it: pip install --force-reinstall {name}",
    )


def _valid_version(text: str) -> bool:
    from packaging.version import InvalidVersion, Version

    try:
        Version(text)
    except InvalidVersion:
        return False
    return True


def _key(folder_name: str) -> str:
    """The normalized distribution name a metadata folder's name starts with."""
    return normalize(folder_name.rsplit(".", 1)[0].partition("-")[0])


def _distributions(
    search: list[str],
) -> tuple[list[Distribution], list[tuple[str, str, str]]]:
    """The distribution to use for each name, in path order, and the leftovers passed over
    (``(folder, distribution, version)``).

    Within one ``sys.path`` entry a name's folders are ranked by whether they hold metadata, so
    the directory order cannot let a leftover hide the real one; across entries the first wins.
    """
    chosen: dict[str, Distribution] = {}
    leftovers: list[tuple[str, str, str]] = []
    for entry in search:
        local: dict[str, list[Distribution]] = {}
        for dist in distributions(entry):
            name = os.path.basename(_folder_of(dist).rstrip("/"))
            if name.startswith("~"):  # pip's renamed leftovers: pip ignores them too
                continue
            key = _key(name) if name else _declared_name(dist).lower()
            if key not in chosen:
                local.setdefault(key, []).append(dist)
        for key, dists in local.items():
            best = dists[0]
            if len(dists) > 1:
                with_metadata = [d for d in dists if _declared_name(d)]
                best = with_metadata[0] if with_metadata else dists[0]
                owner, version, _ = _core_metadata(best)
                leftovers += [
                    (_folder_of(d), owner, version) for d in dists if d not in with_metadata
                ]
            chosen[key] = best
    return list(chosen.values()), leftovers


_NAME_LINE = re.compile(r"^Name:[ \t]*(\S[^\r\n]*?)[ \t]*$", re.MULTILINE)


def _core_metadata(dist: Distribution) -> tuple[str, str, tuple[str, ...]]:
    """``(Name, Version, Requires-Dist lines)`` read from the metadata's header block: the
    three fields discovery needs, without the email parser (most of a cold scan's cost)."""
    try:
        text = _read_text(dist, "METADATA") or ""
        legacy = not text  # an egg-info: PKG-INFO, and requirements in requires.txt
        text = text or _read_text(dist, "PKG-INFO") or ""
    except OSError:
        text, legacy = "", False
    fields: dict[str, list[str]] = {}
    last: list[str] | None = None
    for line in text.replace("\r\n", "\n").partition("\n\n")[0].split("\n"):
        if line[:1] in (" ", "\t") and last:  # a folded continuation line
            last[-1] += " " + line.strip()
            continue
        key, colon, value = line.partition(":")
        if colon:
            last = fields.setdefault(key.strip().lower(), [])
            last.append(value.strip())
    requires = tuple(fields.get("requires-dist", ()))
    if legacy and not requires:
        requires = tuple(dist.requires or ())
    name = (fields.get("name") or ["?"])[0] or "?"
    version = (fields.get("version") or ["?"])[0] or "?"
    return name, version, requires


def _declared_name(dist: Distribution) -> str:
    """The distribution's ``Name``, found by a search of its metadata text (cheaper than
    parsing it with the email parser, which only the plugins' metadata needs)."""
    try:
        text = _read_text(dist, "METADATA") or _read_text(dist, "PKG-INFO") or ""
    except OSError:
        return ""
    match = _NAME_LINE.search(text.partition("\n\n")[0])
    return match.group(1) if match else ""


def _record(
    ep: EntryPoint,
    dist: Distribution,
    *,
    distribution: str,
    version: str,
    requires_dist: tuple[str, ...],
    path: Sequence[str] | None,
) -> tuple[PluginRecord, str]:
    module, _, attr = (part.strip() for part in ep.value.partition(":"))
    form, location, error, fix, digest = Form.PLUGGY, str(dist.locate_file("")), "", "", ""
    declaration, components = Declaration(), None
    form = Form.MANIFEST if attr.endswith(MANIFEST_SUFFIXES) else form
    bad_name = namespace_error(ep.name, f"entry point {ep.name} = {ep.value!r}", distribution)
    if bad_name:  # its components would be named like 'a:b:Fold': nothing of it is read
        error, fix = bad_name
    elif form is Form.MANIFEST:
        try:
            manifest_path = locate_package_file(module, attr, path)
            manifest = read_manifest(manifest_path)
        except ManifestError as exc:
            location, fix = exc.where, exc.fix
            error = f"{exc.where}: {exc.message}" if exc.where else exc.message
        else:
            location, digest = str(manifest_path), manifest.digest
            declaration, components = manifest.declaration, manifest.components
    record = PluginRecord(
        namespace=ep.name,
        value=ep.value,
        distribution=distribution,
        version=version,
        requires_dist=requires_dist,
        form=form,
        location=location,
        declaration=declaration,
        components=components,
        error=error,
        fix=fix,
    )
    return record, digest


# -- package files, found without importing -------------------------------------------------


def _find_top(top: str, path: Sequence[str] | None) -> tuple[ModuleSpec | None, str]:
    """The spec of top-level module ``top`` (found, not executed) and why it was not found."""
    try:
        if path is None:
            return importlib.util.find_spec(top), ""
        return PathFinder.find_spec(top, list(path)), ""
    except (ImportError, ValueError) as exc:
        return None, str(exc)


def _zip_root(location: str, *, folder: bool = True) -> Traversable | None:
    """``location`` inside a zip archive (``/x/lib.zip/pkg``) as a ``zipfile.Path``: a folder,
    or (``folder=False``) a file."""
    archive, inner = location, ""
    while archive and not os.path.isfile(archive):
        archive, tail = os.path.split(archive)
        if not tail:
            return None
        inner = f"{tail}/{inner}" if inner else tail
    import zipfile

    if not archive or not zipfile.is_zipfile(archive):
        return None
    return zipfile.Path(archive, at=f"{inner}/" if inner and folder else inner)


def package_roots(spec: ModuleSpec) -> list[Traversable]:
    """The folders of a package, as ``importlib.resources`` traversables: its resource
    reader's for a regular package (a folder, a zip or a wheel), every portion of a namespace
    package (in path order)."""
    if type(spec.loader) in _FILE_LOADERS and spec.name == getattr(spec.loader, "name", None):
        # what its resource reader (importlib.readers.FileReader) answers, without importing
        # importlib.resources' readers (zipfile, tempfile)
        return [Path(getattr(spec.loader, "path", "")).parent]
    reader_of = getattr(spec.loader, "get_resource_reader", None)
    if spec.origin not in (None, "namespace") and reader_of is not None:
        files = getattr(reader_of(spec.name), "files", None)
        if files is not None:
            root: Traversable = files()
            return [root]
    roots: list[Traversable] = []
    for location in spec.submodule_search_locations or ():
        if os.path.isdir(location):
            roots.append(Path(location))
        elif (inside := _zip_root(location)) is not None:
            roots.append(inside)
    return roots


def locate_package_file(
    module: str, filename: str, path: Sequence[str] | None = None
) -> Traversable:
    """``filename`` inside package ``module``, found without importing it: a ``Path`` for a
    folder on disk, a ``zipfile.Path`` inside a zip or wheel.

    Only the top-level package is looked up with :func:`importlib.util.find_spec`, which
    does not execute it; sub-packages are then walked as folders in every portion. Raises
    :class:`ManifestError` (where: the entry point value or the expected file) when the
    package or the file is not there.
    """
    top, *rest = module.split(".")
    spec, reason = _find_top(top, path)
    if spec is None or not spec.submodule_search_locations:
        raise ManifestError(
            f"package {top!r} named by the entry point is not installed or is not a package"
            + (f" ({reason})" if reason else ""),
            where=f"entry point value '{module}:{filename}'",
            fix="reinstall the plugin's distribution; its wheel must contain the package",
        )
    roots = package_roots(spec)
    parts = [part for part in (*rest, filename) if part]
    for root in roots:
        candidate = root.joinpath(*parts) if parts else root
        if candidate.is_file() if filename else candidate.is_dir():
            return candidate
    first = roots[0] if roots else Path(next(iter(spec.submodule_search_locations)))
    fix = "include the manifest in the wheel (package data) or fix the entry point's value"
    respelled = _respelled(filename)
    if respelled and any(root.joinpath(*rest, respelled).is_file() for root in roots):
        fix = (
            f"the package has {respelled!r}: reinstall the distribution so that its entry "
            "point is regenerated (an editable install too), or fix the entry point's value"
        )
    raise ManifestError(
        f"no file {filename!r} in package {module!r}", where=str(first.joinpath(*parts)), fix=fix
    )


def _respelled(filename: str) -> str:
    """The manifest's other spelling (``brainsmith-plugin.toml`` ↔ ``brainsmith_plugin.toml``),
    or ``""``."""
    stem, dot, suffix = filename.rpartition(".")
    other = stem.replace("-", "_") if "-" in stem else stem.replace("_", "-")
    return f"{other}{dot}{suffix}" if dot and other != stem else ""


def _module_in(base: Traversable, leaf: str) -> bool:
    if not base.is_dir():
        return False
    if base.joinpath(f"{leaf}.py").is_file() or base.joinpath(leaf, "__init__.py").is_file():
        return True
    return any(_extension_of(entry.name, leaf) for entry in _entries(base))


def _entries(base: Traversable) -> Iterator[Traversable]:
    try:
        yield from base.iterdir()
    except OSError:
        return


def _extension_of(name: str, leaf: str) -> bool:
    return name.startswith(f"{leaf}.") and name.endswith((".so", ".pyd", ".pyc"))


def module_file_exists(module: str, path: Sequence[str] | None = None) -> bool:
    """Whether ``module`` (dotted) exists as a file or package in any portion of its
    top-level package, found without importing it."""
    top, *rest = module.split(".")
    spec, _ = _find_top(top, path)
    if spec is None:
        return False
    if not rest:
        return True
    if not spec.submodule_search_locations:
        return False
    *packages, leaf = rest
    return any(_module_in(root.joinpath(*packages), leaf) for root in package_roots(spec))


def read_location(location: str) -> bytes | None:
    """The bytes of a file discovery read (a path, or a path inside a zip archive), or
    ``None`` if it is gone or unreadable."""
    try:
        with open(location, "rb") as handle:
            return handle.read()
    except OSError:
        pass
    inside = _zip_root(location, folder=False)
    try:
        return None if inside is None else inside.read_bytes()
    except (OSError, KeyError, ValueError):
        return None


def verify_record(record: PluginRecord) -> None:
    """Check that a manifest-first plugin's record (perhaps from the cache) still says what
    its manifest says, before anything it names is imported: the hooks module and the
    targets are those of the manifest as it is now.

    Raises :class:`PluginError` naming the plugin and the manifest if the manifest is gone,
    unreadable, invalid, or declares something else.
    """
    if record.form is not Form.MANIFEST or record.components is None:
        return
    where = f"plugin {record.label}: {record.location}"
    fix = "run the command again (the plugin's files changed while brainsmith ran)"
    content = read_location(record.location)
    if content is None:
        raise PluginError("its manifest is gone", where=where, fix=fix)
    import tomllib

    try:
        data = tomllib.loads(content.decode("utf-8"))
        manifest = parse_manifest(data, where=record.location)
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError, ManifestError) as exc:
        raise PluginError(f"its manifest no longer reads: {exc}", where=where, fix=fix) from None
    if (manifest.declaration, manifest.components) != (record.declaration, record.components):
        raise PluginError(
            "its manifest declares other components or hooks than when it was discovered",
            where=where,
            fix=fix,
        )
