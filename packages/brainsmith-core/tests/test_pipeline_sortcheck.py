"""``cleanup_is_noop``'s one-pass SortGraph check agrees with the compile's cleanup on random
graphs (shuffled DAGs, shared producers, self-loops, cycles, dangling and floating nodes), and
with qonnx's SortGraph wherever qonnx keeps every node (it drops floating ones; the compile's
cleanup keeps them)."""

from __future__ import annotations

import random

import pytest
from brainsmith.compile import cleanup_is_noop, serialize
from brainsmith.compile._cleanup import cleanup
from onnx import TensorProto, helper
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.transformation.general import SortGraph


def _random_graph(seed: int) -> ModelWrapper:
    """Random nodes over a pool of tensors; no initializers, so only SortGraph can act."""
    rng = random.Random(seed)
    count = rng.randint(0, 9)
    nodes = []
    for index in range(count):
        sources = ["x", "y", *(f"t{j}" for j in range(count))]
        if rng.random() < 0.15:
            sources.append(f"t{index}")  # a self-loop
        inputs = rng.sample(sources, rng.randint(0, 3))
        if rng.random() < 0.1:
            inputs.append("floating")  # produced by nobody, not a graph input
        nodes.append(helper.make_node("Sum", inputs, [f"t{index}"], name=f"n{index}"))
    if rng.random() < 0.5:  # a shuffled DAG instead: node i reads only earlier tensors
        nodes = []
        for index in range(count):
            pool = ["x", "y", *(f"t{j}" for j in range(index))]
            inputs = rng.sample(pool, rng.randint(1, min(3, len(pool))))
            nodes.append(helper.make_node("Sum", inputs, [f"t{index}"], name=f"n{index}"))
        if rng.random() < 0.7:
            rng.shuffle(nodes)
    vis = [helper.make_tensor_value_info(n, TensorProto.FLOAT, [1]) for n in ("x", "y")]
    out = helper.make_tensor_value_info("out", TensorProto.FLOAT, [1])
    graph = helper.make_graph(nodes, "g", vis, [out])
    return ModelWrapper(helper.make_model(graph), fix_missing_initializer_valueinfo=False)


@pytest.mark.parametrize("seed", range(400))
def test_sort_check_agrees_with_sortgraph(seed: int) -> None:
    model = _random_graph(seed)
    before = serialize(model)
    try:
        model.transform(SortGraph(), make_deepcopy=False, cleanup=False)
    except ValueError:  # a cycle: SortGraph raises, so the check must not claim a no-op
        assert not cleanup_is_noop(ModelWrapper(before))
        return
    unchanged = serialize(model) == before
    noop = cleanup_is_noop(ModelWrapper(before))
    if len(model.graph.node) == len(ModelWrapper(before).graph.node):
        assert noop == unchanged  # where qonnx keeps every node, its order decides
    ours = ModelWrapper(before)  # the compile's cleanup keeps the nodes qonnx drops
    cleanup(ours)
    assert noop == (serialize(ours) == before)
