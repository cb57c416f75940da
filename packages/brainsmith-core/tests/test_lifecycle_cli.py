"""`brainsmith hooks list|stats`, and HookEvents kept in step with the hookspecs."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import pytest
from brainsmith import hookimpl
from brainsmith.cli import main
from brainsmith.lifecycle import Dispatcher
from brainsmith.lifecycle.events import HookEvents
from brainsmith.plugins import new_plugin_manager


def test_every_event_has_a_documented_hookspec_and_back() -> None:

    from brainsmith.compile import hookspecs as compile_hooks
    from brainsmith.lifecycle import hookspecs as lifecycle_hooks

    pages = (compile_hooks, lifecycle_hooks)
    specs = {n for page in pages for n in dir(page) if n.startswith("on_")}
    assert specs == set(HookEvents.ALL)
    for name in HookEvents.ALL:
        page = compile_hooks if name in HookEvents.COMPILE else lifecycle_hooks
        doc = inspect.getdoc(getattr(page, name)) or ""
        assert "Fires" in doc, name
        assert "Example::" in doc, name


def test_hooks_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["hooks", "list"]) == 0
    out = capsys.readouterr().out
    assert "on_transform_before(stage, transform, options)" in out
    compile_part, _, training_part = out.partition("training events:")
    assert training_part, out
    for group, part in ((HookEvents.COMPILE, compile_part), (HookEvents.TRAINING, training_part)):
        listed = [line.split("(")[0].strip() for line in part.splitlines() if line[2:3] != " "]
        assert [name for name in listed if name.startswith("on_")] == list(group)
    assert main(["hooks", "list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["name"] for r in rows} == set(HookEvents.ALL)


def test_hooks_stats(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    class P:
        @hookimpl
        def on_epoch_end(self) -> None:
            pass

    pm = new_plugin_manager()
    pm.register(P(), name="p")
    d = Dispatcher(pm, describe=lambda n: f"{n} (dist 1.0)")
    for epoch in range(3):
        d.fire(HookEvents.EPOCH_END, loop=None, epoch=epoch, metrics={})
    d.write_stats(tmp_path)
    assert main(["hooks", "stats", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "p (dist 1.0)" in out
    assert "on_epoch_end" in out
    assert main(["hooks", "stats", str(tmp_path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["hooks"][0]["calls"] == 3
    assert main(["hooks", "stats", str(tmp_path / "missing")]) == 2
    assert "no hook statistics here" in capsys.readouterr().err


def test_hooks_stats_on_a_file_that_is_not_a_run_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not a run\n")
    assert main(["hooks", "stats", str(notes)]) == 2
    err = capsys.readouterr().err
    assert "cannot read hook statistics" in err
    assert str(notes) in err
    assert "fix:" in err


def test_hooks_stats_rejects_rows_the_table_cannot_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "hook_stats.json"
    path.write_text(json.dumps({"schema": 1, "hooks": [{"plugin": "p", "hook": "on_epoch_end"}]}))
    assert main(["hooks", "stats", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "hooks[0] lacks 'label'" in err
    assert str(path) in err
    path.write_bytes(b'{"schema": 1, "hooks": ["\xff"]}')
    assert main(["hooks", "stats", str(path)]) == 2
    assert "cannot read hook statistics" in capsys.readouterr().err
