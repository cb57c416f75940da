"""Discover plugins: entry points of ``brainsmith.plugins`` → :class:`PluginRecord` s.

Reads installed metadata and static manifests only; never imports a plugin's code.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Iterable, Sequence
from importlib import metadata
from pathlib import Path

from ..errors import ManifestError
from ._manifest import read_manifest
from .records import Declaration, Form, PluginRecord

GROUP = "brainsmith.plugins"
"""The entry-point group every plugin is published in."""

MANIFEST_SUFFIXES = (".toml",)


def discover(path: Sequence[str] | None = None) -> tuple[PluginRecord, ...]:
    """Every plugin installed on ``path`` (default ``sys.path``), sorted by namespace.

    A distribution installed twice on the path counts once: the first one wins, as for
    imports.
    """
    records: list[PluginRecord] = []
    for dist, eps in _plugin_distributions(path):
        meta = dist.metadata  # parsed once: .version and .requires would each parse it again
        name = meta["Name"] or "?"
        version = meta["Version"] or "?"
        requires = tuple(meta.get_all("Requires-Dist") or dist.requires or ())
        for ep in eps:
            records.append(
                _record(
                    ep, dist, distribution=name, version=version, requires_dist=requires, path=path
                )
            )
    records.sort(key=lambda r: (r.namespace, r.distribution.lower()))
    return tuple(records)


def _plugin_distributions(
    path: Sequence[str] | None,
) -> Iterable[tuple[metadata.Distribution, list[metadata.EntryPoint]]]:
    """Each distribution publishing entry points of :data:`GROUP`, with them, in path order.

    On ``sys.path`` this is the standard library's own scan (``entry_points(group=...)``), which
    keeps the first of a distribution installed twice; on another path the same rule is applied
    here, by the ``Name`` each distribution's metadata declares.
    """
    if path is None:
        grouped: dict[int, tuple[metadata.Distribution, list[metadata.EntryPoint]]] = {}
        for ep in metadata.entry_points(group=GROUP):
            dist = ep.dist
            if dist is not None:
                grouped.setdefault(id(dist), (dist, []))[1].append(ep)
        yield from grouped.values()
        return
    for dist in _unique(metadata.distributions(path=list(path))):
        eps = list(dist.entry_points.select(group=GROUP))
        if eps:
            yield dist, eps


_NAME_LINE = re.compile(r"^Name:[ \t]*(\S[^\r\n]*?)[ \t]*$", re.MULTILINE)


def _declared_name(dist: metadata.Distribution) -> str:
    """The distribution's ``Name``, found by a search of its metadata text (cheaper than
    parsing it with the email parser, which only the plugins' metadata needs)."""
    text = dist.read_text("METADATA") or dist.read_text("PKG-INFO") or ""
    match = _NAME_LINE.search(text.partition("\n\n")[0])
    return match.group(1) if match else ""


def _unique(dists: Iterable[metadata.Distribution]) -> Iterable[metadata.Distribution]:
    seen: set[str] = set()
    for dist in dists:
        name = _declared_name(dist)
        key = re.sub(r"[-_.]+", "_", name).lower()
        if key not in seen:
            seen.add(key)
            yield dist


def _record(
    ep: metadata.EntryPoint,
    dist: metadata.Distribution,
    *,
    distribution: str,
    version: str,
    requires_dist: tuple[str, ...],
    path: Sequence[str] | None,
) -> PluginRecord:
    module, _, attr = (part.strip() for part in ep.value.partition(":"))
    form, location, error, fix = Form.PLUGGY, str(dist.locate_file("")), "", ""
    declaration, components = Declaration(), None
    if attr.endswith(MANIFEST_SUFFIXES):
        form = Form.MANIFEST
        try:
            manifest_path = locate_package_file(module, attr, path)
            manifest = read_manifest(manifest_path)
        except ManifestError as exc:
            location, fix = exc.where, exc.fix
            error = f"{exc.where}: {exc.message}" if exc.where else exc.message
        else:
            location = str(manifest_path)
            declaration, components = manifest.declaration, manifest.components
    return PluginRecord(
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


def locate_package_file(module: str, filename: str, path: Sequence[str] | None = None) -> Path:
    """The path of ``filename`` inside package ``module``, found without importing it.

    Only the top-level package is looked up with :func:`importlib.util.find_spec`, which
    does not execute it; sub-packages are then walked as folders.
    """
    top, *rest = module.split(".")
    try:
        if path is None:
            spec = importlib.util.find_spec(top)
        else:
            from importlib.machinery import PathFinder

            spec = PathFinder.find_spec(top, list(path))
    except (ImportError, ValueError) as exc:
        spec = None
        reason = str(exc)
    else:
        reason = ""
    if spec is None or not spec.submodule_search_locations:
        raise ManifestError(
            f"package {top!r} named by the entry point is not installed or is not a package"
            + (f" ({reason})" if reason else ""),
            where=f"entry point value '{module}:{filename}'",
            fix="reinstall the plugin's distribution; its wheel must contain the package",
        )
    for location in spec.submodule_search_locations:
        candidate = Path(location, *rest, filename)
        if candidate.is_file() or (not filename and candidate.is_dir()):
            return candidate
    raise ManifestError(
        f"no file {filename!r} in package {module!r}",
        where=str(Path(next(iter(spec.submodule_search_locations)), *rest, filename)),
        fix="include the manifest in the wheel (package data) or fix the entry point's value",
    )


def module_file_exists(module: str, path: Sequence[str] | None = None) -> bool:
    """Whether ``module`` (dotted) exists as a file or package, found without importing it."""
    top, *rest = module.split(".")
    if not rest:
        if path is None:
            return importlib.util.find_spec(top) is not None
        from importlib.machinery import PathFinder

        return PathFinder.find_spec(top, list(path)) is not None
    try:
        folder = locate_package_file(top, "", path)
    except ManifestError:
        return False
    *packages, leaf = rest
    base = Path(folder, *packages)
    return (
        (base / f"{leaf}.py").is_file()
        or (base / leaf / "__init__.py").is_file()
        or any(base.glob(f"{leaf}.*.so"))
    )
