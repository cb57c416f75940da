"""The mapping record: kept in the model's metadata, summarised for the compile report."""

from __future__ import annotations

import json
from pathlib import Path

from brainsmith.hardware import (
    MAPPING_KEY,
    kernel_name,
    mapping_summary,
    record_absorbed,
    record_declined,
    record_mapped,
    record_partition,
)
from onnx import TensorProto, helper
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.util.basic import qonnx_make_model


def model_with_nodes() -> ModelWrapper:
    nodes = [
        helper.make_node("Mul", ["x", "s"], ["a"], name="scale_in"),
        helper.make_node("MVAU_hls", ["a", "W"], ["b"], name="fc0", domain="brainsmith.builtin"),
        helper.make_node(
            "Thresholding", ["b", "T"], ["c"], name="th0", domain="brainsmith.builtin"
        ),
        helper.make_node("TopK", ["c", "k"], ["y", "i"], name="topk"),
    ]
    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
    )
    return ModelWrapper(qonnx_make_model(graph))


def test_summary_counts_kernels_and_lists_software_nodes_with_reasons(tmp_path: Path) -> None:
    model = model_with_nodes()
    mul, fc = model.graph.node[0], model.graph.node[1]
    record_declined(model, mul, "Thresholding", "input x is FLOAT32, not an integer datatype")
    record_declined(model, mul, "Thresholding", "input x is FLOAT32, not an integer datatype")
    record_declined(model, helper.make_node("MatMul", [], [], name="gone"), "MVAU", "vanished")
    record_mapped(model, fc, "MVAU", [helper.make_node("MatMul", [], [], name="fc0")])
    record_partition(
        model,
        inputs=["a"],
        outputs=["c"],
        hardware=["fc0", "th0"],
        preprocessing=["scale_in"],
        postprocessing=["topk"],
        interior_software=[],
    )
    path = tmp_path / "m.onnx"
    model.save(str(path))
    summary = mapping_summary(ModelWrapper(str(path)))
    assert summary["kernels"] == {"MVAU": 1, "Thresholding": 1}
    assert summary["mapped"] == [
        {"node": "fc0", "kernel": "MVAU", "sources": [{"node": "fc0", "op_type": "MatMul"}]}
    ]
    assert summary["software"] == [
        {
            "node": "scale_in",
            "op_type": "Mul",
            "reasons": [
                {"kernel": "Thresholding", "reason": "input x is FLOAT32, not an integer datatype"}
            ],
        },
        {
            "node": "topk",
            "op_type": "TopK",
            "reasons": [{"kernel": None, "reason": "no kernel inference rule maps TopK"}],
        },
    ]
    assert summary["partition"]["inputs"] == ["a"]
    assert summary["partition"]["postprocessing"] == ["topk"]
    json.loads(ModelWrapper(str(path)).get_metadata_prop(MAPPING_KEY))
    json.dumps(summary)


def test_summary_of_an_unmapped_model() -> None:
    model = model_with_nodes()
    summary = mapping_summary(model)
    assert summary["partition"] is None
    assert [s["node"] for s in summary["software"]] == ["scale_in", "topk"]


def test_kernel_name() -> None:
    assert kernel_name("MVAU_hls") == "MVAU"
    assert kernel_name("Thresholding_rtl") == "Thresholding"
    assert kernel_name("LayerNorm") == "LayerNorm"


def test_absorbed_nodes_join_the_kernel_nodes_sources() -> None:
    model = model_with_nodes()
    fc, th = model.graph.node[1], model.graph.node[2]
    record_mapped(model, fc, "MVAU", [helper.make_node("MatMul", [], [], name="fc0")])
    flatten = helper.make_node("Flatten", [], [], name="flat")
    record_absorbed(model, fc, "MVAU", flatten, "channels-last: same stream order")
    record_absorbed(model, th, "Thresholding", flatten, "why not")
    mapped = mapping_summary(model)["mapped"]
    assert mapped[0]["sources"] == [
        {"node": "fc0", "op_type": "MatMul"},
        {"node": "flat", "op_type": "Flatten", "absorbed": "channels-last: same stream order"},
    ]
    assert mapped[1] == {
        "node": "th0",
        "kernel": "Thresholding",
        "sources": [{"node": "flat", "op_type": "Flatten", "absorbed": "why not"}],
    }
