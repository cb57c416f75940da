"""`brainsmith plugins` driven as a user would: real wheels, fresh venvs, the real command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ZOO = (
    "brainsmith-plugins-builtin",
    "brainsmith-plugin-good",
    "brainsmith-plugin-pluggyx",
    "brainsmith-plugin-faulty",
    "brainsmith-plugin-clash-a",
    "brainsmith-plugin-clash-b",
    "brainsmith-plugin-conflict-a",
    "brainsmith-plugin-conflict-b",
    "brainsmith-plugin-needy",
    "brainsmith-test-finn",
)


@pytest.fixture(scope="module")
def zoo(make_venv):
    """One environment holding every test plugin, plus one installed with --no-deps that
    needs a newer core (the drift pip would otherwise refuse)."""
    venv = make_venv(*ZOO)
    venv.install("brainsmith-plugin-newcore", no_deps=True)
    return venv


def states(listing: dict) -> dict[tuple[str, str], str]:
    return {(p["namespace"], p["distribution"]): p["state"] for p in listing["plugins"]}


def plugin(listing: dict, namespace: str) -> dict:
    (found,) = [p for p in listing["plugins"] if p["namespace"] == namespace]
    return found


def listing(venv, *args: str, env=None, cwd=None) -> tuple[dict, int]:
    result = venv.run("brainsmith", "plugins", "list", "--json", *args, env=env, cwd=cwd)
    assert result.stderr == "", result.stderr
    return json.loads(result.stdout), result.returncode


def test_list_gives_every_plugin_its_state(zoo):
    data, status = listing(zoo)
    assert status == 0
    assert states(data) == {
        ("badmanifest", "brainsmith-plugin-faulty"): "broken",
        ("badpayload", "brainsmith-plugin-faulty"): "not activated",
        ("builtin", "brainsmith-plugins-builtin"): "active",
        ("clash", "brainsmith-plugin-clash-a"): "incompatible",
        ("clash", "brainsmith-plugin-clash-b"): "incompatible",
        ("conflicta", "brainsmith-plugin-conflict-a"): "incompatible",
        ("conflictb", "brainsmith-plugin-conflict-b"): "incompatible",
        ("finn", "brainsmith-test-finn"): "not activated",
        ("good", "brainsmith-plugin-good"): "active",
        ("needy", "brainsmith-plugin-needy"): "active",
        ("newcore", "brainsmith-plugin-newcore"): "incompatible",
        ("nomodule", "brainsmith-plugin-faulty"): "not activated",
        ("pluggyx", "brainsmith-plugin-pluggyx"): "not activated",
        ("qonnx", "brainsmith-plugins-builtin"): "active",
        ("raises", "brainsmith-plugin-faulty"): "not activated",
        ("syntax", "brainsmith-plugin-faulty"): "not activated",
    }
    good = plugin(data, "good")
    assert good["version"] == "1.3.0"
    assert good["form"] == "manifest"
    assert good["components"] == {"transforms": 1, "kernels": 1, "backends": 1, "hw_transforms": 1}
    assert plugin(data, "pluggyx")["components"] is None
    assert data["core"] == {"version": "0.1.0", "plugin_api": "1.0"}
    assert data["ok"] is False


def test_incompatibility_messages_name_distribution_version_and_fix(zoo):
    data, _ = listing(zoo)
    newcore = plugin(data, "newcore")["problems"]
    assert [p["reason"] for p in newcore] == [
        "requires brainsmith-core>=9.0, but brainsmith-core 0.1.0 is running",
        "written for plugin API >=2,<3, but this core provides plugin API 1.0",
    ]
    assert newcore[0]["distribution"] == "brainsmith-plugin-newcore"
    assert newcore[0]["version"] == "2.0.0"
    assert "pip install 'brainsmith-core>=9.0'" in newcore[0]["fix"]

    clash = [p for p in data["plugins"] if p["namespace"] == "clash"]
    assert {p["problems"][0]["reason"] for p in clash} == {
        "namespace 'clash' is also claimed by brainsmith-plugin-clash-b 1.0.0",
        "namespace 'clash' is also claimed by brainsmith-plugin-clash-a 1.0.0",
    }
    conflict = plugin(data, "conflictb")["problems"][0]
    assert conflict["reason"] == (
        "cannot be active beside conflicta (brainsmith-plugin-conflict-a 1.0.0): "
        "conflicta declares conflicts = ['conflictb']"
    )
    broken = plugin(data, "badmanifest")["problems"][0]["reason"]
    assert "broken.toml: transforms[0]: missing required key 'stage'" in broken


def test_activation_faults_are_rows_and_others_keep_working(zoo):
    data, status = listing(zoo, "--activate")
    assert status == 0  # not strict: problems are reported, the command still succeeds
    reasons = {p["namespace"]: p["problems"][0]["reason"] for p in data["plugins"] if p["problems"]}
    assert reasons["raises"].startswith(  # with the plugin's file:line
        "importing 'brainsmith_plugin_faulty.raises' raised RuntimeError: "
        "database of kernels is unreachable (at "
    )
    assert reasons["raises"].endswith("/brainsmith_plugin_faulty/raises.py:1)")
    # found by the static checks before anything is imported
    assert reasons["syntax"].startswith(
        "entry point brainsmith_plugin_faulty.syntax_error: module "
        "'brainsmith_plugin_faulty.syntax_error' does not compile: SyntaxError: invalid syntax (at "
    )
    assert reasons["syntax"].endswith("syntax_error.py:1)")
    assert reasons["nomodule"] == (
        "entry point brainsmith_plugin_faulty_gone.hooks: module "
        "'brainsmith_plugin_faulty_gone.hooks' is not installed"
    )
    assert reasons["badpayload"].startswith(
        "malformed legacy payload from brainsmith_plugin_faulty.payload:register_all: "
        "kernels[0]: 'module' is missing"
    )
    for namespace in ("raises", "syntax", "nomodule", "badpayload"):
        assert plugin(data, namespace)["state"] == "broken"
    assert plugin(data, "pluggyx")["state"] == "active"
    assert plugin(data, "pluggyx")["components"] == {
        "transforms": 1,
        "kernels": 1,
        "backends": 0,
        "hw_transforms": 0,
    }
    assert plugin(data, "finn")["components"] == {
        "transforms": 1,
        "kernels": 3,
        "backends": 3,
        "hw_transforms": 2,
    }
    # another plugin's component still loads and runs
    code = (
        "from brainsmith import Session, Kind\n"
        "s = Session.from_environment()\n"
        "c = s.component(Kind.TRANSFORM, 'Tidy')\n"
        "print(c.qualified_name, s.load(c)(level=3).level)\n"
    )
    result = zoo.run("python", "-c", code, check=True)
    assert result.stdout.strip() == "good:Tidy 3"


def test_strict_turns_problems_into_failure(zoo):
    assert listing(zoo, "--strict")[1] == 1
    result = zoo.run("brainsmith", "plugins", "check")
    assert result.returncode == 1
    assert "error: raises (brainsmith-plugin-faulty 0.0.1): importing" in result.stdout
    assert "error: newcore (brainsmith-plugin-newcore 2.0.0): requires brainsmith-core>=9.0" in (
        result.stdout
    )
    assert result.stdout.rstrip().splitlines()[-1].startswith("FAILED: ")
    assert "Traceback" not in result.stdout + result.stderr


def test_listing_and_checking_never_import_manifest_plugins(zoo, tmp_path):
    log = tmp_path / "imports.log"
    env = {"BRAINSMITH_TEST_IMPORT_LOG": str(log)}
    zoo.run("brainsmith", "plugins", "list", env=env, check=True)
    zoo.run("brainsmith", "plugins", "list", "--json", env=env, check=True)
    zoo.run("brainsmith", "plugins", "check", env=env)
    zoo.run("brainsmith", "plugins", "show", "good", env=env, check=True)
    assert not log.exists()
    code = (
        "import sys\n"
        "from brainsmith import Session\n"
        "s = Session.from_environment()\n"
        "s.check()\n"
        "print(sorted(m for m in sys.modules if m.startswith(('brainsmith_plugin_good', "
        "'brainsmith_plugin_needy', 'brainsmith_builtin', 'qonnx', 'onnx', 'numpy'))))\n"
    )
    assert zoo.run("python", "-c", code, env=env, check=True).stdout.strip() == "[]"
    code = (
        "from brainsmith import Session, Kind\n"
        "s = Session.from_environment()\n"
        "s.load(s.component(Kind.KERNEL, 'good:Scale'))\n"
    )
    zoo.run("python", "-c", code, env=env, check=True)
    assert log.read_text().split() == ["brainsmith_plugin_good"]


def test_show_legacy_finn_payload(zoo):
    result = zoo.run("brainsmith", "plugins", "show", "finn", "--json", check=True)
    data = json.loads(result.stdout)
    assert data["state"] == "active" and data["form"] == "legacy"
    by_name = {c["qualified_name"]: c for c in data["components"]}
    assert by_name["finn:MVAU"]["kind"] == "kernel"
    assert by_name["finn:StreamingFIFO"]["infrastructure"] is True
    assert by_name["finn:MVAU_rtl"] == {
        "kind": "backend",
        "name": "MVAU_rtl",
        "qualified_name": "finn:MVAU_rtl",
        "target": "finn.custom_op.fpgadataflow.rtl.matrixvectoractivation_rtl:MVAU_rtl",
        "description": "",
        "kernel": "finn:MVAU",
        "language": "rtl",
    }
    assert by_name["finn:InferQuantizedMatrixVectorActivation"]["kernels"] == ["MVAU"]
    assert by_name["finn:InferThresholdingLayer"]["kind"] == "hw_transform"
    assert by_name["finn:step_streamline"]["stage"] == "kernel_mapping"


def test_show_unknown_namespace_suggests(zoo):
    result = zoo.run("brainsmith", "plugins", "show", "goood")
    assert result.returncode == 2
    assert result.stderr.startswith(
        "error: no plugin with namespace 'goood' is installed (did you mean 'good'"
    )
    assert "Traceback" not in result.stderr


def write_project(folder: Path, table: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pyproject.toml").write_text(f'[project]\nname = "p"\n\n[tool.brainsmith]\n{table}\n')
    nested = folder / "src" / "deep"
    nested.mkdir(parents=True, exist_ok=True)
    return nested


def test_project_pins_are_enforced_all_at_once(zoo, tmp_path):
    cwd = write_project(
        tmp_path / "proj",
        'plugins = ["brainsmith-plugin-good>=2,<3", "brainsmith-plugin-absent>=1", '
        '"brainsmith-plugins-builtin>=0.1"]',
    )
    result = zoo.run("brainsmith", "plugins", "check", "--json", cwd=cwd)
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert data["settings"] == str(tmp_path / "proj" / "pyproject.toml")
    reasons = [p["reason"] for p in data["problems"]]
    pyproject = tmp_path / "proj" / "pyproject.toml"
    assert (
        f"version 1.3.0 does not satisfy the pin 'brainsmith-plugin-good>=2,<3' in {pyproject}"
        in reasons
    )
    assert f"pinned as 'brainsmith-plugin-absent>=1' in {pyproject} but not installed" in reasons
    assert states(data)[("-", "brainsmith-plugin-absent")] == "missing"
    assert states(data)[("good", "brainsmith-plugin-good")] == "incompatible"
    # the plugin requiring 'good' falls with it, and says why
    needy = plugin(data, "needy")["problems"][0]["reason"]
    assert needy == "requires plugin 'good>=1.0', which is incompatible"
    assert states(data)[("builtin", "brainsmith-plugins-builtin")] == "active"


def test_only_pinned_and_disable(zoo, tmp_path):
    cwd = write_project(
        tmp_path / "proj",
        'plugins = ["brainsmith-plugins-builtin", "brainsmith-plugin-good"]\n'
        'only-pinned = true\ndisable = ["qonnx"]',
    )
    data, _ = listing(zoo, cwd=cwd)
    active = sorted(p["namespace"] for p in data["plugins"] if p["state"] == "active")
    assert active == ["builtin", "good"]
    assert plugin(data, "qonnx")["state"] == "disabled"
    assert plugin(data, "needy")["problems"][0]["reason"] == (
        "brainsmith-plugin-needy is not pinned and only-pinned = true"
    )


def test_environment_switches(zoo):
    data, _ = listing(zoo, env={"BRAINSMITH_PLUGINS": "builtin,qonnx"})
    assert sorted(p["namespace"] for p in data["plugins"] if p["state"] == "active") == [
        "builtin",
        "qonnx",
    ]
    assert plugin(data, "good")["problems"][0]["reason"] == "not named by BRAINSMITH_PLUGINS"

    data, _ = listing(zoo, env={"BRAINSMITH_DISABLE_PLUGIN_AUTOLOAD": "1"})
    assert {p["state"] for p in data["plugins"]} == {"disabled"}

    result = zoo.run("brainsmith", "plugins", "check", env={"BRAINSMITH_PLUGINS": "buitlin"})
    assert result.returncode == 1
    assert (
        "BRAINSMITH_PLUGINS names 'buitlin', but no installed plugin has that namespace "
        "(did you mean 'builtin'?)"
    ) in result.stdout


def test_unknown_disable_name_is_an_error(zoo, tmp_path):
    cwd = write_project(tmp_path / "proj", 'disable = ["nope"]')
    result = zoo.run("brainsmith", "plugins", "check", cwd=cwd)
    assert result.returncode == 1
    assert "disable names 'nope', but no installed plugin has that namespace" in result.stdout


def test_bad_project_settings_are_one_clear_error(zoo, tmp_path):
    cwd = write_project(tmp_path / "proj", 'plugins = ["good >>> 2"]\nunknown-key = 1')
    result = zoo.run("brainsmith", "plugins", "list", cwd=cwd)
    assert result.returncode == 2
    assert result.stderr.startswith("error: ")
    assert "unknown setting(s) 'unknown-key'" in result.stderr
    assert "Traceback" not in result.stderr


def test_pip_installed_plugin_appears_in_the_next_listing_and_lock_reproduces(
    make_venv, wheelhouse, tmp_path
):
    venv = make_venv("brainsmith-plugins-builtin", seed=True)
    data, _ = listing(venv)
    assert states(data) == {
        ("builtin", "brainsmith-plugins-builtin"): "active",
        ("qonnx", "brainsmith-plugins-builtin"): "active",
    }
    assert plugin(data, "builtin")["components"]["transforms"] >= 1

    # a plugin requiring a plugin that is not there yet
    venv.run(
        "python",
        "-m",
        "pip",
        "install",
        "--quiet",
        "--no-deps",
        wheelhouse.wheel("brainsmith-plugin-needy"),
        check=True,
    )
    data, _ = listing(venv)
    assert plugin(data, "needy")["problems"][0]["reason"] == (
        "requires plugin 'good>=1.0', which is not installed"
    )

    venv.run(
        "python",
        "-m",
        "pip",
        "install",
        "--quiet",
        "--no-deps",
        wheelhouse.wheel("brainsmith-plugin-good"),
        check=True,
    )
    data, _ = listing(venv)
    assert plugin(data, "good")["state"] == "active"
    assert plugin(data, "needy")["state"] == "active"
    assert venv.run("brainsmith", "plugins", "check").returncode == 0

    lock = tmp_path / "plugins.lock"
    venv.run("brainsmith", "plugins", "lock", "-o", lock, check=True)
    assert lock.read_text().splitlines()[1:] == [
        "brainsmith-core==0.1.0",
        "brainsmith-plugin-good==1.3.0",
        "brainsmith-plugin-needy==0.5.0",
        "brainsmith-plugins-builtin==0.1.0",
    ]
    result = venv.run(
        "python",
        "-m",
        "pip",
        "install",
        "--no-index",
        "--find-links",
        wheelhouse.folder,
        "-r",
        lock,
        check=True,
    )
    assert "brainsmith-plugin-good==1.3.0" in result.stdout
