"""A lifecycle plugin installed from a wheel: its hooks, Plugin class and provider work."""

from __future__ import annotations

import json
import textwrap

import pytest

pytestmark = pytest.mark.integration

SCRIPT = textwrap.dedent(
    """
    import json, sys
    from brainsmith.plugins.session import Session
    from brainsmith.lifecycle import Dispatcher
    from brainsmith.lifecycle import LifecycleHost
    from brainsmith.lifecycle import ProviderRegistry
    from brainsmith.lifecycle import RunConfig
    from brainsmith.lifecycle import TrainingLoop

    class Model:
        def forward(self, batch): return 1.0
        def backward(self): return {}
        def optimizer_step(self, gradients): return 0.1
        def evaluate(self, batch): return {}
        def state_dict(self): return {}
        def load_state_dict(self, state): pass

    session = Session.from_environment()
    session.activate_all()
    events = Dispatcher(session.plugin_manager, describe=session.describe)
    host = LifecycleHost(events)
    host.collect()
    host.configure(RunConfig.from_mapping({"plugins": {"stop_at": {"options": {"epoch": 3}}}}))
    with host.running(sys.argv[1]):
        result = TrainingLoop(Model(), events, epochs=10, train_data=[1, 2],
                              run_dir=sys.argv[1]).run()
    providers = ProviderRegistry.from_plugin_manager(session.plugin_manager)
    print(json.dumps({
        "epochs_run": result.epochs_run,
        "stopped_by": result.stopped_by,
        "reason": result.stop_reason,
        "provider": providers.get("greeting")(),
        "rows": host.rows(),
        "label": events.describe("lifecycledemo"),
    }))
    """
)


def test_lifecycle_plugin_from_wheel(make_venv, tmp_path):
    venv = make_venv("brainsmith-plugin-lifecycle-demo")
    run_dir = tmp_path / "run"
    done = venv.run("python", "-c", SCRIPT, str(run_dir), check=True)
    lines = done.stdout.splitlines()
    assert "demo hook: epoch 2" in lines
    assert "demo hook: epoch 1" not in lines  # every_n_epochs(2)
    assert "demo hook: trained 3 epochs" in lines
    result = json.loads(lines[-1])
    assert result["epochs_run"] == 3
    assert result["stopped_by"] == "stop_at"
    assert result["provider"] == "hello from the demo provider"
    assert result["label"] == "lifecycledemo (brainsmith-plugin-lifecycle-demo 0.3.0)"
    (row,) = result["rows"]
    assert row["name"] == "stop_at"
    assert row["version"] == "0.3.0"
    assert row["state"] == "unloaded"
    assert "brainsmith-plugin-lifecycle-demo 0.3.0" in row["source"]

    stats = venv.run("brainsmith", "hooks", "stats", str(run_dir), "--json", check=True)
    document = json.loads(stats.stdout)
    rows = {(r["plugin"], r["hook"]): r for r in document["hooks"]}
    demo = rows["lifecycledemo", "on_epoch_end"]
    assert (demo["calls"], demo["skipped"]) == (1, 2)
    assert demo["label"] == "lifecycledemo (brainsmith-plugin-lifecycle-demo 0.3.0)"
    assert document["stopped"]["by"] == "stop_at"
    state = json.loads((run_dir / "plugin_state.json").read_text())
    assert [v for k, v in state.items() if k.endswith(":stop_at")] == [{"stops": 1}]


def test_lifecycle_plugins_show_in_the_plugin_listing(make_venv):
    venv = make_venv("brainsmith-plugin-lifecycle-demo")
    shown = json.loads(
        venv.run("brainsmith", "plugins", "show", "lifecycledemo", "--json", check=True).stdout
    )
    assert shown["lifecycle_plugins"] == [
        {
            "name": "stop_at",
            "version": "0.3.0",
            "source": "lifecycledemo (brainsmith-plugin-lifecycle-demo 0.3.0)",
            "state": "registered",
            "enabled": "yes",
            "requires": "",
            "conflicts": "",
        }
    ]
    listed = venv.run("brainsmith", "plugins", "list", "--activate", check=True).stdout
    assert "lifecycle plugins:" in listed
    assert "stop_at" in listed
    plain = venv.run("brainsmith", "plugins", "list", check=True).stdout
    assert "lifecycle plugins:" not in plain  # listing alone imports no plugin code


def test_compile_fires_the_installed_plugins_hooks(make_venv, tmp_path):
    venv = make_venv("brainsmith-plugins-builtin", "brainsmith-plugin-lifecycle-demo")
    run_config = tmp_path / "run.yaml"
    run_config.write_text("plugins:\n  timing: {}\n")
    out = tmp_path / "out"
    done = venv.run(
        "brainsmith",
        "compile",
        "--example",
        "--verify",
        "-o",
        out,
        "--run-config",
        run_config,
        check=True,
    )
    # what a plugin prints during `brainsmith compile` goes to stderr: stdout is the command's
    assert "demo hook: skipping qonnx:GiveReadableTensorNames" in done.stderr
    assert "demo hook" not in done.stdout
    report = json.loads((out / "compile_report.json").read_text())
    skipped = [t["transform"] for t in report["transforms"] if t["skipped"]]
    assert skipped == ["qonnx:GiveReadableTensorNames"]
    assert report["verification"]["passed"] is True
    stats = json.loads((out / "hook_stats.json").read_text())
    rows = {(r["plugin"], r["hook"]): r for r in stats["hooks"]}
    transforms = len(report["transforms"])
    assert rows["lifecycledemo", "on_transform_before"]["calls"] == transforms
    assert rows["timing", "on_transform_after"]["calls"] == transforms - 1
    timing = json.loads((out / "timing.json").read_text())
    assert [s["stage"] for s in timing["stages"]] == report["stages"]
