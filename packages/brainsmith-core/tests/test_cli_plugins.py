"""``brainsmith plugins list/show/check/lock`` driven in-process over fake distributions.

The CLI discovers plugins on ``sys.path``; the fixture replaces ``sys.path`` with the fake site,
the standard library, the core's source folder and a folder of links to the import packages of
the core's own requirements (without their ``.dist-info``), so the real discovery sees only the
fake distributions (not the builtin plugin installed in the test environment) while the core's
imports (``packaging``, ``pluggy``, ...) still work when this file runs on its own.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import brainsmith
import brainsmith.cli
import brainsmith.cli.compile
import brainsmith.cli.plugins
import brainsmith.plugins.session
import pytest

if TYPE_CHECKING:
    from conftest import FakeSite

CORE_SRC = str(Path(brainsmith.__file__).parent.parent)
TABLE_HEADER = (
    "NAMESPACE  DISTRIBUTION          VERSION  STATE          TRANSFORMS  KERNELS  BACKENDS  "
    "HW_TRANSFORMS  SOURCE"
)


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


@dataclass
class Cli:
    site: FakeSite
    capsys: pytest.CaptureFixture[str]

    def __call__(self, *argv: str) -> Result:
        code = brainsmith.cli.main(list(argv))
        captured = self.capsys.readouterr()
        return Result(code, captured.out, captured.err)


@pytest.fixture(scope="session")
def core_requirements(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of symlinks to the top-level import packages of brainsmith-core's unconditional
    requirements: importable, but with no distribution metadata for discovery to find."""
    folder = tmp_path_factory.mktemp("core-requirements")
    wanted = {
        re.split(r"[\s\[<>=!~;]", line, maxsplit=1)[0].lower().replace("_", "-")
        for line in metadata.requires("brainsmith-core") or []
        if "extra ==" not in line
    }
    for module, distributions in metadata.packages_distributions().items():
        if not {d.lower().replace("_", "-") for d in distributions} & wanted:
            continue
        for entry in sys.path:
            for candidate in (Path(entry) / module, Path(entry) / f"{module}.py"):
                if entry and candidate.exists() and not (folder / candidate.name).exists():
                    (folder / candidate.name).symlink_to(candidate)
    return folder


@pytest.fixture
def cli(
    site: FakeSite,
    core_requirements: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Cli:
    stdlib = [p for p in sys.path if p and "site-packages" not in p and "packages/" not in p]
    path = [str(site.root), *stdlib, CORE_SRC, str(core_requirements)]
    monkeypatch.setattr(sys, "path", path)
    monkeypatch.chdir(site.project)
    monkeypatch.delenv("BRAINSMITH_TRACEBACK", raising=False)
    return Cli(site, capsys)


def install_mixed(site: FakeSite) -> None:
    site.manifest_plugin(
        "mf",
        site.transforms_manifest("Fold", "Tidy", extra='api = ">=1,<2"')
        + '[[kernels]]\nname = "Conv"\ntarget = "{pkg}.kernels:Conv"\n'
        + '[[backends]]\nname = "Conv_hls"\nkernel = "Conv"\nlanguage = "hls"\n'
        + 'target = "{pkg}.kernels:ConvHLS"\n',
        requires=["brainsmith-core>=0.1"],
        files={"bsp_mf/transforms.py": "", "bsp_mf/kernels.py": ""},
    )
    site.fake_dist(
        "brainsmith-plugin-cp",
        "2.0",
        entry_points={"cp": "cp_pkg.plugin"},
        files={
            "cp_pkg/__init__.py": "",
            "cp_pkg/plugin.py": "from brainsmith import hookimpl\n"
            "from brainsmith.plugins.records import KernelSpec\n\n"
            "@hookimpl\ndef brainsmith_kernels():\n"
            "    return [KernelSpec(name='Pool', target='cp_pkg.plugin:Pool')]\n",
        },
    )


def test_list_table(cli: Cli) -> None:
    install_mixed(cli.site)
    result = cli("plugins", "list")
    assert result.code == 0
    assert result.err == ""
    assert result.out.splitlines() == [
        TABLE_HEADER,
        "cp         brainsmith-plugin-cp  2.0      not activated  ?           ?        ?         "
        "?              installed",
        "mf         brainsmith-plugin-mf  1.0      active         2           1        1         "
        "0              installed",
    ]
    assert "cp_pkg" not in sys.modules
    assert "bsp_mf" not in sys.modules


def test_list_activate_counts_code_plugins(cli: Cli) -> None:
    install_mixed(cli.site)
    result = cli("plugins", "list", "--activate")
    assert result.out.splitlines()[1].split() == [
        "cp", "brainsmith-plugin-cp", "2.0", "active", "0", "1", "0", "0", "installed",
    ]  # fmt: skip


def test_list_json(cli: Cli) -> None:
    install_mixed(cli.site)
    data = cli("plugins", "list", "--json").json()
    assert set(data) == {"core", "settings", "plugins", "problems", "ok"}
    assert data["core"] == {"version": brainsmith.__version__, "plugin_api": "1.0"}
    assert (data["settings"], data["problems"], data["ok"]) == (None, [], True)
    cp, mf = data["plugins"]
    assert cp == {
        "namespace": "cp",
        "distribution": "brainsmith-plugin-cp",
        "version": "2.0",
        "state": "not activated",
        "source": "installed",
        "form": "pluggy",
        "entry_point": "cp_pkg.plugin",
        "location": str(cli.site.root),
        "components": None,
        "constraints": {"core": [], "api": None, "requires": [], "conflicts": [], "hooks": None},
        "problems": [],
    }
    assert mf["state"] == "active"
    assert mf["form"] == "manifest"
    assert mf["location"] == str(cli.site.root / "bsp_mf" / "brainsmith_plugin.toml")
    assert mf["components"] == {"transforms": 2, "kernels": 1, "backends": 1, "hw_transforms": 0}
    assert mf["constraints"]["core"] == ["brainsmith-core>=0.1"]
    assert mf["constraints"]["api"] == ">=1,<2"


def test_list_without_plugins(cli: Cli) -> None:
    result = cli("plugins", "list")
    assert (result.code, result.out) == (
        0,
        "no plugins installed (entry-point group 'brainsmith.plugins' is empty)\n",
    )


def test_broken_plugin_problem_and_strict(cli: Cli) -> None:
    install_mixed(cli.site)
    cli.site.manifest_plugin("bad", "schema = 7\n")
    manifest = cli.site.root / "bsp_bad" / "brainsmith_plugin.toml"
    result = cli("plugins", "list")
    assert result.code == 0
    lines = result.out.splitlines()
    assert lines[1].split()[:4] == ["bad", "brainsmith-plugin-bad", "1.0", "broken"]
    assert lines[4:] == [
        "",
        "problems:",
        f"  error: bad (brainsmith-plugin-bad 1.0): {manifest}: schema: schema = 7 is not "
        "supported by this core (it reads schema 1)",
        "    fix: upgrade brainsmith-core, or write the manifest in schema 1",
    ]
    assert cli("plugins", "list", "--strict").code == 1
    data = cli("plugins", "list", "--json").json()
    assert data["ok"] is False
    assert data["problems"] == [
        {
            "severity": "error",
            "subject": "bad",
            "distribution": "brainsmith-plugin-bad",
            "version": "1.0",
            "reason": f"{manifest}: schema: schema = 7 is not supported by this core (it reads "
            "schema 1)",
            "fix": "upgrade brainsmith-core, or write the manifest in schema 1",
        }
    ]
    (cli.site.project / "brainsmith.toml").write_text("strict = true\n")
    assert cli("plugins", "list").code == 1


def test_show_text_and_json(cli: Cli) -> None:
    install_mixed(cli.site)
    result = cli("plugins", "show", "mf")
    manifest = cli.site.root / "bsp_mf" / "brainsmith_plugin.toml"
    assert result.code == 0
    assert result.out.splitlines() == [
        "mf  (brainsmith-plugin-mf 1.0)  [active]",
        "  form:        manifest",
        "  source:      installed",
        "  entry point: bsp_mf:brainsmith_plugin.toml",
        f"  location:    {manifest}",
        "  core:        brainsmith-core>=0.1",
        "  api:         >=1,<2",
        "",
        "KIND       NAME         DETAIL                    TARGET",
        "transform  mf:Fold      stage=graph_cleanup       bsp_mf.transforms:Fold",
        "transform  mf:Tidy      stage=graph_cleanup       bsp_mf.transforms:Tidy",
        "kernel     mf:Conv                                bsp_mf.kernels:Conv",
        "backend    mf:Conv_hls  kernel=Conv language=hls  bsp_mf.kernels:ConvHLS",
    ]
    assert "bsp_mf.transforms" not in sys.modules
    data = cli("plugins", "show", "cp", "--json").json()
    assert data["state"] == "active"  # show activates a code-defined plugin
    assert data["components"] == [
        {
            "kind": "kernel",
            "name": "Pool",
            "qualified_name": "cp:Pool",
            "target": "cp_pkg.plugin:Pool",
            "description": "",
            "infrastructure": False,
        }
    ]


def test_show_broken_code_plugin(cli: Cli) -> None:
    cli.site.fake_dist(
        "brainsmith-plugin-boom",
        "0.1",
        entry_points={"boom": "boom_pkg"},
        files={"boom_pkg/__init__.py": "raise RuntimeError('kaput')\n"},
    )
    result = cli("plugins", "show", "boom")
    assert result.code == 0
    assert result.out.splitlines()[0] == "boom  (brainsmith-plugin-boom 0.1)  [broken]"
    assert "  error: boom (brainsmith-plugin-boom 0.1): importing 'boom_pkg' raised " in result.out
    assert cli("plugins", "show", "boom", "--strict").code == 1


def test_show_unknown_namespace_suggests_without_traceback(cli: Cli) -> None:
    install_mixed(cli.site)
    result = cli("plugins", "show", "mff")
    assert result.code == 2
    assert result.out == ""
    assert result.err == (
        "error: no plugin with namespace 'mff' is installed (did you mean 'mf'?)\n"
        "  fix: run 'brainsmith plugins list' to see the installed plugins\n"
        "  explain: brainsmith explain BS103\n"
    )
    assert "Traceback" not in result.err


def test_check_ok(cli: Cli) -> None:
    install_mixed(cli.site)
    result = cli("plugins", "check")
    assert (result.code, result.out) == (
        0,
        "OK: 2 plugin(s) usable, 0 error(s), 0 warning(s)\n",
    )


def test_check_fails_on_a_missing_target_and_a_missing_pin(cli: Cli) -> None:
    install_mixed(cli.site)
    (cli.site.root / "bsp_mf" / "kernels.py").unlink()
    settings = cli.site.project / "brainsmith.toml"
    settings.write_text('plugins = ["brainsmith-plugin-mf>=1", "brainsmith-plugin-gone"]\n')
    result = cli("plugins", "check")
    assert result.code == 1
    assert result.out.splitlines()[-1] == (
        f"FAILED: 1 plugin(s) usable, 2 error(s), 0 warning(s); settings from {settings}"
    )
    data = cli("plugins", "check", "--json").json()
    assert data["ok"] is False
    assert [(p["subject"], p["reason"]) for p in data["problems"]] == [
        (
            "brainsmith-plugin-gone",
            f"pinned as 'brainsmith-plugin-gone' in {settings} but not installed",
        ),
        ("mf", "kernel Conv: module 'bsp_mf.kernels' is not installed"),
    ]
    assert [(p["namespace"], p["state"]) for p in data["plugins"]] == [
        ("cp", "active"),
        ("mf", "broken"),  # as 'plugins show mf' says
        ("-", "missing"),
    ]
    assert "bsp_mf" not in sys.modules


def test_check_strict_setting_and_disabled_is_not_a_problem(cli: Cli) -> None:
    install_mixed(cli.site)
    (cli.site.project / "brainsmith.toml").write_text('strict = true\ndisable = ["cp"]\n')
    result = cli("plugins", "check", "--strict")
    assert result.code == 0
    assert result.out.startswith("OK: 1 plugin(s) usable, 0 error(s), 0 warning(s)")


def test_unknown_name_in_switch_fails_check(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    install_mixed(cli.site)
    monkeypatch.setenv("BRAINSMITH_PLUGINS", "mf,cpp")
    result = cli("plugins", "check")
    assert result.code == 1
    assert (
        "  error: environment: BRAINSMITH_PLUGINS names 'cpp', but no installed plugin has "
        "that namespace (did you mean 'cp'?)" in result.out.splitlines()
    )


def test_bad_settings_are_an_error_without_traceback(cli: Cli) -> None:
    (cli.site.project / "brainsmith.toml").write_text("bogus = 1\n")
    result = cli("plugins", "list")
    assert result.code == 2
    assert result.err.startswith(
        f"error: {cli.site.project / 'brainsmith.toml'}: unknown setting(s) 'bogus'\n"
    )


def test_lock(cli: Cli, tmp_path: Path) -> None:
    install_mixed(cli.site)
    cli.site.manifest_plugin("off", "", dist="aaa-disabled", version="3")
    (cli.site.project / "brainsmith.toml").write_text('disable = ["off"]\n')
    expected = (
        "# brainsmith plugins lock: pip install -r this file to reproduce the plugins\n"
        f"brainsmith-core=={brainsmith.__version__}\n"
        "brainsmith-plugin-cp==2.0\n"
        "brainsmith-plugin-mf==1.0\n"
    )
    result = cli("plugins", "lock")
    assert (result.code, result.out) == (0, expected)
    target = tmp_path / "plugins.lock"
    result = cli("plugins", "lock", "-o", str(target))
    assert (result.code, result.out, result.err) == (0, "", f"wrote 3 pins to {target}\n")
    assert target.read_text() == expected


def test_help_and_missing_command(cli: Cli) -> None:
    with pytest.raises(SystemExit) as info:
        cli("plugins", "--help")
    assert info.value.code == 0
    assert "list" in cli.capsys.readouterr().out
    with pytest.raises(SystemExit) as info:
        cli("plugins")
    assert info.value.code == 2
