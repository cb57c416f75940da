"""Facts about installed distributions: which one provides a top-level module (looked up once
per process), the versions of pinned ones, and where one was installed from (PEP 610).

``importlib.metadata.packages_distributions()`` reads every installed distribution's metadata
(~150 ms); :func:`distribution_of` pays that once, however many plugins and labels ask.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import importlib.metadata

# importlib.metadata (with email, zipfile, csv) is imported by the functions that use it: a
# cold plugin listing without pins needs none of them


@functools.cache
def _top_level_distributions() -> Mapping[str, list[str]]:
    import importlib.metadata

    return importlib.metadata.packages_distributions()


@functools.cache
def distribution_of(top_level_module: str) -> tuple[str, str] | None:
    """``(distribution, version)`` of the installed distribution that provides the top-level
    module ``top_level_module`` (the first, if several do), or ``None`` if none does."""
    import importlib.metadata

    names = _top_level_distributions().get(top_level_module)
    if not names:
        return None
    try:
        return names[0], importlib.metadata.version(names[0])
    except importlib.metadata.PackageNotFoundError:
        return None


def installed_versions(pins: Iterable[str], path: Sequence[str] | None) -> dict[str, str]:
    """Installed versions of the pinned distributions (canonical name → version)."""
    texts = list(pins)
    if not texts:
        return {}
    import importlib.metadata

    from ._requirements import canonical_name, parse_requirement

    found: dict[str, str] = {}
    for text in texts:
        name = canonical_name(parse_requirement(text).name)
        search = list(sys.path if path is None else path)
        # the first with a version: a metadata-less leftover folder may come first
        versions = (d.version for d in importlib.metadata.distributions(name=name, path=search))
        version = next((v for v in versions if v), None)
        if version is not None:
            found[name] = version
    return found


def _installed(name: str, path: Sequence[str] | None) -> importlib.metadata.Distribution | None:
    """The first distribution ``name`` on ``path`` with a readable version (a metadata-less
    leftover folder, or a ``METADATA`` that is not UTF-8, is passed over)."""
    import importlib.metadata

    search = list(sys.path if path is None else path)
    for dist in importlib.metadata.distributions(name=name, path=search):
        try:
            if dist.version:
                return dist
        except (OSError, ValueError):
            continue
    return None


def direct_url(name: str, path: Sequence[str] | None = None, *, local: bool = False) -> str | None:
    """Where the installed distribution ``name`` came from, as the URL of a PEP 508 ``name @
    URL`` requirement, read from its PEP 610 ``direct_url.json``: an archive's URL, or
    ``vcs+URL@commit`` for a version-control checkout. ``file:`` URLs (a local wheel, a
    folder, editable or not) only with ``local``: they name this machine's files, which no
    lock should. ``None`` when it came from an index."""
    import json

    try:
        dist = _installed(name, path)
        data = json.loads((dist.read_text("direct_url.json") or "null") if dist else "null")
    except (OSError, ValueError):  # unreadable, not UTF-8, not JSON: as if there were none
        return None
    if not isinstance(data, dict) or not isinstance(url := data.get("url"), str):
        return None
    if url.startswith("file:") and not local:
        return None
    vcs = data.get("vcs_info")
    if isinstance(vcs, dict) and isinstance(vcs.get("vcs"), str) and vcs.get("commit_id"):
        return f"{vcs['vcs']}+{url}@{vcs['commit_id']}"
    return url if local or isinstance(data.get("archive_info"), dict) else None


def same_source(pinned: str, installed: str) -> bool:
    """Whether the URL of a pin (``git+https://host/x.git@v1``, ``https://host/x.whl#sha256=…``)
    and an installed distribution's :func:`direct_url` name the same repository or archive
    (a VCS revision and a URL fragment aside)."""

    def bare(url: str) -> str:
        url = url.partition("#")[0]
        scheme, sep, rest = url.partition("://")
        if "+" in scheme:  # git+https://host/repo.git@rev: the revision is not the source
            scheme = scheme.partition("+")[2]
            head, at, revision = rest.rpartition("@")
            rest = head if at and "/" not in revision and "/" in head else rest
        return f"{scheme}{sep}{rest}".rstrip("/")

    return bare(pinned) == bare(installed)


def url_pin_mismatches(
    pins: Sequence[str], path: Sequence[str] | None
) -> list[tuple[str, str, str, str]]:
    """``(pin, distribution, version, where it came from)`` for every pin naming a URL
    (``x @ https://host/x-1.0.whl``) whose distribution is installed, but not from that URL
    (:func:`same_source`): the version alone cannot say the pin is met."""
    from packaging.requirements import Requirement

    mismatches = []
    for text in pins:
        requirement = Requirement(text)
        if requirement.url is None:
            continue
        dist = _installed(requirement.name, path)
        if dist is None:  # not installed: resolution reports the pin missing
            continue
        version = dist.version
        source = direct_url(requirement.name, path, local=True)
        if source is None or not same_source(requirement.url, source):
            came = f"from {source}" if source else "from an index or a local folder"
            mismatches.append((text, requirement.name, version, came))
    return mismatches
