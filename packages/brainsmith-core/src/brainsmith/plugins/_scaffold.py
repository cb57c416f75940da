"""``brainsmith plugins new``: write a complete plugin project from the bundled templates.

The templates are package data (``brainsmith/plugins/templates/``): ``common/`` for every kind,
then the kind's folder over it. Each file is a :class:`string.Template`; the project builds with
hatchling, depends on a bounded ``brainsmith-core`` range derived from the running core, and
passes its own tests unmodified once installed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from .._version import PLUGIN_API, __version__
from ..errors import BrainsmithError

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

# The CLI imports this module for SCAFFOLD_KINDS whenever it builds the plugins commands
# (plugins list too): importlib.resources and string are imported by scaffold_plugin, and
# Project is a named tuple, not a dataclass (dataclasses imports inspect)

SCAFFOLD_KINDS: tuple[str, ...] = ("transform", "kernel", "lifecycle")
"""What ``--kind`` may name: the component the scaffold's project contributes."""

MANIFEST_FILE = "brainsmith_plugin.toml"
"""The manifest's file name: also a valid dotted object reference, which every build backend
accepts as an entry point's value."""

_NAMESPACE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")  # no "__", no trailing "_"


class ScaffoldError(BrainsmithError):
    """The name, kind or output folder given to ``plugins new`` cannot be used (exit 2)."""


class Project(NamedTuple):
    """Names of one plugin project: namespace ``demo`` → distribution ``brainsmith-plugin-demo``,
    package ``brainsmith_plugin_demo``."""

    namespace: str
    kind: str

    @property
    def distribution(self) -> str:
        return "brainsmith-plugin-" + self.namespace.replace("_", "-")

    @property
    def package(self) -> str:
        return f"brainsmith_plugin_{self.namespace}"

    def substitutions(self) -> dict[str, str]:
        """Every ``$name`` the templates use."""
        return {
            "namespace": self.namespace,
            "distribution": self.distribution,
            "package": self.package,
            "kind": self.kind,
            "title": self.namespace.replace("_", " ").title(),
            "core_version": __version__,
            "core_range": core_range(__version__),
            "api_range": api_range(PLUGIN_API),
            "dependencies": ",\n".join(f'    "{r}"' for r in self.requirements()),
            "test_requirement": self.test_requirement(),
        }

    def requirements(self) -> tuple[str, ...]:
        """The project's ``dependencies``: the core in its bounded range; a kernel plugin also
        needs the builtin plugin (the HLS engine, the dataflow blueprint; released with the core,
        in the same series) with its simulators extra (the ap_int headers cppsim compiles with)."""
        series = core_range(__version__)
        core = f"brainsmith-core[compile]{series}"
        if self.kind == "kernel":
            return (core, f"brainsmith-plugins-builtin[sim]{series}")
        return (core,)

    def test_requirement(self) -> str:
        """The ``test`` extra's requirement: brainsmith's pytest plugin (the core's ``testing``
        extra), in the same bounded range as the core itself."""
        return f"brainsmith-core[testing]{core_range(__version__)}"


def core_range(version: str) -> str:
    """The bounded range of cores a new plugin supports, from the running core's version.

    ``0.1.3`` → ``">=0.1,<0.2"`` (before 1.0 a minor release may break plugins);
    ``1.4.0`` → ``">=1.4,<2"``.
    """
    major, minor = (int(part) for part in re.findall(r"\d+", version)[:2])
    if major == 0:
        return f">=0.{minor},<0.{minor + 1}"
    return f">={major}.{minor},<{major + 1}"


def api_range(plugin_api: str) -> str:
    """The manifest's ``api`` range for a plugin-API version: ``"1.0"`` → ``">=1,<2"``."""
    major = int(plugin_api.split(".", maxsplit=1)[0])
    return f">={major},<{major + 1}"


def scaffold_plugin(namespace: str, kind: str, parent: Path) -> tuple[Path, list[Path]]:
    """Write the project for plugin ``namespace`` of ``kind`` into
    ``parent / "brainsmith-plugin-<namespace>"``.

    :returns: the project folder and the files written, relative to it.
    :raises ScaffoldError: ``namespace`` is not a lowercase identifier, ``kind`` is not one of
        :data:`SCAFFOLD_KINDS`, or the project folder exists and is not empty.
    """
    if not _NAMESPACE.match(namespace):
        raise ScaffoldError(
            f"{namespace!r} cannot be a plugin namespace",
            fix="use lowercase letters and digits, starting with a letter, words joined by "
            "single '_' (e.g. 'demo' or 'my_plugin')",
        )
    if kind not in SCAFFOLD_KINDS:
        raise ScaffoldError(
            f"unknown kind {kind!r}", fix=f"use one of: {', '.join(SCAFFOLD_KINDS)}"
        )
    project = Project(namespace, kind)
    if parent.exists() and not parent.is_dir():
        raise ScaffoldError(
            "the output folder is a file",
            where=str(parent),
            fix="give -o an existing folder, or a new one to create",
        )
    folder = parent / project.distribution
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise ScaffoldError(
            "the project folder exists and is not empty",
            where=str(folder),
            fix="choose another output folder with -o, or remove that folder",
        )
    from importlib import resources
    from string import Template

    values = project.substitutions()
    templates = resources.files(__package__).joinpath("templates")
    written: dict[Path, str] = {}
    for part in ("common", kind):
        for relative, template in _walk(templates.joinpath(part), Path()):
            target = Path(*(_rename(p, project) for p in relative.parts))
            written[target.with_name(target.name.removesuffix(".tmpl"))] = template
    for relative, template in sorted(written.items()):
        path = folder / relative
        try:
            text = Template(template).substitute(values)
        except (KeyError, ValueError) as exc:  # a broken template is a bug of the core
            raise AssertionError(f"template {relative}: {exc!r}") from exc
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise ScaffoldError(
                f"cannot write the project: {exc.strerror or exc}",
                where=str(path),
                fix="give -o a folder you can write to",
            ) from None
    return folder, sorted(written)


def _walk(node: Traversable, relative: Path) -> Iterator[tuple[Path, str]]:
    for child in sorted(node.iterdir(), key=lambda c: c.name):
        if child.name == "__pycache__":
            continue
        if child.is_dir():
            yield from _walk(child, relative / child.name)
        elif child.name.endswith(".tmpl"):
            yield relative / child.name, child.read_text(encoding="utf-8")


def _rename(part: str, project: Project) -> str:
    return part.replace("__package__", project.package).replace("__namespace__", project.namespace)
