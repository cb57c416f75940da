"""The accelerator report through the real command: written for a dataflow compile (JSON with
the compile report's numbers, a well-formed self-contained HTML page with two SVG charts),
absent for a compile without hardware; FIFO depths, a missed target and an over-capacity
design shown; text escaped; listing plugins does not load matplotlib."""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from brainsmith.cli import main
from brainsmith.hardware import Target, estimate, is_kernel_node, read_folding
from brainsmith_builtin.hw_transforms.dataflow_pipeline import fifo_edges
from brainsmith_builtin.hw_transforms.set_folding import SetFolding
from brainsmith_builtin.report.document import JSON_NAME, RESOURCE_KINDS, accelerator_report
from brainsmith_builtin.report.hooks import write_accelerator_report
from brainsmith_builtin.report.page import HTML_NAME, render_html
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.core.onnx_exec import execute_onnx
from report_models import check_html, insert_fifos

ROOT = Path(__file__).resolve().parents[4]
TFC = ROOT / "tests" / "models" / "brevitas" / "tfc_w4a4" / "torchscript.onnx"

pytestmark = pytest.mark.skipif(not TFC.exists(), reason="no Brevitas exports in tests/models")


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """TFC compiled by ``brainsmith compile -b builtin:dataflow`` at 10,000 fps on xc7z020."""
    out = tmp_path_factory.mktemp("tfc") / "out"
    args = ["compile", str(TFC), "-b", "builtin:dataflow", "-o", str(out), "-q"]
    assert main([*args, "--target-fps", "10000", "--device", "xc7z020"]) == 0
    return out


def _target(report: dict[str, Any], **changes: Any) -> Target:
    fields = {k: v for k, v in report["target"].items() if k != "target_cycles"}
    return Target(**{**fields, **changes})


def test_the_json_carries_the_compile_reports_numbers(compiled: Path) -> None:
    report = json.loads((compiled / "compile_report.json").read_text())
    document = json.loads((compiled / JSON_NAME).read_text())
    assert {HTML_NAME, JSON_NAME} <= set(report["artifacts"])
    estimates, perf = report["estimates"], document["performance"]
    assert [layer["node"] for layer in document["layers"]] == [
        layer["node"] for layer in estimates["layers"]
    ]
    for ours, theirs in zip(document["layers"], estimates["layers"], strict=True):
        for key in ("kernel", "backend", "PE", "SIMD", "cycles", *RESOURCE_KINDS):
            assert ours[key] == theirs[key], (ours["node"], key)
        assert ours["bottleneck"] == (ours["cycles"] == estimates["max_cycles"])
    flagged = [layer["node"] for layer in document["layers"] if layer["bottleneck"]]
    assert estimates["bottleneck"] in flagged
    assert document["totals"] == estimates["totals"]
    for key in ("fps", "max_cycles", "bottleneck", "latency_cycles", "latency_us"):
        assert perf[key] == estimates[key]
    assert perf["meets_target"] is True and perf["target_cycles"] == 10_000
    assert perf["target_fps"] == 10_000 and document["target"] == report["target"]
    device = document["device"]
    assert device["name"] == "xc7z020" and device["capacity"] == estimates["device"]["capacity"]
    assert device["utilisation"] == estimates["utilisation"] and device["over_capacity"] == []
    mapping = report["mapping"]
    assert document["mapping"]["kernels"] == mapping["kernels"]
    assert document["mapping"]["partition"] == mapping["partition"]
    assert document["mapping"]["software"] == [
        {k: s[k] for k in ("node", "op_type", "reasons")} for s in mapping["software"]
    ]
    assert document["mapping"]["software"], "TFC keeps its float pre/post-processing in software"


def test_the_html_is_one_well_formed_self_contained_page(compiled: Path) -> None:
    page = (compiled / HTML_NAME).read_text(encoding="utf-8")
    document = json.loads((compiled / JSON_NAME).read_text())
    tree = check_html(page)
    assert tree.declarations == ["DOCTYPE html"]
    assert tree.tags.count("svg") == 2
    assert not {"script", "link", "img", "iframe", "object", "embed"} & set(tree.tags)
    for tag, name, value in tree.attributes:
        assert name != "src", tag
        if name in {"href", "xlink:href"}:
            assert (value or "").startswith("#"), (tag, value)  # only ids inside the page
    assert not re.search(r"https?:|file:|@import|url\((?!#)", page, re.IGNORECASE)
    text = " ".join(tree.text)
    for layer in document["layers"]:
        assert layer["node"] in text
    for software in document["mapping"]["software"]:
        assert software["node"] in text
    assert "meets the target" in text and "xc7z020" in text
    bottleneck = document["performance"]["bottleneck"]
    row = re.search(r'<tr class="([^"]*)"><td>' + re.escape(bottleneck), page)
    assert row is not None and "bottleneck" in row.group(1)


def test_no_report_without_hardware(tmp_path: Path) -> None:
    assert main(["compile", "--example", "-o", str(tmp_path), "-q"]) == 0
    report = json.loads((tmp_path / "compile_report.json").read_text())
    assert report["estimates"] is None and report["artifacts"] == []
    assert not (tmp_path / JSON_NAME).exists() and not (tmp_path / HTML_NAME).exists()
    folder = tmp_path / "staging"
    folder.mkdir()
    assert write_accelerator_report(None, folder, report) == []
    assert list(folder.iterdir()) == []


def test_the_sized_fifos_are_shown_on_their_layers(compiled: Path) -> None:
    """The dataflow blueprint inserts and sizes a FIFO on every stream between kernels: each
    depth shows on the layer before it (fifo_out) and after it (fifo_in)."""
    document = json.loads((compiled / JSON_NAME).read_text())
    model = ModelWrapper(str(compiled / "model.onnx"))
    edges = fifo_edges(model)
    assert edges
    layers = {layer["node"]: layer for layer in document["layers"]}
    for edge in edges:
        assert layers[edge.fifo]["depth"] == edge.depth
        assert edge.depth in layers[edge.producer]["fifo_out"]
        assert edge.depth in layers[edge.consumer]["fifo_in"]


@pytest.fixture(scope="module")
def mapped(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """TFC compiled up to kernel_optimization (folded and specialised; no FIFOs yet), for
    tests that refold it or place FIFOs of their own."""
    out = tmp_path_factory.mktemp("tfc-mapped") / "out"
    args = ["compile", str(TFC), "-b", "builtin:dataflow", "-o", str(out), "-q"]
    stop = ["--stop-stage", "kernel_optimization"]
    assert main([*args, *stop, "--target-fps", "10000", "--device", "xc7z020"]) == 0
    return out


def test_fifo_depths_on_each_layers_streams(mapped: Path) -> None:
    report = json.loads((mapped / "compile_report.json").read_text())
    model = ModelWrapper(str(mapped / "model.onnx"))
    plain = copy.deepcopy(model)
    placed = insert_fifos(model, [32, 8, 64])
    assert len(placed) == 3
    name = model.graph.input[0].name
    shape = model.get_tensor_shape(name)
    feed = {name: np.random.default_rng(0).uniform(-1, 1, size=shape).astype(np.float32)}
    out = model.graph.output[0].name
    assert (execute_onnx(model, feed)[out] == execute_onnx(plain, feed)[out]).all()
    report["estimates"] = estimate(model, _target(report))
    document = accelerator_report(model, report)
    assert document is not None
    layers = {layer["node"]: layer for layer in document["layers"]}
    for (producer, consumer), depth in placed.items():
        assert depth in layers[producer]["fifo_out"] and depth in layers[consumer]["fifo_in"]
        assert layers[f"FIFO_{producer}"]["depth"] == depth
    first = next(iter(placed))
    assert layers[f"DWC_{first[0]}"]["fifo_in"] == [placed[first]]  # seen through the converter
    kernels = [n.name for n in model.graph.node if is_kernel_node(n)]
    assert list(layers) == kernels
    page = render_html(document)
    check_html(page)
    assert "depth 64" in page and re.search(r'<td class="n">64</td>', page)


def test_a_missed_target_names_the_limiting_layer(mapped: Path) -> None:
    report = json.loads((mapped / "compile_report.json").read_text())
    model = ModelWrapper(str(mapped / "model.onnx")).transform(SetFolding(target_cycles=10))
    target = _target(report, fps=None, cycles_per_frame=10)
    report["target"], report["estimates"] = target.to_json(), estimate(model, target)
    report["folding"] = read_folding(model)
    document = accelerator_report(model, report)
    assert document is not None
    perf = document["performance"]
    assert perf["meets_target"] is False and perf["target_cycles"] == 10
    assert perf["limiting"] == report["folding"]["limiting"] and perf["limiting"] is not None
    page = render_html(document)
    check_html(page)
    assert "misses the target" in page and f"limiting layer {perf['limiting']['node']}" in page
    assert "target 10,000,000 fps = 10 cycles per frame" in page


def test_an_over_capacity_design_is_shown_in_red(mapped: Path) -> None:
    report = json.loads((mapped / "compile_report.json").read_text())
    model = ModelWrapper(str(mapped / "model.onnx")).transform(
        SetFolding(target_cycles=1, max_weight_stream_width=1 << 20)
    )
    report["estimates"] = estimate(model, _target(report, fps=None, cycles_per_frame=1))
    document = accelerator_report(model, report)
    assert document is not None
    assert "LUT" in document["device"]["over_capacity"]
    assert document["device"]["utilisation"]["LUT"] > 1
    page = render_html(document)
    check_html(page)
    assert "does not fit xc7z020" in page
    lut = f"{document['totals']['LUT']:,}"
    assert f'<td class="n over">{lut}</td>' in page  # the LUT total, in red
    assert f'<div class="tile bad"><div class="k">LUT</div><div class="v">{lut}</div>' in page


def test_every_text_is_escaped(compiled: Path) -> None:
    document = json.loads((compiled / JSON_NAME).read_text())
    hostile = '<script>alert("x")</script>&'
    document["model"] = hostile
    document["layers"][0]["node"] = hostile
    document["performance"]["bottleneck"] = hostile
    document["mapping"]["software"][0]["reasons"][0]["reason"] = hostile
    page = render_html(document)
    check_html(page)
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_listing_plugins_imports_no_matplotlib() -> None:
    code = (
        "import sys\n"
        "from brainsmith.cli import main\n"
        "main(['plugins', 'list'])\n"
        "main(['plugins', 'list', '--activate'])\n"
        "assert 'brainsmith_builtin.report.hooks' in sys.modules, 'the hookimpl is registered'\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'matplotlib'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert done.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("chromium") is None, reason="no chromium on this machine")
def test_a_headless_browser_renders_the_page(compiled: Path, tmp_path: Path) -> None:
    shot = tmp_path / "page.png"
    done = subprocess.run(
        [
            "chromium", "--headless", "--no-sandbox", "--disable-gpu",
            "--enable-logging=stderr", "--v=0", f"--screenshot={shot}",
            "--window-size=1280,1600", (compiled / HTML_NAME).as_uri(),
        ],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert shot.stat().st_size > 10_000
    console = [line for line in done.stderr.splitlines() if "CONSOLE" in line]
    assert console == []


def test_without_target_or_device_the_page_says_so(compiled: Path) -> None:
    report = json.loads((compiled / "compile_report.json").read_text())
    model = ModelWrapper(str(compiled / "model.onnx"))
    target = Target()
    report["target"], report["estimates"] = target.to_json(), estimate(model, target)
    document = accelerator_report(model, report)
    assert document is not None and document["device"] is None
    assert document["performance"]["meets_target"] is None
    tree = check_html(render_html(document))
    text = " ".join(tree.text)
    assert tree.tags.count("svg") == 2
    assert "no target given" in text and "Resources (no device given)" in text
    assert "fps = " not in text and "dashed line is the target" not in text
    assert "mathdefault" not in text  # log-scale ticks as plain numbers, not TeX
