"""Files plugins derive from a compiled model (``brainsmith_compile_artifacts``), written into a
scratch folder of the compile's output transaction and staged with the other outputs, so that
they are committed together with them or not at all."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING, Any

from .._guard import INTERRUPTS, PLUGIN_FAILURES, describe_failure, plugin_output

if TYPE_CHECKING:
    from qonnx.core.modelwrapper import ModelWrapper

    from ..plugins import Session
    from ._outputs import OutputTransaction


def write_artifacts(
    session: Session,
    model: ModelWrapper,
    outputs: OutputTransaction,
    report: Mapping[str, Any],
    *,
    reserved: Collection[str],
) -> list[str]:
    """Let plugins write files derived from the compiled model (``brainsmith_compile_artifacts``)
    into an empty scratch folder, then stage each top-level entry with the compile's outputs.
    Returns the written paths, relative to the output directory, sorted.

    :param reserved: names of the compile's own outputs, which an artifact may not take.
    :raises CompileError: a plugin raised, or wrote an entry named like one of ``reserved``.
    """
    from ._executor import CompileError

    hook = session.plugin_manager.hook.brainsmith_compile_artifacts
    if not hook.get_hookimpls():
        return []
    folder = outputs.scratch("artifacts")
    fix = (
        "the plugin that writes them (named in the traceback, --traceback) must be fixed; "
        "the previous outputs are untouched"
    )
    try:
        with plugin_output():
            results = hook(model=model, folder=folder, report=report)
        written = [p for result in results for p in result or ()]
    except INTERRUPTS:
        raise
    except PLUGIN_FAILURES as exc:  # exit() in a hook too: the plugin's failure
        raise CompileError(
            f"writing the compile's artifacts failed: {describe_failure(exc)}",
            where=str(outputs.outdir),
            fix=fix,
        ) from exc
    for entry in sorted(folder.iterdir()):
        try:
            outputs.adopt(entry, reserved=reserved)
        except ValueError as exc:
            raise CompileError(
                f"a plugin wrote the artifact {entry.name!r}: {exc}",
                where=str(outputs.outdir),
                fix=fix,
            ) from None
    return sorted(str(p) for p in written)
