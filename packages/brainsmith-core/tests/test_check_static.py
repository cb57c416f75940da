"""``plugins check`` sees what would fail later, without executing plugin code (issue 8, item 4).

Each plugin is a real fake distribution whose package, if imported, would raise: any import
shows in the results (and in ``sys.modules``).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import pytest
from brainsmith.plugins._discovery import discover
from brainsmith.plugins._static_check import Finding, static_findings
from hostile_helpers import install_good, isolate, problems_of, run, state_of

if TYPE_CHECKING:
    from conftest import FakeSite

TRAP = "raise RuntimeError('plugin code was executed')\n"


@pytest.fixture
def plugins(site: FakeSite, monkeypatch: pytest.MonkeyPatch) -> FakeSite:
    isolate(site, monkeypatch)
    install_good(site)
    return site


def manifest(site: FakeSite, namespace: str, body: str, files: dict[str, str]) -> str:
    """A manifest plugin whose package raises when imported; returns its package name."""
    return site.manifest_plugin(
        namespace, body, files={f"bsp_{namespace}/__init__.py": TRAP, **files}
    )


def check_json(capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, object]]:
    result = run(capsys, "plugins", "check", "--json")
    assert "Traceback" not in result.err
    return result.code, result.json()


def test_a_syntax_error_in_a_hooks_module_is_found_with_file_and_line(
    plugins: FakeSite, capsys: pytest.CaptureFixture[str]
) -> None:
    pkg = manifest(
        plugins,
        "syn",
        plugins.transforms_manifest("T", extra='hooks = "{pkg}.hooks"'),
        {"bsp_syn/hooks.py": "x = 1\ndef on_stage_begin(:\n", "bsp_syn/transforms.py": TRAP},
    )
    hooks = plugins.root / pkg / "hooks.py"
    code, data = check_json(capsys)
    assert code == 1
    (problem,) = problems_of(data, "syn")  # type: ignore[arg-type]
    assert problem == {
        "severity": "error",
        "subject": "syn",
        "distribution": "brainsmith-plugin-syn",
        "version": "1.0",
        "reason": f"hooks module: module '{pkg}.hooks' does not compile: SyntaxError: "
        f"invalid syntax (at {hooks}:2)",
        "fix": f"fix line 2 of {hooks} and release brainsmith-plugin-syn again",
    }
    assert state_of(data, "syn") == "broken"  # type: ignore[arg-type]
    assert state_of(data, "good") == "active"  # type: ignore[arg-type]
    assert not [m for m in sys.modules if m.startswith(pkg)]


def test_a_syntax_error_in_a_target_module_is_found(
    plugins: FakeSite, capsys: pytest.CaptureFixture[str]
) -> None:
    pkg = manifest(
        plugins,
        "tsyn",
        plugins.transforms_manifest("A", "B"),
        {"bsp_tsyn/transforms.py": "class A:\n    pass\nclass B(\n"},
    )
    code, data = check_json(capsys)
    assert code == 1
    (problem,) = problems_of(data, "tsyn")  # type: ignore[arg-type]
    assert problem["reason"].startswith(  # type: ignore[index]
        f"transform A: module '{pkg}.transforms' does not compile: SyntaxError: "
    )
    assert f"(at {plugins.root / pkg / 'transforms.py'}:3)" in problem["reason"]  # type: ignore[index]


def test_a_misspelt_stage_is_an_error_with_did_you_mean(
    plugins: FakeSite, capsys: pytest.CaptureFixture[str]
) -> None:
    pkg = manifest(
        plugins,
        "typo",
        plugins.transforms_manifest("A", stage="graph_cleanp", extra='blueprints = "flows"')
        + '\n[[transforms]]\nname = "B"\nstage = "my_own_stage"\ntarget = "{pkg}.transforms:B"\n'
        + '\n[[transforms]]\nname = "C"\nstage = "quantize"\ntarget = "{pkg}.transforms:C"\n',
        {
            "bsp_typo/transforms.py": TRAP,
            # a stage of the plugin's own blueprint is known
            "bsp_typo/flows/q.yaml": "stages:\n  quantize: [typo:C]\n",
        },
    )
    result = run(capsys, "plugins", "check")
    manifest_file = plugins.root / pkg / "brainsmith_plugin.toml"
    assert result.code == 1
    assert result.out.splitlines()[1:5] == [
        "problems:",
        "  error: typo (brainsmith-plugin-typo 1.0): transform 'A' declares stage "
        "'graph_cleanp', which is not a known stage (did you mean 'graph_cleanup'?)",
        "    fix: use one of graph_cleanup, topology_optimization, kernel_mapping, "
        "kernel_optimization, graph_optimization, any, quantize (or a stage of the blueprint that "
        "runs it)",
        "  warning: typo (brainsmith-plugin-typo 1.0): transform 'B' declares stage "
        "'my_own_stage', which is not a known stage",
    ]
    assert "'quantize'" not in result.out
    findings = static_findings(next(r for r in discover(plugins.path) if r.namespace == "typo"))
    assert [(f.severity, f.file, f.field) for f in findings] == [
        ("error", str(manifest_file), "transforms[0].stage"),
        ("warning", str(manifest_file), "transforms[1].stage"),
    ]


def test_the_declared_blueprints_folder_must_be_installed_and_readable(
    plugins: FakeSite, capsys: pytest.CaptureFixture[str]
) -> None:
    pkg = manifest(
        plugins,
        "decl",
        plugins.transforms_manifest("A", extra='blueprints = "flows"'),
        {"bsp_decl/transforms.py": TRAP},
    )
    code, data = check_json(capsys)
    (problem,) = problems_of(data, "decl")  # type: ignore[arg-type]
    assert code == 1
    assert problem["reason"] == (
        f"the blueprints folder '{plugins.root / pkg / 'flows'}' is not installed"
    )
    (plugins.root / pkg / "flows").mkdir()
    (plugins.root / pkg / "flows" / "bad.yaml").write_text("stages: [unclosed\n")
    code, data = check_json(capsys)
    (problem,) = problems_of(data, "decl")  # type: ignore[arg-type]
    assert code == 1
    assert problem["reason"].startswith("blueprint 'bad' cannot be read: ")


def test_a_code_plugins_entry_point_module_is_checked_before_it_is_imported(
    plugins: FakeSite, capsys: pytest.CaptureFixture[str]
) -> None:
    plugins.fake_dist(
        "brainsmith-plugin-gone", "1.0", entry_points={"gone": "gone_pkg.plugin:hooks"}
    )
    code, data = check_json(capsys)
    assert code == 1
    (problem,) = problems_of(data, "gone")  # type: ignore[arg-type]
    assert problem["reason"] == (
        "entry point gone_pkg.plugin:hooks: module 'gone_pkg.plugin' is not installed"
    )
    assert "pip install --force-reinstall brainsmith-plugin-gone" in problem["fix"]


@pytest.mark.parametrize(
    ("namespace", "body", "files"),
    [
        (
            "syn",
            'schema = 1\nhooks = "{pkg}.hooks"\n',
            {"bsp_syn/hooks.py": "def broken(:\n"},
        ),
        (
            "gone",
            'schema = 1\n[[kernels]]\nname = "K"\ntarget = "{pkg}.missing:K"\n',
            {},
        ),
        (
            "typo",
            'schema = 1\n[[transforms]]\nname = "T"\nstage = "kernel_maping"\n'
            'target = "{pkg}.t:T"\n',
            {"bsp_typo/t.py": "class T:\n    pass\n"},
        ),
    ],
)
def test_check_and_show_agree(
    plugins: FakeSite,
    capsys: pytest.CaptureFixture[str],
    namespace: str,
    body: str,
    files: dict[str, str],
) -> None:
    manifest(plugins, namespace, body, files)
    checked = run(capsys, "plugins", "check", "--json").json()
    shown = run(capsys, "plugins", "show", namespace, "--json").json()
    listed = run(capsys, "plugins", "list", "--activate", "--json").json()
    assert state_of(checked, namespace) == shown["state"] == state_of(listed, namespace)
    assert shown["state"] == "broken"
    assert problems_of(checked, namespace)[0] == shown["problems"][0]


def test_static_findings_name_file_field_message_and_fix(plugins: FakeSite) -> None:
    pkg = manifest(
        plugins,
        "api",
        'schema = 1\nhooks = "{pkg}.hooks"\n[[kernels]]\nname = "K"\ntarget = "{pkg}.k:Kernel"\n',
        {"bsp_api/hooks.py": "pass\n", "bsp_api/k.py": "class Kernal:\n    pass\n"},
    )
    (record,) = [r for r in discover(plugins.path) if r.namespace == "api"]
    assert static_findings(record) == []  # attributes are only checked when asked
    (finding,) = static_findings(record, attributes=True)
    module = plugins.root / pkg / "k.py"
    assert finding == Finding(
        "error",
        str(plugins.root / pkg / "brainsmith_plugin.toml"),
        "kernels[0].target",
        f"kernel K: module '{pkg}.k' ({module}) defines no 'Kernel' (did you mean 'Kernal'?)",
        f"fix the target {pkg}.k:Kernel, or define Kernel in {module}",
    )
    assert not [m for m in sys.modules if m.startswith(pkg)]
