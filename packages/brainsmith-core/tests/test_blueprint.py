"""Blueprints: loading, extends (and cycles), edits, and validation reporting every problem."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from brainsmith.compile import (
    DEFAULT_BLUEPRINT,
    Blueprint,
    BlueprintError,
    check_options,
    load_blueprint,
    validate,
)
from brainsmith.plugins.session import Session


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return path


def names(blueprint: Blueprint, stage: str) -> list[str]:
    return [e.name for e in blueprint.entries(stage)]


@pytest.fixture
def session(tmp_path: Path) -> Session:
    return Session.from_environment(cwd=tmp_path)


def test_default_blueprint_validates_without_warnings(session: Session) -> None:
    plan, warnings = validate(load_blueprint(DEFAULT_BLUEPRINT), session)
    assert warnings == []
    steps = dict(plan.stages)
    assert [s.name for s in steps["topology_optimization"]][2] == "builtin:ExpandNorms"
    assert all(s.distribution == "brainsmith-plugins-builtin" for _, ss in plan.stages for s in ss)


def test_entry_forms_and_options(tmp_path: Path) -> None:
    bp = load_blueprint(
        write(
            tmp_path,
            "b.yaml",
            """
            name: forms
            stages:
              graph_cleanup:
                - InferShapes
                - qonnx:RemoveIdentityOps: {atol: 0.001}
                - {name: GiveUniqueNodeNames, options: {prefix: "n_"}}
            """,
        )
    )
    entries = bp.entries("graph_cleanup")
    assert [(e.name, dict(e.options)) for e in entries] == [
        ("InferShapes", {}),
        ("qonnx:RemoveIdentityOps", {"atol": 0.001}),
        ("GiveUniqueNodeNames", {"prefix": "n_"}),
    ]
    assert entries[1].where.endswith("b.yaml:6: stages.graph_cleanup[1]")  # file:line: path
    assert bp.stages[0][0] == "graph_cleanup" and len(bp.stages) == 5


def test_extends_and_every_edit(tmp_path: Path) -> None:
    write(
        tmp_path,
        "base.yaml",
        """
        plugins: ["brainsmith-plugins-builtin>=0.1"]
        stages:
          graph_cleanup: [InferShapes, GiveUniqueNodeNames, GiveReadableTensorNames]
          topology_optimization: [ConvertSubToAdd, FoldConstants]
        """,
    )
    (tmp_path / "sub").mkdir()
    child = write(
        tmp_path,
        "sub/child.yaml",
        """
        name: child
        extends: ../base.yaml
        edits:
          - insert_after: InferShapes
            transform: builtin:RemoveIdentity
          - insert_before: qonnx:GiveUniqueNodeNames
            transform: {RemoveIdentityOps: {atol: 0.01}}
          - replace: GiveReadableTensorNames
            transform: SortGraph
          - remove: FoldConstants
          - at_start: topology_optimization
            transform: ExpandNorms
          - at_end: graph_optimization
            transform: InferDataTypes
        """,
    )
    bp = load_blueprint(child)
    assert bp.name == "child"
    assert bp.plugins == ("brainsmith-plugins-builtin>=0.1",)
    assert names(bp, "graph_cleanup") == [
        "InferShapes",
        "builtin:RemoveIdentity",
        "RemoveIdentityOps",
        "GiveUniqueNodeNames",
        "SortGraph",
    ]
    assert names(bp, "topology_optimization") == ["ExpandNorms", "ConvertSubToAdd"]
    assert names(bp, "graph_optimization") == ["InferDataTypes"]
    assert [p.name for p in bp.sources] == ["child.yaml", "base.yaml"]


def test_digest_ignores_formatting_but_not_options(tmp_path: Path) -> None:
    a = write(tmp_path, "a.yaml", "stages: {graph_cleanup: [InferShapes]}\n")
    b = write(tmp_path, "b.yaml", "# comment\nstages:\n  graph_cleanup:\n    - InferShapes\n")
    c = write(tmp_path, "c.yaml", "stages: {graph_cleanup: [{SortGraph: {}}]}\n")
    b_named_a = write(tmp_path, "sub_a.yaml", "name: a\n" + b.read_text())
    assert load_blueprint(a).digest == load_blueprint(b_named_a).digest
    assert load_blueprint(a).digest != load_blueprint(c).digest
    assert len(load_blueprint(a).digest) == 64


def test_extends_cycle_is_named(tmp_path: Path) -> None:
    write(tmp_path, "x.yaml", "extends: y.yaml\n")
    write(tmp_path, "y.yaml", "extends: x.yaml\n")
    with pytest.raises(
        BlueprintError, match=r"'extends' forms a cycle: .*x.yaml -> .*y.yaml -> .*x.yaml"
    ):
        load_blueprint(tmp_path / "x.yaml")


def test_structural_problems_reported_together(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "bad.yaml",
        """
        stagse: {}
        plugins: brainsmith
        stages:
          graph_cleanp: [InferShapes]
          topology_optimization:
            - {a: 1, b: 2}
        edits:
          - remove: Nothing
        """,
    )
    with pytest.raises(BlueprintError) as info:
        load_blueprint(path)
    text = str(info.value)
    assert "has 6 problems" in text
    assert "bad.yaml: unknown field(s) 'stagse' (did you mean 'stages'" in text
    assert "bad.yaml: plugins: expected a list of strings, got str 'brainsmith'" in text
    assert "stages.graph_cleanp: unknown stage (did you mean 'graph_cleanup'" in text
    assert "stages.topology_optimization[0]: unknown field(s) 'a', 'b'" in text
    assert "stages.topology_optimization[0]: missing required field 'name'" in text
    assert "edits[0].remove: no transform 'Nothing'" in text


def test_ambiguous_edit_anchor(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "amb.yaml",
        """
        stages:
          graph_cleanup: [InferShapes]
          graph_optimization: [InferShapes]
        edits:
          - remove: InferShapes
        """,
    )
    with pytest.raises(BlueprintError, match=r"occurs 2 times.*add 'stage:'"):
        load_blueprint(path)


def test_validation_reports_every_problem(tmp_path: Path, session: Session) -> None:
    path = write(
        tmp_path,
        "v.yaml",
        """
        plugins: ["brainsmith-plugins-builtin>=99", "not-installed-plugin"]
        stages:
          graph_cleanup:
            - InferShapse
            - RemoveIdentityOps: {atoll: 1}
            - GiveUniqueNodeNames: {prefix: "x"}
            - nosuch:Thing
        """,
    )
    with pytest.raises(BlueprintError) as info:
        validate(load_blueprint(path), session)
    text = str(info.value)
    assert "brainsmith-plugins-builtin>=99: brainsmith-plugins-builtin 0.1.0 is installed" in text
    assert "not-installed-plugin: not installed" in text
    assert "stages.graph_cleanup[0]" in text and "did you mean" in text and "InferShapes" in text
    assert "stages.graph_cleanup[1]: qonnx:RemoveIdentityOps: unknown option(s) 'atoll'" in text
    assert "it takes: atol" in text
    assert "stages.graph_cleanup[3]" in text
    assert "stages.graph_cleanup[2]" not in text


def test_stage_mismatch_is_a_warning_or_strict_error(tmp_path: Path, session: Session) -> None:
    path = write(tmp_path, "m.yaml", "stages: {graph_optimization: [ExpandNorms, InferShapes]}\n")
    plan, warnings = validate(load_blueprint(path), session)
    assert len(warnings) == 1
    assert "builtin:ExpandNorms declares stage 'topology_optimization'" in warnings[0]
    assert [s.name for s in dict(plan.stages)["graph_optimization"]] == [
        "builtin:ExpandNorms",
        "qonnx:InferShapes",
    ]
    with pytest.raises(BlueprintError, match="declares stage 'topology_optimization'"):
        validate(load_blueprint(path), session, strict=True)


def test_check_options() -> None:
    class T:
        def __init__(self, needed: int, optional: str = "") -> None: ...

    class K:
        def __init__(self, **kwargs: object) -> None: ...

    assert check_options(T, {"needed": 1}) == ""
    assert "missing required option(s) 'needed'" in check_options(T, {})
    assert "unknown option(s) 'optinal' (did you mean 'optional'?)" in check_options(
        T, {"needed": 1, "optinal": ""}
    )
    assert check_options(K, {"anything": 1}) == ""


def test_edit_problems_name_the_edit_and_the_field(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "e.yaml",
        """
        stages: {graph_cleanup: [InferShapes]}
        edits:
          - {insert_after: InferShapes, remove: InferShapes, transform: SortGraph}
          - {insert_after: InferShapes, transform: {name: "", options: {1: 2}}}
          - {at_end: graph_cleanup, transfrom: SortGraph}
        """,
    )
    with pytest.raises(BlueprintError) as info:
        load_blueprint(path)
    text = str(info.value)
    assert "e.yaml: edits[0]: an edit needs exactly one of insert_after" in text
    assert "e.yaml: edits[1].transform.name: expected a non-empty string" in text
    assert "e.yaml: edits[1].transform.options.1: expected a string, got int 1" in text
    assert "e.yaml: edits[2]: unknown field(s) 'transfrom' (did you mean 'transform'?)" in text
