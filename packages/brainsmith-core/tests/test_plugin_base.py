"""Plugin base class and LifecycleHost: states, options, auto-registration, state keeping."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pluggy
import pytest
from brainsmith import hookimpl
from brainsmith._schema import OptionsError
from brainsmith.lifecycle import (
    STATE_FILE,
    Dispatcher,
    LifecycleHost,
    LifecycleOptions,
    LifecyclePluginError,
    Plugin,
    PluginContext,
    PluginState,
    lifecycle,
)
from brainsmith.lifecycle.conditions import every_n_epochs
from brainsmith.lifecycle.events import HookEvents
from brainsmith.plugins import new_plugin_manager


def make_host() -> LifecycleHost:
    pm = new_plugin_manager()
    return LifecycleHost(Dispatcher(pm))


class Counter(Plugin):
    """Counts epochs; keeps the count between runs."""

    description = "counts epochs"

    @dataclass
    class Config:
        step: int = 1
        mode: Literal["up", "down"] = "up"
        scale: float = 1.0
        tags: list[str] | None = None

    def setup(self, context: PluginContext) -> None:
        self.events: list[str] = ["setup"]
        self.count = 0
        self.run_dir = context.run_dir

    def on_epoch_end(self, epoch: int) -> None:
        self.count += self.config.step if self.config.mode == "up" else -self.config.step
        self.events.append(f"epoch{epoch}")

    @lifecycle(priority=5, condition=every_n_epochs(2))
    @hookimpl
    def on_epoch_begin(self, epoch: int) -> None:
        self.events.append(f"begin{epoch}")

    def teardown(self) -> None:
        self.events.append("teardown")

    def state_dict(self) -> dict[str, Any]:
        return {"count": self.count}

    def load_state_dict(self, state: Any) -> None:
        self.count = state["count"]


def epoch(host: LifecycleHost, n: int) -> None:
    host.dispatcher.fire(HookEvents.EPOCH_BEGIN, loop=None, epoch=n)
    host.dispatcher.fire(HookEvents.EPOCH_END, loop=None, epoch=n, metrics={})


def test_name_defaults_to_snake_case_and_methods_become_hookimpls() -> None:
    assert Counter.name == "counter"
    assert hasattr(Counter.on_epoch_end, "brainsmith_impl")
    assert not hasattr(Counter.setup, "brainsmith_impl")
    assert Counter.plugin_version() == "0+unknown"  # defined in a test file: not installed
    assert Counter.label() == f"counter ({__name__} 0+unknown)"


def test_states_follow_register_load_setup_running_teardown_unload(tmp_path: Path) -> None:
    host = make_host()
    host.register(Counter, source="tests")
    assert host.rows()[0]["state"] == "registered"
    plugin = host.load("counter", {"step": 2})
    assert plugin.state is PluginState.LOADED
    host.setup(tmp_path)
    assert plugin.state is PluginState.SETUP
    pm = host.dispatcher.plugin_manager
    assert pm.get_plugin("counter") is plugin
    host.start()
    assert plugin.state is PluginState.RUNNING
    for n in (1, 2):
        epoch(host, n)
    assert plugin.events == ["setup", "epoch1", "begin2", "epoch2"]
    host.teardown()
    assert plugin.state is PluginState.TORN_DOWN
    assert plugin.events[-1] == "teardown"
    host.unload()
    assert plugin.state is PluginState.UNLOADED
    assert pm.get_plugin("counter") is None
    assert host.rows()[0] | {"version": ""} == {
        "name": "counter",
        "version": "",
        "source": "tests",
        "state": "unloaded",
        "enabled": "yes",
        "requires": "",
        "conflicts": "",
    }


def test_each_hook_registered_once_with_its_options(tmp_path: Path) -> None:
    host = make_host()
    host.add(Counter())
    host.setup(tmp_path)
    d = host.dispatcher
    assert d.subscribers(HookEvents.EPOCH_END) == ["counter"]
    assert d.subscribers(HookEvents.EPOCH_BEGIN) == ["counter"]
    (call,) = d.plan(HookEvents.EPOCH_BEGIN).calls
    assert repr(call.condition) == "every_n_epochs(2)"
    with pytest.raises(LifecyclePluginError, match="loaded twice"):
        host.add(Counter())


def test_state_is_saved_and_restored_under_its_key(tmp_path: Path) -> None:
    host = make_host()
    host.add(Counter({"step": 3}))
    with host.running(tmp_path):
        epoch(host, 1)
    saved = (tmp_path / STATE_FILE).read_text()
    assert '"count": 3' in saved
    assert Counter().state_key in saved
    assert (tmp_path / "hook_stats.json").exists()

    again = make_host()
    plugin = again.add(Counter({"step": 3}))
    with again.running(tmp_path):
        assert plugin.count == 3
        epoch(again, 1)
    assert plugin.count == 6


def test_options_are_validated_with_clear_errors() -> None:
    plugin = Counter({"scale": 2, "tags": ["a"]})
    assert plugin.config.scale == 2.0
    with pytest.raises(OptionsError, match=r"unknown option\(s\) 'stpe' \(did you mean 'step'\?\)"):
        Counter({"stpe": 1})
    with pytest.raises(OptionsError, match="expected an integer, got str") as info:
        Counter({"step": "2"}, where="run.yaml: plugins.counter.options")
    assert "run.yaml: plugins.counter.options.step" in str(info.value)
    with pytest.raises(OptionsError, match="'sideways' is not one of 'up', 'down'"):
        Counter({"mode": "sideways"})
    with pytest.raises(OptionsError, match=r"tags\[1\]"):
        Counter({"tags": ["a", 2]})

    class Needs(Plugin):
        @dataclass
        class Config:
            path: str

            def __post_init__(self) -> None:
                if not self.path.endswith(".jsonl"):
                    raise ValueError("path must end in .jsonl")

    with pytest.raises(OptionsError, match="missing required option"):
        Needs()
    with pytest.raises(OptionsError, match=r"must end in \.jsonl"):
        Needs({"path": "x.txt"})


def test_enable_disable_switch_its_hooks(tmp_path: Path) -> None:
    host = make_host()
    plugin = host.add(Counter())
    host.setup(tmp_path)
    plugin.disable()
    epoch(host, 1)
    plugin.enable()
    epoch(host, 3)
    assert plugin.events == ["setup", "epoch3"]


def test_requires_conflicts_and_cycles(tmp_path: Path) -> None:
    class A(Plugin):
        requires = ("b",)

    class B(Plugin):
        pass

    class C(Plugin):
        conflicts = ("a",)

    host = make_host()
    host.add(A())
    with pytest.raises(LifecyclePluginError, match="requires the lifecycle plugin 'b'"):
        host.setup("unused")
    order: list[str] = []

    class A2(Plugin):
        name = "a2"
        requires = ("b2",)

        def setup(self, context: PluginContext) -> None:
            order.append(self.name)

    class B2(Plugin):
        name = "b2"

        def setup(self, context: PluginContext) -> None:
            order.append(self.name)

    host = make_host()
    host.add(A2())
    host.add(B2())
    host.setup(tmp_path)
    assert order == ["b2", "a2"]
    host.teardown()

    host = make_host()
    host.add(A())
    host.add(B())
    host.add(C())
    with pytest.raises(LifecyclePluginError, match="conflicts with"):
        host.setup("unused")

    class X(Plugin):
        requires = ("y",)

    class Y(Plugin):
        requires = ("x",)

    host = make_host()
    host.add(X())
    host.add(Y())
    with pytest.raises(LifecyclePluginError, match="cycle: x -> y -> x"):
        host.setup("unused")


def test_collect_from_hook_and_unknown_or_duplicate_names() -> None:
    class Contributor:
        @hookimpl
        def brainsmith_lifecycle_plugins(self) -> list[type]:
            return [Counter]

    host = make_host()
    host.dispatcher.plugin_manager.register(Contributor(), name="tests")
    host.collect()
    assert host.available == {"counter": Counter}
    with pytest.raises(LifecyclePluginError, match="no lifecycle plugin named 'countr'"):
        host.load("countr")

    class Other(Plugin):
        name = "counter"

    with pytest.raises(LifecyclePluginError, match="two lifecycle plugins are named 'counter'"):
        host.register(Other, source="other")
    with pytest.raises(LifecyclePluginError, match=r"not a brainsmith\.LifecyclePlugin subclass"):
        host.register(dict, source="bad")  # type: ignore[arg-type]


def test_per_instance_options_and_middleware(tmp_path: Path) -> None:
    seen: list[Any] = []

    class Every(Plugin):
        @dataclass
        class Config:
            n: int = 3

        middleware_events = (HookEvents.EPOCH_END,)

        def lifecycle_options(self, hook: str) -> LifecycleOptions | None:
            return LifecycleOptions(condition=every_n_epochs(self.config.n))

        def middleware(self, event: str, arguments: dict[str, Any]) -> dict[str, Any]:
            return {**arguments, "metrics": {"rewritten": arguments["epoch"]}}

        def on_epoch_end(self, epoch: int, metrics: Any) -> None:
            seen.append((epoch, metrics))

    host = make_host()
    host.add(Every({"n": 2}))
    with host.running(tmp_path):
        for n in range(1, 5):
            host.dispatcher.fire(HookEvents.EPOCH_END, loop=None, epoch=n, metrics={})
    assert seen == [(2, {"rewritten": 2}), (4, {"rewritten": 4})]
    host.dispatcher.fire(HookEvents.EPOCH_END, loop=None, epoch=6, metrics={})
    assert len(seen) == 2  # unloaded: hooks and middleware gone


def test_unreadable_saved_state_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / STATE_FILE).mkdir()  # a folder where the state file belongs
    host = make_host()
    host.add(Counter())
    with pytest.raises(LifecyclePluginError, match="cannot read saved plugin state") as info:
        host.setup(tmp_path)
    assert STATE_FILE in info.value.where
    (tmp_path / STATE_FILE).rmdir()
    (tmp_path / STATE_FILE).write_bytes(b'{"counter": "\xff"}')
    with pytest.raises(LifecyclePluginError, match="cannot read saved plugin state"):
        make_host().setup(tmp_path)


class Journal(Plugin):
    """Records setup and teardown in a shared list; ``fail`` names a step that raises."""

    log: list[str] = []  # shared on purpose; each test resets it

    @dataclass
    class Config:
        fail: str = ""

    def setup(self, context: PluginContext) -> None:
        if self.config.fail == "setup":
            raise RuntimeError(f"{self.name} setup failed")
        Journal.log.append(f"setup {self.name}")

    def on_epoch_end(self, epoch: int) -> None:
        pass

    def teardown(self) -> None:
        Journal.log.append(f"teardown {self.name}")
        if self.config.fail == "teardown":
            raise RuntimeError(f"{self.name} teardown failed")


class JournalA(Journal):
    name = "journal_a"


class JournalB(Journal):
    name = "journal_b"


def test_a_failing_setup_tears_down_the_plugins_set_up_before_it(tmp_path: Path) -> None:
    Journal.log = []
    host = make_host()
    first = host.add(JournalA())
    second = host.add(JournalB({"fail": "setup"}))
    with pytest.raises(RuntimeError, match="journal_b setup failed"), host.running(tmp_path):
        pytest.fail("the run must not start")
    assert Journal.log == ["setup journal_a", "teardown journal_a"]
    assert first.state is PluginState.UNLOADED
    assert second.state is PluginState.LOADED
    assert not host.dispatcher.plugin_manager.is_registered(first)
    assert (tmp_path / "hook_stats.json").exists()


def test_a_failing_teardown_still_tears_down_the_rest_writes_stats_and_unloads(
    tmp_path: Path,
) -> None:
    Journal.log = []
    host = make_host()
    first = host.add(JournalA())
    second = host.add(JournalB({"fail": "teardown"}))
    with pytest.raises(RuntimeError, match="journal_b teardown failed"), host.running(tmp_path):
        epoch(host, 1)
    assert Journal.log == [
        "setup journal_a",
        "setup journal_b",
        "teardown journal_b",
        "teardown journal_a",
    ]
    assert first.state is second.state is PluginState.UNLOADED
    assert host.dispatcher.subscribers(HookEvents.EPOCH_END) == []
    assert (tmp_path / "hook_stats.json").exists()
    assert (tmp_path / STATE_FILE).exists()


def test_installed_metadata_is_scanned_once_for_labels_and_descriptions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import importlib.metadata

    from brainsmith import _distributions as distributions

    real = importlib.metadata.packages_distributions
    scans: list[int] = []

    def counting() -> Any:
        scans.append(1)
        return real()

    class Plain:
        @hookimpl
        def on_epoch_end(self) -> None:
            pass

    Plain.__module__ = "pluggy"  # an installed distribution, described from its metadata
    monkeypatch.setattr(importlib.metadata, "packages_distributions", counting)
    distributions._top_level_distributions.cache_clear()
    distributions.distribution_of.cache_clear()
    try:
        host = make_host()
        host.dispatcher.plugin_manager.register(Plain(), name="plain")
        assert host.dispatcher.describe("plain") == f"plain (pluggy {pluggy.__version__})"
        assert Counter.label().startswith("counter (")
        assert Journal.distribution() == Counter.distribution()
        other = make_host().dispatcher  # a second run's dispatcher asks again
        other.plugin_manager.register(Plain(), name="plain")
        assert other.describe("plain") == f"plain (pluggy {pluggy.__version__})"
        assert len(scans) == 1
    finally:
        distributions._top_level_distributions.cache_clear()
        distributions.distribution_of.cache_clear()


def test_unknown_names_suggest_close_ones() -> None:
    with pytest.raises(OptionsError, match=r"unknown option\(s\) 'mod' \(did you mean 'mode'\?\)"):
        Counter({"mod": "up"})

    @dataclass
    class Schema:
        steps: int = 1
        step: int = 1

    from brainsmith._schema import validate_options

    with pytest.raises(OptionsError, match=r"'stepz' \(did you mean 'step', 'steps'\?\)"):
        validate_options(Schema, {"stepz": 1}, where="test")
    host = make_host()
    host.register(Counter)
    with pytest.raises(LifecyclePluginError, match=r"'countr' \(did you mean 'counter'\?\)"):
        host.load("countr")


# -- the shared document validator (brainsmith._schema) -----------------------------------


@dataclass
class Inner:
    size: int = field(metadata={"doc": "how many"})
    kind: Literal["a", "b"] = "a"


@dataclass
class Outer:
    inner: Inner
    items: list[Inner] = field(default_factory=list)
    by_name: dict[str, Inner] = field(default_factory=dict)
    only_pinned: bool = field(default=False, metadata={"key": "only-pinned"})
    origin: str = field(default="", metadata={"key": None})


def test_schema_nested_lists_and_mappings_with_paths() -> None:
    from brainsmith._schema import validate

    built = validate(
        Outer,
        {"inner": {"size": 1}, "items": [{"size": 2, "kind": "b"}], "only-pinned": True},
        where="f.yaml",
    )
    assert built == Outer(Inner(1), [Inner(2, "b")], only_pinned=True)
    cases = [
        ({"inner": {"sise": 1}}, "f.yaml: inner", "unknown key(s) 'sise' (did you mean 'size'?)"),
        ({"inner": {"size": 1}, "items": [{"size": 1}, {}]}, "f.yaml: items[1]", "missing"),
        ({"inner": {"size": "1"}}, "f.yaml: inner.size", "expected an integer, got str '1'"),
        ({"inner": {"size": 1}, "by_name": {"x": 3}}, "f.yaml: by_name.x", "expected a mapping"),
        ({"inner": {"size": 1}, "items": {}}, "f.yaml: items", "expected a list of mappings"),
        ({"inner": 1, "origin": "x"}, "f.yaml", "unknown key(s) 'origin'"),  # not a document key
        ({"inner": {"size": 1, "kind": "c"}}, "f.yaml: inner.kind", "'c' is not one of 'a', 'b'"),
    ]
    for values, where, message in cases:
        with pytest.raises(OptionsError) as info:
            validate(Outer, values, where="f.yaml")
        assert (info.value.where, message in info.value.message) == (where, True), values
    with pytest.raises(OptionsError) as info:
        validate(Outer, {"inner": {"size": None}}, where="f.yaml")
    assert info.value.fix == "how many"  # a field's doc is the fix


def test_schema_collects_every_problem_and_drops_bad_items() -> None:
    from brainsmith._schema import validate
    from brainsmith.errors import BrainsmithError

    problems: list[BrainsmithError] = []
    built = validate(
        Outer,
        {"inner": {"size": 1}, "items": [{"size": "x"}, {"size": 3}], "extra": 1, "origin": 2},
        where="f",
        problems=problems,
    )
    assert built.items == [Inner(3)]
    assert [(p.where, p.message) for p in problems] == [
        ("f", "unknown key(s) 'extra', 'origin'"),
        ("f: items[0].size", "expected an integer, got str 'x'"),
    ]
    with pytest.raises(OptionsError, match="f: has problems"):
        validate(Outer, {"inner": 1}, where="f", problems=[])


def test_schema_null_defaults_and_options_paths() -> None:
    from brainsmith._schema import validate, validate_options

    built = validate(Outer, {"inner": {"size": 1}, "items": None}, where="f", null_default=True)
    assert built.items == []
    with pytest.raises(OptionsError, match="expected a list of mappings, got NoneType"):
        validate(Outer, {"inner": {"size": 1}, "items": None}, where="f")
    with pytest.raises(OptionsError) as info:
        validate_options(Outer, {"inner": {"size": True}}, where="run.yaml: plugins.x.options")
    assert info.value.where == "run.yaml: plugins.x.options.inner.size"  # bool is not an int
