"""The RTL backends' LUT/FF estimates against yosys ``synth_xilinx`` on three configurations
each. The ratio band asserted here is the one stated in docs/hardware.md ("Estimates").

yosys results are cached in pytest's cache, keyed by the synthesised design, so a re-run costs
nothing; a cold run synthesises 12 small designs (about a minute on 2 cores).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from typing import Any

import numpy as np
import pytest
from brainsmith.hardware import Resources
from brainsmith_builtin.backends.rtl.synthesis import synthesize
from onnx import helper
from qonnx.custom_op.registry import getCustomOp

pytestmark = pytest.mark.skipif(shutil.which("yosys") is None, reason="yosys is not installed")

DOMAIN = "brainsmith.builtin"
LUT_BAND = (0.5, 2.0)
"""estimate / yosys for LUTs (LUTRAM cells counted as the LUTs they occupy)."""
FF_BAND = (0.6, 1.6)
"""estimate / yosys for flip-flops."""

# LUT sites each yosys distributed-memory primitive occupies (UG474, "Distributed RAM").
_LUTRAM_SITES = {
    "RAM32M": 4,
    "RAM64M": 4,
    "RAM32X1D": 2,
    "RAM64X1D": 2,
    "RAM128X1D": 4,
    "RAM32X1S": 1,
    "RAM64X1S": 1,
    "RAM128X1S": 2,
    "RAM256X1S": 4,
    "SRL16E": 1,
    "SRLC32E": 1,
}


def _node(op_type: str, inputs: list[str], **attrs: Any) -> Any:
    node = helper.make_node(op_type, inputs, ["y"], domain=DOMAIN, name=f"{op_type}_0", **attrs)
    return getCustomOp(node)


def _mvau(mw: int, mh: int, simd: int, pe: int, wdt: str, odt: str) -> tuple[Any, dict[str, Any]]:
    rng = np.random.default_rng(mw * mh + simd + pe)
    if wdt == "BIPOLAR":
        w = rng.choice([-1.0, 1.0], size=(mw, mh))
    else:
        w = rng.integers(-8, 8, size=(mw, mh)).astype(np.float64)
    tensors: dict[str, Any] = {"W": w}
    inputs = ["x", "W"]
    no_act = odt.startswith("INT")
    if not no_act:
        steps = 2 ** int(odt.removeprefix("UINT")) - 1
        tensors["T"] = np.sort(rng.integers(-40, 40, size=(mh, steps)), axis=1).astype(float)
        inputs.append("T")
    node = _node(
        "MVAU_rtl",
        inputs,
        MW=mw,
        MH=mh,
        SIMD=simd,
        PE=pe,
        inputDataType="INT4",
        weightDataType=wdt,
        outputDataType=odt,
        accDataType="INT16",
        noActivation=int(no_act),
    )
    return node, tensors


def _thresholding(channels: int, pe: int, steps: int) -> tuple[Any, dict[str, Any]]:
    rng = np.random.default_rng(channels + pe)
    t = np.sort(rng.integers(-8, 8, size=(channels, steps)), axis=1).astype(float)
    node = _node(
        "Thresholding_rtl",
        ["x", "T"],
        NumChannels=channels,
        PE=pe,
        numSteps=steps,
        inputDataType="INT4",
        weightDataType="INT5",
        outputDataType=f"UINT{steps.bit_length()}",
    )
    return node, {"T": t}


def _fifo(depth: int, elements: int) -> tuple[Any, dict[str, Any]]:
    node = _node(
        "StreamingFIFO_rtl",
        ["x"],
        depth=depth,
        folded_shape=[1, 4, elements],
        normal_shape=[1, 4 * elements],
        dataType="UINT4",
    )
    return node, {}


def _dwc(in_width: int, out_width: int) -> tuple[Any, dict[str, Any]]:
    node = _node(
        "StreamingDataWidthConverter_rtl",
        ["x"],
        inWidth=in_width,
        outWidth=out_width,
        shape=[1, 96],
        dataType="UINT4",
    )
    return node, {}


CONFIGURATIONS = {
    "mvau-16x8-simd2-pe2-int4-acc": lambda: _mvau(16, 8, 2, 2, "INT4", "INT16"),
    "mvau-32x16-simd8-pe4-int4-uint2": lambda: _mvau(32, 16, 8, 4, "INT4", "UINT2"),
    "mvau-32x32-simd8-pe4-bipolar-w-uint2": lambda: _mvau(32, 32, 8, 4, "BIPOLAR", "UINT2"),
    "thresholding-16-pe1-3steps": lambda: _thresholding(16, 1, 3),
    "thresholding-16-pe4-3steps": lambda: _thresholding(16, 4, 3),
    "thresholding-64-pe8-7steps": lambda: _thresholding(64, 8, 7),
    "fifo-depth2-8bit": lambda: _fifo(2, 2),
    "fifo-depth16-16bit": lambda: _fifo(16, 4),
    "fifo-depth64-32bit": lambda: _fifo(64, 8),
    "dwc-8-to-32": lambda: _dwc(8, 32),
    "dwc-32-to-8": lambda: _dwc(32, 8),
    "dwc-24-to-32": lambda: _dwc(24, 32),
}


def yosys_counts(config: pytest.Config, node: Any, tensors: dict[str, Any]) -> tuple[int, int]:
    """(LUT-equivalents, flip-flops) of the node's design after ``synth_xilinx``, cached."""
    design = node.rtl_engine(tensors).design()
    key = hashlib.sha256(
        repr((design.top, design.resolved_parameters(), design.memories)).encode()
        + b"".join(p.read_bytes() for p in design.source_paths())
    ).hexdigest()[:24]
    cache = getattr(config, "cache", None)  # absent with -p no:cacheprovider
    cached = cache.get(f"brainsmith/yosys/{key}", None) if cache else None
    if cached is None:
        result = synthesize(design)
        luts = result.luts + sum(n * result.cells.get(c, 0) for c, n in _LUTRAM_SITES.items())
        cached = [luts, result.ffs]
        if cache:
            cache.set(f"brainsmith/yosys/{key}", cached)
    return int(cached[0]), int(cached[1])


@pytest.mark.parametrize("name", list(CONFIGURATIONS))
def test_rtl_estimate_is_within_the_band_of_yosys(
    name: str, request: pytest.FixtureRequest
) -> None:
    node, tensors = CONFIGURATIONS[name]()
    estimate = node.estimate_resources(None)
    assert isinstance(estimate, Resources)
    luts, ffs = yosys_counts(request.config, node, tensors)
    lut_ratio, ff_ratio = estimate.LUT / luts, estimate.FF / ffs
    print(
        json.dumps(
            {
                "config": name,
                "estimate": estimate.to_json(),
                "yosys": [luts, ffs],
                "lut_ratio": round(lut_ratio, 2),
                "ff_ratio": round(ff_ratio, 2),
            }
        )
    )
    assert estimate.BRAM_18K == 0 and estimate.DSP == 0  # shallow memories, LUT multipliers
    assert LUT_BAND[0] <= lut_ratio <= LUT_BAND[1], (name, estimate.LUT, luts)
    assert FF_BAND[0] <= ff_ratio <= FF_BAND[1], (name, estimate.FF, ffs)
