"""A compile's outputs as one transaction: everything a run writes is staged in a hidden folder
inside the output directory and committed together by renames, or not at all.

Layout of the staging folder ``OUTDIR/.brainsmith-run-XXXX/``:

* ``new/`` — what the run writes (``model.onnx``, ``compile_report.json``, ``hook_stats.json``,
  ``plugin_state.json``, ``checkpoints/``, artifacts, files of lifecycle plugins);
* ``previous/`` — during a commit, the entries of the output directory being replaced;
* ``journal.json`` — written before the first rename: the names being committed;
* ``lock`` — held (``flock``) while the run lives, so that another run can tell a crashed run's
  folder from a live one.

A commit first checks that no entry would replace a file by a folder or a folder by a file,
then for each name moves the old entry into ``previous/`` and the new one into place. A failing
rename (or Ctrl-C) rolls back what was already moved. A run killed in the middle of a commit
leaves its journal: the next compile into the same folder rolls that commit back before
starting, and removes the staging folders of every crashed run.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import Any

from .._atomic import write_atomic
from ._inputs import OutputError

STAGING_PREFIX = ".brainsmith-run-"
"""Staging folders in the output directory start with this."""
FAILED_DIR = ".failed"
"""Where a failed run's hook statistics and lifecycle plugin files are kept for inspection."""
_LEGACY_PREFIXES = (".brainsmith-artifacts-",)  # staging folders of brainsmith 0.1
_JOURNAL = "journal.json"
_LOCK = "lock"
LEDGER = ".brainsmith.json"
"""In the output directory: the top-level names the last committed run wrote, and the files
inside its folders, so that the next run replaces or removes only what brainsmith wrote."""


class CommitError(OutputError):
    """Committing the outputs failed; the previous outputs were restored. Exit status 1."""

    exit_code = 1


def write_failure(exc: OSError, outdir: Path, staged: Path | None = None) -> CommitError:
    """An ``OSError`` while writing the outputs, as a message naming the path and a fix; a path
    inside the staging folder ``staged`` is named as the output it stands for."""
    path = Path(exc.filename) if exc.filename else outdir
    if staged is not None and path.is_relative_to(staged):
        path = outdir / path.relative_to(staged)
    return CommitError(
        f"cannot write the compile's outputs: {exc.strerror or exc}",
        where=str(path),
        fix="free disk space or fix the permissions of the output directory, then compile again",
    )


class OutputTransaction:
    """The staged outputs of one compile into ``outdir`` (see the module's docstring).

    Use :meth:`begin`; write into :attr:`folder`; then :meth:`commit` (everything, or only some
    names) and always :meth:`close`.
    """

    def __init__(self, outdir: Path, staging: Path, lock: int) -> None:
        self.outdir = outdir
        self.staging = staging
        self.folder = staging / "new"
        """Where the run writes its outputs, named as in the output directory."""
        self._previous = staging / "previous"
        self._lock = lock
        self.added: list[str] = []
        """Top-level names moved in with :meth:`adopt` (plugins' artifacts)."""

    @classmethod
    def begin(cls, outdir: Path) -> OutputTransaction:
        """Recover and remove crashed runs' staging folders, then open a new one.

        :raises OutputError: the output directory cannot be written.
        """
        try:
            recover(outdir)
            staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=outdir))
            lock = os.open(staging / _LOCK, os.O_CREAT | os.O_RDWR, 0o600)
            _lock(lock, wait=True)
            (staging / "new").mkdir()
            (staging / "previous").mkdir()
        except OSError as exc:
            raise OutputError(
                f"cannot write to the output directory: {exc.strerror or exc}",
                where=str(exc.filename or outdir),
                fix="choose another directory with -o, or fix its permissions",
            ) from None
        return cls(outdir, staging, lock)

    def seed(self, name: str) -> None:
        """Copy ``outdir/name`` (a file) into the staging folder, if it exists: state the run
        reads and updates (``plugin_state.json``)."""
        source = self.outdir / name
        if source.is_file():
            shutil.copy2(source, self.folder / name)

    def scratch(self, name: str) -> Path:
        """A new empty folder in the staging folder that is not committed (e.g. for plugins'
        artifacts, moved in with :meth:`adopt`)."""
        folder = self.staging / name
        folder.mkdir()
        return folder

    def adopt(self, entry: Path, *, reserved: Collection[str]) -> None:
        """Move ``entry`` (a file or folder) into the staged outputs under its name.

        :raises ValueError: the name is in ``reserved`` or already staged.
        """
        if entry.name in reserved or (self.folder / entry.name).exists():
            raise ValueError(f"{entry.name!r} is one of the compile's own outputs")
        os.replace(entry, self.folder / entry.name)
        self.added.append(entry.name)

    def commit(self, only: Iterable[str] | None = None, *, own: Collection[str] = ()) -> list[str]:
        """Move the staged entries (or only those named ``only``) into the output directory,
        each replacing the entry of the same name; all or none. Returns the names committed.

        A full commit also removes what the previous run wrote and this one did not (its
        :data:`LEDGER` says what that was), and refuses to replace or remove what brainsmith did
        not write: an entry of another name than ``own`` that no earlier run wrote, or a folder
        holding files no earlier run wrote (the results of running a generated project's
        scripts, a user's notes).

        :raises CommitError: an entry would replace a file by a folder or the reverse, or
            something brainsmith did not write is in the way, or a rename failed (the entries
            already moved are put back first).
        """
        previous = _read_ledger(self.outdir)
        stale: list[str] = []
        if only is None:
            this_run = sorted(p.name for p in self.folder.iterdir())
            stale = [n for n in previous.get("names", []) if n not in this_run]
            for name in [*this_run, *stale]:
                self._check_ownership(name, own, previous)
            _write_ledger(self.folder, this_run)
        else:  # a part (the completed stages' checkpoints): checked, and added to the ledger
            part = [n for n in dict.fromkeys(only) if (self.folder / n).exists()]
            for name in part:
                self._check_ownership(name, own, previous)
            kept = [n for n in previous.get("names", []) if n not in part]
            _write_ledger(self.folder, sorted([*kept, *part]), previous.get("files", {}))
            only = [*part, LEDGER]
        staged = sorted(p.name for p in self.folder.iterdir())
        names = staged if only is None else [n for n in staged if n in set(only)]
        for name in names:
            old = self.outdir / name
            if old.exists() and old.is_dir() != (self.folder / name).is_dir():
                kind = "folder" if old.is_dir() else "file"
                raise CommitError(
                    f"a {kind} is in the way of the compile's "
                    f"{'folder' if kind == 'file' else 'file'} {name!r}; nothing was replaced",
                    where=str(old),
                    fix=f"move or delete {old}, then compile again",
                )
        write_atomic(self.staging / _JOURNAL, json.dumps({"names": [*names, *stale]}))
        begun: list[str] = []
        try:
            for name in names:
                begun.append(name)
                _swap(self.folder / name, self.outdir / name, self._previous / name)
            for name in stale:  # written by the previous run, not by this one: retired
                begun.append(name)
                if (self.outdir / name).exists():
                    os.replace(self.outdir / name, self._previous / name)
        except BaseException as exc:
            for name in reversed(begun):  # the last one may be half done: _unswap handles it
                _unswap(self.folder / name, self.outdir / name, self._previous / name)
            with contextlib.suppress(OSError):  # the folder now holds no commit to roll back
                (self.staging / _JOURNAL).unlink()
            if isinstance(exc, OSError):
                raise write_failure(exc, self.outdir, self.folder) from None
            raise
        (self.staging / _JOURNAL).unlink()
        return names

    def _check_ownership(self, name: str, own: Collection[str], previous: dict[str, Any]) -> None:
        """Refuse when ``outdir/name`` exists but is not brainsmith's to replace or remove."""
        old = self.outdir / name
        if name == LEDGER or not (old.exists() or old.is_symlink()):
            return
        if name not in own and name not in previous.get("names", []):
            raise CommitError(
                f"{name!r} in the output directory was not written by brainsmith, and this "
                "compile writes or removes an entry of that name; nothing was replaced",
                where=str(old),
                fix="move it elsewhere, or compile into another directory with -o",
            )
        known = previous.get("files", {}).get(name)
        if old.is_dir():  # no record of its files (a folder the user made): all are foreign
            foreign = sorted(set(_files(old)) - set(known or ()))
            if foreign:
                shown = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
                raise CommitError(
                    f"{name}/ holds files brainsmith did not write ({shown}); nothing was replaced",
                    where=str(old),
                    fix=f"move them out of {old} (e.g. the results of running its scripts), "
                    "or compile into another directory with -o",
                )

    def keep_failed(self, exclude: Collection[str]) -> Path | None:
        """Move the staged entries not in ``exclude`` (nor artifacts) into ``OUTDIR/.failed/``,
        replacing what an earlier failure left there. Returns that folder, or ``None`` if
        nothing was staged or it could not be moved (the previous outputs are unaffected)."""
        entries = [
            p for p in self.folder.iterdir() if p.name not in exclude and p.name not in self.added
        ]
        if not entries:
            return None
        failed = self.outdir / FAILED_DIR
        try:
            keep = self.scratch("failed")
            for entry in entries:
                os.replace(entry, keep / entry.name)
            _remove(failed)
            os.replace(keep, failed)
        except OSError:
            return None
        return failed

    def close(self) -> None:
        """Remove the staging folder (after a commit, or discarding an uncommitted run)."""
        shutil.rmtree(self.staging, ignore_errors=True)
        os.close(self._lock)


def _lock(handle: int, *, wait: bool) -> bool:
    """Take an exclusive ``flock`` on ``handle``; ``False`` if another process holds it (and
    ``wait`` is false). Without ``fcntl`` (Windows) every lock is taken."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        return True
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except BlockingIOError:
        return False
    return True


def _swap(new: Path, target: Path, aside: Path) -> None:
    """Put ``new`` at ``target``, moving an existing ``target`` to ``aside`` first."""
    if target.exists() or target.is_symlink():
        os.replace(target, aside)
    os.replace(new, target)


def _unswap(new: Path, target: Path, aside: Path) -> None:
    """Undo :func:`_swap` (also a half-done one)."""
    if not new.exists() and (target.exists() or target.is_symlink()):
        os.replace(target, new)
    if aside.exists() or aside.is_symlink():
        os.replace(aside, target)


def _files(folder: Path) -> list[str]:
    """Every file below ``folder``, as a POSIX path relative to it."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if not p.is_dir())


def _read_ledger(outdir: Path) -> dict[str, Any]:
    """The last committed run's :data:`LEDGER` (empty when there is none or it is unreadable:
    then only the compile's own names count as brainsmith's)."""
    try:
        data = json.loads((outdir / LEDGER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_ledger(
    folder: Path, names: list[str], earlier: dict[str, list[str]] | None = None
) -> None:
    """Stage the ledger of the outputs ``names``: the files of each folder staged in
    ``folder``, else as ``earlier`` (the previous ledger's) records them."""
    files = {n: _files(folder / n) for n in names if (folder / n).is_dir()}
    files.update((n, f) for n, f in (earlier or {}).items() if n in names and n not in files)
    write_atomic(folder / LEDGER, json.dumps({"names": names, "files": files}, sort_keys=True))


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def recover(outdir: Path) -> list[Path]:
    """Roll back the half-done commit of every crashed run in ``outdir`` (its journal says
    which names it was replacing) and remove its staging folder, and those of older versions.
    Folders of runs still alive (their lock is held) are left alone. Returns those removed."""
    removed: list[Path] = []
    for folder in sorted(outdir.glob(STAGING_PREFIX + "*")):
        if not folder.is_dir():
            continue
        lock = folder / _LOCK
        try:
            handle = os.open(lock, os.O_RDWR)
        except FileNotFoundError:
            handle = None  # crashed before taking its lock
        try:
            if handle is not None and not _lock(handle, wait=False):
                continue  # a live run
            journal = folder / _JOURNAL
            if journal.is_file():
                names = json.loads(journal.read_text(encoding="utf-8"))["names"]
                for name in reversed(names):
                    _unswap(folder / "new" / name, outdir / name, folder / "previous" / name)
            shutil.rmtree(folder)
            removed.append(folder)
        finally:
            if handle is not None:
                os.close(handle)
    for prefix in _LEGACY_PREFIXES:
        for leftover in outdir.glob(prefix + "*"):
            _remove(leftover)
            removed.append(leftover)
    return removed
