"""A compile's outputs are one transaction, resuming is safe and an invalid model is never
written — driven through ``brainsmith compile`` with a real (fake-installed) plugin whose
transforms and hooks fail on purpose.

Every failure must leave the previous outputs of the folder byte-identical (same file set; the
failed run's hook statistics go to the hidden ``.failed/`` folder, documented in
docs/compile.md) and print a message, never a traceback.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import onnx
import pytest
from brainsmith.cli import main
from brainsmith.examples import mlp_model
from compile_helpers import PYTORCH_CONVERTED

if TYPE_CHECKING:
    from conftest import FakeSite

MANIFEST = """
schema = 1
hooks = "{pkg}.hooks"

[[transforms]]
name = "Dangle"
stage = "any"
target = "{pkg}.transforms:Dangle"

[[transforms]]
name = "Fail"
stage = "any"
target = "{pkg}.transforms:Fail"

[[transforms]]
name = "Interrupt"
stage = "any"
target = "{pkg}.transforms:Interrupt"
"""

TRANSFORMS = """
from qonnx.transformation.base import Transformation


class Dangle(Transformation):
    \"\"\"Breaks the model: the last node reads a tensor nothing produces.\"\"\"

    def apply(self, model):
        model.graph.node[-1].input[0] = "nowhere"
        return model, False


class Fail(Transformation):
    \"\"\"A transform that raises while it runs.\"\"\"

    def apply(self, model):
        raise TypeError("Fail failed on purpose")


class Interrupt(Transformation):
    \"\"\"Ctrl-C while a transform runs.\"\"\"

    def apply(self, model):
        raise KeyboardInterrupt
"""

HOOKS = """
import os

from brainsmith import hookimpl


@hookimpl
def on_compile_end(model, report):
    if os.environ.get("FAULTS_END"):
        raise RuntimeError("on_compile_end failed on purpose")


@hookimpl
def on_compile_error(error, stage, transform):
    if os.environ.get("FAULTS_ERROR"):
        raise RuntimeError("on_compile_error failed on purpose")
"""


@pytest.fixture
def faults(site: FakeSite, monkeypatch: pytest.MonkeyPatch) -> FakeSite:
    """The plugin ``faults`` installed beside the builtin one; the CLI runs in its project."""
    site.manifest_plugin(
        "faults",
        MANIFEST,
        files={"bsp_faults/transforms.py": TRANSFORMS, "bsp_faults/hooks.py": HOOKS},
    )
    monkeypatch.chdir(site.project)
    for name in ("FAULTS_END", "FAULTS_ERROR", "BRAINSMITH_TRACEBACK"):
        monkeypatch.delenv(name, raising=False)
    return site


def compile_(capsys: pytest.CaptureFixture[str], *args: Any) -> tuple[int, str]:
    code = main(["compile", "-q", *map(str, args)])
    return code, capsys.readouterr().err


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every entry under ``folder`` (``None`` for folders) but the failed run's statistics."""
    return {
        str(p.relative_to(folder)): None if p.is_dir() else p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.relative_to(folder).parts[0] != ".failed"
    }


def blueprint(folder: Path, text: str) -> Path:
    path = folder / "flow.yaml"
    path.write_text(textwrap.dedent(text))
    return path


@pytest.fixture
def previous(faults: FakeSite, capsys: pytest.CaptureFixture[str]) -> Path:
    """An output folder holding a successful run's outputs, checkpoints included."""
    out = faults.project / "out"
    assert compile_(capsys, "--example", "--checkpoints", "-o", out)[0] == 0
    assert {p.name for p in out.iterdir()} == {
        "model.onnx",
        "compile_report.json",
        "hook_stats.json",
        "plugin_state.json",
        "checkpoints",
        ".brainsmith.json",  # the ledger of what this run wrote
    }
    return out


def untouched(out: Path, before: dict[str, bytes | None]) -> None:
    assert snapshot(out) == before
    assert not list(out.glob(".brainsmith-*"))  # no staging folder left behind


def test_failing_on_compile_end_leaves_previous_outputs(
    previous: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(previous)
    monkeypatch.setenv("FAULTS_END", "1")
    code, err = compile_(capsys, "--example", "--checkpoints", "-o", previous)
    assert code == 1
    assert "hook on_compile_end: raised RuntimeError: on_compile_end failed on purpose" in err
    assert "nothing in the output directory was replaced" in err
    assert "Traceback" not in err
    untouched(previous, before)
    stats = json.loads((previous / ".failed" / "hook_stats.json").read_text())
    rows = [r for r in stats["hooks"] if r["hook"] == "on_compile_end" and r["errors"]]
    assert rows, stats  # the failed run's statistics are kept for inspection


def test_on_compile_error_hook_never_hides_the_error(
    faults: FakeSite, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAULTS_ERROR", "1")
    flow = blueprint(
        faults.project,
        """
        stages:
          topology_optimization:
            - faults:Fail
        """,
    )
    code, err = compile_(capsys, "--example", "-b", flow, "-o", faults.project / "o")
    assert code == 1
    assert "transform faults:Fail" in err and "failed in stage" in err
    assert "an on_compile_error hook failed too" in err
    assert "on_compile_error failed on purpose" in err
    assert not (faults.project / "o" / "model.onnx").exists()
    assert not (faults.project / "o" / "hook_stats.json").exists()


def test_disk_full_while_writing(
    previous: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(previous)

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    code, err = compile_(capsys, "--example", "--checkpoints", "-o", previous)
    assert code == 1
    assert "No space left on device" in err and "fix: free disk space" in err
    # the first staged write failed: named as the output it stands for, not the staging path
    assert f"error: {previous / 'checkpoints' / '01_graph_cleanup.onnx'}: cannot write" in err
    assert "Traceback" not in err
    untouched(previous, before)


def failing_replace(
    monkeypatch: pytest.MonkeyPatch, name: str, error: BaseException
) -> Callable[..., None]:
    """``os.replace`` failing when a staged ``name`` is moved into place."""
    real = os.replace

    def replace(src: Any, dst: Any, **kwargs: Any) -> None:
        source = Path(src)
        if source.name == name and source.parent.name == "new":
            raise error
        real(src, dst, **kwargs)

    monkeypatch.setattr(os, "replace", replace)
    return replace


@pytest.mark.parametrize(
    ("error", "code"),
    [(OSError(errno.EIO, "Input/output error", "model.onnx"), 1), (KeyboardInterrupt(), 130)],
)
def test_failing_commit_rolls_back(
    previous: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    error: BaseException,
    code: int,
) -> None:
    before = snapshot(previous)
    # names commit in sorted order: checkpoints, compile_report.json and hook_stats.json are
    # already in place when model.onnx fails, and must be put back
    failing_replace(monkeypatch, "model.onnx", error)
    got, err = compile_(
        capsys, "--example", "--checkpoints", "--stop-stage", "graph_cleanup", "-o", previous
    )
    assert got == code
    assert "Traceback" not in err
    monkeypatch.undo()
    untouched(previous, before)


def test_ctrl_c_in_a_transform(
    faults: FakeSite, previous: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(previous)
    flow = blueprint(
        faults.project,
        """
        stages:
          graph_cleanup: [GiveUniqueNodeNames]
          kernel_mapping: [faults:Interrupt]
        """,
    )
    code, err = compile_(capsys, "--example", "-b", flow, "--checkpoints", "-o", previous)
    assert code == 130 and f"interrupted: nothing in {previous} was replaced" in err
    # the checkpoints of this run's first stages differ from the previous set: none was kept,
    # so the folder never holds a mixed set
    untouched(previous, before)


def test_folder_where_a_file_should_be(
    faults: FakeSite, capsys: pytest.CaptureFixture[str]
) -> None:
    out = faults.project / "o"
    (out / "model.onnx").mkdir(parents=True)
    (out / "model.onnx" / "mine.txt").write_text("keep me")
    before = snapshot(out)
    code, err = compile_(capsys, "--example", "-o", out)
    assert code == 2
    assert f"{out / 'model.onnx'}: cannot write to the output directory: a folder is where" in err
    assert "fix: move or delete" in err
    untouched(out, before)


def test_crashed_commit_is_rolled_back_by_the_next_run(
    previous: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(previous)
    # a run killed in the middle of its commit: model.onnx already replaced, the old one aside
    staging = previous / ".brainsmith-run-crashed"
    (staging / "new").mkdir(parents=True)
    (staging / "previous").mkdir()
    (staging / "journal.json").write_text(
        json.dumps({"names": ["compile_report.json", "model.onnx"]})
    )
    (staging / "new" / "compile_report.json").write_text("{}")  # not moved yet
    os.replace(previous / "model.onnx", staging / "previous" / "model.onnx")
    (previous / "model.onnx").write_bytes(b"half of another run")
    code, _ = compile_(capsys, "--example", "--stop-stage", "nope", "-o", previous)
    assert code == 2  # bad input: nothing runs, and nothing is recovered
    assert staging.exists()
    flow = blueprint(previous.parent, "stages:\n  graph_cleanup: [faults:Interrupt]\n")
    code, _ = compile_(capsys, "--example", "-b", flow, "-o", previous)
    assert code == 130  # this run failed, but it first rolled the crashed commit back
    untouched(previous, before)


def test_a_live_runs_staging_folder_is_left_alone(
    previous: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import fcntl

    live = previous / ".brainsmith-run-live"
    (live / "new").mkdir(parents=True)
    handle = os.open(live / "lock", os.O_CREAT | os.O_RDWR)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)  # as the live run holds it
        assert (
            compile_(capsys, "--example", "--stop-stage", "graph_cleanup", "-o", previous)[0] == 0
        )
        assert (live / "new").is_dir()
    finally:
        os.close(handle)  # the run ended without cleaning up: the next compile removes it
    assert compile_(capsys, "--example", "--stop-stage", "graph_cleanup", "-o", previous)[0] == 0
    assert not live.exists()


def test_resume_refuses_another_model(
    faults: FakeSite, previous: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = faults.project / "mlp.onnx"
    onnx.save(mlp_model(2), other)
    before = snapshot(previous)
    code, err = compile_(capsys, other, "--start-stage", "kernel_mapping", "-o", previous)
    assert code == 2
    assert (
        "02_topology_optimization.onnx: the checkpoint was made from a different input model" in err
    )
    assert "fix: compile from the start" in err
    untouched(previous, before)
    # the same model resumes, and gives the full run's model
    assert compile_(capsys, "--example", "--start-stage", "kernel_mapping", "-o", previous)[0] == 0
    assert (previous / "model.onnx").read_bytes() == before["model.onnx"]


def test_resume_refuses_a_checkpoint_without_identity(
    previous: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = previous / "checkpoints" / "01_graph_cleanup.onnx"
    model = onnx.load(path)
    for i in reversed(range(len(model.metadata_props))):
        if model.metadata_props[i].key == "brainsmith.checkpoint":
            del model.metadata_props[i]
    onnx.save(model, path)
    code, err = compile_(
        capsys, "--example", "--start-stage", "topology_optimization", "-o", previous
    )
    assert code == 2 and "does not record the input model and blueprint" in err


def test_failing_stage_commits_the_completed_checkpoints_as_one_set(
    faults: FakeSite, previous: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(previous)
    flow = blueprint(
        faults.project,
        """
        stages:
          graph_cleanup: [GiveUniqueNodeNames]
          topology_optimization:
            - faults:Fail
        """,
    )
    code, err = compile_(capsys, "--example", "-b", flow, "--checkpoints", "-o", previous)
    assert code == 1
    assert "only the checkpoints of the completed stages were replaced" in err
    assert sorted(p.name for p in (previous / "checkpoints").iterdir()) == ["01_graph_cleanup.onnx"]
    after = snapshot(previous)
    unchanged = ("checkpoints", ".brainsmith.json")
    assert {k: v for k, v in after.items() if not k.startswith(unchanged)} == {
        k: v for k, v in before.items() if not k.startswith(unchanged)
    }
    ledger = json.loads(after[".brainsmith.json"])  # it records the set now in place
    assert ledger["files"]["checkpoints"] == ["01_graph_cleanup.onnx"]
    assert ledger["names"] == json.loads(before[".brainsmith.json"])["names"]
    # and the kept set resumes
    fixed = blueprint(
        faults.project,
        "stages:\n  graph_cleanup: [GiveUniqueNodeNames]\n  topology_optimization: []\n",
    )
    code, err = compile_(
        capsys, "--example", "-b", fixed, "--start-stage", "topology_optimization", "-o", previous
    )
    assert code == 2 and "different blueprint" in err  # the blueprint changed: refused, safely


@pytest.mark.parametrize("check_each", [False, True])
def test_invalid_model_is_never_written(
    faults: FakeSite, previous: Path, capsys: pytest.CaptureFixture[str], check_each: bool
) -> None:
    before = snapshot(previous)
    flow = blueprint(
        faults.project,
        """
        stages:
          graph_cleanup: [GiveUniqueNodeNames, RemoveIdentity]
          topology_optimization: [faults:Dangle, ConvertSubToAdd]
        """,
    )
    args = ["--check-each"] if check_each else []
    code, err = compile_(capsys, "--example", "-b", flow, *args, "-o", previous)
    assert code == 1
    assert "reads tensor 'nowhere', which no node, initializer or graph input produces" in err
    if check_each:
        assert "the model is invalid after transform faults:Dangle" in err
    else:
        assert (
            "it became invalid after transform faults:Dangle in stage topology_optimization" in err
        )
    assert "Traceback" not in err
    untouched(previous, before)


def test_old_ir_model_is_written_valid(
    faults: FakeSite, capsys: pytest.CaptureFixture[str]
) -> None:
    out = faults.project / "lin"
    model = PYTORCH_CONVERTED / "test_Linear" / "model.onnx"
    assert onnx.load(model).ir_version == 3
    assert compile_(capsys, model, "-o", out)[0] == 0
    onnx.checker.check_model(onnx.load(out / "model.onnx"), full_check=True)
    report = json.loads((out / "compile_report.json").read_text())
    assert any("IR version was raised from 3 to 4" in w for w in report["warnings"])


def test_new_run_leaves_only_its_outputs(
    faults: FakeSite, capsys: pytest.CaptureFixture[str]
) -> None:
    out = faults.project / "fresh"
    flow = blueprint(faults.project, "stages:\n  graph_cleanup: [faults:Dangle]\n")
    assert compile_(capsys, "--example", "-b", flow, "-o", out)[0] == 1
    assert {p.name for p in out.iterdir()} == {".failed"}
    shutil.rmtree(out / ".failed")


def test_resume_from_a_damaged_checkpoint_says_to_compile_from_the_start(
    previous: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = previous / "checkpoints" / "01_graph_cleanup.onnx"
    path.write_bytes(path.read_bytes()[:50])  # a run killed while another tool wrote it
    before = snapshot(previous)
    code, err = compile_(
        capsys, "--example", "--start-stage", "topology_optimization", "-o", previous
    )
    assert code == 2, err
    assert "01_graph_cleanup.onnx: cannot resume from the checkpoint: not an ONNX model" in err
    assert "fix: compile from the start (without --start-stage) with --checkpoints" in err
    assert "download" not in err
    untouched(previous, before)


def _retouch(path: Path, key: str, change: Callable[[str], str]) -> None:
    """Rewrite the ``metadata_props`` entry ``key`` of the checkpoint at ``path``."""
    model = onnx.load(path)
    (entry,) = [p for p in model.metadata_props if p.key == key]
    entry.value = change(entry.value)
    onnx.save(model, path)


@pytest.mark.parametrize(
    "change",
    [
        lambda v: v.replace('"iterations":1', '"iterations":Infinity', 1),  # OverflowError
        lambda v: "[]",  # lists no step: the earlier stages vanished from the provenance
        lambda v: v.replace('"transform":"', '"transform":"evil:', 1),  # not what made it
        lambda v: v.replace('"seconds":', '"seconds":NaN,"was":', 1),  # NaN in the report
    ],
    ids=["infinite-iterations", "empty", "other-transform", "nan-seconds"],
)
def test_resume_ignores_damaged_run_details(
    previous: Path, capsys: pytest.CaptureFixture[str], change: Callable[[str], str]
) -> None:
    full = (previous / "model.onnx").read_bytes()
    path = previous / "checkpoints" / "02_topology_optimization.onnx"
    _retouch(path, "brainsmith.checkpoint.steps", change)
    code, err = compile_(capsys, "--example", "--start-stage", "kernel_mapping", "-o", previous)
    assert code == 0 and "Traceback" not in err, err
    assert (previous / "model.onnx").read_bytes() == full  # provenance from the checkpoint's
    report = (previous / "compile_report.json").read_text()
    assert "NaN" not in report and "evil:" not in report
    assert json.loads(report)["transforms"][0]["stage"] == "graph_cleanup"


@pytest.mark.parametrize(
    ("key", "change", "message"),
    [
        (
            "brainsmith.provenance",
            lambda v: "{damaged",
            "(metadata 'brainsmith.provenance') is damaged",
        ),
        (
            "brainsmith.provenance",
            lambda v: json.dumps(dict(json.loads(v), transforms=[{"stage": "graph_cleanup"}])),
            "is damaged: it does not list the transforms",
        ),
        (
            "brainsmith.checkpoint",
            lambda v: json.dumps(dict(json.loads(v), versions=["0.1.0"])),
            "the checkpoint was made with other versions: brainsmith-core absent -> ",
        ),
    ],
    ids=["provenance-not-json", "provenance-entry-incomplete", "versions-not-a-mapping"],
)
def test_resume_refuses_a_damaged_checkpoint_record(
    previous: Path,
    capsys: pytest.CaptureFixture[str],
    key: str,
    change: Callable[[str], str],
    message: str,
) -> None:
    _retouch(previous / "checkpoints" / "02_topology_optimization.onnx", key, change)
    before = snapshot(previous)
    code, err = compile_(capsys, "--example", "--start-stage", "kernel_mapping", "-o", previous)
    assert code == 2 and "Traceback" not in err, err
    assert "02_topology_optimization.onnx: the checkpoint" in err, err
    assert message in err
    assert "fix: compile from the start (without --start-stage) with --checkpoints" in err
    untouched(previous, before)


def test_the_input_model_is_never_replaced_by_the_output(
    faults: FakeSite, capsys: pytest.CaptureFixture[str]
) -> None:
    """``brainsmith compile model.onnx -o .`` replaced the user's model with the compiled one
    (exit 0); a checkpoint compiled into its own folder with --checkpoints was deleted."""
    project = faults.project
    onnx.save(mlp_model(2), project / "model.onnx")
    original = (project / "model.onnx").read_bytes()
    code, err = compile_(capsys, "model.onnx", "-o", ".")
    assert code == 2, err
    assert "its 'model.onnx' is the input model model.onnx, which the compile would replace" in err
    assert "fix: compile into another directory with -o" in err
    assert (project / "model.onnx").read_bytes() == original
    assert sorted(p.name for p in project.iterdir() if p.name.startswith(".brainsmith")) == []
    assert compile_(capsys, "model.onnx", "--checkpoints", "-o", "out")[0] == 0
    checkpoint = project / "out" / "checkpoints" / "02_topology_optimization.onnx"
    code, err = compile_(capsys, checkpoint, "--checkpoints", "-o", "out")
    assert code == 2 and "its 'checkpoints' is the input model" in err, err
    assert checkpoint.is_file()


@pytest.mark.parametrize("failing", [False, True])
def test_files_the_user_put_in_a_checkpoints_folder_are_never_deleted(
    faults: FakeSite, tmp_path: Path, capsys: pytest.CaptureFixture[str], failing: bool
) -> None:
    """A ``checkpoints/`` folder the ledger has no record of (made by the user after a run
    without checkpoints) holding a file of theirs: neither a whole commit nor the commit of
    a failed run's completed stages replaces it."""
    out = tmp_path / "out"
    assert compile_(capsys, "--example", "-o", out)[0] == 0
    (out / "checkpoints").mkdir()
    (out / "checkpoints" / "mine.txt").write_text("notes\n")
    before = snapshot(out)
    stages = "graph_cleanup: [GiveUniqueNodeNames]\n  topology_optimization: [faults:Fail]"
    flow = blueprint(faults.project, f"stages:\n  {stages}\n") if failing else None
    args = ["--example", "--checkpoints", "-o", out] + (["-b", flow] if flow else [])
    code, err = compile_(capsys, *args)
    assert code != 0
    assert "holds files brainsmith did not write (mine.txt)" in " ".join(err.split())
    assert "the last good checkpoint" not in err  # none was kept
    assert snapshot(out) == before
