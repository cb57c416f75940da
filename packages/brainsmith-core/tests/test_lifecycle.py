"""The lifecycle dispatcher: each feature alone, then together."""

from __future__ import annotations

import json
import warnings
from typing import Any

import pluggy
import pytest
from brainsmith import hookimpl
from brainsmith.lifecycle import (
    STATS_FILE,
    Dispatcher,
    ErrorPolicy,
    HookError,
    LifecycleError,
    LifecycleWarning,
    Stop,
    lifecycle,
)
from brainsmith.lifecycle._stats import read_stats
from brainsmith.lifecycle.conditions import (
    after_epoch,
    before_epoch,
    every_n_epochs,
    every_n_steps,
    when,
)
from brainsmith.lifecycle.events import HookEvents
from brainsmith.plugins import new_plugin_manager


def make_pm() -> pluggy.PluginManager:
    return new_plugin_manager()


class Recorder:
    """A plugin whose on_epoch_end appends its name to a shared log."""

    def __init__(self, log: list[str], name: str) -> None:
        self.log = log
        self.name = name

    @hookimpl
    def on_epoch_end(self, epoch: int) -> None:
        self.log.append(self.name)


def prioritized(log: list[str], name: str, priority: int) -> object:
    class P:
        @lifecycle(priority=priority)
        @hookimpl
        def on_epoch_end(self, epoch: int) -> str:
            log.append(name)
            return name

    return P()


def fire_epoch(d: Dispatcher, epoch: int = 1) -> list[Any]:
    return d.fire(HookEvents.EPOCH_END, loop=None, epoch=epoch, metrics={})


# -- ordering ------------------------------------------------------------------------------


def test_higher_priority_runs_first_and_ties_keep_registration_order() -> None:
    pm, log = make_pm(), []
    pm.register(prioritized(log, "low", -5), name="low")
    pm.register(prioritized(log, "tie1", 0), name="tie1")
    pm.register(prioritized(log, "high", 10), name="high")
    pm.register(prioritized(log, "tie2", 0), name="tie2")
    d = Dispatcher(pm)
    assert fire_epoch(d) == ["high", "tie1", "tie2", "low"]
    assert log == ["high", "tie1", "tie2", "low"]


def test_configured_order_breaks_ties_before_registration_order() -> None:
    pm, log = make_pm(), []
    for name in ("a", "b", "c"):
        pm.register(Recorder(log, name), name=name)
    d = Dispatcher(pm, order=["c", "a"])
    fire_epoch(d)
    assert log == ["c", "a", "b"]
    d.set_order(["b"])
    assert d.subscribers(HookEvents.EPOCH_END) == ["b", "a", "c"]


def test_priority_override_per_plugin_wins_over_decorator() -> None:
    pm, log = make_pm(), []
    pm.register(prioritized(log, "x", 100), name="x")
    pm.register(prioritized(log, "y", 0), name="y")
    d = Dispatcher(pm, priorities={"y": 200})
    assert fire_epoch(d) == ["y", "x"]
    d.set_priority("y", None)
    assert fire_epoch(d) == ["x", "y"]


def test_tryfirst_and_trylast_refine_ties() -> None:
    log: list[str] = []

    class Last:
        @hookimpl(trylast=True)
        def on_epoch_end(self) -> None:
            log.append("last")

    class First:
        @hookimpl(tryfirst=True)
        def on_epoch_end(self) -> None:
            log.append("first")

    pm = make_pm()
    pm.register(Last(), name="last")
    pm.register(Recorder(log, "plain"), name="plain")
    pm.register(First(), name="first")
    fire_epoch(Dispatcher(pm))
    assert log == ["first", "plain", "last"]


def test_plan_is_recompiled_when_registrations_change() -> None:
    pm, log = make_pm(), []
    d = Dispatcher(pm)
    pm.register(Recorder(log, "a"), name="a")
    fire_epoch(d)
    b = Recorder(log, "b")
    pm.register(b, name="b")
    fire_epoch(d)
    pm.unregister(b)
    fire_epoch(d)
    assert log == ["a", "a", "b", "a"]


def test_plan_is_reused_between_calls() -> None:
    pm = make_pm()
    pm.register(Recorder([], "a"), name="a")
    d = Dispatcher(pm)
    fire_epoch(d)
    plan = d._plans[HookEvents.EPOCH_END]
    fire_epoch(d)
    assert d._plans[HookEvents.EPOCH_END] is plan


# -- conditions ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (every_n_epochs(3), [3, 6, 9]),
        (after_epoch(7), [8, 9, 10]),
        (before_epoch(3), [1, 2]),
        (every_n_epochs(2) & after_epoch(5), [6, 8, 10]),
        (before_epoch(2) | every_n_epochs(5), [1, 5, 10]),
        (~every_n_epochs(2) & before_epoch(6), [1, 3, 5]),
        (when(lambda kw: kw["epoch"] in (4, 9)), [4, 9]),
    ],
    ids=["every_n", "after", "before", "and", "or", "not", "when"],
)
def test_epoch_conditions(condition: Any, expected: list[int]) -> None:
    seen: list[int] = []

    class P:
        @lifecycle(condition=condition)
        @hookimpl
        def on_epoch_end(self, epoch: int) -> None:
            seen.append(epoch)

    pm = make_pm()
    pm.register(P(), name="p")
    d = Dispatcher(pm)
    for epoch in range(1, 11):
        fire_epoch(d, epoch)
    assert seen == expected
    stat = d.stats.get("p", HookEvents.EPOCH_END)
    assert stat is not None
    assert (stat.calls, stat.skipped) == (len(expected), 10 - len(expected))


def test_every_n_steps_and_missing_argument_is_false() -> None:
    steps: list[int] = []

    class P:
        @lifecycle(condition=every_n_steps(4))
        @hookimpl
        def on_step_end(self, step: int) -> None:
            steps.append(step)

        @lifecycle(condition=every_n_epochs(1))
        @hookimpl
        def on_train_begin(self) -> None:
            steps.append(-1)

    pm = make_pm()
    pm.register(P(), name="p")
    d = Dispatcher(pm)
    for step in range(1, 13):
        d.fire(HookEvents.STEP_END, loop=None, epoch=1, step=step, loss=0.0, metrics={})
    d.fire(HookEvents.TRAIN_BEGIN, loop=None, epochs=3)
    assert steps == [4, 8, 12]


def test_condition_constructors_validate() -> None:
    with pytest.raises(ValueError, match="positive"):
        every_n_epochs(0)
    with pytest.raises(TypeError, match="combine"):
        every_n_epochs(2) & 3  # type: ignore[operator]
    with pytest.raises(TypeError, match="Condition"):
        lifecycle(condition=lambda kw: True)  # type: ignore[arg-type]
    assert repr(every_n_epochs(2) | after_epoch(3)) == "(every_n_epochs(2) | after_epoch(3))"


# -- middleware ----------------------------------------------------------------------------


def test_middleware_rewrites_arguments_in_order() -> None:
    seen: list[dict[str, Any]] = []

    class P:
        @hookimpl
        def on_epoch_end(self, epoch: int, metrics: dict[str, float]) -> None:
            seen.append({"epoch": epoch, "metrics": metrics})

    pm = make_pm()
    pm.register(P(), name="p")
    d = Dispatcher(pm)
    d.add_middleware(lambda event, kw: {**kw, "metrics": {"loss": 1.0}})
    d.add_middleware(
        lambda event, kw: {**kw, "metrics": {k: v * 2 for k, v in kw["metrics"].items()}},
        events=[HookEvents.EPOCH_END],
    )
    d.add_middleware(lambda event, kw: None)  # keeps the arguments
    fire_epoch(d, 2)
    assert seen == [{"epoch": 2, "metrics": {"loss": 2.0}}]


def test_middleware_scoped_to_other_events_does_not_run_and_can_be_removed() -> None:
    calls: list[str] = []

    def spy(event: str, kw: dict[str, Any]) -> None:
        calls.append(event)

    pm = make_pm()
    d = Dispatcher(pm)
    d.add_middleware(spy, events=[HookEvents.STEP_END])
    fire_epoch(d)
    d.fire(HookEvents.STEP_END, loop=None, epoch=1, step=1, loss=0.0, metrics={})
    d.remove_middleware(spy)
    d.fire(HookEvents.STEP_END, loop=None, epoch=1, step=2, loss=0.0, metrics={})
    assert calls == [HookEvents.STEP_END]


def test_middleware_returning_a_non_mapping_is_an_error() -> None:
    d = Dispatcher(make_pm())
    d.add_middleware(lambda event, kw: 42)  # type: ignore[arg-type,return-value]
    with pytest.raises(LifecycleError, match="returned int"):
        fire_epoch(d)


# -- statistics ----------------------------------------------------------------------------


def test_statistics_count_calls_skips_errors_and_times(tmp_path: Any) -> None:
    class P:
        @lifecycle(condition=every_n_epochs(2))
        @hookimpl
        def on_epoch_end(self, epoch: int) -> None:
            if epoch == 4:
                raise RuntimeError("boom")

    pm = make_pm()
    pm.register(P(), name="p")
    d = Dispatcher(pm, describe=lambda n: f"{n} (dist-{n} 1.0)", default_policy=ErrorPolicy("warn"))
    with pytest.warns(LifecycleWarning):
        for epoch in range(1, 6):
            fire_epoch(d, epoch)
    stat = d.stats.get("p", HookEvents.EPOCH_END)
    assert stat is not None
    assert (stat.calls, stat.skipped, stat.errors) == (2, 3, 1)
    assert stat.total >= stat.max > 0

    path = d.write_stats(tmp_path)
    assert path == tmp_path / STATS_FILE
    assert not [p for p in tmp_path.iterdir() if p.name != STATS_FILE]  # no temp file left
    document = read_stats(tmp_path)
    (row,) = document["hooks"]
    assert row["plugin"] == "p"
    assert row["label"] == "p (dist-p 1.0)"
    assert (row["calls"], row["skipped"], row["errors"]) == (2, 3, 1)
    assert document["stopped"] is None
    assert json.loads(path.read_text()) == document


# -- error policies -------------------------------------------------------------------------


class Failing:
    def __init__(self) -> None:
        self.calls = 0

    @hookimpl
    def on_epoch_end(self, epoch: int) -> None:
        self.calls += 1
        raise ValueError(f"bad epoch {epoch}")


class ExceptionSpy:
    def __init__(self, name: str, seen: list[tuple[str, str, str, str]]) -> None:
        self.name = name
        self.seen = seen

    @hookimpl
    def on_exception(self, error: BaseException, event: str, plugin: str) -> None:
        self.seen.append((self.name, type(error).__name__, event, plugin))


def test_raise_policy_names_plugin_distribution_and_hook_and_fires_exception_events() -> None:
    seen: list[tuple[str, str, str, str]] = []
    pm = make_pm()
    pm.register(Failing(), name="bad")
    pm.register(ExceptionSpy("spy1", seen), name="spy1")
    pm.register(ExceptionSpy("spy2", seen), name="spy2")
    d = Dispatcher(pm, describe=lambda n: f"{n} (brainsmith-plugin-{n} 1.2.0)")
    with pytest.raises(HookError) as info:
        fire_epoch(d, 3)
    message = str(info.value)
    assert "bad (brainsmith-plugin-bad 1.2.0)" in message
    assert "on_epoch_end" in message
    assert "ValueError: bad epoch 3" in message
    assert isinstance(info.value.__cause__, ValueError)
    assert (info.value.plugin, info.value.hook) == ("bad", "on_epoch_end")
    assert seen == [
        ("spy1", "ValueError", "on_epoch_end", "bad"),
        ("spy2", "ValueError", "on_epoch_end", "bad"),
    ]


def test_default_description_comes_from_installed_distribution() -> None:
    pm = make_pm()
    pm.register(Failing(), name="bad")  # defined in this test module: not installed
    pm.register(pluggy, name="pluggy-module")
    d = Dispatcher(pm)
    assert "not installed" in d.describe("bad")
    assert d.describe("pluggy-module").startswith("pluggy-module (pluggy ")


def test_warn_policy_warns_each_time_and_keeps_calling() -> None:
    pm, failing, log = make_pm(), Failing(), []
    pm.register(failing, name="bad")
    pm.register(Recorder(log, "ok"), name="ok")
    d = Dispatcher(pm, policies={"bad": ErrorPolicy("warn")})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for epoch in range(1, 4):
            fire_epoch(d, epoch)
    assert failing.calls == 3
    assert log == ["ok", "ok", "ok"]
    assert [w.category for w in caught] == [LifecycleWarning] * 3
    assert "bad" in str(caught[0].message)


def test_disable_policy_disables_after_n_failures() -> None:
    pm, failing = make_pm(), Failing()
    pm.register(failing, name="bad")
    d = Dispatcher(pm)
    d.set_policy("bad", ErrorPolicy("disable", max_failures=2))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for epoch in range(1, 6):
            fire_epoch(d, epoch)
    assert failing.calls == 2
    assert "bad" in d.disabled
    assert "2 failure(s)" in d.disabled["bad"]
    assert "disabled after 2" in str(caught[-1].message)
    assert d.stats_json()["disabled"] == d.disabled
    d.enable("bad")
    with pytest.warns(LifecycleWarning):
        fire_epoch(d, 6)
    assert failing.calls == 3


def test_error_policy_parse() -> None:
    assert ErrorPolicy.parse("warn") == ErrorPolicy("warn")
    assert ErrorPolicy.parse({"disable_after": 3}) == ErrorPolicy("disable", 3)
    with pytest.raises(ValueError, match="on_error"):
        ErrorPolicy.parse({"retry": 1})
    with pytest.raises(ValueError, match="not raise, warn or disable"):
        ErrorPolicy.parse("ignore")


def test_errors_in_exception_hooks_are_not_refired() -> None:
    class BadSpy:
        calls = 0

        @hookimpl
        def on_exception(self) -> None:
            BadSpy.calls += 1
            raise RuntimeError("spy broke")

    pm = make_pm()
    pm.register(Failing(), name="bad")
    pm.register(BadSpy(), name="badspy")
    d = Dispatcher(pm, default_policy=ErrorPolicy("warn"))
    with pytest.warns(LifecycleWarning):
        fire_epoch(d)
    assert BadSpy.calls == 1


def test_missing_event_argument_is_reported_as_such() -> None:
    pm = make_pm()
    pm.register(Recorder([], "a"), name="a")
    d = Dispatcher(pm)
    with pytest.raises(LifecycleError, match="without argument 'epoch'"):
        d.fire(HookEvents.EPOCH_END, loop=None)


def test_unknown_event_is_an_error_and_a_wrapper_disables_only_its_plugin() -> None:
    class Wrapper:
        @hookimpl(wrapper=True)
        def on_epoch_end(self) -> Any:
            return (yield)

    pm, log = make_pm(), []
    d = Dispatcher(pm)
    with pytest.raises(LifecycleError, match="no lifecycle hook named 'on_epoch_ends'"):
        d.fire("on_epoch_ends")
    pm.register(Wrapper(), name="w")
    pm.register(Recorder(log, "other"), name="other")
    with pytest.warns(LifecycleWarning, match="wrappers are not supported") as caught:
        fire_epoch(d)
    assert str(caught[0].message).endswith(") is disabled")
    assert log == ["other"]
    assert d.disabled["w"].startswith("invalid hook implementation: hook wrappers")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fire_epoch(d)  # disabled once, not warned about again
    assert log == ["other", "other"]


# -- stop ----------------------------------------------------------------------------------


def test_stop_result_sets_control_and_is_not_returned() -> None:
    class Stopper:
        @hookimpl
        def on_epoch_end(self, epoch: int) -> Stop | None:
            return Stop(f"enough at {epoch}") if epoch >= 2 else None

    pm, log = make_pm(), []
    pm.register(Stopper(), name="stopper")
    pm.register(prioritized(log, "other", -1), name="other")
    d = Dispatcher(pm)
    assert fire_epoch(d, 1) == ["other"]
    assert not d.should_stop
    assert fire_epoch(d, 2) == ["other"]
    assert d.should_stop
    assert d.stats_json()["stopped"] == {
        "reason": "enough at 2",
        "by": "stopper",
        "event": "on_epoch_end",
    }
    fire_epoch(d, 3)
    assert d.control.reason == "enough at 2"  # the first request wins


# -- together ------------------------------------------------------------------------------


def test_priority_condition_middleware_stats_policy_and_stop_together() -> None:
    log: list[str] = []

    class Scaler:
        @lifecycle(priority=50)
        @hookimpl
        def on_epoch_end(self, epoch: int, metrics: dict[str, float]) -> None:
            log.append(f"scaler:{metrics['loss']}")

    class Checker:
        @lifecycle(priority=10, condition=every_n_epochs(2))
        @hookimpl
        def on_epoch_end(self, epoch: int, metrics: dict[str, float]) -> Stop | None:
            log.append(f"checker:{epoch}")
            return Stop("loss small") if metrics["loss"] < 0.3 else None

    class Flaky:
        @hookimpl
        def on_epoch_end(self, epoch: int) -> None:
            raise RuntimeError("flaky")

    pm = make_pm()
    pm.register(Flaky(), name="flaky")
    pm.register(Checker(), name="checker")
    pm.register(Scaler(), name="scaler")
    d = Dispatcher(pm, policies={"flaky": ErrorPolicy("disable", 1)})
    d.add_middleware(
        lambda e, kw: {**kw, "metrics": {"loss": 1.0 / kw["epoch"]}}, events=[HookEvents.EPOCH_END]
    )
    epoch = 0
    with pytest.warns(LifecycleWarning, match="disabled"):
        while not d.should_stop:
            epoch += 1
            d.fire(HookEvents.EPOCH_END, loop=None, epoch=epoch, metrics={})
    assert epoch == 4
    assert log == [
        "scaler:1.0",
        "scaler:0.5",
        "checker:2",
        "scaler:0.3333333333333333",
        "scaler:0.25",
        "checker:4",
    ]
    document = d.stats_json()
    rows = {r["plugin"]: r for r in document["hooks"]}
    assert (rows["checker"]["calls"], rows["checker"]["skipped"]) == (2, 2)
    assert (rows["flaky"]["calls"], rows["flaky"]["errors"]) == (1, 1)
    assert rows["scaler"]["calls"] == 4
    assert document["stopped"]["by"] == "checker"
    assert "flaky" in document["disabled"]


class NeedsLoss:
    """Its condition reads a metric the event may not carry."""

    calls = 0

    @lifecycle(condition=when(lambda kw: kw["metrics"]["val_loss"] < 1, "val_loss < 1"))
    @hookimpl
    def on_epoch_end(self, epoch: int) -> None:
        NeedsLoss.calls += 1


def test_a_condition_that_raises_is_the_plugins_error_under_its_policy() -> None:
    pm = make_pm()
    pm.register(NeedsLoss(), name="needs")
    d = Dispatcher(pm, describe=lambda n: f"{n} (dist-{n} 1.0)")
    with pytest.raises(HookError) as info:
        fire_epoch(d)
    assert "needs (dist-needs 1.0)" in str(info.value)
    assert "KeyError" in str(info.value)
    d.set_policy("needs", ErrorPolicy("warn"))
    with pytest.warns(LifecycleWarning, match="needs"):
        fire_epoch(d)
    assert d.fire(HookEvents.EPOCH_END, loop=None, epoch=3, metrics={"val_loss": 0.5}) == []
    assert NeedsLoss.calls == 1
    stat = next(s for s in d.stats if s.plugin == "needs")
    assert (stat.calls, stat.errors, stat.skipped) == (1, 2, 0)
