"""Build the Brevitas QONNX test models in this folder (run by hand; never imported by tests).

The repository does not depend on torch or Brevitas. The models, their reference outputs and
``models.json`` are committed; rerun this script only to regenerate them, from a separate venv::

    uv venv /work/brevitas-venv -p 3.11
    uv pip install -p /work/brevitas-venv torch brevitas onnx onnxscript onnxruntime qonnx \
        numpy onnxoptimizer
    /work/brevitas-venv/bin/python tests/models/brevitas/make_models.py

Versions used for the committed files: torch 2.15.0, brevitas 0.13.4, onnx 1.23.2,
onnxscript 0.7.2, onnxruntime 1.32.0, onnxoptimizer 0.4.2, qonnx 1.0.0, numpy 2.4.6, CPython 3.11
(``models.json`` records them too). Brevitas needs ``onnxoptimizer`` for any ONNX export.

What it writes, per model ``NAME`` (see ``MODELS.md`` for the table):

- ``NAME/torchscript.onnx``: ``brevitas.export.export_qonnx(..., dynamo=False)``, the
  TorchScript-based ``torch.onnx.export``;
- ``NAME/dynamo.onnx``: ``export_qonnx(..., dynamo=True, optimize=True)``, the
  ``torch.export``-based exporter;
- ``NAME/reference.npz``: ``inputs`` (``[n, *input_shape]``, float32) and ``outputs``
  (``[n, *output_shape]``, float32), the eval-mode torch outputs for ``n`` seeded inputs; both
  exports of a model share it, since they come from the same module.

and ``models.json`` (machine-readable: shapes, bit widths, seeds, versions, op types per export,
activation statistics and the max abs difference between qonnx execution and torch).

The networks are untrained but calibrated: weights come from PyTorch's default initialisation under
a fixed seed; then, in train mode with float activations and quantized weights, a few batches set
BatchNorm running statistics and the activation quantizers' scales (average of per-batch
percentile statistics, as in ``brevitas.graph.calibrate.calibration_mode``); then BatchNorm
statistics are re-estimated with quantization fully on; then ``eval()``. ``models.json`` records,
per activation quantizer, the fraction of outputs at zero (or -1) and at the largest level, so one
can see that activations are neither all saturated nor all zero.

Every export is checked before it is written: qonnx ``ModelWrapper`` + ``cleanup_model`` +
``execute_onnx`` on each reference input must match torch within ``--tolerance``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import platform
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import torch
from brevitas.export import export_qonnx
from brevitas.graph.calibrate import (
    extend_collect_stats_steps,
    finalize_collect_stats,
    quantization_status_manager,
    set_collect_stats_to_average,
)
from brevitas.nn import QuantConv2d, QuantHardTanh, QuantIdentity, QuantLinear, QuantReLU
from brevitas.quant import Int8ActPerTensorFloat
from brevitas.quant.binary import SignedBinaryActPerTensorConst, SignedBinaryWeightPerTensorConst
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.core.onnx_exec import execute_onnx
from qonnx.util.cleanup import cleanup_model
from torch import nn

HERE = Path(__file__).resolve().parent
EXPORTERS = ("torchscript", "dynamo")
CALIBRATION_BATCHES = 8
CALIBRATION_BATCH_SIZE = 64
REFERENCE_INPUTS = 4
INPUT_BIT_WIDTH = 8
"""Input quantizer width of the non-binary models (8-bit signed, as FINN's CNV feeds pixels)."""


@dataclass(frozen=True)
class ModelSpec:
    """One test network: how to build it and what to record about it."""

    name: str
    family: str
    weight_bit_width: int
    act_bit_width: int
    input_bit_width: int
    bias: bool
    input_shape: tuple[int, ...]
    seed: int
    build: Callable[[ModelSpec], nn.Module]
    description: str


def _hidden_activation(act_bit_width: int) -> nn.Module:
    """QuantHardTanh to bipolar {-1, +1} at 1 bit (FINN TFC-w1a1), else an unsigned QuantReLU."""
    if act_bit_width == 1:
        return QuantHardTanh(act_quant=SignedBinaryActPerTensorConst)
    return QuantReLU(bit_width=act_bit_width)


def _input_quantizer(input_bit_width: int) -> nn.Module:
    """Bipolar input at 1 bit, else a signed per-tensor float-scaled integer quantizer."""
    if input_bit_width == 1:
        return QuantIdentity(act_quant=SignedBinaryActPerTensorConst)
    return QuantIdentity(act_quant=Int8ActPerTensorFloat, bit_width=input_bit_width)


def _weight_kwargs(weight_bit_width: int) -> dict[str, Any]:
    """Bipolar weights (constant scale 1, values exactly -1/+1) at 1 bit, else narrow signed int."""
    if weight_bit_width == 1:
        return {"weight_quant": SignedBinaryWeightPerTensorConst, "weight_scaling_const": 1.0}
    return {"weight_bit_width": weight_bit_width}


def build_tfc(spec: ModelSpec) -> nn.Module:
    """TFC-like MLP 784-64-64-64-10.

    Input quantizer, then 3 x (QuantLinear, BatchNorm1d, activation quantizer), then QuantLinear.
    """
    layers: list[nn.Module] = [_input_quantizer(spec.input_bit_width)]
    features = [784, 64, 64, 64]
    for in_f, out_f in itertools.pairwise(features):
        layers += [
            QuantLinear(in_f, out_f, bias=spec.bias, **_weight_kwargs(spec.weight_bit_width)),
            nn.BatchNorm1d(out_f),
            _hidden_activation(spec.act_bit_width),
        ]
    layers.append(
        QuantLinear(features[-1], 10, bias=spec.bias, **_weight_kwargs(spec.weight_bit_width))
    )
    return nn.Sequential(*layers)


def build_cnv(spec: ModelSpec) -> nn.Module:
    """Small CNV-like CNN on 1x3x16x16 (no padding, as FINN's CNV).

    conv3x3(8) 14x14 - conv3x3(8) 12x12 - maxpool2 6x6 - conv3x3(16) 4x4 - maxpool2 2x2 -
    flatten 64 - linear(10); each conv followed by BatchNorm2d and QuantReLU.
    """
    wk = _weight_kwargs(spec.weight_bit_width)
    return nn.Sequential(
        _input_quantizer(spec.input_bit_width),
        QuantConv2d(3, 8, 3, bias=spec.bias, **wk),
        nn.BatchNorm2d(8),
        _hidden_activation(spec.act_bit_width),
        QuantConv2d(8, 8, 3, bias=spec.bias, **wk),
        nn.BatchNorm2d(8),
        _hidden_activation(spec.act_bit_width),
        nn.MaxPool2d(2),
        QuantConv2d(8, 16, 3, bias=spec.bias, **wk),
        nn.BatchNorm2d(16),
        _hidden_activation(spec.act_bit_width),
        nn.MaxPool2d(2),
        nn.Flatten(),
        QuantLinear(16 * 2 * 2, 10, bias=spec.bias, **wk),
    )


def _tfc(name: str, w: int, a: int, bias: bool, seed: int) -> ModelSpec:
    in_bits = 1 if a == 1 else INPUT_BIT_WIDTH
    return ModelSpec(
        name=name,
        family="tfc",
        weight_bit_width=w,
        act_bit_width=a,
        input_bit_width=in_bits,
        bias=bias,
        input_shape=(1, 784),
        seed=seed,
        build=build_tfc,
        description=(
            f"TFC-like MLP 784-64-64-64-10, w{w}a{a}, input quantizer {in_bits}-bit"
            f"{' bipolar' if in_bits == 1 else ' signed'}, "
            f"{'with' if bias else 'without'} float bias, BatchNorm1d per hidden layer"
        ),
    )


SPECS: tuple[ModelSpec, ...] = (
    _tfc("tfc_w4a4", 4, 4, bias=True, seed=1004),
    _tfc("tfc_w2a2", 2, 2, bias=True, seed=1002),
    _tfc("tfc_w1a1", 1, 1, bias=True, seed=1001),
    _tfc("tfc_w4a4_nobias", 4, 4, bias=False, seed=1014),
    ModelSpec(
        name="cnv_w4a4",
        family="cnv",
        weight_bit_width=4,
        act_bit_width=4,
        input_bit_width=INPUT_BIT_WIDTH,
        bias=True,
        input_shape=(1, 3, 16, 16),
        seed=2004,
        build=build_cnv,
        description=(
            "CNV-like CNN 1x3x16x16: conv3x3(8)-conv3x3(8)-maxpool2-conv3x3(16)-maxpool2-"
            "flatten-linear(10), w4a4, BatchNorm2d + QuantReLU after each conv, 8-bit signed input"
        ),
    ),
)


def make_inputs(spec: ModelSpec, count: int, generator: torch.Generator) -> torch.Tensor:
    """``count`` inputs ``[count, *input_shape[1:]]``: standard normal clipped to [-2, 2]."""
    return torch.randn((count, *spec.input_shape[1:]), generator=generator).clamp(-2.0, 2.0)


@contextmanager
def float_activation_statistics(model: nn.Module) -> Iterator[None]:
    """Activations in float, weights quantized, act quantizers averaging scale statistics."""
    manager = quantization_status_manager(
        model, call_act_quantizer_impl=True, disable_act_quant=True, is_training=True
    )
    with manager:
        model.apply(extend_collect_stats_steps)
        model.apply(set_collect_stats_to_average)
        yield
    model.apply(finalize_collect_stats)


def calibrate(model: nn.Module, spec: ModelSpec, generator: torch.Generator) -> None:
    """Set BatchNorm statistics and activation scales from seeded data; leave ``model`` in eval."""
    batches = [
        make_inputs(spec, CALIBRATION_BATCH_SIZE, generator) for _ in range(CALIBRATION_BATCHES)
    ]
    for module in model.modules():
        if isinstance(module, nn.modules.batchnorm._BatchNorm):
            module.momentum = None  # cumulative average over the calibration batches
    model.train()
    with torch.no_grad(), float_activation_statistics(model):
        for batch in batches:
            model(batch)
    # BatchNorm statistics again, now with the quantized activations feeding each layer.
    for module in model.modules():
        if isinstance(module, nn.modules.batchnorm._BatchNorm):
            module.reset_running_stats()
    with torch.no_grad():
        for batch in batches:
            model(batch)
    model.eval()


def activation_statistics(
    model: nn.Module, spec: ModelSpec, generator: torch.Generator
) -> dict[str, dict[str, float]]:
    """Per activation quantizer: fraction of outputs at the lowest and at the highest level."""
    stats: dict[str, dict[str, float]] = {}
    handles = []

    def hook(name: str) -> Callable[[nn.Module, Any, Any], None]:
        def record(_module: nn.Module, _inputs: Any, output: Any) -> None:
            values = getattr(output, "value", output).detach()
            low, high = values.min(), values.max()
            stats[name] = {
                "fraction_at_min": float((values == low).float().mean()),
                "fraction_at_max": float((values == high).float().mean()),
                "distinct_levels": float(torch.unique(values).numel()),
                "min": float(low),
                "max": float(high),
            }

        return record

    for name, module in model.named_modules():
        if isinstance(module, QuantReLU | QuantHardTanh | QuantIdentity):
            handles.append(module.register_forward_hook(hook(f"{name}:{type(module).__name__}")))
    with torch.no_grad():
        model(make_inputs(spec, 256, generator))
    for handle in handles:
        handle.remove()
    return stats


def export(model: nn.Module, spec: ModelSpec, exporter: str, path: Path) -> None:
    """Export ``model`` with Brevitas' QONNX manager to one self-contained ``.onnx`` file.

    The exporter is chosen with ``export_qonnx``'s ``dynamo`` argument. The dynamo exporter first
    writes the weights to a side file ``<path>.data``; exporting into a scratch folder and saving
    the loaded model again keeps every initializer inside the committed file.
    """
    example = torch.zeros(spec.input_shape)
    if exporter == "torchscript":
        options: dict[str, Any] = {"dynamo": False}
    elif exporter == "dynamo":
        options = {"dynamo": True, "optimize": True}
    else:
        raise ValueError(f"unknown exporter {exporter!r}; expected one of {EXPORTERS}")
    with tempfile.TemporaryDirectory() as scratch:
        exported = Path(scratch) / "model.onnx"
        export_qonnx(model, args=example, export_path=str(exported), **options)
        onnx.save(onnx.load(str(exported)), str(path), save_as_external_data=False)


def check_with_qonnx(
    path: Path, inputs: np.ndarray, outputs: np.ndarray
) -> tuple[float, dict[str, int]]:
    """Cleanup + execute ``path`` with qonnx per reference input; max abs diff and op histogram."""
    model = cleanup_model(ModelWrapper(str(path)))
    in_name = model.graph.input[0].name
    out_name = model.graph.output[0].name
    worst = 0.0
    for x, y in zip(inputs, outputs, strict=True):
        produced = execute_onnx(model, {in_name: x[np.newaxis]})[out_name]
        worst = max(worst, float(np.max(np.abs(produced - y[np.newaxis]))))
    ops = Counter(f"{n.domain + '.' if n.domain else ''}{n.op_type}" for n in model.graph.node)
    return worst, dict(sorted(ops.items()))


def tensor_shape(value_info: onnx.ValueInfoProto) -> list[int]:
    return [d.dim_value for d in value_info.type.tensor_type.shape.dim]


def make_model(spec: ModelSpec, exporters: tuple[str, ...], tolerance: float) -> dict[str, Any]:
    """Build, calibrate, export and check one model; returns its ``models.json`` entry."""
    torch.manual_seed(spec.seed)
    generator = torch.Generator().manual_seed(spec.seed)
    model = spec.build(spec)
    calibrate(model, spec, generator)
    folder = HERE / spec.name
    folder.mkdir(exist_ok=True)
    inputs = make_inputs(spec, REFERENCE_INPUTS, generator)
    with torch.no_grad():
        outputs = torch.cat([model(x.unsqueeze(0)) for x in inputs])
    ref_in = inputs.numpy().astype(np.float32)
    ref_out = outputs.numpy().astype(np.float32)
    np.savez_compressed(folder / "reference.npz", inputs=ref_in, outputs=ref_out)
    entry: dict[str, Any] = {
        "description": spec.description,
        "family": spec.family,
        "weight_bit_width": spec.weight_bit_width,
        "act_bit_width": spec.act_bit_width,
        "input_bit_width": spec.input_bit_width,
        "bias": spec.bias,
        "input_shape": list(spec.input_shape),
        "output_shape": [1, *ref_out.shape[1:]],
        "seed": spec.seed,
        "parameters": sum(p.numel() for p in model.parameters()),
        "reference": f"{spec.name}/reference.npz",
        "reference_inputs": REFERENCE_INPUTS,
        "activation_statistics": activation_statistics(model, spec, generator),
        "exports": {},
    }
    for exporter in exporters:
        path = folder / f"{exporter}.onnx"
        try:
            export(model, spec, exporter, path)
            diff, ops = check_with_qonnx(path, ref_in, ref_out)
        except Exception as error:  # recorded in models.json and printed: the point is to know why
            path.unlink(missing_ok=True)
            entry["exports"][exporter] = {"error": f"{type(error).__name__}: {error}"[:2000]}
            print(
                f"{spec.name}/{exporter}: FAILED {type(error).__name__}: {error}", file=sys.stderr
            )
            continue
        loaded = onnx.load(str(path))
        status = "ok" if diff <= tolerance else "MISMATCH"
        entry["exports"][exporter] = {
            "file": f"{spec.name}/{exporter}.onnx",
            "bytes": path.stat().st_size,
            "opset": {o.domain or "ai.onnx": o.version for o in loaded.opset_import},
            "input": {loaded.graph.input[0].name: tensor_shape(loaded.graph.input[0])},
            "output": {loaded.graph.output[0].name: tensor_shape(loaded.graph.output[0])},
            "ops_after_cleanup": ops,
            "max_abs_diff_qonnx_vs_torch": diff,
        }
        print(f"{spec.name}/{exporter}: {status} max|qonnx - torch| = {diff:.3g}, ops {ops}")
    return entry


def versions() -> dict[str, str]:
    names = (
        "torch",
        "brevitas",
        "onnx",
        "onnxscript",
        "onnxruntime",
        "onnxoptimizer",
        "qonnx",
        "numpy",
    )
    return {"python": platform.python_version(), **{n: version(n) for n in names}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="*", help="model names to (re)build; default all")
    parser.add_argument("--exporters", nargs="*", default=list(EXPORTERS), choices=EXPORTERS)
    parser.add_argument("--tolerance", type=float, default=1e-4)
    args = parser.parse_args(argv)
    wanted = [s for s in SPECS if not args.only or s.name in args.only]
    index_path = HERE / "models.json"
    index: dict[str, Any] = json.loads(index_path.read_text()) if index_path.exists() else {}
    index.setdefault("models", {})
    for spec in wanted:
        index["models"][spec.name] = make_model(spec, tuple(args.exporters), args.tolerance)
    index["versions"] = versions()
    index["generator"] = "tests/models/brevitas/make_models.py"
    index_path.write_text(json.dumps(index, indent=2, sort_keys=True) + "\n")
    failed = [
        f"{name}/{exp}"
        for name, entry in index["models"].items()
        for exp, result in entry["exports"].items()
        if "error" in result or result["max_abs_diff_qonnx_vs_torch"] > args.tolerance
    ]
    if failed:
        print(f"failed or mismatched: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
