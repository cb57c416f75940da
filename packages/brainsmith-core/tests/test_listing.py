"""``plugins list --json`` as data (:func:`brainsmith.plugins.list_plugins`): answered from the
discovery cache's entry without making typed objects, and always what a fresh session lists —
healthy, broken, incompatible, colliding, disabled and code-defined plugins, unmet pins, strict
mode, the allowlist switch, leftover metadata folders."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from brainsmith.cli import main
from brainsmith.plugins import Listing, list_plugins
from brainsmith.plugins import _cache as disk
from brainsmith.plugins._settings import ALLOWLIST_ENV, AUTOLOAD_ENV
from brainsmith.plugins.session import Session

if TYPE_CHECKING:
    from conftest import FakeSite, ProjectDir


def _healthy(site: FakeSite, project: ProjectDir) -> dict[str, str]:
    site.manifest_plugin("alpha", site.transforms_manifest("A", "B"), requires=["brainsmith-core"])
    site.manifest_plugin("beta", site.transforms_manifest("C", extra='requires = ["alpha"]'))
    return {}


def _faulty(site: FakeSite, project: ProjectDir) -> dict[str, str]:
    site.manifest_plugin("good", site.transforms_manifest("G"))
    site.manifest_plugin("bad", "schema = 1\n[[transforms]]\nname = 3\n")
    site.manifest_plugin("old", site.transforms_manifest("O", extra='api = ">=99"'))
    site.manifest_plugin("twin", site.transforms_manifest("T"), dist="brainsmith-plugin-t1")
    site.manifest_plugin("twin", site.transforms_manifest("U"), dist="brainsmith-plugin-t2")
    site.fake_dist("brainsmith-plugin-code", "0.3", entry_points={"code": "bsp_code.hooks"})
    (site.root / "brainsmith_plugin_good-0.9.dist-info").mkdir()  # an interrupted upgrade
    return {}


def _settings(site: FakeSite, project: ProjectDir) -> dict[str, str]:
    _healthy(site, project)
    site.manifest_plugin("gamma", site.transforms_manifest("D"))
    project.write(
        """\
        plugins = ["brainsmith-plugin-alpha>=1", "brainsmith-plugin-absent>=2"]
        disable = ["beta", "nosuch"]
        """
    )
    return {}


def _strict(site: FakeSite, project: ProjectDir) -> dict[str, str]:
    _settings(site, project)
    project.write('disable = ["nosuch"]\nstrict = true\n')
    return {}


def _allowlist(site: FakeSite, project: ProjectDir) -> dict[str, str]:
    _healthy(site, project)
    return {ALLOWLIST_ENV: "alpha,unknown"}


ENVIRONMENTS: dict[str, Callable[[FakeSite, ProjectDir], dict[str, str]]] = {
    "healthy": _healthy,
    "faulty": _faulty,
    "settings": _settings,
    "strict": _strict,
    "allowlist": _allowlist,
}


def _as_a_session_lists(session: Session) -> dict[str, Any]:
    """What ``plugins list --json`` printed before the listing was cached: the session's own
    verdicts and problems."""
    problems = [p.to_json() for p in session.problems()]
    return {
        "settings": session.settings.source or None,
        "plugins": [v.to_json() for v in session.verdicts()],
        "problems": problems,
        "ok": not any(p["severity"] == "error" for p in problems),
    }


def _without_core(listing: Listing) -> dict[str, Any]:
    return {k: v for k, v in listing.document.items() if k != "core"}


@pytest.mark.parametrize("strict", [False, True])
@pytest.mark.parametrize("shape", sorted(ENVIRONMENTS))
def test_a_cached_listing_is_what_a_fresh_session_lists(
    site: FakeSite,
    project_dir: ProjectDir,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    shape: str,
    strict: bool,
) -> None:
    environ = ENVIRONMENTS[shape](site, project_dir)
    folder = tmp_path / "cache"
    arguments: dict[str, Any] = {"cwd": project_dir.path, "environ": environ, "path": site.path}
    fresh = list_plugins(**arguments, cache=False, strict=strict)
    session = Session.from_environment(**arguments, cache=False, strict=strict)
    assert _without_core(fresh) == _as_a_session_lists(session)
    assert fresh.strict == session.settings.strict
    first = list_plugins(**arguments, cache=folder, strict=strict)  # a miss: written

    def no_session(*args: object, **kwargs: object) -> Session:
        raise AssertionError("a cache hit made a session")

    monkeypatch.setattr(Session, "from_environment", no_session)
    second = list_plugins(**arguments, cache=folder, strict=strict)  # a hit
    assert first == second == fresh
    assert json.loads(json.dumps(second.document)) == second.document
    problems = second.document["problems"]
    assert second.failed == (second.strict and any(p["severity"] != "info" for p in problems))


def test_strict_mode_fails_a_listing_from_the_cache_as_from_a_scan(
    site: FakeSite, project_dir: ProjectDir, tmp_path: Path
) -> None:
    _strict(site, project_dir)
    listings = [
        list_plugins(project_dir.path, {}, site.path, cache=c) for c in (False, tmp_path, tmp_path)
    ]
    assert all(listing.strict and listing.failed for listing in listings)
    (problem,) = [p for p in listings[-1].document["problems"] if "nosuch" in p["reason"]]
    assert problem["severity"] == "error"  # a warning, made an error by strict = true
    assert listings[0] == listings[1] == listings[2]


@pytest.mark.parametrize(
    "reshape",
    [
        lambda entry: {**entry, "listing": []},
        lambda entry: {**entry, "listing": {"plugins": "x", "problems": []}},
        lambda entry: {**entry, "listing": {"plugins": [], "problems": [{"severity": 2}]}},
        lambda entry: {**entry, "settings": "strict"},
        lambda entry: {k: v for k, v in entry.items() if k != "listing"},
    ],
    ids=["a list", "plugins a string", "severity a number", "settings a string", "no listing"],
)
def test_a_listing_entry_of_the_wrong_shape_is_a_miss(
    site: FakeSite,
    project_dir: ProjectDir,
    tmp_path: Path,
    reshape: Callable[[dict[str, Any]], dict[str, Any]],
) -> None:
    _faulty(site, project_dir)
    arguments: dict[str, Any] = {"cwd": project_dir.path, "environ": {}, "path": site.path}
    expected = list_plugins(**arguments, cache=False)
    list_plugins(**arguments, cache=tmp_path)
    (entry,) = tmp_path.glob("resolution-*.json")
    entry.write_text(json.dumps(reshape(json.loads(entry.read_text()))))
    assert list_plugins(**arguments, cache=tmp_path) == expected
    assert isinstance(json.loads(entry.read_text())["listing"], dict)  # made again if need be


def test_the_cache_keys_name_the_switches_the_settings_read() -> None:
    assert disk._SWITCHES == (AUTOLOAD_ENV, ALLOWLIST_ENV)


def _printed(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, Mapping[str, Any]]:
    status = main(argv)
    return status, json.loads(capsys.readouterr().out)


def test_the_command_prints_the_same_listing_warm_and_cold(
    site: FakeSite,
    project_dir: ProjectDir,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``plugins list --json`` (of the real environment plus the fake site) from an empty
    cache, from the cache, and with the cache switched off."""
    _faulty(site, project_dir)
    monkeypatch.chdir(project_dir.path)
    monkeypatch.setenv("BRAINSMITH_CACHE_DIR", str(tmp_path / "cache"))
    argv = ["plugins", "list", "--json"]
    cold, warm = _printed(argv, capsys), _printed(argv, capsys)
    assert sorted(p.name.partition("-")[0] for p in (tmp_path / "cache").iterdir()) == [
        "resolution",
        "scan",
    ]
    monkeypatch.setenv("BRAINSMITH_NO_CACHE", "1")
    assert cold == warm == _printed(argv, capsys)
    assert {p["namespace"]: p["state"] for p in warm[1]["plugins"]}["bad"] == "broken"
    monkeypatch.delenv("BRAINSMITH_NO_CACHE")
    assert _printed([*argv, "--strict"], capsys)[0] == 1  # the leftover folder's warning
