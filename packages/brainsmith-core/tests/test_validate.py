"""``plugins validate``'s checks one by one, and the kit's refusals of bad input (exit 2).

Building real wheels of broken scaffolds is tests/integration/test_plugin_kit.py's job.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import brainsmith.cli
import pytest
from brainsmith.plugins import Finding
from brainsmith.plugins._checks import (
    check_core_requirement,
    check_entry_point_value,
    check_manifest_data,
    check_target_kinds,
    is_bounded,
)
from brainsmith.plugins.records import Kind

TRANSFORM = {"name": "T", "stage": "graph_cleanup", "target": "kitmod:T"}


@pytest.fixture
def kitmod(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An importable module ``kitmod`` with a transform, a function and a hook."""
    (tmp_path / "kitmod.py").write_text(
        "from qonnx.transformation.base import Transformation\n"
        "from brainsmith import hookimpl\n\n"
        "class T(Transformation):\n    def apply(self, model):\n        return model, False\n\n"
        "def not_a_class():\n    pass\n"
    )
    (tmp_path / "kithooks_bad.py").write_text(
        "from brainsmith import hookimpl\n\n@hookimpl\ndef on_compile_end(report, epoch):\n"
        "    pass\n"
    )
    (tmp_path / "kithooks_good.py").write_text(
        "from brainsmith import hookimpl\n\n@hookimpl\ndef on_compile_end(report):\n    pass\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    for name in ("kitmod", "kithooks_bad", "kithooks_good"):
        sys.modules.pop(name, None)


@pytest.mark.parametrize(
    ("specifier", "bounded"),
    [(">=1,<2", True), ("~=1.2", True), ("==0.1.*", True), (">=1", False), ("!=2", False)],
)
def test_bounded_means_an_upper_bound(specifier: str, bounded: bool) -> None:
    assert is_bounded(specifier) is bounded


def test_the_core_requirement_must_exist_and_be_bounded() -> None:
    assert check_core_requirement(["brainsmith-core[compile]>=0.1,<0.2"], "M", "f") == []
    (missing,) = check_core_requirement(["qonnx>=0.4"], "M", "project.dependencies")
    assert "no requirement on brainsmith-core" in missing.message
    assert (missing.file, missing.field) == ("M", "project.dependencies")
    (unbounded,) = check_core_requirement(["brainsmith_core>=0.1"], "M", "f")
    assert "no upper bound" in unbounded.message and "<0.2" in unbounded.fix
    # an extra's conditional requirement does not count against the plugin
    assert (
        check_core_requirement(
            ["brainsmith-core>=0.1,<0.2", 'brainsmith-core>=0.1; extra == "x"'], "M", "f"
        )
        == []
    )
    # ... but it is not the unconditional one: a core required only by the test extra
    (extra_only,) = check_core_requirement(
        ["qonnx>=0.4", 'brainsmith-core[testing]<0.2,>=0.1; extra == "test"'], "M", "f"
    )
    assert "no requirement on brainsmith-core outside an extra" in extra_only.message
    assert "dependencies themselves" in extra_only.fix


def test_the_entry_point_must_be_an_object_reference() -> None:
    assert check_entry_point_value("pkg.sub:brainsmith_plugin.toml", "P", "ep") == []
    assert check_entry_point_value("pkg.hooks", "P", "ep") == []
    (bad,) = check_entry_point_value("pkg:brainsmith-plugin.toml", "P", "ep")
    assert "not an object reference" in bad.message
    assert "pkg:brainsmith_plugin.toml" in bad.fix


def test_manifest_api_must_be_declared_and_bounded(kitmod: Path) -> None:
    base = {"schema": 1, "transforms": [TRANSFORM]}
    assert check_manifest_data({**base, "api": ">=1,<2"}, "m.toml") == []
    (missing,) = check_manifest_data(base, "m.toml")
    (unbounded,) = check_manifest_data({**base, "api": ">=1"}, "m.toml")
    assert missing.field == unbounded.field == "api"
    assert "no upper bound" in unbounded.message


def test_an_unknown_stage_is_named_with_a_suggestion(kitmod: Path) -> None:
    data = {"api": ">=1,<2", "transforms": [{**TRANSFORM, "stage": "kernel_mappign"}]}
    findings = check_manifest_data(data, "m.toml")
    assert findings[0].field == "transforms[0].stage"
    assert "did you mean 'kernel_mapping'" in findings[0].message


def test_a_schema_error_names_the_field(kitmod: Path) -> None:
    data = {"api": ">=1,<2", "transforms": [{**TRANSFORM, "stag": "x"}]}
    (finding,) = check_manifest_data(data, "m.toml")
    assert finding.file == "m.toml" and finding.field.startswith("transforms[0]")
    assert "stag" in finding.message and finding.fix


def test_targets_must_import_and_be_of_their_kind(kitmod: Path) -> None:
    targets = {
        "transform Good": "kitmod:T",
        "transform Gone": "kitmod_gone:T",
        "transform Missing": "kitmod:Nope",
        "hw_transform Func": "kitmod:not_a_class",
        "kernel Wrong": "kitmod:T",
    }
    kinds = {label: Kind(label.split()[0]) for label in targets}
    findings = {f.field: f for f in check_target_kinds(targets, kinds, "m.toml", "")}
    assert set(findings) == {
        "transforms[name='Gone'].target",
        "transforms[name='Missing'].target",
        "hw_transforms[name='Func'].target",
        "kernels[name='Wrong'].target",
    }
    assert "ModuleNotFoundError" in findings["transforms[name='Gone'].target"].message
    assert "has no attribute 'Nope'" in findings["transforms[name='Missing'].target"].message
    assert "not a subclass of qonnx's Transformation" in (
        findings["hw_transforms[name='Func'].target"].message
    )
    assert "CustomOp" in findings["kernels[name='Wrong'].target"].message


def test_a_module_exiting_at_import_is_a_finding_not_the_end_of_validate(kitmod: Path) -> None:
    (kitmod / "kitmod_exits.py").write_text("import sys\n\nsys.exit(3)\n")
    try:
        (finding,) = check_target_kinds({"hooks": "kitmod_exits"}, {}, "m.toml", "")
    finally:
        sys.modules.pop("kitmod_exits", None)
    assert finding.field == "hooks" and "raised SystemExit: 3" in finding.message


def test_hook_implementations_are_checked_against_the_hookspecs(kitmod: Path) -> None:
    assert check_target_kinds({"hooks": "kithooks_good"}, {}, "m.toml", "") == []
    (finding,) = check_target_kinds({"hooks": "kithooks_bad"}, {}, "m.toml", "")
    assert finding.field == "hooks"
    assert "invalid hook implementation" in finding.message and "epoch" in finding.message


def test_a_finding_prints_file_field_and_fix() -> None:
    finding = Finding("m.toml", "api", "no range", "declare one")
    assert str(finding) == "m.toml: api: no range\n  fix: declare one"
    assert finding.to_json() == {
        "file": "m.toml",
        "field": "api",
        "message": "no range",
        "fix": "declare one",
    }


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = brainsmith.cli.main(list(argv))
    return code, capsys.readouterr().err


def test_validate_refuses_what_is_neither_folder_nor_distribution(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = run(capsys, "plugins", "validate", "brainsmith-plugin-nowhere")
    assert code == 2 and "neither a folder nor an installed distribution" in err
    code, err = run(capsys, "plugins", "validate", str(tmp_path))
    assert code == 2 and "no pyproject.toml" in err and str(tmp_path) in err


def test_install_never_touches_the_core_and_rejects_bad_specs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, err = run(capsys, "plugins", "install", "brainsmith-core>=0.2")
    assert code == 2 and "never changes brainsmith-core" in err and "fix:" in err
    code, err = run(capsys, "plugins", "install", "not a requirement!")
    assert code == 2 and "is not a requirement" in err
    code, err = run(capsys, "plugins", "uninstall", "brainsmith-core")
    assert code == 2 and "never removes brainsmith-core" in err


def test_install_refuses_a_missing_wheel_and_a_wheel_of_the_core(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "brainsmith_plugin_x-1.0-py3-none-any.whl"
    code, err = run(capsys, "plugins", "install", str(missing))
    assert code == 2 and "does not exist" in err and "fix:" in err and "Traceback" not in err
    core = tmp_path / "brainsmith_core-9.0.0-py3-none-any.whl"
    core.write_bytes(b"")
    code, err = run(capsys, "plugins", "install", str(core))
    assert code == 2 and "never changes brainsmith-core" in err


def test_uninstall_names_a_typo(capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run(capsys, "plugins", "uninstall", "biultin")
    assert code == 2
    assert "no installed plugin is named 'biultin'" in err and "did you mean 'builtin'" in err
