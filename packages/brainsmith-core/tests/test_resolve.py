"""Resolution: every rule, each verdict with its reason and fix, all problems at once."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from brainsmith.plugins._resolve import Problem, Resolution, State, resolve
from brainsmith.plugins._settings import Settings
from brainsmith.plugins.records import Declaration, Form, PluginRecord
from packaging.utils import canonicalize_name

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

SOURCE = "/proj/pyproject.toml"


def rec(
    namespace: str,
    dist: str | None = None,
    version: str = "1.0",
    *,
    requires_dist: Sequence[str] = (),
    api: str = "",
    requires: Sequence[str] = (),
    conflicts: Sequence[str] = (),
    error: str = "",
    fix: str = "",
    code_defined: bool = False,
) -> PluginRecord:
    return PluginRecord(
        namespace=namespace,
        value=f"bsp_{namespace}:brainsmith_plugin.toml",
        distribution=dist or f"brainsmith-plugin-{namespace}",
        version=version,
        requires_dist=tuple(requires_dist),
        form=Form.PLUGGY if code_defined else Form.MANIFEST,
        location=f"/site/bsp_{namespace}/brainsmith_plugin.toml",
        declaration=Declaration(api=api, requires=tuple(requires), conflicts=tuple(conflicts)),
        components=None if code_defined or error else (),
        error=error,
        fix=fix,
    )


def run(
    *records: PluginRecord,
    settings: Settings | None = None,
    installed: Mapping[str, str] | None = None,
    core: str = "0.1.0",
) -> Resolution:
    if installed is None:
        installed = {canonicalize_name(r.distribution): r.version for r in records}
    return resolve(
        records,
        settings or Settings(source=SOURCE),
        core_version=core,
        plugin_api="1.0",
        installed=installed,
    )


def states(resolution: Resolution) -> dict[str, str]:
    return {f"{v.namespace}/{v.distribution}": str(v.state) for v in resolution.verdicts}


def reasons(resolution: Resolution, namespace: str) -> list[str]:
    return [p.reason for v in resolution.verdicts if v.namespace == namespace for p in v.problems]


def test_clean_environment() -> None:
    resolution = run(rec("a"), rec("b", code_defined=True))
    assert states(resolution) == {
        "a/brainsmith-plugin-a": "active",
        "b/brainsmith-plugin-b": "not activated",
    }
    assert resolution.ok
    assert resolution.problems == ()
    assert resolution.order == ("a", "b")


# -- plugin -> core ----------------------------------------------------------------------------


def test_requires_newer_core() -> None:
    resolution = run(rec("x", requires_dist=["numpy", "brainsmith-core>=0.2"]))
    (problem,) = resolution.problems
    assert problem == Problem(
        "error",
        "x",
        "brainsmith-plugin-x",
        "1.0",
        "requires brainsmith-core>=0.2, but brainsmith-core 0.1.0 is running",
        "pip install 'brainsmith-core>=0.2', or install a release of brainsmith-plugin-x made "
        "for brainsmith-core 0.1.0",
    )
    assert resolution.verdicts[0].state is State.INCOMPATIBLE
    assert resolution.order == ()
    assert not resolution.ok


@pytest.mark.parametrize(
    ("line", "fits"),
    [
        ("brainsmith-core<1,>=0.1", True),
        ("Brainsmith_Core>=9", False),  # canonical name
        ("brainsmith-core>=9; extra == 'dev'", True),  # only with an extra: ignored
        ("brainsmith-core>=9; python_version >= '3'", False),
        ("brainsmith-core>=9; python_version < '3'", True),
        ("brainsmith-core[compile]>=9; extra == 'x' and python_version >= '3'", True),
        ("brainsmith-core>=0.1.0rc1", True),
        ("not a requirement !!", True),  # unparseable lines are not ours to judge
        ("brainsmith-corex>=9", True),
    ],
)
def test_core_requirement_markers_and_names(line: str, fits: bool) -> None:
    resolution = run(rec("x", requires_dist=[line]))
    assert resolution.ok is fits
    assert resolution.verdicts[0].state is (State.ACTIVE if fits else State.INCOMPATIBLE)


def test_prerelease_core_satisfies_range() -> None:
    assert run(rec("x", requires_dist=["brainsmith-core>=0.1"]), core="0.2.0.dev1").ok


def test_plugin_api_range() -> None:
    assert run(rec("x", api=">=1,<2")).ok
    resolution = run(rec("x", api=">=2"))
    assert reasons(resolution, "x") == [
        "written for plugin API >=2, but this core provides plugin API 1.0"
    ]
    assert resolution.problems[0].fix == (
        "install a release of brainsmith-plugin-x whose manifest accepts plugin API 1.0"
    )


# -- project pins ------------------------------------------------------------------------------


def test_pin_missing() -> None:
    settings = Settings(source=SOURCE, pins=("brainsmith-plugin-y>=1",))
    resolution = run(rec("x"), settings=settings)
    missing = resolution.verdicts[-1]
    assert (missing.namespace, missing.distribution, missing.state, missing.record) == (
        "-",
        "brainsmith-plugin-y",
        State.MISSING,
        None,
    )
    assert resolution.problems == (
        Problem(
            "error",
            "brainsmith-plugin-y",
            "brainsmith-plugin-y",
            "",
            f"pinned as 'brainsmith-plugin-y>=1' in {SOURCE} but not installed",
            f"pip install 'brainsmith-plugin-y>=1', or correct the name in {SOURCE}",
            "pin",
        ),
    )
    assert str(resolution.problems[0]).startswith(
        "error: brainsmith-plugin-y (brainsmith-plugin-y): pinned as"
    )
    assert states(resolution)["x/brainsmith-plugin-x"] == "active"


@pytest.mark.parametrize(
    ("pin", "installed", "suggested"),
    [
        ("goood==1.0", "good", True),  # one letter too many in a short name
        ("qonx>=1", "qonnx", True),
        ("brainsmith-plugin-fooo>=1", "brainsmith-plugin-foo", True),
        ("brainsmith-plugin-x>=1", "brainsmith-plugin-y", False),  # only the prefix is shared
        ("brainsmith-plugin-conv>=1", "brainsmith-plugin-hls", False),
    ],
)
def test_a_misspelt_pin_suggests_the_installed_distribution(
    pin: str, installed: str, suggested: bool
) -> None:
    resolution = run(rec("p", installed), settings=Settings(source=SOURCE, pins=(pin,)))
    reason = resolution.problems[0].reason
    assert reason.startswith(f"pinned as {pin!r} in {SOURCE} but not installed")
    assert (f"(did you mean {installed!r}?)" in reason) is suggested, reason


def test_pin_out_of_range() -> None:
    settings = Settings(source=SOURCE, pins=("Brainsmith_Plugin_X>=2,<3",))
    resolution = run(
        rec("x", version="1.5"), rec("x2", "brainsmith-plugin-x", "1.5"), settings=settings
    )
    reason = f"version 1.5 does not satisfy the pin 'Brainsmith_Plugin_X>=2,<3' in {SOURCE}"
    assert reasons(resolution, "x") == [reason]
    assert reasons(resolution, "x2") == [reason]
    assert resolution.problems[0].fix == "pip install 'Brainsmith_Plugin_X>=2,<3'"
    assert set(states(resolution).values()) == {"incompatible"}


def test_pin_on_a_non_plugin_distribution() -> None:
    settings = Settings(source=SOURCE, pins=("helper>=2", "fine==1.0"))
    resolution = run(rec("x"), settings=settings, installed={"helper": "1.0", "fine": "1.0"})
    assert [(p.subject, p.reason) for p in resolution.problems] == [
        ("helper", f"version 1.0 does not satisfy the pin 'helper>=2' in {SOURCE}")
    ]
    assert states(resolution) == {"x/brainsmith-plugin-x": "active"}


def test_pin_satisfied_and_only_pinned() -> None:
    settings = Settings(source=SOURCE, pins=("brainsmith-plugin-a==1.0",), only_pinned=True)
    resolution = run(rec("a"), rec("b", version="2.0"), settings=settings)
    assert states(resolution) == {
        "a/brainsmith-plugin-a": "active",
        "b/brainsmith-plugin-b": "disabled",
    }
    assert resolution.problems == ()  # a state the user chose is not a problem
    (info,) = resolution.verdicts[1].problems
    assert info.severity == "info"
    assert info.reason == "brainsmith-plugin-b is not pinned and only-pinned = true"
    assert info.fix == f'pin it in {SOURCE}: plugins = ["brainsmith-plugin-b==2.0"]'
    assert resolution.ok
    assert resolution.order == ("a",)


# -- plugin -> plugin --------------------------------------------------------------------------


def test_requires_satisfied_and_dependency_order() -> None:
    resolution = run(
        rec("app", requires=["mid>=1"]),
        rec("mid", requires=["base"]),
        rec("base", version="2.0"),
        rec("alone"),
    )
    assert resolution.ok
    order = resolution.order
    assert sorted(order) == ["alone", "app", "base", "mid"]
    assert order.index("base") < order.index("mid") < order.index("app")


def test_requires_missing() -> None:
    resolution = run(rec("app", requires=["nothere>=1"]))
    assert reasons(resolution, "app") == ["requires plugin 'nothere>=1', which is not installed"]
    assert resolution.problems[0].fix == ("install a distribution providing the plugin 'nothere'")


def test_requires_wrong_version() -> None:
    resolution = run(rec("app", requires=["base>=2"]), rec("base", version="1.4"))
    assert reasons(resolution, "app") == [
        "requires plugin 'base>=2', but base (brainsmith-plugin-base 1.4) is installed"
    ]
    assert resolution.problems[0].fix == "pip install -U 'brainsmith-plugin-base>=2'"
    assert states(resolution)["base/brainsmith-plugin-base"] == "active"


def test_requires_cascades() -> None:
    resolution = run(
        rec("top", requires=["app"]),
        rec("app", requires=["base"]),
        rec("base", requires_dist=["brainsmith-core>=5"]),
        rec("other"),
    )
    assert states(resolution) == {
        "top/brainsmith-plugin-top": "incompatible",
        "app/brainsmith-plugin-app": "incompatible",
        "base/brainsmith-plugin-base": "incompatible",
        "other/brainsmith-plugin-other": "active",
    }
    assert reasons(resolution, "app") == ["requires plugin 'base', which is incompatible"]
    assert reasons(resolution, "top") == ["requires plugin 'app', which is incompatible"]
    fixes = {p.subject: p.fix for p in resolution.problems}
    assert fixes["app"] == "fix base (brainsmith-plugin-base 1.0) first"
    assert resolution.order == ("other",)


def test_requires_a_disabled_plugin() -> None:
    settings = Settings(source=SOURCE, disable=("base",))
    resolution = run(rec("app", requires=["base"]), rec("base"), settings=settings)
    assert reasons(resolution, "app") == ["requires plugin 'base', which is disabled"]


def test_bad_requires_entry_is_broken() -> None:
    resolution = run(rec("app", requires=["base >> 1"]))
    assert states(resolution) == {"app/brainsmith-plugin-app": "broken"}
    assert reasons(resolution, "app") == [
        "requires entry 'base >> 1' is not 'namespace' plus an optional version specifier"
    ]
    assert resolution.problems[0].fix == "fix the manifest /site/bsp_app/brainsmith_plugin.toml"


def test_conflicts() -> None:
    resolution = run(rec("a", conflicts=["b"]), rec("b", version="2.0"), rec("c"))
    assert states(resolution) == {
        "a/brainsmith-plugin-a": "incompatible",
        "b/brainsmith-plugin-b": "incompatible",
        "c/brainsmith-plugin-c": "active",
    }
    assert reasons(resolution, "a") == [
        "cannot be active beside b (brainsmith-plugin-b 2.0): a declares conflicts = ['b']"
    ]
    assert reasons(resolution, "b") == [
        "cannot be active beside a (brainsmith-plugin-a 1.0): a declares conflicts = ['b']"
    ]
    assert resolution.problems[0].fix == (
        "uninstall one of brainsmith-plugin-a and brainsmith-plugin-b, or disable one in "
        "[tool.brainsmith] disable"
    )


def test_conflict_outside_the_specifier_or_with_a_disabled_plugin() -> None:
    assert run(rec("a", conflicts=["b<2"]), rec("b", version="2.0")).ok
    settings = Settings(source=SOURCE, disable=("b",))
    resolution = run(rec("a", conflicts=["b"]), rec("b"), settings=settings)
    assert states(resolution) == {
        "a/brainsmith-plugin-a": "active",
        "b/brainsmith-plugin-b": "disabled",
    }


def test_namespace_collision_names_both_distributions() -> None:
    resolution = run(rec("x", "dist-one", "1.0"), rec("x", "dist-two", "2.0"), rec("y"))
    assert states(resolution) == {
        "x/dist-one": "incompatible",
        "x/dist-two": "incompatible",
        "y/brainsmith-plugin-y": "active",
    }
    assert [(p.distribution, p.reason) for p in resolution.problems] == [
        ("dist-one", "namespace 'x' is also claimed by dist-two 2.0"),
        ("dist-two", "namespace 'x' is also claimed by dist-one 1.0"),
    ]
    assert resolution.problems[0].fix.startswith("uninstall one of them")
    assert resolution.order == ("y",)


def test_cycle_is_named_and_all_members_incompatible() -> None:
    resolution = run(
        rec("a", requires=["b"]),
        rec("b", requires=["c"]),
        rec("c", requires=["a"]),
        rec("d", requires=["a"]),
        rec("e", requires=["f"]),
        rec("f"),
    )
    cycle = "requires cycle: a -> b -> c -> a"
    assert {n: reasons(resolution, n) for n in "abc"} == {n: [cycle] for n in "abc"}
    assert reasons(resolution, "d") == ["requires plugin 'a', which is incompatible"]
    assert states(resolution)["a/brainsmith-plugin-a"] == "incompatible"
    assert resolution.order == ("f", "e")


def test_self_cycle() -> None:
    resolution = run(rec("a", requires=["a"]))
    assert reasons(resolution, "a") == ["requires cycle: a -> a"]


# -- switches ----------------------------------------------------------------------------------


def test_disable() -> None:
    settings = Settings(source=SOURCE, disable=("b",))
    resolution = run(rec("a"), rec("b"), settings=settings)
    assert states(resolution)["b/brainsmith-plugin-b"] == "disabled"
    assert resolution.problems == ()
    (info,) = resolution.verdicts[1].problems
    assert (info.severity, info.reason, info.fix) == (
        "info",
        f"disabled by 'disable' in {SOURCE}",
        "remove it from 'disable' to load it",
    )
    assert resolution.ok


def test_allowlist_and_autoload_off() -> None:
    allow = Settings(allowlist=("a",))
    resolution = run(rec("a"), rec("b"), settings=allow)
    assert states(resolution)["b/brainsmith-plugin-b"] == "disabled"
    assert reasons(resolution, "b") == ["not named by BRAINSMITH_PLUGINS"]
    off = Settings(autoload=False, allowlist=())
    resolution = run(rec("a"), settings=off)
    assert reasons(resolution, "a") == ["autoloading is off (BRAINSMITH_DISABLE_PLUGIN_AUTOLOAD)"]
    assert resolution.verdicts[0].problems[0].fix == "add it to BRAINSMITH_PLUGINS to load it"
    assert resolution.problems == ()


def test_unknown_names_in_switches_are_errors_with_suggestions() -> None:
    settings = Settings(source=SOURCE, disable=("bulitin",), allowlist=("builtin", "fin"))
    resolution = run(rec("builtin"), rec("finn"), settings=settings)
    assert [(p.severity, p.subject, p.reason, p.fix, p.code) for p in resolution.problems] == [
        (
            "error",
            SOURCE,
            "disable names 'bulitin', but no installed plugin has that namespace "
            "(did you mean 'builtin'?)",
            "use one of: builtin, finn",
            "setting",
        ),
        (
            "error",
            "environment",
            "BRAINSMITH_PLUGINS names 'fin', but no installed plugin has that namespace "
            "(did you mean 'finn'?)",
            "use one of: builtin, finn",
            "setting",
        ),
    ]
    assert not resolution.ok


def test_unknown_name_in_a_priority_the_user_set() -> None:
    resolution = run(rec("builtin"), rec("x"), settings=Settings(priority=("xx", "builtin")))
    assert [(p.severity, p.reason, p.code) for p in resolution.problems] == [
        (
            "error",
            "priority names 'xx', but no installed plugin has that namespace (did you mean 'x'?)",
            "setting",
        )
    ]
    # the default priority names plugins that may not be installed: never a problem
    assert run(rec("x")).problems == ()


def test_unknown_switch_name_without_plugins() -> None:
    resolution = run(settings=Settings(disable=("x",)))
    (problem,) = resolution.problems
    assert problem.subject == "settings"
    assert problem.fix == "use one of: (no plugins installed)"


# -- everything at once ------------------------------------------------------------------------


def test_every_problem_reported_at_once() -> None:
    settings = Settings(
        source=SOURCE, pins=("brainsmith-plugin-gone", "brainsmith-plugin-old>=2"), disable=("zz",)
    )
    resolution = run(
        rec("broken", error="manifest: bad"),
        rec("newcore", requires_dist=["brainsmith-core>=9"]),
        rec("newapi", api=">=3"),
        rec("old", version="1.0"),
        rec("needy", requires=["absent"]),
        rec("c1", conflicts=["c2"]),
        rec("c2"),
        rec("dup", "dup-a"),
        rec("dup", "dup-b"),
        rec("fine"),
        settings=settings,
    )
    assert states(resolution) == {
        "broken/brainsmith-plugin-broken": "broken",
        "newcore/brainsmith-plugin-newcore": "incompatible",
        "newapi/brainsmith-plugin-newapi": "incompatible",
        "old/brainsmith-plugin-old": "incompatible",
        "needy/brainsmith-plugin-needy": "incompatible",
        "c1/brainsmith-plugin-c1": "incompatible",
        "c2/brainsmith-plugin-c2": "incompatible",
        "dup/dup-a": "incompatible",
        "dup/dup-b": "incompatible",
        "fine/brainsmith-plugin-fine": "active",
        "-/brainsmith-plugin-gone": "missing",
    }
    subjects = sorted(p.subject for p in resolution.errors)
    assert subjects == sorted(
        [
            "broken",
            "newcore",
            "newapi",
            "old",
            "needy",
            "c1",
            "c2",
            "dup",
            "dup",
            "brainsmith-plugin-gone",
            SOURCE,
        ]
    )
    assert resolution.order == ("fine",)
    assert resolution.verdict("fine") is not None


def test_disabled_plugin_is_not_judged_further() -> None:
    settings = Settings(source=SOURCE, disable=("x",))
    resolution = run(
        rec("x", "dist-one", requires_dist=["brainsmith-core>=9"]),
        rec("x", "dist-two"),
        settings=settings,
    )
    assert states(resolution) == {"x/dist-one": "disabled", "x/dist-two": "disabled"}
    assert resolution.problems == ()


def test_verdict_prefers_the_usable_one() -> None:
    settings = Settings(source=SOURCE, disable=("a",))
    resolution = run(rec("a"), settings=settings)
    verdict = resolution.verdict("a")
    assert verdict is not None
    assert verdict.state is State.DISABLED
    assert verdict.reason == f"disabled by 'disable' in {SOURCE}"
    assert resolution.verdict("nope") is None
    assert State.NOT_ACTIVATED.usable
    assert not State.MISSING.usable


def test_problem_text() -> None:
    problem = Problem("warning", "x", "d", "1.0", "why", "do this")
    assert str(problem) == "warning: x (d 1.0): why\n  fix: do this"
    assert str(Problem("error", "env", "", "", "why", "")) == "error: env: why"


def test_broken_record_keeps_reason_and_fix_apart() -> None:
    resolution = run(rec("b", error="/m.toml: schema: too new", fix="upgrade"), rec("ok"))
    (problem,) = resolution.problems
    assert (problem.reason, problem.fix) == ("/m.toml: schema: too new", "upgrade")
    assert states(resolution)["ok/brainsmith-plugin-ok"] == "active"
