"""``brainsmith plugins install / uninstall``: pip (or uv) into the running environment, never
changing the running core.

The installer is given a constraints file pinning ``brainsmith-core`` and every other installed
plugin distribution to its installed version, so its resolver picks the newest version of each
requested plugin whose ``Requires-Dist`` fits them, or refuses without changing anything. Only
metadata is read here: a broken plugin installed beside does not stop an install or uninstall.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from .._version import CORE_DISTRIBUTION, __version__
from ..errors import BrainsmithError, PluginError, ToolchainError

__all__ = ["Change", "install_plugins", "uninstall_plugins"]

GROUP = "brainsmith.plugins"


class InstallRefused(PluginError):
    """The installer found no plugin version that fits the running core and the installed
    plugins, or failed; nothing was changed (exit status 1)."""

    exit_code = 1


@dataclass(frozen=True, slots=True)
class Change:
    """One distribution the command changed: ``before`` or ``after`` is ``""`` when it was
    not installed before or is not installed after."""

    distribution: str
    before: str
    after: str

    def __str__(self) -> str:
        if not self.before:
            return f"installed {self.distribution} {self.after}"
        if not self.after:
            return f"removed {self.distribution} {self.before}"
        return f"changed {self.distribution} {self.before} -> {self.after}"


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def installed_versions() -> dict[str, str]:
    """Every distribution of the running environment: canonical name → version (the first of
    a name on ``sys.path`` wins, as for imports)."""
    importlib.invalidate_caches()
    versions: dict[str, str] = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if name:
            versions.setdefault(_canonical(name), dist.version)
    return versions


def plugin_distributions() -> dict[str, str]:
    """Canonical names of installed distributions publishing ``brainsmith.plugins`` entry
    points, with the first namespace each publishes… mapped as namespace → distribution."""
    found: dict[str, str] = {}
    for ep in metadata.entry_points(group=GROUP):
        if ep.dist is not None and ep.dist.metadata["Name"]:
            found.setdefault(ep.name, _canonical(ep.dist.metadata["Name"]))
    return found


def _installer(action: str) -> list[str]:
    """The command that installs into (or uninstalls from) the running interpreter's env."""
    uv = shutil.which("uv")
    if uv:
        return [uv, "pip", action, "--python", sys.executable]
    if importlib.util.find_spec("pip") is not None:
        return [sys.executable, "-m", "pip", action, *(["-y"] if action == "uninstall" else [])]
    raise ToolchainError(
        f"neither uv nor pip is available to {action} plugins into {sys.prefix}",
        fix="install uv (https://docs.astral.sh/uv/) or pip (python -m ensurepip)",
    )


def install_plugins(
    specs: Sequence[str],
    *,
    find_links: Sequence[str] = (),
    index_url: str | None = None,
    no_index: bool = False,
) -> tuple[Change, ...]:
    """Install ``specs`` (PEP 508 requirements, or paths of wheels) into the running
    environment, with ``brainsmith-core`` and the other installed plugins held at their versions.

    :returns: every distribution that changed (the plugins and dependencies they pulled in).
    :raises BrainsmithError: a spec is not a requirement or names brainsmith-core (exit 2).
    :raises InstallRefused: no version fits, or the installer failed; nothing was changed.
    """
    from packaging.requirements import InvalidRequirement, Requirement

    named: set[str] = set()
    for spec in specs:
        if Path(spec).exists():
            continue
        try:
            requirement = Requirement(spec)
        except InvalidRequirement as exc:
            raise BrainsmithError(
                f"{spec!r} is not a requirement: {exc}",
                fix="name a distribution with an optional specifier, e.g. "
                "'brainsmith-plugin-x>=1.2', or the path of a wheel",
            ) from None
        if _canonical(requirement.name) == CORE_DISTRIBUTION:
            raise BrainsmithError(
                f"'plugins install' never changes {CORE_DISTRIBUTION} (running {__version__})",
                fix=f"upgrade the core itself with pip: pip install -U {CORE_DISTRIBUTION}",
            )
        named.add(_canonical(requirement.name))
    before = installed_versions()
    held = {CORE_DISTRIBUTION: __version__}
    for distribution in plugin_distributions().values():
        if distribution not in named and distribution in before:
            held[distribution] = before[distribution]
    options: list[str] = []
    for link in find_links:
        options += ["--find-links", link]
    if index_url:
        options += ["--index-url", index_url]
    if no_index:
        options.append("--no-index")
    with tempfile.TemporaryDirectory(prefix="brainsmith-install-") as temp:
        constraints = Path(temp, "constraints.txt")
        constraints.write_text("".join(f"{n}=={v}\n" for n, v in sorted(held.items())))
        command = [*_installer("install"), "-c", str(constraints), *options, *specs]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
    changes = _changes(before, installed_versions())
    if result.returncode != 0:
        pinned = ", ".join(f"{n} {v}" for n, v in sorted(held.items()))
        explanation = _explanation(result.stderr or result.stdout)
        raise InstallRefused(
            f"no version of {', '.join(specs)} fits the running environment ({pinned})"
            + ("; nothing was changed" if not changes else "")
            + (f":\n{explanation}" if explanation else ""),
            where=sys.prefix,
            fix="install a release made for brainsmith-core "
            f"{__version__} (see the plugin's Requires-Dist), or upgrade the core first",
        )
    if before.get(CORE_DISTRIBUTION) != installed_versions().get(CORE_DISTRIBUTION):
        raise AssertionError(f"the installer changed {CORE_DISTRIBUTION} despite the constraint")
    return changes


def uninstall_plugins(names: Sequence[str]) -> tuple[Change, ...]:
    """Uninstall plugins named by namespace or distribution from the running environment.

    :raises BrainsmithError: a name matches no installed plugin (with did-you-mean), or names
        brainsmith-core (exit 2).
    :raises InstallRefused: the uninstaller failed.
    """
    from .._suggest import did_you_mean

    namespaces = plugin_distributions()
    before = installed_versions()
    distributions: list[str] = []
    for name in names:
        distribution = namespaces.get(name) or _canonical(name)
        if distribution == CORE_DISTRIBUTION:
            raise BrainsmithError(
                f"'plugins uninstall' never removes {CORE_DISTRIBUTION}",
                fix=f"use pip: pip uninstall {CORE_DISTRIBUTION}",
            )
        if distribution not in before or distribution not in namespaces.values():
            known = sorted({*namespaces, *namespaces.values()})
            raise BrainsmithError(
                f"no installed plugin is named {name!r}{did_you_mean(name, known)}",
                fix="name a namespace or distribution from 'brainsmith plugins list'",
            )
        distributions.append(distribution)
    result = subprocess.run(
        [*_installer("uninstall"), *distributions], capture_output=True, text=True, check=False
    )
    changes = _changes(before, installed_versions())
    if result.returncode != 0:
        raise InstallRefused(
            f"uninstalling {', '.join(distributions)} failed:\n"
            + _explanation(result.stderr or result.stdout),
            where=sys.prefix,
            fix="see the uninstaller's message above",
        )
    return changes


def _changes(before: dict[str, str], after: dict[str, str]) -> tuple[Change, ...]:
    names = sorted(set(before) | set(after))
    return tuple(
        Change(n, before.get(n, ""), after.get(n, ""))
        for n in names
        if before.get(n) != after.get(n)
    )


def _explanation(output: str) -> str:
    lines = [line.rstrip() for line in output.strip().splitlines() if line.strip()]
    return "\n".join(f"    {line}" for line in lines[-20:])
