"""``--verify python|cppsim|rtlsim``: the compiled graph runs with every kernel node in the mode
its backend simulates in, bit-exact with its Python execution, within tolerance of the original.
Driven through the library entry point and the real command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from brainsmith.cli import main
from brainsmith.compile import VerificationError, compile_model
from brainsmith.errors import BrainsmithError

ROOT = Path(__file__).resolve().parents[4]
TFC = ROOT / "tests" / "models" / "brevitas" / "tfc_w2a2" / "torchscript.onnx"
CNV = ROOT / "tests" / "models" / "brevitas" / "cnv_w4a4" / "dynamo.onnx"

pytestmark = pytest.mark.skipif(not TFC.exists(), reason="no Brevitas exports in tests/models")


@pytest.mark.parametrize(
    ("model", "blueprint", "mode", "simulated", "fifos_in_python"),
    [
        (TFC, "builtin:dataflow", "cppsim", 4, 3),
        (CNV, "builtin:dataflow", "cppsim", 9, 8),
        (TFC, "builtin:dataflow-rtl", "rtlsim", 4 + 3, 0),
    ],
    ids=["tfc-cppsim", "cnv-cppsim", "tfc-rtlsim"],
)
def test_every_kernel_node_runs_in_the_mode(
    tmp_path: Path, model: Path, blueprint: str, mode: str, simulated: int, fifos_in_python: int
) -> None:
    """Compute kernels simulate in the mode; the inserted FIFOs (RTL only) too in rtlsim, in
    Python (the identity) under cppsim, each with its reason."""
    result = compile_model(model, blueprint=blueprint, output_dir=tmp_path, verify=mode)
    verification = result.verification
    assert verification is not None and verification.passed
    simulation = verification.simulation
    assert simulation is not None and simulation.mode == mode
    assert len(simulation.simulated) == simulated
    assert len(simulation.python) == fifos_in_python
    assert all(
        name.startswith("FIFO_") and "StreamingFIFO_rtl is an rtl backend" in reason
        for name, reason in simulation.python
    )
    assert all(o.max_abs_diff == 0.0 for o in simulation.outputs)
    report = json.loads(result.report_path.read_text())["verification"]
    assert report["mode"] == mode and report["simulation"]["passed"]


def test_rtlsim_of_hls_backends_says_why_each_node_ran_in_python(tmp_path: Path) -> None:
    result = compile_model(TFC, blueprint="builtin:dataflow", output_dir=tmp_path, verify="rtlsim")
    assert result.verification is not None
    simulation = result.verification.simulation
    assert simulation is not None
    assert len(simulation.simulated) == 3
    assert all(name.startswith("FIFO_") for name in simulation.simulated)
    assert len(simulation.python) == 4
    assert all("MVAU_hls is an hls backend" in reason for _, reason in simulation.python)


def test_an_unknown_mode_is_bad_input_before_anything_is_written(tmp_path: Path) -> None:
    with pytest.raises(BrainsmithError, match="verify='gates' is not a verification mode"):
        compile_model(TFC, output_dir=tmp_path / "out", verify="gates")
    assert not (tmp_path / "out").exists()


def test_the_command_takes_an_optional_mode(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # `--verify MODEL`: the model is not taken for a mode
    assert (
        main(["compile", "--verify", str(TFC), "-o", str(tmp_path / "a"), "-b", "builtin:dataflow"])
        == 0
    )
    assert "max abs diff 0 (ok" in capsys.readouterr().err
    assert (
        main(
            [
                "compile",
                str(TFC),
                "--verify",
                "cppsim",
                "-b",
                "builtin:dataflow",
                "-o",
                str(tmp_path / "b"),
            ]
        )
        == 0
    )
    err = capsys.readouterr().err
    assert "verify: cppsim: 4 kernel node(s) simulated, 3 in python" in err
    assert "cppsim vs python max abs diff 0 (bit-exact)" in err
    assert main(["compile", str(TFC), "--verify", "gates", "-o", str(tmp_path / "c")]) == 2
    err = capsys.readouterr().err
    assert "--verify 'gates' is not a verification mode" in err and "Traceback" not in err


def test_a_simulation_that_differs_fails_naming_the_mode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A backend computing something else (here: its channels in reverse order) fails."""
    from brainsmith_builtin.backends.nodes import hls_node

    real = hls_node.run_cppsim

    def reversed_channels(build, inputs):  # type: ignore[no-untyped-def]
        return [out[..., ::-1] for out in real(build, inputs)]

    monkeypatch.setattr(hls_node, "run_cppsim", reversed_channels)
    with pytest.raises(VerificationError, match="cppsim differs from the Python execution"):
        compile_model(TFC, blueprint="builtin:dataflow", output_dir=tmp_path, verify="cppsim")


def test_a_blueprint_extends_a_plugins_named_blueprint(tmp_path: Path) -> None:
    """``extends: builtin:dataflow`` starts from the plugin's blueprint; a name it does not
    ship is an error naming the file's extends."""
    mine = tmp_path / "mine.yaml"
    mine.write_text("extends: builtin:dataflow\ntarget: {fps: 5000}\n")
    result = compile_model(TFC, blueprint=mine, output_dir=tmp_path / "out", verify=True)
    assert result.report["blueprint"]["sources"][1].endswith("dataflow.yaml")
    assert result.report["mapping"]["kernels"]["MVAU"] == 4
    assert result.report["target"]["fps"] == 5000
    mine.write_text("extends: builtin:nope\n")
    with pytest.raises(BrainsmithError, match="ships no blueprint named 'nope'") as info:
        compile_model(TFC, blueprint=mine, output_dir=tmp_path / "bad")
    assert info.value.where == f"{mine}: extends"
