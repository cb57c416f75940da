"""Pins naming a URL and distributions installed from one (PEP 610 ``direct_url.json``), through
``plugins lock`` (issue 8, item 5): the lock keeps the URL — ``==version`` would make ``pip
install -r`` fetch something else, or nothing — and a URL pin is met only by the distribution
installed from that URL, the same in ``check`` and ``lock``.

Real fake ``.dist-info`` folders with the ``direct_url.json`` pip and uv write; the real CLI.
"""

from __future__ import annotations

import json
import shutil
from typing import TYPE_CHECKING, Any

import pytest
from hostile_helpers import install_good, isolate, run
from packaging.requirements import Requirement

if TYPE_CHECKING:
    from conftest import FakeSite

WHEEL = "https://example.org/wheels/brainsmith_plugin_x-1.0-py3-none-any.whl"
REPO = "https://example.org/x.git"
COMMIT = "4f1c2a9e0b7d6c5a4f3e2d1c0b9a8f7e6d5c4b3a"
ARCHIVE = {"url": WHEEL, "archive_info": {"hashes": {"sha256": "0" * 64}}}
CHECKOUT = {
    "url": REPO,
    "vcs_info": {"vcs": "git", "requested_revision": "v1.0", "commit_id": COMMIT},
}


def install_x(site: FakeSite, direct_url: dict[str, Any] | None) -> None:
    """``brainsmith-plugin-x`` 1.0 (plugin ``x``), installed from ``direct_url`` (None: from an
    index)."""
    info = site.fake_dist(
        "brainsmith-plugin-x",
        "1.0",
        entry_points={"x": "bsp_x:brainsmith_plugin.toml"},
        files={
            "bsp_x/__init__.py": "",
            "bsp_x/transforms.py": "class Fold:\n    pass\n",
            "bsp_x/brainsmith_plugin.toml": site.transforms_manifest("Fold").replace(
                "{pkg}", "bsp_x"
            ),
        },
    )
    if direct_url is not None:
        (info / "direct_url.json").write_text(json.dumps(direct_url))


def locked(out: str) -> dict[str, Requirement]:
    """The lock file's requirements by name (comments stripped, as pip does)."""
    lines = [line.split("  #")[0] for line in out.splitlines() if not line.startswith("#")]
    return {(r := Requirement(line)).name: r for line in lines}


@pytest.fixture
def project(site: FakeSite, monkeypatch: pytest.MonkeyPatch) -> FakeSite:
    isolate(site, monkeypatch)
    install_good(site)
    return site


def pin(site: FakeSite, requirement: str) -> None:
    (site.project / "brainsmith.toml").write_text(f"plugins = [{json.dumps(requirement)}]\n")


@pytest.mark.parametrize(
    ("pinned", "installed", "url"),
    [
        (f"brainsmith-plugin-x @ {WHEEL}", ARCHIVE, WHEEL),
        (f"brainsmith-plugin-x @ {WHEEL}#sha256={'0' * 64}", ARCHIVE, WHEEL),
        (f"brainsmith-plugin-x @ git+{REPO}@v1.0", CHECKOUT, f"git+{REPO}@{COMMIT}"),
        ("", ARCHIVE, WHEEL),  # not pinned, but installed from a URL all the same
    ],
    ids=["wheel-url", "wheel-url-with-hash", "git-at-tag", "unpinned"],
)
def test_the_lock_keeps_the_url_a_distribution_came_from(
    project: FakeSite,
    capsys: pytest.CaptureFixture[str],
    pinned: str,
    installed: dict[str, Any],
    url: str,
) -> None:
    install_x(project, installed)
    if pinned:
        pin(project, pinned)
    assert run(capsys, "plugins", "check").code == 0
    result = run(capsys, "plugins", "lock")
    assert result.code == 0, result.err
    requirements = locked(result.out)
    assert requirements["brainsmith-plugin-x"].url == url  # a VCS pin is locked at its commit
    assert f"brainsmith-plugin-x @ {url}  # 1.0" in result.out.splitlines()
    assert str(requirements["brainsmith-plugin-good"].specifier) == "==1.0"


@pytest.mark.parametrize(
    ("installed", "came"),
    [
        (None, "from an index or a local folder"),
        (
            {**ARCHIVE, "url": "https://example.org/other/x-1.0.whl"},
            "from https://example.org/other",
        ),
    ],
    ids=["from-an-index", "from-another-url"],
)
def test_a_url_pin_is_met_only_by_what_was_installed_from_that_url(
    project: FakeSite,
    capsys: pytest.CaptureFixture[str],
    installed: dict[str, Any] | None,
    came: str,
) -> None:
    install_x(project, installed)
    pinned = f"brainsmith-plugin-x @ {WHEEL}"
    pin(project, pinned)
    check = run(capsys, "plugins", "check", "--json")
    assert check.code == 1
    (problem,) = check.json()["problems"]
    assert (problem["distribution"], problem["version"]) == ("brainsmith-plugin-x", "1.0")
    assert problem["reason"].startswith(f"brainsmith-plugin-x 1.0 was installed {came}")
    assert f"not from the URL of the pin {pinned!r} in " in problem["reason"]
    assert problem["fix"] == f"pip install '{pinned}'"
    lock = run(capsys, "plugins", "lock")
    assert (lock.code, lock.out) == (1, "")  # never a lock that contradicts the pin
    assert "not locking" in lock.err and pinned in lock.err
    shutil.rmtree(project.root / "brainsmith_plugin_x-1.0.dist-info")  # the fix: reinstalled
    install_x(project, ARCHIVE)  # from the pinned URL
    assert run(capsys, "plugins", "check").code == 0
    lock = run(capsys, "plugins", "lock")
    assert (lock.code, locked(lock.out)["brainsmith-plugin-x"].url) == (0, WHEEL)


def test_a_local_wheel_or_folder_meets_its_file_pin_and_is_locked_by_version(
    project: FakeSite, capsys: pytest.CaptureFixture[str]
) -> None:
    wheel = "file:///home/me/dist/brainsmith_plugin_x-1.0-py3-none-any.whl"
    install_x(project, {"url": wheel, "archive_info": {}})  # pip install ./dist/x.whl
    pin(project, f"brainsmith-plugin-x @ {wheel}")
    assert run(capsys, "plugins", "check").code == 0
    lock = run(capsys, "plugins", "lock")
    assert lock.code == 0, lock.err
    assert "brainsmith-plugin-x==1.0" in lock.out.splitlines()  # no file of this machine
    pin(project, "brainsmith-plugin-x @ file:///home/me/elsewhere/x-1.0-py3-none-any.whl")
    assert run(capsys, "plugins", "check").code == 1  # another file: the pin is unmet
