"""Watch a compile through the lifecycle events.

    python examples/compile_events/compile.py [OUTPUT_DIR]

A small hook object (``Tracer`` below: plain ``@hookimpl`` methods, one with a priority and a
condition) prints every compile event and vetoes one transform through
``on_transform_before``; the builtin ``timing`` lifecycle plugin writes ``timing.json``.
:func:`brainsmith.compile_model` runs the compile and fires the events;
``brainsmith hooks stats OUTPUT_DIR`` shows the statistics afterwards.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

from brainsmith import compile_model, hookimpl, in_stages
from brainsmith.lifecycle import RunConfig, lifecycle
from onnx import TensorProto, helper
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.util.basic import qonnx_make_model

BLUEPRINT = Path(__file__).with_name("blueprint.yaml")


class Tracer:
    """Prints the compile events; skips qonnx:GiveReadableTensorNames."""

    @hookimpl
    def on_compile_begin(self, output_dir: Path) -> None:
        print(f"compile begin -> {output_dir}")

    @hookimpl
    def on_stage_begin(self, stage: str, model: ModelWrapper) -> None:
        print(f"  stage {stage}: {len(model.graph.node)} nodes")

    @lifecycle(priority=10, condition=in_stages("graph_cleanup"))
    @hookimpl
    def on_transform_before(self, transform: str) -> bool | None:
        if transform == "qonnx:GiveReadableTensorNames":
            print(f"    skip {transform}")
            return False
        print(f"    run  {transform}")
        return None

    @hookimpl
    def on_transform_after(self, transform: str, modified: bool) -> None:
        print(f"    done {transform} (modified: {modified})")

    @hookimpl
    def on_stage_end(self, stage: str) -> None:
        print(f"  stage {stage} done")

    @hookimpl
    def on_compile_end(self, report: Any) -> None:
        print(f"compile end: {len(report['transforms'])} transforms, status {report['status']}")


def model() -> ModelWrapper:
    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["h"]), helper.make_node("Neg", ["h"], ["y"])],
        "tiny",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])],
    )
    return ModelWrapper(qonnx_make_model(graph))


def main(output_dir: Path) -> int:
    result = compile_model(
        model(),
        blueprint=BLUEPRINT,
        output_dir=output_dir,
        plugins=[Tracer()],
        run_config=RunConfig.from_mapping({"plugins": {"timing": {}}}, source="compile.py"),
    )
    applied = [a.name for a in result.applied if not a.skipped]
    print(f"applied: {applied}")
    print(f"outputs in {output_dir}: {', '.join(sorted(p.name for p in output_dir.iterdir()))}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1:
        sys.exit(main(Path(sys.argv[1])))
    with tempfile.TemporaryDirectory() as tmp:
        sys.exit(main(Path(tmp)))
