"""Plugins in a compile, through the real CLI: options a hook returns are checked like the
blueprint's and attributed to the hook's plugin; FINN-style ``step(model, cfg)`` functions from a
legacy payload run as transforms."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest
from brainsmith.cli import main
from brainsmith.compile import read_provenance, run_model
from brainsmith.examples import example_model
from qonnx.core.modelwrapper import ModelWrapper

if TYPE_CHECKING:
    from conftest import FakeSite


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def compile_(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["compile", "-q", *map(str, args)])
    return code, capsys.readouterr().err


HOOKS_MANIFEST = 'schema = 1\nhooks = "{pkg}.hooks"\n'


def _hook_plugin(
    site: FakeSite, returned: str, transform: str = "qonnx:GiveUniqueNodeNames"
) -> None:
    site.manifest_plugin(
        "tuner",
        HOOKS_MANIFEST,
        dist="brainsmith-plugin-tuner",
        version="2.3",
        files={
            "bsp_tuner/hooks.py": f"""
                from brainsmith import hookimpl


                @hookimpl
                def on_transform_before(transform, options):
                    if transform == "{transform}":
                        return {returned}
                    return None
                """
        },
    )


def test_invalid_option_from_a_hook_names_its_plugin(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], site: FakeSite
) -> None:
    _hook_plugin(site, '{"prefix": 5}')
    out = tmp_path / "o"
    code, err = compile_(capsys, "--example", "-o", out)
    assert code == 1, err
    assert "on_transform_before of plugin tuner (brainsmith-plugin-tuner 2.3)" in err
    assert "qonnx:GiveUniqueNodeNames" in err
    assert "option 'prefix' expects str, got int 5" in err
    assert "blueprint" not in err.split("fix:")[0]  # the blueprint is not to blame
    assert not (out / "model.onnx").exists()


def test_unknown_option_from_a_hook_names_its_plugin(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], site: FakeSite
) -> None:
    _hook_plugin(site, '{"prefx": "n_"}')
    code, err = compile_(capsys, "--example", "-o", tmp_path / "o")
    assert code == 1, err
    assert "plugin tuner (brainsmith-plugin-tuner 2.3), hook on_transform_before" in err
    assert "unknown option(s) 'prefx' (did you mean 'prefix'?)" in err


def test_option_from_a_hook_is_typed_like_the_blueprints(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], site: FakeSite
) -> None:
    """A hook writing ``1e-6`` as a string (as YAML 1.1 reads it) for a float option gets the
    float, and the report records what the transform received."""
    _hook_plugin(site, '{"atol": "1e-6"}', transform="qonnx:RemoveIdentityOps")
    out = tmp_path / "o"
    code, err = compile_(capsys, "--example", "--verify", "-o", out)
    assert code == 0, err
    report = json.loads((out / "compile_report.json").read_text())
    applied = [t for t in report["transforms"] if t["transform"] == "qonnx:RemoveIdentityOps"]
    assert applied and all(t["options"] == {"atol": 1e-6} for t in applied)


LEGACY_STEPS = """
    import numpy as np
    from onnx import helper, numpy_helper


    def register_all():
        return {
            "steps": [
                {"name": "step_scale_output", "module": "legacy_x.steps",
                 "func_name": "step_scale_output", "stage": "graph_optimization"},
                {"name": "step_broken", "module": "legacy_x.steps",
                 "func_name": "step_broken", "stage": "graph_optimization"},
            ]
        }
"""

STEPS = """
    import numpy as np
    from onnx import helper, numpy_helper


    def step_scale_output(model, cfg):
        '''Multiply the model's output by cfg.factor (FINN's step signature).'''
        graph = model.graph
        old = graph.output[0].name
        new = old + "_unscaled"
        for node in graph.node:
            for i, name in enumerate(node.output):
                if name == old:
                    node.output[i] = new
        factor = numpy_helper.from_array(np.asarray(cfg.factor, dtype=np.float32), "legacy_factor")
        graph.initializer.append(factor)
        graph.node.append(helper.make_node("Mul", [new, "legacy_factor"], [old]))
        return model


    def step_broken(model, cfg):
        return None
"""


def _legacy_plugin(site: FakeSite) -> None:
    site.fake_dist(
        "legacy-x",
        "0.9",
        entry_points={"legacyx": "legacy_x.integration:register_all"},
        files={
            "legacy_x/__init__.py": "",
            "legacy_x/integration.py": LEGACY_STEPS,
            "legacy_x/steps.py": STEPS,
        },
    )


def test_legacy_finn_step_runs_as_a_transform(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], site: FakeSite
) -> None:
    _legacy_plugin(site)
    out = tmp_path / "scaled"
    blueprint = tmp_path / "flow.yaml"
    blueprint.write_text(
        "stages:\n  graph_cleanup: [InferShapes]\n  graph_optimization:\n"
        "    - legacyx:step_scale_output: {factor: 2.0}\n"
    )
    code, err = compile_(capsys, "--example", "-b", blueprint, "-o", out)
    assert code == 0, err
    compiled = ModelWrapper(str(out / "model.onnx"))
    provenance = read_provenance(compiled)
    assert provenance is not None
    step = [t for t in provenance["transforms"] if t["transform"] == "legacyx:step_scale_output"]
    assert step == [
        {**step[0], "options": {"factor": 2.0}, "distribution": "legacy-x", "version": "0.9"}
    ]
    assert step[0]["modified"] is True
    original = ModelWrapper(example_model().SerializeToString())
    vi = original.graph.input[0]
    shape = [d.dim_value for d in vi.type.tensor_type.shape.dim]
    x = np.random.default_rng(0).integers(-128, 128, shape).astype(np.float32)
    (want,) = run_model(original, {vi.name: x})
    (got,) = run_model(compiled, {compiled.graph.input[0].name: x})
    np.testing.assert_allclose(got, 2.0 * want, rtol=1e-6)


def test_legacy_step_errors_name_the_step(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], site: FakeSite
) -> None:
    _legacy_plugin(site)
    blueprint = tmp_path / "flow.yaml"
    blueprint.write_text("stages:\n  graph_optimization: [legacyx:step_scale_output]\n")
    code, err = compile_(capsys, "--example", "-b", blueprint, "-o", tmp_path / "a")
    assert code == 1, err
    assert "transform legacyx:step_scale_output (legacy-x 0.9)" in err
    assert "reads cfg.factor, which the blueprint does not give" in err
    blueprint.write_text("stages:\n  graph_optimization: [legacyx:step_broken]\n")
    code, err = compile_(capsys, "--example", "-b", blueprint, "-o", tmp_path / "b")
    assert code == 1, err
    assert "legacy step legacy_x.steps.step_broken returned NoneType" in err


def test_quiet_prints_nothing_and_third_party_warnings_go_to_the_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], site: FakeSite
) -> None:
    site.manifest_plugin(
        "noisy",
        site.transforms_manifest("Noisy"),
        files={
            "bsp_noisy/transforms.py": """
                import warnings

                import numpy as np
                from qonnx.transformation.base import Transformation


                class Noisy(Transformation):
                    def apply(self, model):
                        warnings.warn("this library is getting old", UserWarning)
                        np.log(np.zeros(1))  # numpy's RuntimeWarning: divide by zero
                        return model, False
                """
        },
    )
    blueprint = tmp_path / "flow.yaml"
    blueprint.write_text("stages:\n  graph_cleanup: [noisy:Noisy, InferShapes]\n")
    out = tmp_path / "o"
    code, err = compile_(capsys, "--example", "-b", blueprint, "--verify", "-o", out)
    assert code == 0
    assert err == ""
    warnings = json.loads((out / "compile_report.json").read_text())["warnings"]
    assert "UserWarning: this library is getting old (bsp_noisy/transforms.py:10)" in warnings
    assert any(w.startswith("RuntimeWarning: divide by zero") for w in warnings), warnings
    capsys.readouterr()
    assert main(["compile", "--example", "-b", str(blueprint), "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "warning: UserWarning: this library is getting old" in err
    assert "warnings.warn(" not in err  # not Python's own printing


@pytest.mark.parametrize(
    ("entry", "refusal"),
    [
        ("qonnx:RemoveIdentityOps: {atol: .nan}", "atol must be a finite number >= 0, got nan"),
        ("qonnx:RemoveIdentityOps: {atol: -1}", "atol must be a finite number >= 0, got -1"),
        ("builtin:SizeFIFOs: {frames: 1}", "frames=1 must be an integer of at least 2"),
    ],
)
def test_option_values_a_constructor_refuses_are_blueprint_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], entry: str, refusal: str
) -> None:
    """Values of the right type that the transform's constructor refuses (ValueError) are
    found before anything runs, with the blueprint's file and line; nothing is written."""
    blueprint = tmp_path / "flow.yaml"
    blueprint.write_text(f"stages:\n  graph_cleanup:\n    - {entry}\n")
    out = tmp_path / "o"
    code, err = compile_(capsys, "--example", "-b", blueprint, "-o", out)
    assert code == 2, err
    assert f"{blueprint}:3" in err and refusal in err
    assert "graph_cleanup:" not in err.split("error:")[0]  # no transform ran
    assert not out.exists()


CHATTY = """
    import sys
    import warnings

    from qonnx.transformation.base import Transformation

    warnings.warn("{name} was imported", UserWarning)


    class Chatty(Transformation):
        def __init__(self, level: int = 1):
            super().__init__()
            warnings.warn(f"Chatty made at level {{level}}", UserWarning)
            if level == 99:
                sys.exit(3)

        def apply(self, model):
            return model, False
"""


def _chatty(site: FakeSite, name: str, tmp_path: Path, level: int) -> Path:
    site.manifest_plugin(
        name,
        site.transforms_manifest("Chatty"),
        files={f"bsp_{name}/transforms.py": CHATTY.format(name=name)},
    )
    blueprint = tmp_path / "flow.yaml"
    blueprint.write_text(f"stages:\n  graph_cleanup:\n    - {name}:Chatty: {{level: {level}}}\n")
    return blueprint


def test_quiet_covers_what_plugins_warn_while_the_blueprint_is_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], site: FakeSite
) -> None:
    """Validation imports the plugin and constructs transforms that take options: their
    warnings go to the report like the run's (they were printed under --quiet)."""
    blueprint = _chatty(site, "chatty", tmp_path, 2)
    out = tmp_path / "o"
    code, err = compile_(capsys, "--example", "-b", blueprint, "-o", out)
    assert (code, err) == (0, "")
    warnings = json.loads((out / "compile_report.json").read_text())["warnings"]
    assert any(w.startswith("UserWarning: chatty was imported (") for w in warnings), warnings
    assert any(w.startswith("UserWarning: Chatty made at level 2 (") for w in warnings)


def test_exit_in_a_constructor_while_the_blueprint_is_checked_is_the_plugins_failure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], site: FakeSite
) -> None:
    """A constructor calling exit() when validation builds it is left to the run, which names
    the plugin (it ended the process with that status, silently)."""
    blueprint = _chatty(site, "quitter", tmp_path, 99)
    code, err = compile_(capsys, "--example", "-b", blueprint, "-o", tmp_path / "o")
    assert code == 1, err
    assert "transform quitter:Chatty" in err and "failed in stage graph_cleanup" in err


def test_an_abstract_transform_is_refused_before_anything_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], site: FakeSite
) -> None:
    """A Transformation subclass without ``apply`` is a blueprint error naming what it lacks,
    found at validation (exit 2), not a failure in the middle of the run."""
    site.manifest_plugin(
        "abstract",
        site.transforms_manifest("Unfinished"),
        dist="brainsmith-plugin-abstract",
        files={
            "bsp_abstract/transforms.py": """
                from qonnx.transformation.base import Transformation


                class Unfinished(Transformation):
                    pass
                """
        },
    )
    blueprint = tmp_path / "flow.yaml"
    blueprint.write_text("stages:\n  graph_cleanup: [abstract:Unfinished]\n")
    out = tmp_path / "o"
    code, err = compile_(capsys, "--example", "-b", blueprint, "-o", out)
    assert code == 2, err
    assert f"{blueprint}:2" in err
    assert "abstract class Unfinished (it does not define apply)" in err
    assert not out.exists()
