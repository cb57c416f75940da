"""Run config YAML: parsing, errors naming file and key, schedules applied by the host."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from brainsmith._schema import OptionsError
from brainsmith.lifecycle import (
    Dispatcher,
    ErrorPolicy,
    LifecycleHost,
    Plugin,
    RunConfig,
    RunConfigError,
)
from brainsmith.lifecycle.events import HookEvents
from brainsmith.plugins import new_plugin_manager


class Seen(Plugin):
    @dataclass
    class Config:
        label: str = "seen"

    def on_epoch_begin(self, epoch: int) -> None:
        self.epochs = [*getattr(self, "epochs", []), epoch]


class Other(Plugin):
    def on_epoch_begin(self, epoch: int) -> None:
        self.epochs = [*getattr(self, "epochs", []), epoch]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "run.yaml"
    path.write_text(text)
    return path


def host_for(config: RunConfig) -> LifecycleHost:
    pm = new_plugin_manager()
    host = LifecycleHost(Dispatcher(pm))
    host.register(Seen)
    host.register(Other)
    host.configure(config)
    return host


def test_parses_plugins_in_order_with_settings(tmp_path: Path) -> None:
    config = RunConfig.load(
        write(
            tmp_path,
            """
plugins:
  seen:
    options: {label: x}
    priority: 7
    on_error: {disable_after: 2}
    enable_at_epoch: 2
    disable_at_epoch: 4
  other: {}
""",
        )
    )
    first, second = config.plugins
    assert (first.name, dict(first.options), first.priority) == ("seen", {"label": "x"}, 7)
    assert first.on_error == ErrorPolicy("disable", 2)
    assert [first.active_at(e) for e in range(1, 6)] == [False, True, True, False, False]
    assert second.name == "other"
    assert not second.scheduled


def test_schedule_enables_and_disables_at_epochs(tmp_path: Path) -> None:
    config = RunConfig.load(
        write(tmp_path, "plugins:\n  seen: {enable_at_epoch: 2, disable_at_epoch: 4}\n  other:\n")
    )
    host = host_for(config)
    with host.running(tmp_path / "run"):
        for epoch in range(1, 6):
            host.dispatcher.fire(HookEvents.EPOCH_BEGIN, loop=None, epoch=epoch)
    seen, other = host.plugins["seen"], host.plugins["other"]
    assert seen.epochs == [2, 3]  # type: ignore[attr-defined]
    assert other.epochs == [1, 2, 3, 4, 5]  # type: ignore[attr-defined]
    assert host.dispatcher.subscribers(HookEvents.EPOCH_BEGIN) == []  # unloaded


def test_priority_and_order_from_config(tmp_path: Path) -> None:
    host = host_for(RunConfig.from_mapping({"plugins": {"other": None, "seen": None}}))
    host.setup(tmp_path)
    assert host.dispatcher.subscribers(HookEvents.EPOCH_BEGIN) == ["other", "seen"]
    host = host_for(RunConfig.from_mapping({"plugins": {"other": None, "seen": {"priority": 1}}}))
    host.setup(tmp_path)
    assert host.dispatcher.subscribers(HookEvents.EPOCH_BEGIN) == ["seen", "other"]
    assert host.dispatcher.policy("seen") == ErrorPolicy()  # no on_error: the default
    config = {"plugins": {"seen": {"on_error": {"disable_after": 2}}}}
    host = host_for(RunConfig.from_mapping(config))
    host.setup(tmp_path)
    assert host.dispatcher.policy("seen") == ErrorPolicy("disable", 2)


def test_disabled_entry_is_not_loaded() -> None:
    host = host_for(RunConfig.from_mapping({"plugins": {"seen": {"enabled": False}}}))
    assert host.plugins == {}


@pytest.mark.parametrize(
    ("text", "message", "where"),
    [
        (
            "plugins:\n  seen: {priorty: 1}\n",
            "unknown key(s) 'priorty' (did you mean 'priority'?)",
            "run.yaml: plugins.seen",
        ),
        ("plugin: {}\n", "unknown key(s) 'plugin' (did you mean 'plugins'?)", "run.yaml"),
        (
            "plugins:\n  seen: {priority: high}\n",
            "expected an integer, got str 'high'",
            "plugins.seen.priority",
        ),
        (
            "plugins:\n  seen: {on_error: ignore}\n",
            "not raise, warn or disable",
            "plugins.seen.on_error",
        ),
        (
            "plugins:\n  seen: {enable_at_epoch: 0}\n",
            "epoch number >= 1",
            "plugins.seen.enable_at_epoch",
        ),
        (
            "plugins:\n  seen: {enable_at_epoch: 3, disable_at_epoch: 3}\n",
            "disable_at_epoch (3) must come after enable_at_epoch (3)",
            "plugins.seen",
        ),
        ("plugins: [seen]\n", "expected a mapping of mappings", ": plugins"),
        ("plugins:\n  seen: [1]\n", "expected a mapping, got list [1]", "plugins.seen"),
        ("[1, 2]\n", "expected a mapping", "run.yaml"),
        ("plugins: {seen: {options: {a: 1}\n", "not valid YAML", "run.yaml"),
    ],
)
def test_malformed_configs_name_file_and_key(
    tmp_path: Path, text: str, message: str, where: str
) -> None:
    with pytest.raises(RunConfigError) as info:
        RunConfig.load(write(tmp_path, text))
    assert message in info.value.message
    assert str(tmp_path / "run.yaml") in info.value.where
    assert where in info.value.where


def test_unknown_plugin_and_option_name_file_and_key(tmp_path: Path) -> None:
    config = RunConfig.load(write(tmp_path, "plugins:\n  sen: {}\n"))
    with pytest.raises(RunConfigError, match="no lifecycle plugin named 'sen'") as info:
        host_for(config)
    assert info.value.where.endswith("run.yaml: plugins.sen")
    assert "other, seen" in info.value.fix
    config = RunConfig.load(write(tmp_path, "plugins:\n  seen: {options: {lable: 1}}\n"))
    with pytest.raises(OptionsError, match="did you mean 'label'") as err:
        host_for(config)
    assert err.value.where.endswith("run.yaml: plugins.seen.options")


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(RunConfigError, match="not found"):
        RunConfig.load(tmp_path / "nope.yaml")


def test_unreadable_run_config_files_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(RunConfigError, match="the run config is a directory, not a file"):
        RunConfig.load(tmp_path)  # a folder
    latin = tmp_path / "run.yaml"
    latin.write_bytes(b"plugins:\n  caf\xe9: {}\n")
    with pytest.raises(RunConfigError, match="cannot read the run config"):
        RunConfig.load(latin)
    broken = tmp_path / "broken.yaml"
    broken.write_text("plugins: [\n")
    with pytest.raises(RunConfigError) as info:
        RunConfig.load(broken)
    assert str(info.value).startswith(f"{broken}:2:1: not valid YAML")
    with pytest.raises(RunConfigError, match="run config file not found"):
        RunConfig.load(tmp_path / "nope.yaml")


def test_null_values_take_the_defaults() -> None:
    config = RunConfig.from_mapping({"plugins": {"seen": {"options": None, "priority": None}}})
    (entry,) = config.plugins
    assert (entry.name, dict(entry.options), entry.priority, entry.enabled) == (
        "seen",
        {},
        None,
        True,
    )
    with pytest.raises(RunConfigError) as info:
        RunConfig.from_mapping({"plugins": {"seen": {"on_error": None}}}, source="r.yaml")
    assert info.value.where == "r.yaml: plugins.seen.on_error"
