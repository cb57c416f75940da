"""The compile events: hooks :func:`brainsmith.compile_model` fires around every stage and
transform of a compile, through the lifecycle dispatcher (priorities, conditions, statistics and
an error policy; see :mod:`brainsmith.lifecycle.hookspecs` for how they are called).

Implement them with :data:`brainsmith.hookimpl`; an implementation may take any subset of a
hook's arguments. Their names are the constants of
:class:`brainsmith.lifecycle.events.HookEvents`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._markers import hookspec

if TYPE_CHECKING:
    import os
    from collections.abc import Iterable, Mapping
    from pathlib import Path
    from typing import Any

    from qonnx.core.modelwrapper import ModelWrapper


@hookspec
def on_compile_begin(model: ModelWrapper, blueprint: Any, output_dir: Path) -> None:
    """Fires once before the first stage of a compile.

    ``model`` is the input ``ModelWrapper``, ``blueprint`` the loaded blueprint, ``output_dir``
    the directory the compile writes to. The return value is ignored.

    Example::

        @hookimpl
        def on_compile_begin(output_dir):
            print("compiling into", output_dir)
    """


@hookspec
def on_stage_begin(stage: str, model: ModelWrapper) -> None:
    """Fires before the first transform of each stage (``graph_cleanup`` …). Ignored return.

    Example::

        @hookimpl
        def on_stage_begin(stage, model):
            print(stage, len(model.graph.node), "nodes")
    """


@hookspec
def on_transform_before(stage: str, transform: str, options: Mapping[str, Any]) -> Any:
    """Fires before each transform of a stage runs.

    ``transform`` is the qualified name (``builtin:RemoveIdentity``); ``options`` its options
    from the blueprint. Return ``False`` to skip the transform, or a dict to replace its
    options (the last dict returned wins); ``None`` leaves it alone.

    Example::

        @hookimpl
        def on_transform_before(transform, options):
            if transform == "qonnx:FoldConstants":
                return False
    """


@hookspec
def on_transform_after(stage: str, transform: str, model: ModelWrapper, modified: bool) -> Any:
    """Fires after each transform ran; ``modified`` says whether it changed the graph.

    Return a ``ModelWrapper`` to replace the model the next transform sees (the last one
    returned wins); ``None`` keeps it.

    Example::

        @hookimpl
        def on_transform_after(transform, model, modified):
            if modified:
                model.save(f"debug/{transform.replace(':', '_')}.onnx")
    """


@hookspec
def on_stage_end(stage: str, model: ModelWrapper) -> None:
    """Fires after the last transform of each stage, with the stage's resulting model.

    Example::

        @hookimpl
        def on_stage_end(stage, model):
            model.save(f"checkpoints/{stage}.onnx")
    """


@hookspec
def on_compile_end(model: ModelWrapper, report: Any) -> None:
    """Fires once after the last stage; ``report`` is the pipeline's compile report.

    Example::

        @hookimpl
        def on_compile_end(report):
            print(report)
    """


@hookspec
def on_compile_error(error: BaseException, stage: str, transform: str) -> None:
    """Fires when a compile fails, before the error propagates; ``stage`` and ``transform``
    name where (empty strings outside any). The return value is ignored.

    Example::

        @hookimpl
        def on_compile_error(error, stage, transform):
            print(f"{stage}/{transform} failed: {error}")
    """


@hookspec
def brainsmith_compile_artifacts(
    model: ModelWrapper, folder: Path, report: Mapping[str, Any]
) -> Iterable[str] | None:
    """Write files derived from the compiled model (an accelerator project, a driver) into
    ``folder`` and return their paths relative to it; called once per compile, after
    verification, before the model and the report are written.

    ``folder`` is an empty staging folder: every top-level entry written there replaces the
    entry of the same name in the output directory only once all of them are complete, and a
    raising implementation leaves the previous outputs untouched. The paths are listed in the
    report's ``artifacts``. Not a lifecycle event: it is called directly, not through the
    dispatcher.

    Example::

        @hookimpl
        def brainsmith_compile_artifacts(model, folder):
            (folder / "accelerator").mkdir()
            (folder / "accelerator" / "top.v").write_text(stitch(model))
            return ["accelerator/top.v"]
    """


@hookspec
def brainsmith_blueprints() -> Iterable[str | os.PathLike[str]]:
    """Return the blueprint files the plugin ships (YAML, see docs/compile.md), each named by
    its file name without ``.yaml``: ``brainsmith compile -b namespace:name`` compiles with it,
    ``brainsmith plugins show namespace`` lists them. Called when the plugin's own blueprints
    are asked for (its code imported then), never to list another plugin's. A plugin with a
    manifest declares the folder instead (``blueprints = "blueprints"``) and is not imported
    for it. Not a lifecycle event: it is called directly, not through the dispatcher.

    Example::

        @hookimpl
        def brainsmith_blueprints():
            return sorted((Path(__file__).parent / "blueprints").glob("*.yaml"))
    """
