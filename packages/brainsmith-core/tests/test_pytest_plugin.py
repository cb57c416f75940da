"""The ``brainsmith`` pytest plugin, as a plugin author meets it: a test file in a fresh pytest
run (pytester, in a subprocess) gets the fixtures from the ``pytest11`` entry point alone, with
no conftest, and the assertions pass and fail as documented."""

from __future__ import annotations

import shutil
import textwrap

import pytest

pytest_plugins = ["pytester"]


def run(pytester: pytest.Pytester, source: str, *args: str) -> pytest.RunResult:
    pytester.makepyfile(test_author=textwrap.dedent(source))
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q", *args)


def test_the_fixtures_come_from_the_entry_point(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("--fixtures", "-q")
    for fixture in ("brainsmith_cli", "fake_distributions", "plugin_wheel_venv"):
        result.stdout.fnmatch_lines([f"{fixture} -- *brainsmith/testing/_pytest_plugin.py:*"])


def test_fake_distributions_are_listed_by_the_cli(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        def test_listing(fake_distributions, brainsmith_cli):
            fake_distributions.add_manifest_plugin(
                "demo", fake_distributions.transforms_manifest("Tidy"), version="2.5"
            )
            listed = brainsmith_cli("plugins", "list", cwd=fake_distributions.project)
            assert listed.exit_code == 0, listed
            row = next(line for line in listed.stdout.splitlines() if "demo" in line)
            assert "brainsmith-plugin-demo" in row and "2.5" in row

        def test_in_a_subprocess_too(fake_distributions, brainsmith_cli):
            fake_distributions.add_manifest_plugin(
                "other", fake_distributions.transforms_manifest("Tidy")
            )
            listed = brainsmith_cli(
                "plugins", "list", cwd=fake_distributions.project, subprocess=True
            )
            assert listed.exit_code == 0, listed
            assert "brainsmith-plugin-other" in listed.stdout

        def test_bad_input_exits_2_with_a_message(brainsmith_cli, tmp_path):
            failed = brainsmith_cli("compile", str(tmp_path / "missing.onnx"), "-o", str(tmp_path))
            assert failed.exit_code == 2
            assert failed.stderr.startswith("error:") and "missing.onnx" in failed.stderr

        def test_usage_errors_are_exit_codes(brainsmith_cli):
            assert brainsmith_cli("no-such-command").exit_code == 2
            shown = brainsmith_cli("--version")
            assert shown.exit_code == 0 and "brainsmith-core" in shown.stdout
        """,
    )
    result.assert_outcomes(passed=4)


def test_fake_plugins_are_forgotten_after_the_test(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import sys

        def test_imports_its_plugin(fake_distributions):
            fake_distributions.add("brainsmith-plugin-x", "1.0", files={"bsx/__init__.py": ""})
            import bsx

        def test_next_test_does_not_see_it():
            assert "bsx" not in sys.modules
            assert not any("site" in p and "test_imports_its" in p for p in sys.path)
        """,
    )
    result.assert_outcomes(passed=2)


PRESERVES = """
import numpy as np
from onnx import TensorProto, helper, numpy_helper
from brainsmith.testing import assert_preserves_outputs

def model():
    weight = numpy_helper.from_array(np.arange(6, dtype=np.float32).reshape(2, 3), "w")
    nodes = [
        helper.make_node("Identity", ["x"], ["i"]),
        helper.make_node("MatMul", ["i", "w"], ["y"]),
    ]
    graph = helper.make_graph(
        nodes, "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3])],
        initializer=[weight],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])

def drop_identity(wrapper):
    node = wrapper.graph.node[0]
    wrapper.graph.node[1].input[0] = node.input[0]
    wrapper.graph.node.remove(node)
    return wrapper

def nudge_weight(wrapper):
    wrapper.set_initializer("w", wrapper.get_initializer("w") + 0.5)
    return wrapper

INPUTS = {"x": np.array([[1.0, -2.0]], dtype=np.float32)}

def test_drop_identity_preserves():
    after = assert_preserves_outputs(drop_identity, model(), INPUTS)
    assert len(after.graph.node) == 1

def test_a_qonnx_transformation_class():
    from qonnx.transformation.general import GiveUniqueNodeNames
    assert_preserves_outputs(GiveUniqueNodeNames, model(), INPUTS)

def test_nudge_within_atol():
    assert_preserves_outputs(nudge_weight, model(), INPUTS, atol=2)

def test_nudge_breaks():
    assert_preserves_outputs(nudge_weight, model(), INPUTS)

def test_missing_inputs():
    assert_preserves_outputs(drop_identity, model(), {})
"""


def test_assert_preserves_outputs(pytester: pytest.Pytester) -> None:
    result = run(pytester, PRESERVES)
    result.assert_outcomes(passed=3, failed=2)
    result.stdout.fnmatch_lines(
        [
            "*nudge_weight changed output 'y' (shape (1, 3)): 3 elements differ, by up to 0.5*",
            "*AssertionError: inputs has no value for the graph inputs*'x'*",
        ]
    )


IN_PLACE = (
    PRESERVES.split("INPUTS = ", maxsplit=1)[0]
    + """
INPUTS = {"x": np.array([[1.0, -2.0]], dtype=np.float32)}

def test_in_place_drop_identity_preserves():
    after = assert_preserves_outputs(lambda w: drop_identity(w) and None, model(), INPUTS)
    assert len(after.graph.node) == 1

def test_in_place_nudge_breaks():
    assert_preserves_outputs(lambda w: nudge_weight(w) and None, model(), INPUTS)

def test_a_result_that_is_not_a_model():
    def count_nodes(wrapper):
        return len(wrapper.graph.node)
    assert_preserves_outputs(count_nodes, model(), INPUTS)
"""
)


def test_a_function_may_change_the_model_in_place(pytester: pytest.Pytester) -> None:
    result = run(pytester, IN_PLACE)
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines(
        [
            "*changed output 'y' (shape (1, 3)): 3 elements differ, by up to 0.5*",
            "*AssertionError: 'count_nodes' returned int: a function transform returns the "
            "ModelWrapper*",
        ]
    )
    result.stdout.no_fnmatch_line("*AttributeError*")


def test_assert_lists_without_importing(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import pytest
        from brainsmith.testing import assert_lists_without_importing

        def test_manifest_plugin_lists_without_importing(fake_distributions):
            fake_distributions.add_manifest_plugin(
                "quiet",
                fake_distributions.transforms_manifest("Tidy"),
                files={"bsp_quiet/__init__.py": "raise RuntimeError('imported!')"},
            )
            assert_lists_without_importing("quiet")
            assert_lists_without_importing("brainsmith-plugin-quiet")

        def test_unknown_plugin(fake_distributions):
            with pytest.raises(AssertionError, match="no plugin 'nobody'"):
                assert_lists_without_importing("nobody")
        """,
    )
    result.assert_outcomes(passed=2)


def test_the_conformance_check_is_re_exported() -> None:
    import brainsmith.testing
    from brainsmith.testing import conformance

    assert brainsmith.testing.check_kernel is conformance.check_kernel
    assert brainsmith.testing.ConformanceError is conformance.ConformanceError


@pytest.mark.skipif(shutil.which("uv") is None, reason="uv builds the wheel and the venv")
def test_plugin_wheel_venv_installs_a_built_plugin(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import textwrap

        def test_built_and_installed(plugin_wheel_venv, tmp_path):
            project = tmp_path / "brainsmith-plugin-wheely"
            package = project / "src" / "wheely"
            package.mkdir(parents=True)
            (project / "pyproject.toml").write_text(textwrap.dedent('''
                [build-system]
                requires = ["hatchling>=1.21"]
                build-backend = "hatchling.build"

                [project]
                name = "brainsmith-plugin-wheely"
                version = "0.3.0"
                requires-python = ">=3.11"
                dependencies = ["brainsmith-core>=0.1"]

                [project.entry-points."brainsmith.plugins"]
                wheely = "wheely:brainsmith-plugin.toml"

                [tool.hatch.build.targets.wheel]
                packages = ["src/wheely"]
            '''))
            (package / "__init__.py").write_text("")
            (package / "brainsmith-plugin.toml").write_text(textwrap.dedent('''
                schema = 1
                [[transforms]]
                name = "Tidy"
                stage = "graph_cleanup"
                target = "wheely.components:Tidy"
            '''))
            (package / "components.py").write_text("class Tidy: pass\\n")
            venv = plugin_wheel_venv(project)
            assert venv.wheel.name.startswith("brainsmith_plugin_wheely-0.3.0")
            assert venv.python.exists() and (venv.bin / "brainsmith").exists()
            listed = venv.brainsmith("plugins", "list", cwd=tmp_path)
            assert listed.exit_code == 0, listed
            assert "brainsmith-plugin-wheely" in listed.stdout and "0.3.0" in listed.stdout
            shown = venv.run("-c", "import wheely, sys; print(wheely.__file__)")
            assert str(venv.root) in shown.stdout
        """,
    )
    result.assert_outcomes(passed=1)
