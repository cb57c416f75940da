"""A real sweep over the TFC-like Brevitas export with the builtin dataflow blueprint (estimates
only): every point is a real compile; the shared prefix gives the same compiled models as
compiling each point alone; a failing point is a row; a re-run compiles nothing finished."""

from __future__ import annotations

import csv
import io
import json
import textwrap
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from brainsmith import BrainsmithError, Session, compile_model, hookimpl
from brainsmith.cli import main
from brainsmith.sweep import (
    ExecutorError,
    ExecutorOptions,
    ExecutorSpec,
    SweepFileError,
    SweepSummary,
    run_sweep,
    sweep_report,
)

ROOT = Path(__file__).resolve().parents[4]
TFC = ROOT / "tests" / "models" / "brevitas" / "tfc_w4a4" / "torchscript.onnx"
SWEEP = f"""
model: {TFC}
blueprint: builtin:dataflow
target: {{clock_mhz: 100}}
grid:
  target_fps: [1000, 10000, 100000]
  builtin:SpecializeBackends.preferences: [{{MVAU: [hls]}}, {{MVAU: [rtl, hls]}}]
  builtin:SetFolding.max_weight_stream_width: [36, 72]
points:
  - {{target_fps: 1.0e9}}
  - {{clock_mhz: 0}}
"""


@pytest.fixture(scope="module")
def swept(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SweepSummary]:
    folder = tmp_path_factory.mktemp("sweep")
    (folder / "sweep.yaml").write_text(SWEEP)
    summary = run_sweep(folder / "sweep.yaml", folder / "out", workers=1)
    return folder, summary


def test_every_point_is_a_row_and_failures_carry_their_reason(
    swept: tuple[Path, SweepSummary],
) -> None:
    _, summary = swept
    assert len(summary.rows) == 14 and summary.ran == 14 and summary.skipped == 0
    by_label = {row.label: row for row in summary.rows}
    unreachable = by_label["target_fps=1.0e9"]
    assert unreachable.status == "target_missed"
    assert "target unreachable: MatMul_0" in unreachable.reason
    assert unreachable.metrics["fps"] > 0 and unreachable.metrics["LUT"] > 0
    broken = by_label["clock_mhz=0"]
    assert broken.status == "failed"
    assert "clock_mhz: expected a positive number, got 0" in broken.reason
    assert broken.metrics["fps"] is None
    grid = [r for r in summary.rows if r.label not in ("target_fps=1.0e9", "clock_mhz=0")]
    assert len(grid) == 12 and {r.status for r in grid} == {"ok"}
    for row in grid:
        report = json.loads((Path(row.output) / "compile_report.json").read_text())
        assert row.metrics["fps"] == report["estimates"]["fps"]
        assert row.metrics["LUT"] == report["estimates"]["totals"]["LUT"]
        assert row.metrics["fps"] >= row.target["fps"]
        assert report["artifacts"] == [] and not (Path(row.output) / "accelerator").exists()
    # the RTL MVAU preference changes the resources, not the throughput
    hls = by_label[
        "target_fps=10000 builtin:SpecializeBackends.preferences={MVAU:[hls]} "
        "builtin:SetFolding.max_weight_stream_width=36"
    ]
    rtl = by_label[
        "target_fps=10000 builtin:SpecializeBackends.preferences={MVAU:[rtl,hls]} "
        "builtin:SetFolding.max_weight_stream_width=36"
    ]
    assert hls.metrics["fps"] == rtl.metrics["fps"] and hls.metrics["LUT"] != rtl.metrics["LUT"]


def test_points_share_the_stages_before_folding(swept: tuple[Path, SweepSummary]) -> None:
    folder, summary = swept
    compiled = [r for r in summary.rows if r.status != "failed"]
    assert {r.resumed_after for r in compiled} == {"kernel_mapping"}
    assert summary.prefixes_built == 1
    assert len(list((folder / "out" / ".cache" / "prefixes").glob("*.onnx"))) == 1
    assert not any((Path(r.output) / "checkpoints").exists() for r in compiled)


def test_a_shared_prefix_compiles_what_a_full_compile_does(
    swept: tuple[Path, SweepSummary], tmp_path: Path
) -> None:
    _, summary = swept
    row = next(r for r in summary.rows if r.label.startswith("target_fps=100000 "))
    shared = json.loads((Path(row.output) / "compile_report.json").read_text())
    blueprint = Path(shared["blueprint"]["path"])
    alone = compile_model(
        TFC, blueprint=blueprint, output_dir=tmp_path / "alone", target=dict(row.target)
    )
    # qonnx names new tensors at random: compare the graphs with tensors named by first use
    assert _canonical(Path(row.output) / "model.onnx") == _canonical(alone.model_path)
    assert shared["estimates"] == alone.report["estimates"]
    assert shared["folding"] == alone.report["folding"]
    # the provenance of every transform (a resumed run's report has no timing of the prefix)
    kept = ("stage", "transform", "options", "distribution", "version", "modified")
    assert [{k: t[k] for k in kept} for t in shared["transforms"]] == [
        {k: t[k] for k in kept} for t in alone.report["transforms"]
    ]


def test_a_rerun_compiles_only_what_is_not_finished(swept: tuple[Path, SweepSummary]) -> None:
    folder, first = swept
    again = run_sweep(folder / "sweep.yaml", folder / "out", workers=1)
    assert again.ran == 0 and again.skipped == 14
    assert [r.runs for r in again.rows] == [1] * 14
    assert [r.to_json() for r in again.rows] == [r.to_json() for r in first.rows]
    retried = run_sweep(folder / "sweep.yaml", folder / "out", workers=1, retry_failed=True)
    assert retried.ran == 1
    assert {r.label: r.runs for r in retried.rows}["clock_mhz=0"] == 2


def test_the_report_command_prints_the_table_and_writes_the_page(
    swept: tuple[Path, SweepSummary], capsys: pytest.CaptureFixture[str]
) -> None:
    folder, summary = swept
    out = folder / "out"
    assert main(["sweep", "report", str(out)]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split()[:3] == ["id", "status", "fps"]
    assert len(table) == 15 and all(r.id in "\n".join(table) for r in summary.rows)
    page = (out / "sweep_report.html").read_text()
    assert page.count("<svg") == 2 and "throughput against LUT" in page
    assert "throughput against BRAM_18K" in page and "clock_mhz: expected a positive" in page
    assert main(["sweep", "report", str(out), "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert [p["id"] for p in document["points"]] == [r.id for r in summary.rows]
    assert document["counts"] == {"ok": 12, "target_missed": 1, "failed": 1}
    for resource in ("LUT", "BRAM_18K"):
        front = set(document["fronts"][resource])
        placed = [p for p in document["points"] if p["fps"] is not None]
        for p in placed:  # on the front exactly when nothing dominates it
            dominated = any(
                q["fps"] >= p["fps"]
                and q[resource] <= p[resource]
                and (q["fps"] > p["fps"] or q[resource] < p[resource])
                for q in placed
            )
            assert (p["id"] in front) == (not dominated)
    assert main(["sweep", "report", str(out), "--csv"]) == 0
    records = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["id"] for r in records] == [r.id for r in summary.rows]
    assert {r["status"] for r in records} == {"ok", "target_missed", "failed"}


class InlineExecutor:
    """A plugin's executor: runs tasks in this process and remembers them."""

    seen: list[Any]

    def __init__(self, options: ExecutorOptions) -> None:
        self.options = options
        self.seen = []

    def map(self, function: Callable[[Any], Any], tasks: Sequence[Any]) -> Iterator[Any]:
        for task in tasks:
            self.seen.append(task)
            yield function(task)

    def close(self) -> None:
        pass


def test_a_plugin_adds_an_executor_through_the_hook(tmp_path: Path) -> None:
    made: list[InlineExecutor] = []

    class Provider:
        @hookimpl
        def brainsmith_sweep_executors(self) -> list[ExecutorSpec]:
            def factory(options: ExecutorOptions) -> InlineExecutor:
                made.append(InlineExecutor(options))
                return made[-1]

            return [ExecutorSpec("inline", factory, "this process")]

    session = Session.from_environment()
    session.plugin_manager.register(Provider(), name="inline-provider")
    (tmp_path / "sweep.yaml").write_text(
        f"model: {TFC}\nblueprint: builtin:dataflow\ngrid: {{target_fps: [1000, 2000]}}\n"
    )
    summary = run_sweep(
        tmp_path / "sweep.yaml", tmp_path / "out", executor="inline", workers=3, session=session
    )
    assert [r.status for r in summary.rows] == ["ok", "ok"]
    assert made[0].options == ExecutorOptions(workers=3, scheduler=None)
    assert sorted(t.id for t in made[0].seen if hasattr(t, "output_dir")) == sorted(
        r.id for r in summary.rows
    )
    with pytest.raises(ExecutorError, match=r"unknown sweep executor 'inlin'.*did you mean"):
        run_sweep(tmp_path / "sweep.yaml", tmp_path / "out", executor="inlin", session=session)


@pytest.mark.parametrize(
    ("axis", "message"),
    [
        ("builtin:SetFolding.bogus: [1]", "bogus"),
        ("nowhere:Fold.x: [1]", "has no such transform"),
    ],
)
def test_options_the_blueprint_cannot_take_are_bad_input_before_any_compile(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], axis: str, message: str
) -> None:
    (tmp_path / "sweep.yaml").write_text(
        textwrap.dedent(f"model: {TFC}\nblueprint: builtin:dataflow\ngrid:\n  {axis}\n")
    )
    with pytest.raises(SweepFileError, match=message):
        run_sweep(tmp_path / "sweep.yaml", tmp_path / "out")
    assert not (tmp_path / "out" / "points").exists()
    status = main(["sweep", str(tmp_path / "sweep.yaml"), "-o", str(tmp_path / "out")])
    error = capsys.readouterr().err
    assert status == 2 and "point 1" in error and "fix:" in error and "Traceback" not in error


def _canonical(path: Path) -> bytes:
    """The model with every tensor renamed ``t<N>`` in order of first use."""
    import onnx

    model = onnx.load(path)
    graph = model.graph
    names: dict[str, str] = {}
    order = [v.name for v in graph.input]
    for node in graph.node:
        order += [*node.input, *node.output]
    for name in [*order, *(v.name for v in graph.output)]:
        if name:
            names.setdefault(name, f"t{len(names)}")
    for node in graph.node:
        node.input[:] = [names.get(n, n) for n in node.input]
        node.output[:] = [names.get(n, n) for n in node.output]
    for tensor in graph.initializer:
        tensor.name = names.get(tensor.name, tensor.name)
    for info in [*graph.input, *graph.output, *graph.value_info]:
        info.name = names.get(info.name, info.name)
    for annotation in graph.quantization_annotation:
        annotation.tensor_name = names.get(annotation.tensor_name, annotation.tensor_name)
    for prop in [*model.metadata_props, *graph.metadata_props]:  # records name tensors too
        for old, new in names.items():
            prop.value = prop.value.replace(f'"{old}"', f'"{new}"')
    infos = sorted(graph.value_info, key=lambda v: v.name)
    del graph.value_info[:]
    graph.value_info.extend(infos)
    return bytes(model.SerializeToString())


def test_the_table_follows_the_sweep_file_and_keeps_finished_points(tmp_path: Path) -> None:
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(f"model: {TFC}\npoints: [{{clock_mhz: 0}}, {{clock_mhz: -1}}]\n")
    first = run_sweep(sweep, tmp_path / "out")
    assert [r.status for r in first.rows] == ["failed", "failed"]
    sweep.write_text(f"model: {TFC}\npoints: [{{clock_mhz: -1}}, {{clock_mhz: -2}}]\n")
    second = run_sweep(sweep, tmp_path / "out")
    assert (second.ran, second.skipped) == (1, 1)
    assert [(r.label, r.runs) for r in second.rows] == [("clock_mhz=-1", 1), ("clock_mhz=-2", 1)]
    assert [r.label for r in sweep_report(tmp_path / "out").rows] == [
        "clock_mhz=-1",
        "clock_mhz=-2",
    ]


def test_two_sweeps_cannot_run_in_one_folder(tmp_path: Path) -> None:
    import fcntl

    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(f"model: {TFC}\npoints: [{{clock_mhz: 0}}]\n")
    (tmp_path / "out").mkdir()
    with open(tmp_path / "out" / ".sweep.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with pytest.raises(BrainsmithError, match="another sweep is running in this folder"):
            run_sweep(sweep, tmp_path / "out")
    assert run_sweep(sweep, tmp_path / "out").ran == 1


def test_an_output_folder_that_is_a_file_is_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(f"model: {TFC}\npoints: [{{clock_mhz: 0}}]\n")
    taken = tmp_path / "notes.txt"
    taken.write_text("mine")

    assert main(["sweep", str(sweep), "-o", str(taken), "-q"]) == 2
    err = capsys.readouterr().err
    assert "output folder is a file" in err and str(taken) in err and "fix:" in err
    assert taken.read_text() == "mine"
