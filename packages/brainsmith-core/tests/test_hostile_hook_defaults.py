"""Hook arguments with defaults receive the event's values (issue 8, item 6).

pluggy leaves an argument with a default out of every call; brainsmith's dispatcher passes the
event's value when the event carries it, and leaves the default otherwise.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from brainsmith import hookimpl
from brainsmith.lifecycle import Dispatcher, TrainingLoop
from brainsmith.lifecycle.events import HookEvents
from brainsmith.plugins import new_plugin_manager
from hostile_helpers import (
    hooks_plugin,
    install_good,
    problems_of,
    run,
    state_of,
    tidy_blueprint,
)

if TYPE_CHECKING:
    from pathlib import Path

    import pytest
    from conftest import FakeSite


class Defaults:
    def __init__(self) -> None:
        self.seen: list[tuple[Any, ...]] = []

    @hookimpl
    def on_epoch_end(self, epoch: int, metrics: Any = None, loop: Any = "unset") -> None:
        self.seen.append((epoch, metrics, loop))


def test_an_argument_with_a_default_receives_the_events_value() -> None:
    pm = new_plugin_manager()
    plugin = Defaults()
    pm.register(plugin, name="defaults")
    dispatcher = Dispatcher(pm)
    dispatcher.fire(HookEvents.EPOCH_END, loop="the loop", epoch=3, metrics={"loss": 0.5})
    dispatcher.fire(HookEvents.EPOCH_END, epoch=4)  # an event without them: the defaults
    assert plugin.seen == [(3, {"loss": 0.5}, "the loop"), (4, None, "unset")]


class Constant:
    """A model whose loss is always 0.25."""

    def forward(self, batch: Any) -> float:
        return 0.25

    def backward(self) -> dict[str, float]:
        return {}

    def optimizer_step(self, gradients: Any) -> float:
        return 0.1

    def evaluate(self, batch: Any) -> dict[str, float]:
        return {"val_loss": 0.5}

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: Any) -> None:
        pass


def test_a_training_loop_delivers_metrics_to_a_hook_with_defaults(tmp_path: Path) -> None:
    pm = new_plugin_manager()
    plugin = Defaults()
    pm.register(plugin, name="defaults")
    loop = TrainingLoop(
        Constant(), Dispatcher(pm), epochs=2, train_data=[1, 2], val_data=[3], run_dir=tmp_path
    )
    loop.run()
    assert [(epoch, metrics) for epoch, metrics, _ in plugin.seen] == [
        (1, {"loss": 0.25, "val_loss": 0.5}),
        (2, {"loss": 0.25, "val_loss": 0.5}),
    ]
    assert all(seen_loop is loop for _, _, seen_loop in plugin.seen)


def test_compile_hooks_with_defaults_receive_the_compiles_values(
    site: FakeSite, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(site.project)
    install_good(site)
    log = site.project / "seen.json"
    hooks_plugin(
        site,
        "watcher",
        f"""
        import json
        from brainsmith import hookimpl

        SEEN = []

        @hookimpl
        def on_transform_after(transform, modified=None, stage="?"):
            SEEN.append([transform, modified, stage])

        @hookimpl
        def on_compile_end(report=None):
            with open({str(log)!r}, "w") as f:
                json.dump({{"seen": SEEN, "report": report is not None}}, f)
        """,
    )
    out = site.project / "o"
    result = run(
        capsys, "compile", "--example", "-b", str(tidy_blueprint(site.project)), "-o", str(out)
    )
    assert result.code == 0, result.err
    seen = json.loads(log.read_text())
    assert seen["report"] is True
    assert seen["seen"][-1] == ["good:Tidy", False, "graph_cleanup"]
    assert all(modified in (True, False) for _, modified, _ in seen["seen"])


def test_keyword_only_and_variadic_hook_parameters_make_the_plugin_broken(
    site: FakeSite, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """pluggy calls an implementation with its plain arguments only: a keyword-only argument
    would silently keep its default and ``**kwargs`` stay empty. The plugin is ``broken``
    with the function's file:line and the fix; the other plugins keep working."""
    monkeypatch.chdir(site.project)
    install_good(site)
    hooks_plugin(
        site,
        "kwonly",
        """
        from brainsmith import hookimpl

        @hookimpl
        def on_compile_end(*, report=None):
            pass

        @hookimpl
        def on_compile_begin(**kwargs):
            pass
        """,
    )
    result = run(capsys, "plugins", "check", "--activate", "--json")
    assert result.code == 1, result.err
    data = result.json()
    assert state_of(data, "kwonly") == "broken"
    assert state_of(data, "good") == "active"
    reason = " ".join(p["reason"] for p in problems_of(data, "kwonly"))
    assert "on_compile_end() at " in reason and "hooks.py:" in reason
    assert "'report' would never receive a value" in reason
    assert "'**kwargs'" in reason
