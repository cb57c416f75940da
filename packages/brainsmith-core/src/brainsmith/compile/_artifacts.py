"""Files plugins derive from a compiled model (``brainsmith_compile_artifacts``), written through
a staging folder so that a failing plugin leaves the previous outputs as they were."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qonnx.core.modelwrapper import ModelWrapper

    from ..plugins import Session


def write_artifacts(
    session: Session, model: ModelWrapper, outdir: Path, report: Mapping[str, Any]
) -> list[str]:
    """Let plugins write files derived from the compiled model (``brainsmith_compile_artifacts``)
    into a staging folder, then move each top-level entry into ``outdir``, replacing the
    previous one only once the new one is complete. Returns the written paths, relative."""
    from ._executor import CompileError

    hook = session.plugin_manager.hook.brainsmith_compile_artifacts
    if not hook.get_hookimpls():
        return []
    staging = Path(tempfile.mkdtemp(prefix=".brainsmith-artifacts-", dir=outdir))
    try:
        try:
            written = [
                p
                for result in hook(model=model, folder=staging, report=report)
                for p in result or ()
            ]
        except Exception as exc:
            raise CompileError(
                f"writing the compile's artifacts failed: {type(exc).__name__}: {exc}",
                where=str(outdir),
                fix="the plugin that writes them named in the traceback (--traceback) must be "
                "fixed; the previous outputs are untouched",
            ) from exc
        for entry in sorted(staging.iterdir()):
            _replace(entry, outdir / entry.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return sorted(str(p) for p in written)


def _replace(new: Path, old: Path) -> None:
    """Put ``new`` where ``old`` is: the old one is renamed aside first and removed after."""
    aside = old.with_name(f".{old.name}.previous")
    shutil.rmtree(aside, ignore_errors=True)
    if old.exists():
        os.replace(old, aside)
    os.replace(new, old)
    if aside.is_dir():
        shutil.rmtree(aside, ignore_errors=True)
    elif aside.exists():
        aside.unlink()
