"""``brainsmith plugins validate``: what a plugin must satisfy before it is published.

The subject is a project folder (its wheel is built into a temporary folder and checked as pip
would install it) or an installed distribution. Unlike ``plugins check``, which never runs plugin
code, validation imports every target and hooks module, so it checks their kinds and the hook
implementations against the hookspecs. Every problem is a :class:`Finding` naming the file, the
field and the fix.
"""

from __future__ import annotations

import configparser
import contextlib
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from email.parser import Parser
from importlib import metadata
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from ..errors import BrainsmithError
from ._checks import (
    Finding,
    check_core_requirement,
    check_entry_point_value,
    check_manifest_data,
    check_target_kinds,
)

__all__ = ["Finding", "Validation", "validate_plugin"]

GROUP = "brainsmith.plugins"


@dataclass(frozen=True)
class Validation:
    """The verdict on one plugin project or distribution: ``ok`` when nothing was found."""

    subject: str
    distribution: str
    version: str
    findings: tuple[Finding, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """Whether there are no findings (``plugins validate`` exits 0)."""
        return not self.findings

    def to_json(self) -> dict[str, Any]:
        """``{"subject", "distribution", "version", "ok", "findings": [Finding.to_json()]}``."""
        return {
            "subject": self.subject,
            "distribution": self.distribution,
            "version": self.version,
            "ok": self.ok,
            "findings": [f.to_json() for f in self.findings],
        }


@dataclass
class _Subject:
    """What is validated, read the same way from a built wheel or an installed distribution."""

    metadata_file: str
    entry_points_file: str
    requires_dist: list[str]
    distribution: str
    version: str
    entry_points: dict[str, str]
    files: set[str]  # relative paths, '/'-separated, as the wheel or RECORD lists them
    root: Path | None  # the folder to import from (None: the running environment)
    source: Path | None  # the project folder, to name source files in findings


def validate_plugin(subject: str) -> Validation:
    """Validate a project folder (``subject`` is a path to a folder with ``pyproject.toml``) or
    an installed distribution (``subject`` is its name).

    :raises BrainsmithError: ``subject`` is neither (exit status 2).
    :raises ToolchainError: no build frontend (uv, ``build`` or pip) to build the wheel.
    """
    folder = Path(subject)
    if folder.is_dir():
        if not (folder / "pyproject.toml").is_file():
            raise BrainsmithError(
                "the folder has no pyproject.toml",
                where=str(folder),
                fix="pass a plugin project's folder, or an installed distribution's name",
            )
        with tempfile.TemporaryDirectory(prefix="brainsmith-validate-") as temp:
            return _validate_project(folder.resolve(), Path(temp))
    try:
        dist = metadata.distribution(subject)
    except metadata.PackageNotFoundError:
        raise BrainsmithError(
            f"{subject!r} is neither a folder nor an installed distribution",
            fix="pass a plugin project's folder (with pyproject.toml), or the name of an "
            "installed distribution (see 'brainsmith plugins list')",
        ) from None
    return _check(subject, _installed(dist))


def _validate_project(folder: Path, temp: Path) -> Validation:
    pyproject = folder / "pyproject.toml"
    try:
        project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError) as exc:
        finding = Finding(str(pyproject), "", f"cannot be read: {exc}", "fix the TOML syntax")
        return Validation(str(folder), "?", "?", (finding,))
    name, version = str(project.get("name", "?")), str(project.get("version", "?"))
    wheel, error = _build_wheel(folder, temp / "dist")
    if wheel is None:
        finding = Finding(
            str(pyproject),
            "build-system",
            f"building the wheel failed:\n{error}",
            "fix the build configuration until 'uv build --wheel' (or 'python -m build') succeeds",
        )
        return Validation(str(folder), name, version, (finding,))
    site = temp / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
        files = {n for n in archive.namelist() if not n.endswith("/")}
    info = next(site.glob("*.dist-info"))
    headers = _headers(info / "METADATA")
    subject = _Subject(
        metadata_file=str(pyproject),
        entry_points_file=str(pyproject),
        requires_dist=list(headers.get_all("Requires-Dist") or ()),
        distribution=headers["Name"] or name,  # the built metadata: a dynamic version is known
        version=headers["Version"] or version,
        entry_points=_entry_points(info / "entry_points.txt"),
        files=files,
        root=site,
        source=folder,
    )
    return _check(str(folder), subject)


def _installed(dist: metadata.Distribution) -> _Subject:
    files = {str(f).replace("\\", "/") for f in dist.files or ()}
    meta = dist.metadata
    location = getattr(dist, "_path", None) or dist.locate_file("")  # the .dist-info folder
    return _Subject(
        metadata_file=str(Path(str(location)) / "METADATA"),
        entry_points_file=str(Path(str(location)) / "entry_points.txt"),
        requires_dist=list(meta.get_all("Requires-Dist") or ()),
        distribution=meta["Name"] or "?",
        version=meta["Version"] or "?",
        entry_points={ep.name: ep.value for ep in dist.entry_points.select(group=GROUP)},
        files=files,
        root=None,
        source=None,
    )


def _check(label: str, subject: _Subject) -> Validation:
    findings: list[Finding] = []
    core_field = "project.dependencies" if subject.source else "Requires-Dist"
    findings += check_core_requirement(subject.requires_dist, subject.metadata_file, core_field)
    if not subject.entry_points:
        findings.append(
            Finding(
                subject.entry_points_file,
                f'project.entry-points."{GROUP}"',
                f"no entry point in the group {GROUP!r}: brainsmith will not find the plugin",
                f'add [project.entry-points."{GROUP}"] NAME = "PACKAGE:brainsmith_plugin.toml"',
            )
        )
    with _importable(subject.root):
        for namespace, value in sorted(subject.entry_points.items()):
            where = f'project.entry-points."{GROUP}".{namespace}'
            bad_reference = check_entry_point_value(value, subject.entry_points_file, where)
            findings += bad_reference
            module, _, attr = (part.strip() for part in value.partition(":"))
            if attr.endswith(".toml"):
                findings += _check_manifest(subject, module, attr, where)
            elif not bad_reference:
                findings += check_target_kinds(
                    {"entry point": value}, {}, subject.entry_points_file, where
                )
    return Validation(label, subject.distribution, subject.version, tuple(findings))


def _check_manifest(subject: _Subject, module: str, attr: str, where: str) -> list[Finding]:
    inside = "/".join([*module.split("."), attr])
    source = _source_file(subject.source, inside)
    shown = str(source or inside)
    path: Traversable | None = (
        (subject.root / inside) if subject.root else _installed_path(module, attr)
    )
    if path is None or (subject.root is not None and inside not in subject.files):
        fix = (
            "keep the manifest inside the package folder and include it as package data "
            "(hatchling includes every file in the package; setuptools needs "
            f'[tool.setuptools.package-data] {module.split(".", maxsplit=1)[0]} = ["*.toml"])'
        )
        if source is None and subject.source is not None:
            fix = f"create {inside} in the project (or fix the entry point's value)"
        return [
            Finding(
                shown,
                "package data",
                f"the manifest {inside} named by {where} is not in the "
                + ("built wheel" if subject.source else "installed files"),
                fix,
            )
        ]
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError) as exc:
        return [Finding(shown, "", f"cannot be read: {exc}", "fix the manifest's TOML syntax")]
    return check_manifest_data(data, shown)


def _source_file(folder: Path | None, inside: str) -> Path | None:
    if folder is None:
        return None
    for base in (folder / "src", folder):
        if (base / inside).is_file():
            return base / inside
    return None


def _installed_path(module: str, attr: str) -> Traversable | None:
    from ..errors import ManifestError
    from ._discovery import locate_package_file

    try:
        return locate_package_file(module, attr)
    except ManifestError:
        return None


@contextlib.contextmanager
def _importable(root: Path | None) -> Iterator[None]:
    """Import plugin code from ``root`` (first on ``sys.path``) while inside; afterwards forget
    every module imported from there, so the running environment's copy is not shadowed."""
    if root is None:
        yield
        return
    before = set(sys.modules)
    sys.path.insert(0, str(root))
    try:
        yield
    finally:
        sys.path.remove(str(root))
        for name in set(sys.modules) - before:
            module_file = getattr(sys.modules[name], "__file__", None) or ""
            if module_file.startswith(str(root)):
                del sys.modules[name]


def _headers(path: Path) -> Message:
    return Parser().parsestr(path.read_text(encoding="utf-8"), headersonly=True)


def _entry_points(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    parser = configparser.ConfigParser(delimiters=("=",), interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(path.read_text(encoding="utf-8"))
    return dict(parser[GROUP]) if parser.has_section(GROUP) else {}


def _build_wheel(folder: Path, out: Path) -> tuple[Path | None, str]:
    """Build ``folder``'s wheel into ``out`` with uv, else ``python -m build``, else pip."""
    from ..errors import ToolchainError

    uv = shutil.which("uv")
    if uv:
        command = [uv, "build", "--wheel", "--quiet", "--out-dir", str(out), str(folder)]
    elif _has_module("build"):
        command = [sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(folder)]
    elif _has_module("pip"):
        command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(out), str(folder)]
    else:
        raise ToolchainError(
            "no build frontend to build the plugin's wheel",
            fix="install uv (pip install uv) or build (pip install build)",
        )
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    wheels = sorted(out.glob("*.whl"))
    if result.returncode != 0 or not wheels:
        tail = (result.stderr or result.stdout).strip().splitlines()[-15:]
        return None, "\n".join("    " + line for line in tail)
    return wheels[0], ""


def _has_module(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None
