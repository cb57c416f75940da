"""Atomic writes: a reader sees the old file or the complete new one, never a part."""

from __future__ import annotations

import json
import os
from pathlib import Path

_TEMPORARY_FLAGS = (
    os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
)


def write_atomic(
    path: str | os.PathLike[str], data: bytes | str, *, mode: int | None = None, sync: bool = True
) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder, flushed to disk,
    then ``os.replace``; the folder is created if needed. The file gets the permissions a
    plain ``open(path, "w")`` would (``0o666`` less the umask), not the temporary file's
    ``0o600``, unless ``mode`` asks for others (the private cache's ``0o600``). ``sync=False``
    skips the flush to disk, for files that may be lost in a crash (a cache). Returns the
    path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = _temporary(target)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data.encode() if isinstance(data, str) else data)
            if sync:
                handle.flush()
                os.fsync(handle.fileno())
        os.chmod(temp, 0o666 & ~_umask() if mode is None else mode)
        os.replace(temp, target)
    except BaseException as exc:
        Path(temp).unlink(missing_ok=True)
        if isinstance(exc, OSError) and not exc.filename:
            exc.filename = str(target)  # a failing write or flush names no file
        raise
    return target


def _temporary(target: Path) -> tuple[int, str]:
    """A new file ``.<name>.<random>.tmp`` beside ``target``, private (``0o600``), opened
    for writing, as ``tempfile.mkstemp`` makes it (without importing ``tempfile``, which
    imports ``shutil`` and ``random``: a cold plugin listing writes its cache entries here)."""
    for _ in range(100):
        temp = str(target.parent / f".{target.name}.{os.urandom(6).hex()}.tmp")
        try:
            return os.open(temp, _TEMPORARY_FLAGS, 0o600), temp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {target}")


def _umask() -> int:
    """The process's umask (read by setting it, then restoring it at once)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_json_atomic(path: str | os.PathLike[str], document: object) -> Path:
    """Write ``document`` as indented JSON (with a final newline) atomically."""
    return write_atomic(path, json.dumps(document, indent=2) + "\n")
