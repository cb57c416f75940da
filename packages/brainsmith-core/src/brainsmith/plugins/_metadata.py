"""The installed distributions discovery reads: metadata folders listed and read directly.

``importlib.metadata`` costs a cold plugin listing more to import (``email``, ``zipfile``,
``csv``) than to use, and discovery needs little of it: which ``*.dist-info`` / ``*.egg-info``
folders a ``sys.path`` entry holds, their text files and their entry points. For an entry that
is a plain folder this module finds and reads them as ``importlib.metadata`` does: the same
folders in the same order, the same text (UTF-8, universal newlines), the same entry points
parsed by the same rules (a line that is not ``name = value``, on which ``importlib.metadata``
fails with a ``TypeError``, is a ``ValueError`` naming the line). Anything else goes to
``importlib.metadata`` itself: an entry that is a zip or an egg, an egg-info's
``requires.txt``, and every entry while a finder other than the standard path finder can
report distributions (``sys.meta_path``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from importlib.machinery import PathFinder
from typing import TYPE_CHECKING, NamedTuple, Protocol

if TYPE_CHECKING:
    from importlib import metadata

METADATA_SUFFIXES = (".dist-info", ".egg-info")


class EntryPoint(NamedTuple):
    """An entry point: its name and its value (``module:attr``)."""

    name: str
    value: str


class Distribution(Protocol):
    """What discovery reads of a distribution (an ``importlib.metadata.Distribution`` has it)."""

    def read_text(self, filename: str) -> str | None:
        """The metadata file's text, ``None`` if there is none; raises ``OSError`` when it
        cannot be read and ``ValueError`` when it is not UTF-8."""

    def locate_file(self, path: str) -> object:
        """A path relative to the folder holding the metadata folder."""

    @property
    def requires(self) -> list[str] | None:
        """The requirement lines (an egg-info's ``requires.txt`` too)."""


class MetadataFolder:
    """A ``*.dist-info`` or ``*.egg-info`` folder on disk, read as ``importlib.metadata``'s
    ``PathDistribution`` reads it."""

    __slots__ = ("_parent", "_path")

    def __init__(self, path: str, parent: str) -> None:
        self._path = path
        """The folder's path, spelled as ``importlib.metadata`` spells it."""
        self._parent = parent

    def read_text(self, filename: str) -> str | None:
        """See :meth:`Distribution.read_text`."""
        try:
            with open(os.path.join(self._path, filename), encoding="utf-8") as handle:
                return handle.read()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError):
            return None

    def locate_file(self, path: str) -> str:
        """See :meth:`Distribution.locate_file`."""
        return os.path.join(self._parent, path) if path else self._parent

    @property
    def requires(self) -> list[str] | None:
        """See :meth:`Distribution.requires` (``importlib.metadata`` reads them)."""
        from importlib.metadata import PathDistribution
        from pathlib import Path

        return PathDistribution(Path(self._path)).requires


def distributions(entry: str) -> Iterator[Distribution]:
    """The distributions in the ``sys.path`` entry ``entry``, in the order
    ``importlib.metadata.distributions(path=[entry])`` gives them."""
    folders = None if _other_finders() else _listed(entry)
    if folders is None:
        from importlib import metadata

        yield from metadata.distributions(path=[entry])
        return
    yield from folders


def folder_of(dist: Distribution) -> str:
    """The metadata folder's path (``PathDistribution`` keeps it as ``_path`` too)."""
    return str(getattr(dist, "_path", ""))


def read_bytes(dist: Distribution, filename: str) -> bytes:
    """A metadata file's bytes (``b""`` if unreadable or not in a folder)."""
    try:
        with open(os.path.join(folder_of(dist), filename), "rb") as handle:
            return handle.read()
    except OSError:
        return b""


def read_text(dist: Distribution, filename: str) -> str | None:
    """``dist.read_text(filename)``, tolerating a file that is not UTF-8 (old installers wrote
    Latin-1 ``METADATA``): the undecodable bytes are replaced; the fields read are ASCII."""
    try:
        return dist.read_text(filename)
    except ValueError:  # UnicodeDecodeError
        return read_bytes(dist, filename).decode("utf-8", "replace")


def entry_points(dist: Distribution, group: str) -> list[EntryPoint]:
    """The entry points of ``group`` ``dist`` declares, in file order; raises ``ValueError``
    (``importlib.metadata``'s) for an ``entry_points.txt`` that is not UTF-8 or has a line
    that is not ``name = value``. A file that never spells ``group`` (most of an
    environment's) declares none and is not parsed: the ``ValueError`` is for those that do."""
    if not isinstance(dist, MetadataFolder):
        try:
            found: metadata.EntryPoints = dist.entry_points  # type: ignore[attr-defined]
        except TypeError as exc:  # its parser's failure on a line without "="
            raise ValueError(f"a line is not 'name = value' ({exc})") from None
        return [EntryPoint(ep.name, ep.value) for ep in found.select(group=group)]
    if group.encode() not in _raw(os.path.join(dist._path, "entry_points.txt")):
        return []
    section: str | None = None
    found_here: list[EntryPoint] = []
    for raw in (dist.read_text("entry_points.txt") or "").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line.strip("[]")
            continue
        if section is None:
            continue
        name, equals, value = line.partition("=")
        if not equals:  # importlib.metadata's parser fails too (with a TypeError)
            raise ValueError(f"the line {line!r} is not 'name = value'")
        if section == group:
            found_here.append(EntryPoint(name.strip(), value.strip()))
    return found_here


class UnreadableFile(ValueError):
    """A metadata file that exists but cannot be read (a symlink loop, an I/O error)."""


def _raw(path: str) -> bytes:
    """A file's bytes, ``b""`` for a file ``read_text`` would find missing (unbuffered: an
    environment's entry point files are read once each, most only to find the group absent)."""
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError):
        return b""
    except OSError as exc:  # a symlink loop, an I/O error: the distribution's problem
        raise UnreadableFile(f"{exc.strerror or exc}") from None
    chunks = []
    try:
        while chunk := os.read(descriptor, 1 << 16):
            chunks.append(chunk)
    except IsADirectoryError:
        return b""
    except OSError as exc:
        raise UnreadableFile(f"{exc.strerror or exc}") from None
    finally:
        os.close(descriptor)
    return b"".join(chunks)


def normalize(name: str) -> str:
    """A distribution name as ``importlib.metadata`` files metadata folders under it: lower
    case, each run of ``-``, ``_`` and ``.`` one ``_`` (``re.sub(r"[-_.]+", "_", name)``)."""
    value = name.lower().replace("-", "_").replace(".", "_")
    while "__" in value:
        value = value.replace("__", "_")
    return value


def _other_finders() -> bool:
    """Whether a finder on ``sys.meta_path`` other than the standard path finder can report
    distributions (a custom one's we cannot know)."""
    return any(
        finder is not PathFinder and getattr(finder, "find_distributions", None) is not None
        for finder in sys.meta_path
    )


def _listed(entry: str) -> list[Distribution] | None:
    """The metadata folders in ``entry`` grouped by normalized name, as ``importlib.metadata``
    lists them; ``None`` when only it can say (a zip, an egg)."""
    from pathlib import PurePath

    root = entry or "."
    try:
        children = os.listdir(root)
    except OSError:
        return [] if not os.path.exists(root) else None
    if os.path.basename(entry).lower().endswith(".egg"):
        return None
    base = str(PurePath(entry))  # importlib.metadata's spelling of the folder
    groups: dict[str, list[Distribution]] = {}
    for child in children:
        low = child.lower()
        if low.endswith(METADATA_SUFFIXES):
            normalized = normalize(low.rpartition(".")[0].partition("-")[0])
            path = child if base == "." else base + ("" if base.endswith("/") else "/") + child
            groups.setdefault(normalized, []).append(MetadataFolder(path, base))
    return [dist for group in groups.values() for dist in group]
