"""``plugins check --activate``: every plugin imported, hook implementations validated against
the hookspecs and targets against their kinds (issue 8, item 4). Runs in the full environment
(qonnx, the builtin plugin, which must pass) plus fake distributions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hostile_helpers import hooks_plugin, install_good, problems_of, run, state_of

if TYPE_CHECKING:
    import pytest
    from conftest import FakeSite


def test_check_activate_finds_what_only_importing_shows(
    site: FakeSite, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(site.project)
    install_good(site)
    kinds = site.manifest_plugin(
        "kinds",
        site.transforms_manifest("Plain")
        + '[[kernels]]\nname = "Func"\ntarget = "{pkg}.kernels:Func"\n',
        files={
            "bsp_kinds/transforms.py": "class Plain:\n    pass\n",
            "bsp_kinds/kernels.py": "def Func():\n    pass\n",
        },
    )
    raising = hooks_plugin(site, "raising", "raise RuntimeError('no GPU found')\n")
    wrapper = hooks_plugin(
        site,
        "wrapper",
        """
        from brainsmith import hookimpl

        @hookimpl(hookwrapper=True)
        def on_compile_begin(model):
            yield
        """,
    )

    static = run(capsys, "plugins", "check", "--json").json()
    assert static["ok"] is True  # none of it shows without running the plugins' code
    assert {p["namespace"]: p["state"] for p in static["plugins"]}["raising"] == "active"

    result = run(capsys, "plugins", "check", "--activate", "--json")
    assert result.code == 1
    data = result.json()
    assert state_of(data, "good") == state_of(data, "builtin") == "active"
    assert problems_of(data, "builtin") == problems_of(data, "good") == []
    assert sorted(p["reason"] for p in problems_of(data, "kinds")) == [
        f"kernel kinds:Func: target {kinds}.kernels:Func is a function, not a class, but a "
        "kernel must be a subclass of qonnx.custom_op.base.CustomOp",
        f"transform kinds:Plain: target {kinds}.transforms:Plain is the class 'Plain', but a "
        "transform must be a subclass of qonnx.transformation.base.Transformation",
    ]
    assert all(p["distribution"] == "brainsmith-plugin-kinds" for p in problems_of(data, "kinds"))
    assert state_of(data, "raising") == state_of(data, "wrapper") == "broken"
    (problem,) = problems_of(data, "raising")
    assert problem["reason"] == (
        f"importing 'bsp_raising.hooks' raised RuntimeError: no GPU found (at {raising}:1)"
    )
    (problem,) = problems_of(data, "wrapper")
    assert problem["reason"] == (
        f"invalid hook implementation(s):\n    on_compile_begin() at {wrapper}:4: a wrapper on "
        "the event on_compile_begin, which brainsmith's dispatcher calls as a plain hook (use a "
        "plain @hookimpl)"
    )
    assert (problem["distribution"], problem["version"]) == ("brainsmith-plugin-wrapper", "3.0")

    text = run(capsys, "plugins", "check", "--activate")
    assert text.out.splitlines()[-1].startswith("FAILED: ")
    assert "Traceback" not in text.err
