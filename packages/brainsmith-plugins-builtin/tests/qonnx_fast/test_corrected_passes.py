"""The corrected qonnx passes: each kind qonnx gets wrong is handled (or left alone) and the
model computes what it computed before; where qonnx's pass is right, ours computes the same
function with the same operators."""

from __future__ import annotations

from collections import Counter
from typing import Any

import case_models as cases
import numpy as np
import onnx
import pytest
from brainsmith_builtin.qonnx_fast.batchnorm_to_affine import BatchNormToAffine
from brainsmith_builtin.qonnx_fast.convert_div_to_mul import ConvertDivToMul
from brainsmith_builtin.qonnx_fast.fold_constants import FoldConstants
from brainsmith_builtin.qonnx_fast.gemm_to_matmul import GemmToMatMul
from brainsmith_builtin.qonnx_fast.infer_datatypes import InferDataTypes
from brainsmith_builtin.qonnx_fast.remove_identity_ops import RemoveIdentityOps
from brainsmith_builtin.qonnx_fast.remove_unused_tensors import RemoveUnusedTensors
from onnx import TensorProto, helper
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.transformation import batchnorm_to_affine as qonnx_bn
from qonnx.transformation import fold_constants as qonnx_fold
from qonnx.transformation import gemm_to_matmul as qonnx_gemm
from qonnx.transformation import general as qonnx_general
from qonnx.transformation import infer_datatypes as qonnx_datatypes
from qonnx.transformation import remove as qonnx_remove
from qonnx.transformation.infer_shapes import InferShapes


def _apply(proto: onnx.ModelProto, *transforms: Any) -> onnx.ModelProto:
    """``proto`` after ``model.transform(t)`` for each transform, as a compile runs them."""
    wrapped = ModelWrapper(proto.SerializeToString())
    for transform in transforms:
        wrapped = wrapped.transform(transform)
    return wrapped.model


def _same_function(before: onnx.ModelProto, after: onnx.ModelProto, feeds: Any) -> None:
    onnx.checker.check_model(after, full_check=True)
    expected = cases.run(before, feeds)
    got = cases.run(after, feeds)
    assert len(got) == len(expected)
    for e, g in zip(expected, got, strict=True):
        assert g.dtype == e.dtype and g.shape == e.shape
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-5)


def _ops(proto: onnx.ModelProto) -> Counter[str]:
    return Counter(node.op_type for node in proto.graph.node)


# --- GemmToMatMul ---------------------------------------------------------------------------


@pytest.mark.parametrize("trans_a", [0, 1])
@pytest.mark.parametrize("trans_b", [0, 1])
@pytest.mark.parametrize(("alpha", "beta"), [(1.0, 1.0), (0.5, 1.0), (1.0, 0.5), (2.0, -3.0)])
@pytest.mark.parametrize("bias", [True, False])
def test_gemm_to_matmul_same_function(
    trans_a: int, trans_b: int, alpha: float, beta: float, bias: bool
) -> None:
    before = cases.gemm(bias=bias, alpha=alpha, beta=beta, trans_a=trans_a, trans_b=trans_b)
    after = _apply(before, GemmToMatMul(), InferShapes())
    assert "Gemm" not in _ops(after)
    x = cases.rng_input([5, 3] if trans_a else [3, 5])
    _same_function(before, after, {"x": x})


def test_gemm_without_c_is_a_bare_matmul_where_qonnx_raises() -> None:
    before = cases.gemm(bias=False)
    with pytest.raises(IndexError):
        _apply(before, qonnx_gemm.GemmToMatMul())
    after = _apply(before, GemmToMatMul())
    assert _ops(after) == Counter({"MatMul": 1})
    _same_function(before, after, {"x": cases.rng_input([3, 5])})


def test_gemm_constants_keep_the_float_type() -> None:
    for elem in (TensorProto.FLOAT, TensorProto.FLOAT16, TensorProto.DOUBLE):
        before = cases.gemm(alpha=0.25, beta=0.5, elem=elem)
        after = _apply(before, GemmToMatMul(), InferShapes())
        dtype = helper.tensor_dtype_to_np_dtype(elem)
        assert {t.data_type for t in after.graph.initializer} == {elem}
        _same_function(before, after, {"x": cases.rng_input([3, 5], dtype)})
    # qonnx writes float64 constants: onnxruntime refuses the model it returns
    broken = _apply(cases.gemm(beta=0.5), qonnx_gemm.GemmToMatMul())
    assert TensorProto.DOUBLE in {t.data_type for t in broken.graph.initializer}


def test_gemm_matches_qonnx_where_qonnx_is_right() -> None:
    before = cases.gemm(trans_b=1)
    ours = _apply(before, GemmToMatMul(), InferShapes())
    theirs = _apply(before, qonnx_gemm.GemmToMatMul(), InferShapes())
    # the constant weight is transposed in place, where qonnx adds a Transpose node
    assert _ops(theirs) == Counter({"Transpose": 1, "MatMul": 1, "Add": 1})
    assert _ops(ours) == Counter({"MatMul": 1, "Add": 1})
    x = cases.rng_input([3, 5])
    np.testing.assert_allclose(cases.run(ours, {"x": x})[0], cases.run(theirs, {"x": x})[0])


def test_gemm_transposes_a_dynamic_operand_with_a_node_and_a_shared_constant_by_a_copy() -> None:
    rng = np.random.default_rng(5)
    before = cases.model(
        [
            helper.make_node("Gemm", ["x", "w"], ["y"], transA=1, transB=1),
            helper.make_node("Add", ["w", "w"], ["z"]),  # w read elsewhere: kept as it is
        ],
        [cases.value("x", [5, 3])],
        [cases.value("y", [3, 4]), cases.value("z", [4, 5])],
        {"w": rng.standard_normal([4, 5]).astype(np.float32)},
        opset=13,
    )
    ours = _apply(before, InferShapes(), GemmToMatMul())
    assert _ops(ours) == Counter({"Transpose": 1, "MatMul": 1, "Add": 1})
    _same_function(before, ours, {"x": cases.rng_input([5, 3])})


def test_gemm_with_a_custom_domain_listed_first() -> None:
    before = cases.gemm(bias=False, domains_first=[cases.QONNX_DOMAIN])
    after = _apply(before, GemmToMatMul())
    _same_function(before, after, {"x": cases.rng_input([3, 5])})


def test_gemm_rewrites_every_gemm_in_one_call() -> None:
    wrapped = ModelWrapper(cases.gemm_chain(60).SerializeToString())
    wrapped, again = GemmToMatMul().apply(wrapped)
    assert not again  # one sweep: nothing left for a second call
    assert _ops(wrapped.model) == Counter({"MatMul": 60, "Mul": 60})
    _same_function(cases.gemm_chain(60), wrapped.model, {"t0": cases.rng_input([2, 4])})


# --- RemoveIdentityOps ----------------------------------------------------------------------


def test_lone_identity_between_input_and_output_stays() -> None:
    before = cases.single_identity()
    with pytest.raises(AssertionError, match="Whole graph is one node"):
        _apply(before, qonnx_remove.RemoveIdentityOps())
    after = _apply(before, RemoveIdentityOps())
    assert [o.name for o in after.graph.output] == ["y"]
    _same_function(before, after, {"x": cases.rng_input([1, 4])})


def test_identity_rewire_reads_the_source_in_both_slots() -> None:
    before = cases.identity_rewire()
    after = _apply(before, RemoveIdentityOps())
    assert [list(n.input) for n in after.graph.node] == [["x", "x"]]
    _same_function(before, after, {"x": cases.rng_input([1, 4])})


def test_neutral_ops_removed_and_graph_outputs_keep_their_names() -> None:
    before = cases.neutral_chain()
    with pytest.raises(AssertionError):  # qonnx: the forking Relu leaves "y" unproduced
        _apply(before, qonnx_remove.RemoveIdentityOps())
    assert _ops(_apply(before, RemoveIdentityOps()))["Mul"] == 1  # shape of r unknown: kept
    after = _apply(before, InferShapes(), RemoveIdentityOps())
    assert _ops(after) == Counter({"Relu": 1, "Neg": 1})
    assert [o.name for o in after.graph.output] == ["y", "z"]
    _same_function(before, after, {"x": cases.rng_input([2, 4])})


def test_remove_identity_ops_matches_qonnx_where_qonnx_is_right() -> None:
    before = cases.neutral_chain(forked=False)
    ours = _apply(before, InferShapes(), RemoveIdentityOps())
    theirs = _apply(before, InferShapes(), qonnx_remove.RemoveIdentityOps())
    assert _ops(ours) == _ops(theirs) == Counter({"Relu": 1})
    assert [o.name for o in ours.graph.output] == [o.name for o in theirs.graph.output]
    x = cases.rng_input([2, 4])
    np.testing.assert_array_equal(cases.run(ours, {"x": x})[0], cases.run(theirs, {"x": x})[0])


def test_a_broadcasting_zero_stays() -> None:
    before = cases.broadcasting_zero()
    after = _apply(before, InferShapes(), RemoveIdentityOps())
    assert _ops(after)["Add"] == 1
    _same_function(before, after, {"x": cases.rng_input([4])})


def test_integer_div_by_one_removed() -> None:
    before = cases.model(
        [helper.make_node("Div", ["x", "one"], ["d"]), helper.make_node("Neg", ["d"], ["y"])],
        [cases.value("x", [4], TensorProto.INT64)],
        [cases.value("y", [4], TensorProto.INT64)],
        {"one": np.array([1], np.int64)},
    )
    after = _apply(before, InferShapes(), RemoveIdentityOps())
    assert _ops(after) == Counter({"Neg": 1})
    _same_function(before, after, {"x": cases.rng_input([4], np.int64)})


def test_an_epsilon_is_not_a_zero() -> None:
    """``sqrt(var + 1e-5)``: qonnx's atol=1e-5 removes the Add and divides by zero where the
    variance is 0; ours keeps it (only an exact 0 or 1 is neutral)."""
    eps = np.array(1e-5, np.float32)
    before = cases.model(
        [
            helper.make_node("Add", ["x", "eps"], ["v"]),
            helper.make_node("Sqrt", ["v"], ["s"]),
            helper.make_node("Reciprocal", ["s"], ["y"]),
        ],
        [cases.value("x", [4], TensorProto.FLOAT)],
        [cases.value("y", [4], TensorProto.FLOAT)],
        {"eps": eps},
    )
    after = _apply(before, InferShapes(), RemoveIdentityOps())
    assert _ops(after)["Add"] == 1
    zeros = {"x": np.zeros(4, np.float32)}
    _same_function(before, after, zeros)
    qonnx = _apply(before, InferShapes(), qonnx_remove.RemoveIdentityOps())
    assert _ops(qonnx)["Add"] == 0 and np.isinf(cases.run(qonnx, zeros)[0]).all()


# --- BatchNormToAffine ----------------------------------------------------------------------


@pytest.mark.parametrize("rank", [2, 3, 4])
def test_batchnorm_to_affine_matches_qonnx(rank: int) -> None:
    before = cases.batchnorm(rank=rank)
    ours = _apply(before, BatchNormToAffine())
    theirs = _apply(before, qonnx_bn.BatchNormToAffine())
    assert _ops(ours) == _ops(theirs) == Counter({"Mul": 1, "Add": 1})
    x = cases.rng_input([2, 3, 4, 5][:rank])
    _same_function(before, ours, {"x": x})
    np.testing.assert_allclose(
        cases.run(ours, {"x": x})[0], cases.run(theirs, {"x": x})[0], rtol=1e-5, atol=1e-6
    )


def test_batchnorm_with_graph_input_parameters_is_left_alone() -> None:
    before = cases.batchnorm(params_as_inputs=True)
    with pytest.raises(TypeError):
        _apply(before, qonnx_bn.BatchNormToAffine())
    after = _apply(before, BatchNormToAffine())
    assert _ops(after) == Counter({"BatchNormalization": 1})
    _same_function(before, after, {"x": cases.rng_input([2, 3, 4, 5]), **cases.batchnorm_params()})


def test_batchnorm_of_unknown_rank_is_left_alone() -> None:
    before = cases.batchnorm(known_rank=False)
    after = _apply(before, InferShapes(), BatchNormToAffine())
    assert _ops(after) == Counter({"Reshape": 1, "BatchNormalization": 1})
    feeds = {"x": cases.rng_input([2, 3, 4, 5]), "target": np.array([2, 3, 20], np.int64)}
    _same_function(before, after, feeds)


def test_batchnorm_in_training_mode_is_left_alone() -> None:
    before = cases.batchnorm(training=True)
    after = _apply(before, BatchNormToAffine())
    assert _ops(after) == Counter({"BatchNormalization": 1})


# --- FoldConstants --------------------------------------------------------------------------


@pytest.mark.parametrize("domains_first", [(), (cases.QONNX_DOMAIN,)])
def test_fold_constants_makes_the_batchnorm_rank_known(domains_first: tuple[str, ...]) -> None:
    before = cases.bn_after_dynamic_reshape(domains_first)
    with pytest.raises(AssertionError):
        _apply(before, InferShapes(), qonnx_bn.BatchNormToAffine())
    after = _apply(before, InferShapes(), FoldConstants(), BatchNormToAffine())
    assert _ops(after) == Counter({"Reshape": 1, "Mul": 1, "Add": 1})
    _same_function(before, after, {"x": cases.rng_input([1, 4, 2, 2])})


def test_fold_constants_runs_at_the_onnx_opset_not_the_first_listed() -> None:
    before = cases.bn_after_dynamic_reshape((cases.QONNX_DOMAIN,))
    # qonnx runs Unsqueeze (axes as an input since opset 13) at opset 1: it fails
    with pytest.raises(Exception):
        _apply(before, InferShapes(), qonnx_fold.FoldConstants())
    after = _apply(before, InferShapes(), FoldConstants())
    assert "Shape" not in _ops(after)
    _same_function(before, after, {"x": cases.rng_input([1, 4, 2, 2])})


# --- ConvertDivToMul ------------------------------------------------------------------------


def test_integer_div_is_never_a_multiply() -> None:
    before = cases.div_int64(2)
    feeds = {"x": np.array([10, 20, 30, 41], np.int64)}
    wrong = _apply(before, qonnx_general.ConvertDivToMul())
    assert cases.run(wrong, feeds)[0].tolist() == [0, 0, 0, 0]
    after = _apply(before, ConvertDivToMul())
    assert _ops(after) == Counter({"Div": 1})
    assert cases.run(after, feeds)[0].tolist() == [5, 10, 15, 20]


def test_float_div_becomes_mul_without_touching_a_shared_divisor() -> None:
    before = cases.div_shared_divisor()
    after = _apply(before, ConvertDivToMul())
    assert _ops(after) == Counter({"Mul": 1, "Add": 1})
    _same_function(before, after, {"x": cases.rng_input([1, 4])})


# --- RemoveUnusedTensors --------------------------------------------------------------------


def test_unused_initializer_leaves_with_its_graph_input() -> None:
    before = cases.ir3_unused_initializer()
    wrapped, _ = RemoveUnusedTensors().apply(ModelWrapper(before.SerializeToString()))
    after = wrapped.model
    assert "unused" not in {t.name for t in after.graph.initializer}
    assert "unused" not in {t.name for t in after.graph.input}
    real = {t.name for t in after.graph.input} - {t.name for t in after.graph.initializer}
    assert real == {"x"}
    # qonnx's pass removes the initializer and keeps the input: a new required input
    theirs = ModelWrapper(before.SerializeToString())
    theirs, _ = qonnx_general.RemoveUnusedTensors().apply(theirs)
    assert "unused" in {t.name for t in theirs.graph.input}
    _same_function(before, after, {"x": cases.rng_input([1, 4])})


def test_tensor_read_only_inside_a_subgraph_is_used() -> None:
    then_branch = helper.make_graph(
        [helper.make_node("Add", ["x", "outer"], ["t"])], "then", [], [cases.value("t", [1, 4])]
    )
    else_branch = helper.make_graph(
        [helper.make_node("Sub", ["x", "outer"], ["e"])], "else", [], [cases.value("e", [1, 4])]
    )
    before = cases.model(
        [helper.make_node("If", ["cond"], ["y"], then_branch=then_branch, else_branch=else_branch)],
        [cases.value("x", [1, 4]), cases.value("cond", [], TensorProto.BOOL)],
        [cases.value("y", [1, 4])],
        {"outer": np.full([1, 4], 2.0, np.float32)},
    )
    after = ModelWrapper(before.SerializeToString())
    after, _ = RemoveUnusedTensors().apply(after)
    assert "outer" in {t.name for t in after.graph.initializer}
    for cond in (True, False):
        feeds = {"x": cases.rng_input([1, 4]), "cond": np.array(cond)}
        _same_function(before, after.model, feeds)


# --- InferDataTypes -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("elem", "quantized", "dequantized"),
    [
        (TensorProto.INT4, "INT4", "SCALEDINT<4>"),
        (TensorProto.UINT4, "UINT4", "SCALEDINT<4>"),
        (TensorProto.INT2, "INT2", "SCALEDINT<2>"),
        (TensorProto.FLOAT8E4M3FN, "FLOAT32", "FLOAT32"),
        (TensorProto.FLOAT8E5M2, "FLOAT32", "FLOAT32"),
        (TensorProto.FLOAT4E2M1, "FLOAT32", "FLOAT32"),
    ],
)
def test_quantize_linear_datatypes_beyond_qonnx_table(
    elem: int, quantized: str, dequantized: str
) -> None:
    for dequantize in (False, True):
        proto = cases.quantize_linear(elem, dequantize=dequantize)
        with pytest.raises(ValueError, match="Unsupported element type"):
            _apply(proto, InferShapes(), qonnx_datatypes.InferDataTypes())
        model = ModelWrapper(proto.SerializeToString()).transform(InferDataTypes())
        assert model.get_tensor_datatype("q").get_canonical_name() == quantized
        if dequantize:
            assert model.get_tensor_datatype("y").get_canonical_name() == "FLOAT32"
            allowed = ModelWrapper(proto.SerializeToString())
            allowed = allowed.transform(InferDataTypes(allow_scaledint_dtypes=True))
            assert allowed.get_tensor_datatype("y").get_canonical_name() == dequantized


@pytest.mark.parametrize("elem", [TensorProto.INT8, TensorProto.UINT8, TensorProto.INT16])
@pytest.mark.parametrize("allow", [False, True])
def test_infer_datatypes_matches_qonnx_where_qonnx_is_right(elem: int, allow: bool) -> None:
    proto = _apply(cases.quantize_linear(elem, dequantize=True), InferShapes())
    ours = ModelWrapper(proto.SerializeToString()).transform(InferDataTypes(allow))
    theirs = ModelWrapper(proto.SerializeToString()).transform(
        qonnx_datatypes.InferDataTypes(allow)
    )
    # qonnx's cleanup gives the shared scale/zero point random names: compare by position
    assert len(ours.graph.node) == len(theirs.graph.node)
    for mine, its in zip(ours.graph.node, theirs.graph.node, strict=True):
        for a, b in zip([*mine.input, *mine.output], [*its.input, *its.output], strict=True):
            assert ours.get_tensor_datatype(a) == theirs.get_tensor_datatype(b)
    annotated = [len(m.graph.quantization_annotation) for m in (ours, theirs)]
    assert annotated[0] == annotated[1]


def test_gemm_in_place_transpose_drops_the_stale_value_info() -> None:
    before = cases.gemm(trans_b=1)
    before.graph.value_info.append(cases.value("W", [4, 5]))
    wrapped, _ = GemmToMatMul().apply(ModelWrapper(before.SerializeToString()))
    assert "W" not in {info.name for info in wrapped.graph.value_info}
    _same_function(before, wrapped.model, {"x": cases.rng_input([3, 5])})


def _dropout(opset: int, *, mask_used: bool = False, **attributes: Any) -> onnx.ModelProto:
    """``y = Neg(Dropout(x))``, with a custom domain listed before the ONNX opset."""
    outputs = ["d", "mask"] if mask_used else ["d"]
    nodes = [
        helper.make_node("Dropout", ["x"], outputs, **attributes),
        helper.make_node("Neg", ["d"], ["y"]),
    ]
    graph_outputs = [cases.value("y", [2, 4])]
    if mask_used:
        graph_outputs.append(cases.value("mask", [2, 4], TensorProto.BOOL))
    return cases.model(
        nodes,
        [cases.value("x", [2, 4])],
        graph_outputs,
        opset=opset,
        domains_first=[cases.QONNX_DOMAIN],
    )


@pytest.mark.parametrize("opset", [10, 13])
def test_inference_dropout_removed_at_the_onnx_opset(opset: int) -> None:
    before = _dropout(opset, ratio=0.5) if opset < 12 else _dropout(opset)
    after = _apply(before, InferShapes(), RemoveIdentityOps())
    assert _ops(after) == Counter({"Neg": 1})
    _same_function(before, after, {"x": cases.rng_input([2, 4])})


def test_dropout_whose_mask_is_an_output_stays() -> None:
    before = _dropout(13, mask_used=True)
    after = _apply(before, InferShapes(), RemoveIdentityOps())
    assert _ops(after)["Dropout"] == 1


def test_zero_pad_removed() -> None:
    before = cases.model(
        [helper.make_node("Pad", ["x", "pads"], ["p"]), helper.make_node("Relu", ["p"], ["y"])],
        [cases.value("x", [2, 4])],
        [cases.value("y", [2, 4])],
        {"pads": np.zeros([4], np.int64)},
    )
    after = _apply(before, InferShapes(), RemoveIdentityOps())
    assert _ops(after) == Counter({"Relu": 1})
    _same_function(before, after, {"x": cases.rng_input([2, 4])})


def test_fold_constants_keeps_random_nodes_and_folds_every_output() -> None:
    before = cases.model(
        [
            helper.make_node("RandomNormal", [], ["noise"], shape=[2, 4]),
            helper.make_node("Split", ["c", "halves"], ["c0", "c1"], axis=1),
            helper.make_node("Add", ["x", "noise"], ["n"]),
            helper.make_node("Mul", ["n", "c0"], ["m"]),
            helper.make_node("Add", ["m", "c1"], ["y"]),
        ],
        [cases.value("x", [2, 4])],
        [cases.value("y", [2, 4])],
        {"c": np.arange(16, dtype=np.float32).reshape(2, 8), "halves": np.array([4, 4])},
    )
    qonnx_folded = _apply(before, InferShapes(), qonnx_fold.FoldConstants())
    assert "RandomNormal" not in _ops(qonnx_folded)  # one fixed draw, and c1 left dangling
    after = _apply(before, InferShapes(), FoldConstants())
    assert _ops(after) == Counter({"RandomNormal": 1, "Add": 2, "Mul": 1})
    onnx.checker.check_model(after, full_check=True)


def test_fold_constants_leaves_graph_outputs_produced_by_nodes() -> None:
    before = cases.model(
        [helper.make_node("Shape", ["x"], ["s"]), helper.make_node("Relu", ["x"], ["y"])],
        [cases.value("x", [2, 4])],
        [cases.value("s", [2], TensorProto.INT64), cases.value("y", [2, 4])],
    )
    after = _apply(before, InferShapes(), FoldConstants())
    assert _ops(after) == Counter({"Shape": 1, "Relu": 1})
    _same_function(before, after, {"x": cases.rng_input([2, 4])})


def test_fold_constants_keeps_a_constant_only_a_subgraph_body_reads() -> None:
    """A Constant read only inside an If body: folding must not let qonnx's cleanup drop it
    (onnx's *_expanded function tests)."""
    body = helper.make_graph(
        [helper.make_node("Add", ["x", "one"], ["b_out"])],
        "body",
        [],
        [cases.value("b_out", [2], TensorProto.FLOAT)],
    )
    before = cases.model(
        [
            helper.make_node("ReduceSum", ["x"], ["s"], keepdims=0),
            helper.make_node("Greater", ["s", "zero"], ["cond"]),
            helper.make_node(
                "Constant", [], ["one"], value=onnx.numpy_helper.from_array(np.ones(2, np.float32))
            ),
            helper.make_node("If", ["cond"], ["y"], then_branch=body, else_branch=body),
        ],
        [cases.value("x", [2], TensorProto.FLOAT)],
        [cases.value("y", [2], TensorProto.FLOAT)],
        {"zero": np.array(0.0, np.float32)},
    )
    model = ModelWrapper(before.SerializeToString()).transform(InferShapes(), cleanup=False)
    after, _ = FoldConstants().apply(model)
    _same_function(before, after.model, {"x": cases.rng_input([2])})
