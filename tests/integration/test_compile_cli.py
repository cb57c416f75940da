"""`brainsmith compile` as a user runs it: wheels in a fresh venv, the real command."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

MAKE_MODEL = textwrap.dedent(
    """
    import sys
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper, save
    rng = np.random.default_rng(0)
    w = numpy_helper.from_array(rng.uniform(-1, 1, (8, 4)).astype(np.float32), "w")
    s = numpy_helper.from_array(np.array(0.25, dtype=np.float32), "s")
    nodes = [
        helper.make_node("Mul", ["x", "s"], ["scaled"], name="scale"),
        helper.make_node("MatMul", ["scaled", "w"], ["mm"], name="mm"),
        helper.make_node("Relu", ["mm"], ["y"], name="relu"),
    ]
    graph = helper.make_graph(
        nodes, "scaled_linear",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])],
        initializer=[w, s],
    )
    save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), sys.argv[1])
    """
)

BLUEPRINT = textwrap.dedent(
    """
    name: with-fusescales
    extends: {default}
    plugins: ["brainsmith-plugin-fusescales>=0.2"]
    edits:
      - insert_before: builtin:ExpandNorms
        transform: fusescales:FuseScales
    """
)


@pytest.fixture(scope="module")
def venv(make_venv):  # type: ignore[no-untyped-def]
    return make_venv("brainsmith-plugins-builtin", "brainsmith-plugin-fusescales")


def test_readme_main_job(venv, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = venv.run(
        "brainsmith", "compile", "--example", "--verify", "-o", "build/example", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "build/example/compile_report.json").read_text())
    assert report["verification"]["passed"] is True
    assert (tmp_path / "build/example/model.onnx").is_file()
    assert "verify: output" in result.stderr


def test_third_party_transform_in_a_blueprint(venv, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    model = tmp_path / "scaled.onnx"
    venv.run("python", "-c", MAKE_MODEL, str(model), check=True)
    default = venv.run(
        "python",
        "-c",
        "from brainsmith.compile import DEFAULT_BLUEPRINT; print(DEFAULT_BLUEPRINT)",
        check=True,
    ).stdout.strip()
    blueprint = tmp_path / "flow.yaml"
    blueprint.write_text(BLUEPRINT.format(default=default))
    result = venv.run(
        "brainsmith",
        "compile",
        str(model),
        "-b",
        str(blueprint),
        "--verify",
        "--json",
        "-o",
        str(tmp_path / "out"),
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    fuse = [t for t in report["transforms"] if t["transform"] == "fusescales:FuseScales"]
    assert fuse == [
        {
            **fuse[0],
            "distribution": "brainsmith-plugin-fusescales",
            "version": "0.2.0",
            "modified": True,
            "stage": "topology_optimization",
        }
    ]
    assert report["verification"]["passed"] is True
    assert {
        "namespace": "fusescales",
        "distribution": "brainsmith-plugin-fusescales",
        "version": "0.2.0",
    } in report["plugins"]
    ops = venv.run(
        "python",
        "-c",
        "import sys, onnx; print([n.op_type for n in onnx.load(sys.argv[1]).graph.node])",
        str(tmp_path / "out/model.onnx"),
        check=True,
    ).stdout
    assert ops.strip() == "['MatMul', 'Relu']"


def test_unmet_blueprint_requirement_is_reported(venv, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    blueprint = tmp_path / "needs.yaml"
    blueprint.write_text(
        'plugins: ["brainsmith-plugin-fusescales>=9"]\nstages: {graph_cleanup: [InferShapes]}\n'
    )
    result = venv.run(
        "brainsmith",
        "compile",
        "--example",
        "-b",
        str(blueprint),
        "-o",
        str(tmp_path / "o"),
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert "brainsmith-plugin-fusescales>=9: brainsmith-plugin-fusescales 0.2.0 is installed" in (
        result.stderr
    )
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "o/model.onnx").exists()
