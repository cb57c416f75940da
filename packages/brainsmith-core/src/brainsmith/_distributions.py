"""Which installed distribution provides a top-level module, looked up once per process.

``importlib.metadata.packages_distributions()`` reads every installed distribution's metadata
(~150 ms); :func:`distribution_of` pays that once, however many plugins and labels ask.
"""

from __future__ import annotations

import functools
import importlib.metadata
import sys
from collections.abc import Iterable, Mapping, Sequence


@functools.cache
def _top_level_distributions() -> Mapping[str, list[str]]:
    return importlib.metadata.packages_distributions()


@functools.cache
def distribution_of(top_level_module: str) -> tuple[str, str] | None:
    """``(distribution, version)`` of the installed distribution that provides the top-level
    module ``top_level_module`` (the first, if several do), or ``None`` if none does."""
    names = _top_level_distributions().get(top_level_module)
    if not names:
        return None
    try:
        return names[0], importlib.metadata.version(names[0])
    except importlib.metadata.PackageNotFoundError:
        return None


def installed_versions(pins: Iterable[str], path: Sequence[str] | None) -> dict[str, str]:
    """Installed versions of the pinned distributions (canonical name → version)."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    found: dict[str, str] = {}
    for text in pins:
        name = canonicalize_name(Requirement(text).name)
        search = list(sys.path if path is None else path)
        # the first with a version: a metadata-less leftover folder may come first
        versions = (d.version for d in importlib.metadata.distributions(name=name, path=search))
        version = next((v for v in versions if v), None)
        if version is not None:
            found[name] = version
    return found
