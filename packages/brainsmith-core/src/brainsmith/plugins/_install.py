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

__all__ = [
    "Change",
    "InstallRefused",
    "Installed",
    "install_plugins",
    "local_releases",
    "uninstall_plugins",
]

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
    """Every installed plugin's namespace → the canonical name of the distribution publishing
    it (metadata only: a broken plugin is listed like any other)."""
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


@dataclass(frozen=True, slots=True)
class Installed:
    """What ``install_plugins`` did: the distributions that changed, and the releases it tried
    and took back because their manifest or plugin requirements did not fit
    (``"brainsmith-plugin-x 1.3.0: <reason>"``)."""

    changes: tuple[Change, ...]
    skipped: tuple[str, ...]


MAX_ATTEMPTS = 5
"""How many releases that install but do not fit (a manifest ``api`` or ``requires`` pip cannot
see) are taken back and excluded before giving up."""


def install_plugins(
    specs: Sequence[str],
    *,
    find_links: Sequence[str] = (),
    index_url: str | None = None,
    no_index: bool = False,
) -> Installed:
    """Install ``specs`` (PEP 508 requirements, or paths of wheels) into the running
    environment, with ``brainsmith-core`` and the other installed plugins held at their versions.

    The installer picks the newest releases whose ``Requires-Dist`` fits; a release it installs
    that brainsmith then finds ``incompatible`` (its manifest's ``api`` range, ``requires`` or
    ``conflicts``) is taken back, excluded and the next newest tried.

    :raises BrainsmithError: a spec is not a requirement or names brainsmith-core (exit 2).
    :raises InstallRefused: no release fits, or the installer failed; nothing was changed.
    """
    named = _requested(specs)
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
    excluded: list[str] = []
    skipped: list[str] = []
    for _ in range(MAX_ATTEMPTS):
        lines = [f"{n}=={v}" for n, v in sorted(held.items())] + excluded
        result = _run_installer(lines, [*options, *specs])
        changes = _changes(before, installed_versions())
        if result.returncode != 0:
            break
        if before.get(CORE_DISTRIBUTION) != installed_versions().get(CORE_DISTRIBUTION):
            raise AssertionError(f"the installer changed {CORE_DISTRIBUTION} despite the pin")
        misfits = _misfits({c.distribution: c.after for c in changes if c.after})
        if not misfits:
            return Installed(changes, tuple(skipped))
        _revert(changes, options)
        for distribution, version, reason in misfits:
            excluded.append(f"{distribution}!={version}")
            skipped.append(f"{distribution} {version}: {reason}")
    else:
        result = subprocess.CompletedProcess([], 1, "", f"gave up after {MAX_ATTEMPTS} releases")
    changes = _changes(before, installed_versions())
    pinned = ", ".join(f"{n} {v}" for n, v in sorted(held.items()))
    explanation = _explanation(result.stderr or result.stdout)
    offered = "".join(
        f"\n    {name} {version}: requires {needs or 'any ' + CORE_DISTRIBUTION}"
        for name in sorted(named)
        for version, needs in local_releases(find_links, name)
    )
    raise InstallRefused(
        f"no version of {', '.join(specs)} fits the running environment ({pinned})"
        + ("; nothing was changed" if not changes else "")
        + "".join(f"\n  installed, did not fit, taken back: {s}" for s in skipped)
        + (f"\n  releases in --find-links:{offered}" if offered else "")
        + (f"\n  the installer says:\n{explanation}" if explanation else ""),
        where=sys.prefix,
        fix="install a release made for brainsmith-core "
        f"{__version__} (see the plugin's Requires-Dist and manifest api), or upgrade the core",
    )


def _requested(specs: Sequence[str]) -> set[str]:
    """Canonical names of the distributions ``specs`` request (a wheel path names its own)."""
    from packaging.requirements import InvalidRequirement, Requirement

    named: set[str] = set()
    for spec in specs:
        if spec.endswith(".whl") and "@" not in spec and "://" not in spec:
            name = _wheel_distribution(spec)
        elif Path(spec).exists():
            continue
        else:
            try:
                name = _canonical(Requirement(spec).name)
            except InvalidRequirement as exc:
                raise BrainsmithError(
                    f"{spec!r} is not a requirement: {exc}",
                    fix="name a distribution with an optional specifier, e.g. "
                    "'brainsmith-plugin-x>=1.2', or the path of a wheel",
                ) from None
        if name == CORE_DISTRIBUTION:
            raise BrainsmithError(
                f"'plugins install' never changes {CORE_DISTRIBUTION} (running {__version__})",
                fix=f"upgrade the core itself with pip: pip install -U {CORE_DISTRIBUTION}",
            )
        named.add(name)
    return named


def _wheel_distribution(spec: str) -> str:
    """The canonical distribution name of the wheel at ``spec`` (from its file name), so an
    installed older release of it is replaced rather than held.

    :raises BrainsmithError: there is no such file, or its name is not a wheel's.
    """
    path = Path(spec)
    if not path.is_file():
        raise BrainsmithError(
            f"the wheel {spec!r} does not exist",
            where=str(path.resolve()),
            fix="give the path of a built wheel (uv build --wheel), or a requirement",
        )
    name, dash, _ = path.name.partition("-")
    if not dash or not name:
        raise BrainsmithError(
            f"{path.name!r} is not a wheel's file name (NAME-VERSION-...-PLATFORM.whl)",
            where=str(path.resolve()),
            fix="install the wheel under the name its build backend gave it",
        )
    return _canonical(name)


def _run_installer(
    constraints: list[str], arguments: list[str]
) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="brainsmith-install-") as temp:
        file = Path(temp, "constraints.txt")
        file.write_text("".join(f"{line}\n" for line in constraints), encoding="utf-8")
        command = [*_installer("install"), "-c", str(file), *arguments]
        return subprocess.run(command, capture_output=True, text=True, check=False)


def _misfits(changed: dict[str, str]) -> list[tuple[str, str, str]]:
    """``(distribution, version, reason)`` of each changed distribution with a plugin that the
    resolution (metadata and manifests only, no plugin code) finds ``incompatible``."""
    from .session import Session
    from .verdicts import State

    importlib.invalidate_caches()
    session = Session.from_environment(cache=False)
    found = []
    for verdict in session.verdicts():
        distribution = _canonical(verdict.distribution)
        if distribution in changed and verdict.state is State.INCOMPATIBLE:
            found.append((distribution, changed[distribution], verdict.reason or "incompatible"))
    return found


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


def _revert(changes: Sequence[Change], options: list[str]) -> None:
    """Undo ``changes``: remove what was added, reinstall the versions that were replaced."""
    added = [c.distribution for c in changes if not c.before]
    if added:
        subprocess.run([*_installer("uninstall"), *added], capture_output=True, check=False)
    replaced = [f"{c.distribution}=={c.before}" for c in changes if c.before]
    if replaced:
        subprocess.run(
            [*_installer("install"), *options, *replaced], capture_output=True, check=False
        )


def local_releases(find_links: Sequence[str], distribution: str) -> list[tuple[str, str]]:
    """``(version, its requirement on brainsmith-core)`` of every wheel of ``distribution``
    in the local ``find_links`` folders, newest first (folders only; URLs are skipped)."""
    import zipfile
    from email.parser import Parser

    from packaging.version import InvalidVersion, Version

    from .records import requirement_name

    found: dict[str, str] = {}
    stem = distribution.replace("-", "_")
    for link in find_links:
        folder = Path(link.removeprefix("file://"))
        if not folder.is_dir():
            continue
        for wheel in folder.glob("*.whl"):
            name, _, rest = wheel.name.partition("-")
            if _canonical(name) != _canonical(stem):
                continue
            version = rest.partition("-")[0]
            try:
                with zipfile.ZipFile(wheel) as archive:
                    meta = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
                    text = archive.read(meta).decode("utf-8", "replace")
            except (OSError, zipfile.BadZipFile, StopIteration):
                continue
            lines = Parser().parsestr(text, headersonly=True).get_all("Requires-Dist") or []
            found[version] = ", ".join(
                r for r in lines if requirement_name(r) == CORE_DISTRIBUTION and ";" not in r
            )

    def order(version: str) -> Version:
        try:
            return Version(version)
        except InvalidVersion:
            return Version("0")

    return sorted(found.items(), key=lambda item: order(item[0]), reverse=True)


def _changes(before: dict[str, str], after: dict[str, str]) -> tuple[Change, ...]:
    names = sorted(set(before) | set(after))
    return tuple(
        Change(n, before.get(n, ""), after.get(n, ""))
        for n in names
        if before.get(n) != after.get(n)
    )


def _explanation(output: str) -> str:
    lines = [
        line.rstrip()
        for line in output.strip().splitlines()
        if line.strip() and not line.startswith("Using Python")
    ]
    return "\n".join(f"    {line}" for line in lines[-20:])
