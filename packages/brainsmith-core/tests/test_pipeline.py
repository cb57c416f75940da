"""The executor: equal to the naive ``model.transform`` sequence, cleanup decisions,
bounded loops, failures, lifecycle events and provenance."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import onnx
import pytest
from brainsmith.compile import (
    PROVENANCE_KEY,
    CompileError,
    Executor,
    Plan,
    Step,
    cleanup_is_noop,
    read_provenance,
    serialize,
    stamp,
)
from brainsmith.examples import example_model, mlp_model
from compile_helpers import PYTORCH_CONVERTED, PYTORCH_MODELS, naive
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.transformation.base import Transformation
from qonnx.transformation.batchnorm_to_affine import BatchNormToAffine
from qonnx.transformation.fold_constants import FoldConstants
from qonnx.transformation.gemm_to_matmul import GemmToMatMul
from qonnx.transformation.general import (
    ConvertDivToMul,
    ConvertSubToAdd,
    GiveReadableTensorNames,
    GiveUniqueNodeNames,
    RemoveUnusedTensors,
    SortGraph,
)
from qonnx.transformation.infer_datatypes import InferDataTypes
from qonnx.transformation.infer_shapes import InferShapes
from qonnx.transformation.remove import RemoveIdentityOps

SEQUENCE: list[tuple[type, dict[str, Any]]] = [
    (InferShapes, {}),
    (InferDataTypes, {}),
    (GiveUniqueNodeNames, {"prefix": "n"}),
    (GiveReadableTensorNames, {}),
    (RemoveIdentityOps, {}),
    (RemoveUnusedTensors, {}),
    (ConvertSubToAdd, {}),
    (ConvertDivToMul, {}),
    (GemmToMatMul, {}),
    (BatchNormToAffine, {}),
    (InferShapes, {}),
    (FoldConstants, {}),
    (GiveUniqueNodeNames, {}),
    (GiveReadableTensorNames, {}),
    (SortGraph, {}),
]


def plan_of(transforms: list[tuple[type, dict[str, Any]]], stages: int = 1) -> Plan:
    steps = [
        Step(
            f"s{i * stages // len(transforms)}",
            f"qonnx:{cls.__name__}",
            cls,
            opts,
            "qonnx-dist",
            "1.0",
        )
        for i, (cls, opts) in enumerate(transforms)
    ]
    return Plan(
        tuple((f"s{k}", tuple(s for s in steps if s.stage == f"s{k}")) for k in range(stages)),
        name="test",
        blueprint_hash="abc",
    )


def load(name: str) -> onnx.ModelProto:
    return onnx.load(PYTORCH_CONVERTED / name / "model.onnx")


MODELS = {
    "example": example_model,
    "mlp_quantized": lambda: mlp_model(12, quantized=True, layernorm_every=4),
    **{name: (lambda n=name: load(n)) for name in PYTORCH_MODELS},
}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_executor_equals_naive_sequence(name: str) -> None:
    proto = MODELS[name]()
    expected = naive(proto, SEQUENCE)
    result = Executor(plan_of(SEQUENCE, stages=3)).run(ModelWrapper(proto.SerializeToString()))
    assert serialize(result.model) == serialize(expected)
    assert len(result.applied) == len(SEQUENCE)
    # the input model was cleaned once; afterwards every cleanup was provably a no-op
    assert not any(a.cleaned for a in result.applied[1:])


def test_executor_does_not_change_its_input() -> None:
    model = ModelWrapper(example_model())
    before = serialize(model)
    Executor(plan_of(SEQUENCE)).run(model)
    assert serialize(model) == before


def test_executor_leaves_the_callers_random_generator_alone() -> None:
    import random

    random.seed(1234)
    expected = [random.random() for _ in range(3)]
    random.seed(1234)
    Executor(plan_of(SEQUENCE)).run(ModelWrapper(example_model()))
    assert [random.random() for _ in range(3)] == expected


def _dirty_variants() -> dict[str, onnx.ModelProto]:
    """Clean models broken in each way one of qonnx's cleanup passes repairs."""
    from onnx import helper, numpy_helper

    base = naive(example_model(), [(InferShapes, {})]).model
    variants = {}
    unused = onnx.ModelProto()
    unused.CopyFrom(base)
    unused.graph.initializer.append(numpy_helper.from_array(np.zeros(2), "junk"))
    variants["unused initializer"] = unused
    unsorted = onnx.ModelProto()
    unsorted.CopyFrom(base)
    last = unsorted.graph.node.pop()
    unsorted.graph.node.insert(0, last)
    variants["unsorted"] = unsorted
    shared = onnx.ModelProto()
    shared.CopyFrom(base)
    quants = [n for n in shared.graph.node if n.op_type == "Quant"]
    quants[1].input[1] = quants[0].input[1]
    variants["shared parameter"] = shared
    commutative = onnx.ModelProto()
    commutative.CopyFrom(base)
    add = next(n for n in commutative.graph.node if n.op_type == "Add")
    a, b = add.input
    add.input[0], add.input[1] = b, a
    variants["initializer first"] = commutative
    static = onnx.ModelProto()
    static.CopyFrom(base)
    init = static.graph.initializer[0]
    for vi in [v for v in static.graph.value_info if v.name == init.name]:
        static.graph.value_info.remove(vi)
    static.graph.input.append(helper.make_tensor_value_info(init.name, init.data_type, init.dims))
    variants["static input"] = static
    return variants


@pytest.mark.parametrize("variant", sorted(_dirty_variants()))
def test_cleanup_check_sees_every_cleanup_pass(variant: str) -> None:
    model = ModelWrapper(_dirty_variants()[variant].SerializeToString())
    before = serialize(model)
    assert not cleanup_is_noop(model)
    model.cleanup()
    assert serialize(model) != before
    assert cleanup_is_noop(model)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_cleanup_check_agrees_with_qonnx_on_clean_models(name: str) -> None:
    model = naive(MODELS[name](), [(InferShapes, {})])
    before = serialize(model)
    assert cleanup_is_noop(model)
    model.cleanup()
    assert serialize(model) == before


class Forever(Transformation):  # type: ignore[misc]
    def apply(self, model: Any) -> tuple[Any, bool]:
        return model, True


class Boom(Transformation):  # type: ignore[misc]
    def apply(self, model: Any) -> tuple[Any, bool]:
        raise ValueError("kaboom")


def test_transform_reporting_a_change_forever_is_an_error() -> None:
    plan = Plan(
        (("graph_cleanup", (Step("graph_cleanup", "x:Forever", Forever, {}, "x-dist", "2.0"),)),)
    )
    with pytest.raises(
        CompileError, match=r"x:Forever \(x-dist 2.0\).*still reported a change after 7 iterations"
    ):
        Executor(plan, max_iterations=7).run(ModelWrapper(example_model()))


def test_failing_transform_names_it_and_keeps_last_checkpoint(tmp_path: Any) -> None:
    good = Step("a", "qonnx:InferShapes", InferShapes, {}, "d", "1")
    bad = Step("b", "x:Boom", Boom, {}, "x-dist", "3.1")
    plan = Plan((("a", (good,)), ("b", (bad,))), name="p", blueprint_hash="h")
    fired: list[tuple[str, dict[str, Any]]] = []

    class Recorder:
        def fire(self, event: str, /, **kwargs: Any) -> list[Any]:
            fired.append((event, kwargs))
            return []

    with pytest.raises(CompileError) as info:
        Executor(plan, events=Recorder()).run(
            ModelWrapper(example_model()), checkpoint_dir=tmp_path
        )
    text = str(info.value)
    assert "x:Boom (x-dist 3.1) failed in stage b: ValueError: kaboom" in text
    assert "01_a.onnx" in text
    assert info.value.exit_code == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["01_a.onnx"]
    checkpoint = read_provenance(ModelWrapper(str(tmp_path / "01_a.onnx")))
    assert checkpoint is not None
    assert [t["transform"] for t in checkpoint["transforms"]] == ["qonnx:InferShapes"]
    assert fired[-1][0] == "on_compile_error"
    assert fired[-1][1]["transform"] == "x:Boom" and fired[-1][1]["stage"] == "b"


def test_lifecycle_events_skip_replace_options_and_model() -> None:
    plan = plan_of(
        [(GiveUniqueNodeNames, {"prefix": "a"}), (ConvertSubToAdd, {}), (InferShapes, {})]
    )
    events: list[str] = []
    replacement = ModelWrapper(example_model())

    class Hooks:
        def fire(self, event: str, /, **kwargs: Any) -> list[Any]:
            events.append(event)
            name = kwargs.get("transform")
            if event == "on_transform_before" and name == "qonnx:ConvertSubToAdd":
                return [False]
            if event == "on_transform_before" and name == "qonnx:GiveUniqueNodeNames":
                return [{"prefix": "b"}, {"prefix": "hooked_"}]
            if event == "on_transform_after" and name == "qonnx:InferShapes":
                return [replacement]
            return []

    result = Executor(plan, events=Hooks()).run(ModelWrapper(example_model()))
    assert result.model is replacement
    names = [a.name for a in result.applied if not a.skipped]
    assert names == ["qonnx:GiveUniqueNodeNames", "qonnx:InferShapes"]
    assert result.applied[0].options == {"prefix": "hooked_"}
    assert [a.name for a in result.applied if a.skipped] == ["qonnx:ConvertSubToAdd"]
    assert events[0] == "on_compile_begin" and events[1] == "on_stage_begin"
    assert events.count("on_transform_before") == 3 and events.count("on_transform_after") == 2
    assert events[-2:] == ["on_stage_end", "on_compile_end"]  # all seven fired by the executor


def test_provenance_and_byte_identical_rerun() -> None:
    plan = plan_of(SEQUENCE[:8])
    outputs = []
    for _ in range(2):
        result = Executor(plan).run(ModelWrapper(example_model()))
        stamp(result.model, result.provenance())
        outputs.append(serialize(result.model))
    assert outputs[0] == outputs[1]
    model = ModelWrapper(outputs[0])
    props = [p for p in model.model.metadata_props if p.key == PROVENANCE_KEY]
    assert len(props) == 1
    document = json.loads(props[0].value)
    assert document["blueprint_sha256"] == "abc"
    assert [t["transform"] for t in document["transforms"]] == [
        f"qonnx:{c.__name__}" for c, _ in SEQUENCE[:8]
    ]
    first = document["transforms"][2]
    assert first == {
        "stage": "s0",
        "transform": "qonnx:GiveUniqueNodeNames",
        "options": {"prefix": "n"},
        "distribution": "qonnx-dist",
        "version": "1.0",
        "modified": True,
    }
    # ConvertSubToAdd changes the example (it subtracts a constant); RemoveUnusedTensors not
    modified = {t["transform"]: t["modified"] for t in document["transforms"]}
    assert modified["qonnx:ConvertSubToAdd"] is True
    assert modified["qonnx:RemoveUnusedTensors"] is False


def test_start_and_stop_stage_run_only_the_selected_stages() -> None:
    plan = plan_of(SEQUENCE[:6], stages=3)
    result = Executor(plan).run(ModelWrapper(example_model()), start_stage="s1", stop_stage="s1")
    assert result.stages_run == ["s1"]
    assert {a.stage for a in result.applied} == {"s1"}


class ScaleFirstWeight(Transformation):  # type: ignore[misc]
    """Multiplies the first initializer in place by ``factor`` and says it changed nothing
    (as many qonnx passes do): only the executor's own comparison can tell."""

    def __init__(self, factor: float = 2.0) -> None:
        super().__init__()
        self.factor = factor

    def apply(self, model: ModelWrapper) -> tuple[ModelWrapper, bool]:
        tensor = model.graph.initializer[0]
        value = onnx.numpy_helper.to_array(tensor)
        scaled = (value * np.asarray(self.factor, dtype=value.dtype)).astype(value.dtype)
        tensor.CopyFrom(onnx.numpy_helper.from_array(scaled, tensor.name))
        return model, False


class NegateZeroAttribute(Transformation):  # type: ignore[misc]
    """Writes ``-0.0`` where the model has ``0.0`` in a float attribute: equal as numbers,
    different as bytes (what the output file holds)."""

    def apply(self, model: ModelWrapper) -> tuple[ModelWrapper, bool]:
        for node in model.graph.node:
            for attribute in node.attribute:
                if attribute.type == onnx.AttributeProto.FLOAT and attribute.f == 0.0:
                    attribute.f = -0.0
        return model, False


def test_modified_means_the_bytes_changed() -> None:
    """``modified`` compares each step's result with the model the step was given, as the
    serialized bytes would: a weight scaled in place is a change, scaling by one is not, and
    each comparison is against the previous step's result."""
    from onnx import helper

    proto = example_model()
    node = helper.make_node("LeakyRelu", [proto.graph.output[0].name], ["leaky"], alpha=0.0)
    proto.graph.node.append(node)
    proto.graph.output[0].name = "leaky"
    steps = [
        (ScaleFirstWeight, {"factor": 2.0}),
        (ScaleFirstWeight, {"factor": 1.0}),
        (NegateZeroAttribute, {}),
        (NegateZeroAttribute, {}),
        (ScaleFirstWeight, {"factor": 2.0}),
    ]
    result = Executor(plan_of(steps)).run(ModelWrapper(proto))
    assert [a.modified for a in result.applied] == [True, False, True, False, True]
