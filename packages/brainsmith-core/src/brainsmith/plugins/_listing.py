"""``brainsmith plugins list`` as data: every plugin's verdict and the selection's problems,
in the documented JSON shape (docs/cli.md).

Answered from the discovery cache's entry when it holds (:func:`._selection.cached_listing`):
then no record, verdict or settings object is made, so a warm listing imports neither
``dataclasses`` nor ``inspect``. Otherwise it is the listing of a fresh
:class:`~brainsmith.plugins.Session`, which writes the entry for next time. Both ways the plugin
rows are :meth:`Verdict.to_json` of the same session verdicts: the cache stores them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from .._version import PLUGIN_API, __version__


class Listing(NamedTuple):
    """What ``plugins list --json`` prints, and whether strict mode is on."""

    document: dict[str, Any]
    """``{"core": {"version", "plugin_api"}, "settings": file or None, "plugins":
    [Verdict.to_json()...], "problems": [Problem.to_json()...], "ok": no error}``."""
    strict: bool
    """Strict mode (``strict`` given, or ``strict = true`` in the settings): every warning
    in ``problems`` is already an error."""

    @property
    def failed(self) -> bool:
        """Strict mode with any problem (an error or a warning, not an ``info``)."""
        return self.strict and any(p["severity"] != "info" for p in self.document["problems"])


def list_plugins(
    cwd: Path | None = None,
    environ: Mapping[str, str] | None = None,
    path: Sequence[str] | None = None,
    *,
    cache: Path | bool = True,
    strict: bool = False,
) -> Listing:
    """The listing of the session :meth:`Session.from_environment` makes with the same
    arguments (the plugins on ``path``, default ``sys.path``, and in the folders the settings
    found from ``cwd`` up name, under the switches in ``environ``), before any activation.

    :raises ConfigError: the settings cannot be read (on a cache miss, as a session would).
    """
    from ._selection import cached_listing, lookup, select_with

    found = lookup(cwd, environ, path, cache)
    cached = None if found is None else cached_listing(found)
    if cached is not None:
        listed = _from_cache(*cached, strict=strict)
        if listed is not None:
            return listed
    # a miss: the session Session.from_environment makes, through the same entries
    settings, resolution = select_with(found, cwd, environ, path)
    from .session import Session

    session = Session(settings, resolution, path=path, strict=strict)
    return _listing(
        session.settings.source,
        session.settings.strict,
        [v.to_json() for v in session.verdicts()],
        [p.to_json() for p in session.problems()],
    )


def _from_cache(
    settings: dict[str, Any], stored: dict[str, Any], *, strict: bool
) -> Listing | None:
    """The listing of a cache entry, or ``None`` if the entry has another shape."""
    source, strict_setting = settings.get("source"), settings.get("strict")
    plugins, problems = stored.get("plugins"), stored.get("problems")
    if not (
        isinstance(source, str)
        and isinstance(strict_setting, bool)
        and isinstance(plugins, list)
        and isinstance(problems, list)
        and all(isinstance(p, dict) for p in plugins)
        and all(isinstance(p, dict) and isinstance(p.get("severity"), str) for p in problems)
    ):
        return None
    strict = strict or strict_setting
    if strict:  # as Session.problems grades them
        problems = [
            {**p, "severity": "error"} if p["severity"] == "warning" else p for p in problems
        ]
    return _listing(source, strict, plugins, problems)


def _listing(
    source: str, strict: bool, plugins: list[dict[str, Any]], problems: list[dict[str, Any]]
) -> Listing:
    document = {
        "core": {"version": __version__, "plugin_api": PLUGIN_API},
        "settings": source or None,
        "plugins": plugins,
        "problems": problems,
        "ok": not any(p["severity"] == "error" for p in problems),
    }
    return Listing(document, strict)
