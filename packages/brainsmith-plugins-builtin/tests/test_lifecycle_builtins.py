"""Builtin lifecycle plugins: timing, checkpoint, early stopping, metrics logger."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from brainsmith.lifecycle import Dispatcher, LifecycleHost, RunConfig, TrainingLoop
from brainsmith.lifecycle.events import HookEvents
from brainsmith.plugins import new_plugin_manager
from brainsmith_builtin.lifecycle import hooks


class Plateau:
    """A model whose validation loss improves for three epochs, then stalls."""

    def __init__(self) -> None:
        self.epoch = 0
        self.w = 0.0

    def forward(self, batch: Any) -> float:
        return 1.0

    def backward(self) -> dict[str, float]:
        return {"w": 0.1}

    def optimizer_step(self, gradients: Any) -> float:
        self.w += gradients["w"]
        return 0.01

    def evaluate(self, batch: Any) -> dict[str, float]:
        return {"val_loss": max(1.0 - 0.25 * round(self.w / 0.2), 0.25)}

    def state_dict(self) -> dict[str, Any]:
        return {"w": self.w}

    def load_state_dict(self, state: Any) -> None:
        self.w = state["w"]


def make_host(plugins: dict[str, Any]) -> LifecycleHost:
    pm = new_plugin_manager()
    pm.register(hooks, name="builtin")
    host = LifecycleHost(Dispatcher(pm))
    host.collect()
    host.configure(RunConfig.from_mapping({"plugins": plugins}, source="test.yaml"))
    return host


def test_builtins_are_contributed_by_the_hook_module() -> None:
    host = make_host({})
    assert sorted(host.available) == ["checkpoint", "early_stopping", "metrics_logger", "timing"]


def test_training_with_every_builtin(tmp_path: Path) -> None:
    host = make_host(
        {
            "timing": {},
            "checkpoint": {"options": {"every_n_epochs": 2}},
            "early_stopping": {"options": {"patience": 2}},
            "metrics_logger": {},
        }
    )
    with host.running(tmp_path):
        loop = TrainingLoop(
            Plateau(),
            host.dispatcher,
            epochs=20,
            train_data=[1, 2],
            val_data=[0],
            run_dir=tmp_path,
        )
        result = loop.run()
    # val_loss: 0.75, 0.5, 0.25, 0.25, 0.25 -> two epochs without improvement after epoch 3
    assert result.stopped
    assert result.epochs_run == 5
    assert result.stopped_by == "early_stopping"
    assert "best 0.25 at epoch 3" in result.stop_reason
    lines = [json.loads(x) for x in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert [x["epoch"] for x in lines] == [1, 2, 3, 4, 5]
    assert lines[0]["val_loss"] == 0.75
    assert not (tmp_path / "checkpoints").exists()  # the executor's folder
    assert sorted(p.name for p in (tmp_path / "plugin_checkpoints").iterdir()) == [
        "epoch-2.json",
        "epoch-4.json",
    ]
    timing = json.loads((tmp_path / "timing.json").read_text())
    assert [e["epoch"] for e in timing["epochs"]] == [1, 2, 3, 4, 5]
    stats = json.loads((tmp_path / "hook_stats.json").read_text())
    rows = {(r["plugin"], r["hook"]): r for r in stats["hooks"]}
    assert (
        rows["checkpoint", "on_epoch_end"]["calls"],
        rows["checkpoint", "on_epoch_end"]["skipped"],
    ) == (2, 3)
    assert stats["stopped"]["by"] == "early_stopping"
    state = json.loads((tmp_path / "plugin_state.json").read_text())
    assert any(
        key.endswith(":early_stopping") and value["best_epoch"] == 3 for key, value in state.items()
    )


def test_timing_and_checkpoint_on_compile_events(tmp_path: Path) -> None:
    pytest.importorskip("qonnx")
    from brainsmith.compile import Executor, Plan, Step
    from onnx import TensorProto, helper
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.transformation.general import GiveUniqueNodeNames
    from qonnx.util.basic import qonnx_make_model

    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["y"])],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])],
    )
    model = ModelWrapper(qonnx_make_model(graph))
    plan = Plan(
        (
            (
                "graph_cleanup",
                (Step("graph_cleanup", "qonnx:GiveUniqueNodeNames", GiveUniqueNodeNames),),
            ),
            ("kernel_mapping", ()),
        )
    )
    host = make_host({"timing": {}, "checkpoint": {"options": {"stages": ["graph_cleanup"]}}})
    out = tmp_path / "out"
    with host.running(tmp_path):
        result = Executor(plan, events=host.dispatcher).run(model, output_dir=out)
        host.dispatcher.fire(HookEvents.COMPILE_END, model=result.model, report={})
    timing = json.loads((out / "timing.json").read_text())
    assert [s["stage"] for s in timing["stages"]] == ["graph_cleanup", "kernel_mapping"]
    assert [t["transform"] for t in timing["transforms"]] == ["qonnx:GiveUniqueNodeNames"]
    assert not (out / "checkpoints").exists()  # the executor's resumable checkpoints only
    saved = sorted(p.name for p in (out / "plugin_checkpoints").iterdir())
    assert saved == ["graph_cleanup.onnx"]  # no temporary file left, no other stage
    import onnx

    assert onnx.load(str(out / "plugin_checkpoints" / "graph_cleanup.onnx")).graph.node


def test_builtin_options_are_checked() -> None:
    from brainsmith._schema import OptionsError

    with pytest.raises(OptionsError, match="patience must be at least 1"):
        make_host({"early_stopping": {"options": {"patience": 0}}})
    with pytest.raises(OptionsError, match="'median' is not one of"):
        make_host({"early_stopping": {"options": {"mode": "median"}}})


def test_early_stopping_resumes_from_its_saved_state(tmp_path: Path) -> None:
    from brainsmith_builtin.lifecycle.early_stopping import EarlyStopping

    first = EarlyStopping({"patience": 3})
    first.setup(None)  # type: ignore[arg-type]
    assert first.on_epoch_end(1, {"val_loss": 0.5}) is None
    assert first.on_epoch_end(2, {"val_loss": 0.6}) is None
    assert first.on_epoch_end(3, {"val_loss": 0.7}) is None
    state = json.loads(json.dumps(first.state_dict()))
    assert state == {"best": 0.5, "best_epoch": 1, "wait": 2}

    resumed = EarlyStopping({"patience": 3})
    resumed.setup(None)  # type: ignore[arg-type]
    resumed.load_state_dict(state)
    stop = resumed.on_epoch_end(4, {"val_loss": 0.8})
    assert stop is not None
    assert "best 0.5 at epoch 1" in stop.reason


def test_early_stopping_state_is_restored_by_the_host(tmp_path: Path) -> None:
    for epoch, loss in ((1, 0.5), (2, 0.6)):  # two runs in one directory
        host = make_host({"early_stopping": {"options": {"patience": 2}}})
        with host.running(tmp_path):
            host.dispatcher.fire(
                HookEvents.EPOCH_END, loop=None, epoch=epoch, metrics={"val_loss": loss}
            )
    state = json.loads((tmp_path / "plugin_state.json").read_text())
    (saved,) = (v for k, v in state.items() if k.endswith(":early_stopping"))
    assert saved == {"best": 0.5, "best_epoch": 1, "wait": 1}


def test_checkpoint_keeps_the_list_of_saved_files_across_runs(tmp_path: Path) -> None:
    from brainsmith_builtin.lifecycle.checkpoint import Checkpoint

    plugin = Checkpoint()
    plugin.setup(type("Context", (), {"run_dir": tmp_path})())  # type: ignore[arg-type]
    plugin.load_state_dict({"saved": ["old/epoch-1.json"]})
    assert plugin.state_dict() == {"saved": ["old/epoch-1.json"]}
