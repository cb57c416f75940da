"""The builtin manifests: every declared transform exists and is a qonnx Transformation."""

from __future__ import annotations

import importlib
import tomllib
from importlib import resources

import pytest
from brainsmith.plugins.records import STAGES
from qonnx.transformation.base import Transformation

MANIFESTS = ("brainsmith_plugin.toml", "qonnx_plugin.toml")
REQUIRED_QONNX = {
    "InferShapes",
    "FoldConstants",
    "GiveUniqueNodeNames",
    "GiveReadableTensorNames",
    "RemoveIdentityOps",
    "RemoveUnusedTensors",
    "InferDataTypes",
    "ConvertSubToAdd",
    "ConvertDivToMul",
    "GemmToMatMul",
    "BatchNormToAffine",
    "SortGraph",
}


def transforms(manifest: str) -> list[dict[str, str]]:
    text = resources.files("brainsmith_builtin").joinpath(manifest).read_text()
    data = tomllib.loads(text)
    assert data["schema"] == 1
    return list(data["transforms"])


@pytest.mark.parametrize("manifest", MANIFESTS)
def test_targets_exist_and_stages_are_known(manifest: str) -> None:
    for entry in transforms(manifest):
        module, _, attr = entry["target"].partition(":")
        cls = getattr(importlib.import_module(module), attr)
        assert issubclass(cls, Transformation), entry["name"]
        assert entry["stage"] in (*STAGES, "any"), entry["name"]
        assert entry["description"]


def test_qonnx_namespace_covers_the_general_passes() -> None:
    assert {t["name"] for t in transforms("qonnx_plugin.toml")} >= REQUIRED_QONNX


def test_builtin_decorated_specs_match_the_manifest() -> None:
    for entry in transforms("brainsmith_plugin.toml"):
        module, _, attr = entry["target"].partition(":")
        spec = getattr(importlib.import_module(module), attr).__brainsmith_spec__
        assert (spec.name, spec.stage, spec.target) == (
            entry["name"],
            entry["stage"],
            entry["target"],
        )


def test_plugins_show_lists_the_named_blueprints_a_plugin_ships(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`plugins show builtin` names the blueprints `compile -b` accepts from it."""
    import json

    from brainsmith.cli import main

    assert main(["plugins", "show", "builtin", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["blueprints"] == ["builtin:dataflow", "builtin:dataflow-rtl"]
    assert main(["plugins", "show", "builtin"]) == 0
    assert "blueprints:  builtin:dataflow, builtin:dataflow-rtl" in capsys.readouterr().out
