"""When the output cannot be written — a full disk, stdout closed by the shell (``>&-``) —
the command says so (or carries on silently with nothing to say it to), never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

COMMAND = [sys.executable, "-m", "brainsmith", "plugins", "list", "--json"]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
def test_a_full_disk_is_a_message(tmp_path: Path) -> None:
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            COMMAND, stdout=full, stderr=subprocess.PIPE, text=True, cwd=tmp_path, check=False
        )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr
    assert "error: No space left on device (writing the output)" in done.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="closes a descriptor before exec")
def test_a_closed_stdout_is_no_traceback(tmp_path: Path) -> None:
    done = subprocess.run(
        COMMAND,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        check=False,
        preexec_fn=lambda: os.close(1),
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
