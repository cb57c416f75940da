"""SetFolding on the committed Brevitas exports: outputs never change with folding (python and
cppsim), cycles never rise with the target, every folding divides its dimension, the TFC-like
model meets 10,000 fps at 100 MHz, folding files are honoured, an unreachable target names the
limiting layer; and the design estimate on the folded models."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from brainsmith.compile import compile_model
from brainsmith.hardware import (
    Target,
    estimate,
    folding_config,
    is_kernel_node,
    prepare_exec,
    read_folding,
    set_exec_mode,
)
from brainsmith_builtin.hw_transforms.set_folding import SetFolding
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.core.onnx_exec import execute_onnx
from qonnx.custom_op.registry import getCustomOp

ROOT = Path(__file__).resolve().parents[4]
MODELS = ROOT / "tests" / "models" / "brevitas"
TFC = MODELS / "tfc_w4a4" / "torchscript.onnx"
CNV = MODELS / "cnv_w4a4" / "dynamo.onnx"

pytestmark = pytest.mark.skipif(not TFC.exists(), reason="no Brevitas exports in tests/models")


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ModelWrapper]:
    """TFC and CNV compiled by builtin:dataflow without a target (folding left at 1), up to
    kernel_optimization: folding is chosen before width converters and FIFOs are inserted."""
    models = {}
    for name, path in (("tfc", TFC), ("cnv", CNV)):
        out = tmp_path_factory.mktemp(name)
        result = compile_model(
            path, blueprint="builtin:dataflow", output_dir=out, stop_stage="kernel_optimization"
        )
        models[name] = ModelWrapper(str(result.model_path))
    return models


def _kernels(model: ModelWrapper) -> list[Any]:
    return [getCustomOp(n) for n in model.graph.node if is_kernel_node(n)]


def _input(model: ModelWrapper, seed: int) -> dict[str, Any]:
    name = model.graph.input[0].name
    shape = model.get_tensor_shape(name)
    return {name: np.random.default_rng(seed).uniform(-1, 1, size=shape).astype(np.float32)}


def _run(model: ModelWrapper, feed: dict[str, Any]) -> Any:
    return execute_onnx(model, feed)[model.graph.output[0].name]


AP_INT_MAX_W = 1024
"""ap_uint's default width limit: the HLS engine's cppsim stream and weight words must fit it
(a wider folding fails at cppsim run time; reported as a limitation of the HLS engine)."""


def _words(kernel: Any) -> list[int]:
    widths = [kernel.get_instream_width(), kernel.get_outstream_width()]
    if hasattr(kernel, "get_weightstream_width"):
        widths.append(kernel.get_weightstream_width())
    return widths


def _random_folding(
    model: ModelWrapper, rng: np.random.Generator, max_word: int | None = None
) -> ModelWrapper:
    folded = copy.deepcopy(model)
    for kernel in _kernels(folded):
        while True:
            for name, parameter in kernel.folding_parameters().items():
                kernel.set_nodeattr(name, int(rng.choice(parameter.legal_values)))
            if max_word is None or max(_words(kernel)) <= max_word:
                break
    return folded


@pytest.mark.parametrize("name", ["tfc", "cnv"])
def test_outputs_never_change_with_random_legal_foldings_in_python(
    compiled: dict[str, ModelWrapper], name: str
) -> None:
    model = compiled[name]
    feed = _input(model, 0)
    reference = _run(model, feed)
    rng = np.random.default_rng(1)
    seen = set()
    for _ in range(4):
        folded = _random_folding(model, rng)
        seen.add(json.dumps(folding_config(folded), sort_keys=True))
        for kernel in _kernels(folded):
            kernel.verify_node()  # every folding divides what it folds
        np.testing.assert_array_equal(_run(folded, feed), reference)
    assert len(seen) > 1


def test_outputs_never_change_with_a_random_folding_in_cppsim(
    compiled: dict[str, ModelWrapper],
) -> None:
    model = compiled["tfc"]
    feed = _input(model, 2)
    reference = _run(model, feed)
    folded = _random_folding(model, np.random.default_rng(3), max_word=AP_INT_MAX_W)
    report = set_exec_mode(folded, "cppsim")
    assert len(report.simulated) == 4 and not report.python
    prepare_exec(folded, "cppsim")
    np.testing.assert_array_equal(_run(folded, feed), reference)


@pytest.mark.parametrize("name", ["tfc", "cnv"])
def test_cycles_never_rise_as_the_target_rises_until_full_parallelism(
    compiled: dict[str, ModelWrapper], name: str
) -> None:
    previous_max, previous_layers = None, None
    for fps in (100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 1e9):
        model = copy.deepcopy(compiled[name])
        model = model.transform(SetFolding(target_cycles=max(1, int(100e6 // fps))))
        record = read_folding(model)
        assert record is not None
        for kernel in _kernels(model):
            for attr, parameter in kernel.folding_parameters().items():
                assert parameter.extent % kernel.get_int(attr) == 0
        layers = [layer["cycles"] for layer in record["layers"]]
        assert record["max_cycles"] == max(layers) == estimate(model)["max_cycles"]
        if previous_max is not None and previous_layers is not None:
            assert record["max_cycles"] <= previous_max
            assert all(a <= b for a, b in zip(layers, previous_layers, strict=True))
        previous_max, previous_layers = record["max_cycles"], layers
    # at 1e9 fps nothing is reachable: the bottleneck is at its fastest legal folding
    assert record["limiting"] is not None and record["meets_target"] is False


def test_tfc_meets_10000_fps_at_100_mhz(tmp_path: Path) -> None:
    result = compile_model(
        TFC,
        blueprint="builtin:dataflow",
        output_dir=tmp_path,
        target={"fps": 10_000, "clock_mhz": 100, "device": "xc7z020"},
    )
    model = ModelWrapper(str(result.model_path))
    record = read_folding(model)
    assert record is not None and record["meets_target"] is True and record["limiting"] is None
    design = estimate(model)
    assert design["fps"] >= 10_000 and design["meets_target"] is True
    assert design["max_cycles"] <= 10_000 == record["target_cycles"]
    assert design["device"]["name"] == "xc7z020" and design["over_capacity"] == []
    # least parallelism: no layer could be folded further and still meet the target
    for kernel in _kernels(model):
        for attr, parameter in kernel.folding_parameters().items():
            value = kernel.get_int(attr)
            smaller = [v for v in parameter.legal_values if v < value]
            if smaller:
                kernel.set_nodeattr(attr, smaller[-1])
                assert kernel.get_exp_cycles() > 10_000
                kernel.set_nodeattr(attr, value)


def test_a_folding_file_is_honoured(compiled: dict[str, ModelWrapper], tmp_path: Path) -> None:
    model = copy.deepcopy(compiled["tfc"])
    names = [k.onnx_node.name for k in _kernels(model)]
    path = tmp_path / "folding_config.json"
    path.write_text(
        json.dumps(
            {
                "Defaults": {"PE": [2, ["MVAU_hls"]]},
                names[0]: {"PE": 4, "SIMD": 16},
                "no_such_node": {"PE": 2},
            }
        )
    )
    model = model.transform(SetFolding(folding_file=str(path)))
    config = folding_config(model)
    assert config[names[0]] == {"SIMD": 16, "PE": 4}
    assert all(config[n]["PE"] == 2 and config[n]["SIMD"] == 1 for n in names[1:])
    record = read_folding(model)
    assert record is not None and record["layers"][0]["from_file"] == ["PE", "SIMD"]
    assert any("no_such_node" in w for w in record["warnings"])
    # with a target too, the file's values stay and only the rest is searched
    model = copy.deepcopy(compiled["tfc"]).transform(
        SetFolding(target_cycles=50, folding_file=str(path))
    )
    assert folding_config(model)[names[0]] == {"SIMD": 16, "PE": 4}
    # an illegal value is an error naming node, attribute and legal values
    path.write_text(json.dumps({names[0]: {"PE": 5}}))
    with pytest.raises(ValueError, match=rf"PE=5 on MVAU_hls node '{names[0]}'.*legal values"):
        copy.deepcopy(compiled["tfc"]).transform(SetFolding(folding_file=str(path)))


def test_an_unreachable_target_names_the_limiting_layer(compiled: dict[str, ModelWrapper]) -> None:
    model = copy.deepcopy(compiled["tfc"]).transform(SetFolding(target_cycles=10))
    record = read_folding(model)
    assert record is not None and record["meets_target"] is False
    limiting = record["limiting"]
    kernels = {k.onnx_node.name: k for k in _kernels(model)}
    assert limiting["node"] in kernels and limiting["cycles"] == record["max_cycles"] > 10
    assert "max_weight_stream_width" in limiting["reason"]
    assert record["fps"] == pytest.approx(100e6 / record["max_cycles"])
    assert any(limiting["node"] in w and "unreachable" in w for w in record["warnings"])
    # balanced: every other layer is folded only as far as the bottleneck needs
    for name, kernel in kernels.items():
        assert kernel.get_exp_cycles() <= record["max_cycles"]
        if name == limiting["node"]:
            continue
        for attr, parameter in kernel.folding_parameters().items():
            value = kernel.get_int(attr)
            smaller = [v for v in parameter.legal_values if v < value]
            if smaller:
                kernel.set_nodeattr(attr, smaller[-1])
                assert kernel.get_exp_cycles() > record["max_cycles"]
                kernel.set_nodeattr(attr, value)
    # without the cap the same layer goes fully parallel
    free = copy.deepcopy(compiled["tfc"]).transform(
        SetFolding(target_cycles=1, max_weight_stream_width=1 << 20)
    )
    assert read_folding(free)["max_cycles"] == 1  # type: ignore[index]


def test_estimate_flags_a_design_over_the_device(compiled: dict[str, ModelWrapper]) -> None:
    model = copy.deepcopy(compiled["tfc"]).transform(
        SetFolding(target_cycles=1, max_weight_stream_width=1 << 20)
    )
    design = estimate(model, Target(cycles_per_frame=1, device="xc7z020clg400-1"))
    assert design["device"]["name"] == "xc7z020"
    assert "LUT" in design["over_capacity"] and design["utilisation"]["LUT"] > 1
    assert any("does not fit xc7z020" in w for w in design["warnings"])
    totals = design["totals"]
    assert totals["LUT"] == pytest.approx(
        sum(layer["LUT"] for layer in design["layers"]), abs=len(design["layers"])
    )
    unknown = estimate(model, Target(device="xc9unknown"))
    assert unknown["utilisation"] is None and any(
        "not in the device table" in w for w in unknown["warnings"]
    )
