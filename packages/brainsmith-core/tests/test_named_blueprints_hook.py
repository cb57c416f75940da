"""Named blueprints shipped through the ``brainsmith_blueprints`` hook by a plugin without a
manifest: ``compile -b namespace:name`` finds them, ``plugins show`` lists them, a broken hook
is the plugin's failure (exit 1, plugin and hook named), and listing another plugin's
blueprints does not import it."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from brainsmith.cli import main

if TYPE_CHECKING:
    from conftest import FakeSite

FAST = """
    name: fast
    stages:
      graph_cleanup: [qonnx:GiveUniqueNodeNames]
      graph_optimization: [qonnx:InferShapes]
"""


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def _shipper(site: FakeSite, returns: str, shipped: tuple[str, ...] = ("fast",)) -> None:
    """A pluggy plugin ``shipper`` whose hook body is ``returns`` (an expression) and whose
    package holds the blueprints ``shipped`` (``FAST`` each); importing it appends to
    ``imported.log`` in the working folder."""
    site.fake_dist(
        "brainsmith-plugin-shipper",
        "1.2",
        entry_points={"shipper": "bsp_shipper.plugin"},
        files={
            "bsp_shipper/__init__.py": "",
            **{f"bsp_shipper/{name}.yaml": FAST for name in shipped},
            "bsp_shipper/plugin.py": f"""
                from pathlib import Path

                from brainsmith import hookimpl

                with open("imported.log", "a") as log:
                    log.write("bsp_shipper\\n")

                HERE = Path(__file__).parent


                @hookimpl
                def brainsmith_blueprints():
                    return {returns}
                """,
        },
    )


def run(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main([*map(str, args)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_hook_blueprint_compiles_and_is_listed(
    site: FakeSite, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _shipper(site, '[HERE / "fast.yaml"]')
    code, _, err = run(capsys, "compile", "-q", "--example", "-b", "shipper:fast", "-o", "out")
    assert code == 0, err
    report = json.loads((tmp_path / "out" / "compile_report.json").read_text())
    assert [t["transform"] for t in report["transforms"]] == [
        "qonnx:GiveUniqueNodeNames",
        "qonnx:InferShapes",
    ]
    code, out, err = run(capsys, "plugins", "show", "shipper", "--json")
    assert code == 0, err
    assert json.loads(out)["blueprints"] == ["shipper:fast"]


def test_a_misspelt_hook_blueprint_suggests_the_shipped_one(
    site: FakeSite, capsys: pytest.CaptureFixture[str]
) -> None:
    _shipper(site, '[HERE / "fast.yaml"]')
    code, _, err = run(capsys, "compile", "-q", "--example", "-b", "shipper:fats", "-o", "o")
    assert code == 2, err
    assert "plugin 'shipper' ships no blueprint named 'fats'" in err
    assert "shipper:fast" in err


@pytest.mark.parametrize(
    ("returns", "says"),
    [
        ("1 / 0", "hook brainsmith_blueprints raised ZeroDivisionError"),
        ("HERE", "which is not a .yaml file"),
        ("[42]", "returned 42, not a blueprint file path"),
        ('[HERE / "missing.yaml"]', "missing.yaml', which is not a .yaml file"),
        # a generator runs the hook's code while it is listed
        ('(HERE / "fast.yaml" if i == 0 else 1 / 0 for i in range(2))', "raised ZeroDivision"),
    ],
)
def test_a_broken_blueprints_hook_is_the_plugins_failure(
    site: FakeSite, capsys: pytest.CaptureFixture[str], returns: str, says: str
) -> None:
    _shipper(site, returns)
    code, _, err = run(capsys, "compile", "-q", "--example", "-b", "shipper:fast", "-o", "o")
    assert code == 1, err
    assert "plugin shipper (brainsmith-plugin-shipper 1.2)" in err and says in err
    assert "Traceback" not in err
    assert not Path("o").exists()


def test_listing_another_plugins_blueprints_does_not_import_the_hook_plugin(
    site: FakeSite, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _shipper(site, '[HERE / "fast.yaml"]')
    code, out, err = run(capsys, "plugins", "show", "builtin", "--json")
    assert code == 0, err
    assert "builtin:dataflow" in json.loads(out)["blueprints"]
    assert "bsp_shipper.plugin" not in sys.modules
    assert not (tmp_path / "imported.log").exists()


def test_every_listed_hook_blueprint_name_can_be_compiled(
    site: FakeSite, capsys: pytest.CaptureFixture[str]
) -> None:
    """A blueprint is named by its file name: one starting with a digit or holding a space
    is listed by ``plugins show`` and selected by ``-b`` (it was listed, then looked for as a
    file ``shipper:2fast`` in the working directory)."""
    _shipper(site, 'sorted(HERE.glob("*.yaml"))', shipped=("2fast", "my flow"))
    code, out, err = run(capsys, "plugins", "show", "shipper", "--json")
    assert code == 0, err
    listed = json.loads(out)["blueprints"]
    assert sorted(listed) == ["shipper:2fast", "shipper:my flow"]
    for name in listed:
        code, _, err = run(capsys, "compile", "-q", "--example", "-b", name, "-o", "o")
        assert code == 0, err


def test_a_blueprints_hook_returning_none_ships_nothing(
    site: FakeSite, capsys: pytest.CaptureFixture[str]
) -> None:
    """``None`` is pluggy's "no result": no blueprints, not an error."""
    _shipper(site, "None")
    code, out, err = run(capsys, "plugins", "show", "shipper", "--json")
    assert code == 0, err
    assert json.loads(out).get("blueprints", []) == []
