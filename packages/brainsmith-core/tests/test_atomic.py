"""Atomic writes: complete files only, with the permissions the user's umask gives."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from brainsmith._atomic import write_atomic


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_files_get_the_permissions_the_umask_gives(tmp_path: Path, umask: int) -> None:
    previous = os.umask(umask)
    try:
        written = write_atomic(tmp_path / "model.onnx", b"x")
    finally:
        os.umask(previous)
    assert stat.S_IMODE(written.stat().st_mode) == 0o666 & ~umask
    assert written.read_bytes() == b"x"
    assert [p.name for p in tmp_path.iterdir()] == ["model.onnx"]  # no temporary file left
