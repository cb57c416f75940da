"""Discovery in the environments people really have (issue 8, item 1), each built for real on
disk and listed by the real command in a fresh process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from discovery_helpers import listing, manifest, plugin, run_brainsmith, write_dist


def _plugin_dist(site: Path, version: str = "1.0", *, requires: tuple[str, ...] = ()) -> Path:
    return write_dist(
        site,
        "brainsmith-plugin-left",
        version,
        entry_points={"left": "bsp_left:brainsmith_plugin.toml"},
        requires=requires,
        files={
            "bsp_left/__init__.py": "",
            "bsp_left/transforms.py": "class Tidy:\n    pass\n",
            "bsp_left/brainsmith_plugin.toml": manifest("Tidy", "bsp_left.transforms:Tidy"),
        },
    )


@pytest.mark.parametrize("leftover_version", ["0.9", "2.0"])
@pytest.mark.parametrize("content", ["empty", "entry points only"])
def test_a_metadata_less_leftover_beside_the_real_one_is_a_warning(
    tmp_path: Path, leftover_version: str, content: str
) -> None:
    site = tmp_path / "site"
    _plugin_dist(site)
    leftover = site / f"brainsmith_plugin_left-{leftover_version}.dist-info"
    leftover.mkdir()
    if content == "entry points only":
        (leftover / "entry_points.txt").write_text(
            "[brainsmith.plugins]\nleft = bsp_left:brainsmith_plugin.toml\n"
        )
    data = listing(run_brainsmith("plugins", "list", "--json", cwd=tmp_path, path=[site]))
    found = plugin(data, "left")
    assert (found["state"], found["version"]) == ("active", "1.0")
    (warning,) = [p for p in data["problems"] if p["subject"] == str(leftover)]
    assert warning["severity"] == "warning"
    assert warning["distribution"] == "brainsmith-plugin-left"
    assert warning["fix"] == f"remove the folder {leftover}"


def test_pips_tilde_leftovers_are_ignored(tmp_path: Path) -> None:
    site = tmp_path / "site"
    _plugin_dist(site, "1.0")
    # what pip leaves when an uninstall is interrupted: the old copy, renamed with a "~"
    write_dist(
        site,
        "brainsmith-plugin-left",
        "0.9",
        entry_points={"left": "bsp_left:brainsmith_plugin.toml"},
        requires=("brainsmith-core<0.1",),
        folder="~rainsmith_plugin_left-0.9.dist-info",
    )
    result = run_brainsmith("plugins", "check", cwd=tmp_path, path=[site])
    assert result.returncode == 0, result.stdout + result.stderr
    data = listing(run_brainsmith("plugins", "list", "--json", cwd=tmp_path, path=[site]))
    assert [(p["state"], p["version"]) for p in data["plugins"] if p["namespace"] == "left"] == [
        ("active", "1.0")
    ]
    assert not [p for p in data["problems"] if "~" in p["subject"] + p["reason"] + str(p["fix"])]


def test_a_plugin_inside_a_zip_on_the_path(tmp_path: Path) -> None:
    archive = tmp_path / "zipped_plugin-1.0-py3-none-any.whl"
    with zipfile.ZipFile(archive, "w") as wheel:
        wheel.writestr("bsp_zip/__init__.py", "")
        wheel.writestr("bsp_zip/hooks.py", "")
        wheel.writestr("bsp_zip/transforms.py", "class Fold:\n    pass\n")
        wheel.writestr(
            "bsp_zip/brainsmith_plugin.toml",
            manifest("Fold", "bsp_zip.transforms:Fold", extra='hooks = "bsp_zip.hooks"'),
        )
        info = "brainsmith_plugin_zip-1.0.dist-info"
        wheel.writestr(
            f"{info}/METADATA", "Metadata-Version: 2.1\nName: brainsmith-plugin-zip\nVersion: 1.0\n"
        )
        wheel.writestr(
            f"{info}/entry_points.txt",
            "[brainsmith.plugins]\nzip = bsp_zip:brainsmith_plugin.toml\n",
        )
    data = listing(run_brainsmith("plugins", "list", "--json", cwd=tmp_path, path=[archive]))
    found = plugin(data, "zip")
    assert found["state"] == "active"
    assert found["location"] == f"{archive}/bsp_zip/brainsmith_plugin.toml"
    assert found["components"]["transforms"] == 1
    checked = run_brainsmith("plugins", "check", cwd=tmp_path, path=[archive])
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # activation re-reads the manifest from inside the archive (its hooks module imported)
    shown = run_brainsmith("plugins", "show", "zip", "--json", cwd=tmp_path, path=[archive])
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert listing(shown)["state"] == "active"


def test_a_namespace_package_split_over_two_path_entries(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    # "nsplug" has no __init__.py: a namespace package; this portion comes first on the path
    write_dist(first, "nsplug-other", "1.0", files={"nsplug/other.py": ""})
    write_dist(
        second,
        "brainsmith-plugin-ns",
        "1.0",
        entry_points={"ns": "nsplug.ns:brainsmith_plugin.toml"},
        files={
            "nsplug/ns/__init__.py": "raise RuntimeError('plugin code executed')\n",
            "nsplug/hooks_ns.py": "raise RuntimeError('plugin code executed')\n",
            "nsplug/ns/brainsmith_plugin.toml": manifest(
                "Split", "nsplug.ns.transforms:Split", extra='hooks = "nsplug.hooks_ns"'
            ),
            "nsplug/ns/transforms.py": "raise RuntimeError('plugin code executed')\n",
        },
    )
    data = listing(run_brainsmith("plugins", "list", "--json", cwd=tmp_path, path=[first, second]))
    assert plugin(data, "ns")["state"] == "active"
    checked = run_brainsmith("plugins", "check", cwd=tmp_path, path=[first, second])
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "not installed" not in checked.stdout + checked.stderr


def test_in_place_metadata_edits_of_develop_and_editable_installs_are_seen(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    work = tmp_path / "work"
    work.mkdir()
    source = tmp_path / "checkout"  # a legacy develop install: *.egg-info in the source folder
    egg = write_dist(
        source,
        "brainsmith-plugin-dev",
        "0.1",
        folder="brainsmith_plugin_dev.egg-info",
        entry_points={"dev": "bsp_dev:brainsmith_plugin.toml"},
        files={
            "bsp_dev/__init__.py": "",
            "bsp_dev/brainsmith_plugin.toml": manifest("Dev", "bsp_dev.t:Dev"),
            "bsp_dev/second.toml": manifest("Second", "bsp_dev.t:Second"),
        },
    )
    site = tmp_path / "site"  # a PEP 660 editable install: the .dist-info in site-packages
    info = write_dist(
        site, "brainsmith-plugin-edit", "0.1", entry_points={"edit": "bsp_dev:x.toml"}
    )

    def listed() -> dict[str, str]:
        data = listing(
            run_brainsmith("plugins", "list", "--json", cwd=work, path=[site, source], cache=cache)
        )
        return {
            p["namespace"]: p["version"]
            for p in data["plugins"]
            if p["distribution"] != "?" and p["distribution"].startswith("brainsmith-plugin-")
        }

    assert listed() == {"dev": "0.1", "edit": "0.1"}
    assert listed() == {"dev": "0.1", "edit": "0.1"}  # now from the cache
    entry_points = egg / "entry_points.txt"
    with entry_points.open("a") as handle:  # the same file, rewritten in place
        handle.write("second = bsp_dev:second.toml\n")
    metadata = info / "METADATA"
    metadata.write_text(metadata.read_text().replace("Version: 0.1", "Version: 0.2"))
    assert listed() == {"dev": "0.1", "second": "0.1", "edit": "0.2"}


UNKNOWN_UID = (
    "-c",
    "import pwd, sys\n"
    "def no_entry(uid):\n"
    "    raise KeyError(f'getpwuid(): uid not found: {uid}')\n"
    "pwd.getpwuid = no_entry  # what a uid without a passwd entry (containers) gets\n"
    "from brainsmith.cli import main\n"
    "sys.exit(main())\n",
)


def test_no_home_folder_means_no_cache_and_no_stray_folder(tmp_path: Path) -> None:
    site = tmp_path / "site"
    _plugin_dist(site)
    work = tmp_path / "work"
    work.mkdir()
    for home in ({"HOME": ""}, {}):
        environ = {
            k: v
            for k, v in os.environ.items()
            if k not in ("HOME", "XDG_CACHE_HOME") and not k.startswith("BRAINSMITH")
        }
        # the cache switched on, with no home to put it in: HOME empty or unset, a uid without
        # a passwd entry, and a relative XDG_CACHE_HOME (which the XDG spec says to ignore)
        environ.update(home, XDG_CACHE_HOME="relative/cache")
        result = subprocess.run(
            [sys.executable, *UNKNOWN_UID, "plugins", "list", "--json"],
            cwd=work,
            env={**environ, "PYTHONPATH": str(site)},
            capture_output=True,
            text=True,
            check=False,
        )
        assert plugin(listing(result), "left")["state"] == "active"
        assert list(work.iterdir()) == []


def test_a_stale_entry_point_after_the_manifest_was_renamed_says_to_reinstall(
    tmp_path: Path,
) -> None:
    site = tmp_path / "site"
    write_dist(  # installed when the file was brainsmith-plugin.toml; renamed in the checkout
        site,
        "brainsmith-plugin-stale",
        "1.0",
        entry_points={"stale": "bsp_stale:brainsmith-plugin.toml"},
        files={"bsp_stale/__init__.py": "", "bsp_stale/brainsmith_plugin.toml": "schema = 1\n"},
    )
    data = listing(run_brainsmith("plugins", "list", "--json", cwd=tmp_path, path=[site]))
    assert plugin(data, "stale")["state"] == "broken"
    (problem,) = [p for p in data["problems"] if p["subject"] == "stale"]
    assert problem["fix"].startswith(
        "the package has 'brainsmith_plugin.toml': reinstall the distribution"
    )


def test_damaged_metadata_is_a_problem_named_by_folder_not_a_traceback(tmp_path: Path) -> None:
    """Old installers wrote Latin-1 ``METADATA``; a damaged install has no valid ``Version`` or
    an undecodable ``entry_points.txt``; a broken pyproject declares an entry point twice.
    Every command still runs; each fault is named with its distribution and fix; ``lock``
    never writes an uninstallable ``name==?`` line; the good plugin is pinned."""
    site = tmp_path / "site"
    _plugin_dist(site)
    files = {"bsp_x/__init__.py": "", "bsp_x/brainsmith_plugin.toml": 'schema = 1\napi = ">=1"\n'}
    ep = {"x": "bsp_x:brainsmith_plugin.toml"}
    latin = write_dist(site, "latin", "1.0", entry_points={"lat": ep["x"]}, files=files)
    (latin / "METADATA").write_bytes(
        b"Metadata-Version: 2.1\nName: latin\nVersion: 1.0\nSummary: caf\xe9\n"
    )
    nover = write_dist(site, "nover", "1.0", entry_points={"nv": ep["x"]})
    (nover / "METADATA").write_text("Metadata-Version: 2.1\nName: nover\n")
    undecodable = write_dist(site, "latep", "1.0")
    (undecodable / "entry_points.txt").write_bytes(
        b"[brainsmith.plugins]\nle = bsp_x:brainsmith_plugin.toml # caf\xe9\n"
    )
    twice = write_dist(site, "twice", "1.0")
    (twice / "entry_points.txt").write_text(
        "[brainsmith.plugins]\ntw = bsp_x:brainsmith_plugin.toml\ntw = bsp_x:other.toml\n"
    )
    data = listing(run_brainsmith("plugins", "list", "--json", cwd=tmp_path, path=[site]))
    assert plugin(data, "left")["state"] == "active"
    assert plugin(data, "lat")["state"] == "active"
    (no_version,) = plugin(data, "nv")["problems"]
    assert plugin(data, "nv")["state"] == "broken"
    assert no_version["reason"].startswith(f"{nover}: the metadata has no valid Version")
    assert no_version["fix"] == "reinstall it: pip install --force-reinstall nover"
    (unreadable,) = [p for p in data["problems"] if p["subject"] == str(undecodable)]
    assert unreadable["distribution"] == "latep"
    assert (
        "entry_points.txt names the group 'brainsmith.plugins' but cannot be read"
        in unreadable["reason"]
    )
    reasons = [
        problem["reason"]
        for found in data["plugins"]
        if found["namespace"] == "tw"
        for problem in found["problems"]
    ]
    assert "twice 1.0 declares the entry point 'tw' 2 times" in (reasons)
    assert not any("also claimed" in r for r in reasons)
    lock = run_brainsmith("plugins", "lock", cwd=tmp_path, path=[site])
    assert lock.returncode == 0, lock.stderr
    assert "Traceback" not in lock.stderr
    pins = [line for line in lock.stdout.splitlines() if not line.startswith("#")]
    assert "brainsmith-plugin-left==1.0" in pins and "latin==1.0" in pins
    assert not any(line.startswith(("nover", "twice")) for line in pins), pins


def test_a_metadata_file_that_cannot_be_read_is_that_distributions_problem(
    tmp_path: Path,
) -> None:
    """An ``entry_points.txt`` that is a symlink loop (ELOOP) is a problem row naming the
    file, never a traceback; the other plugins still list."""
    site = tmp_path / "site"
    _plugin_dist(site)
    broken = site / "looped-1.0.dist-info"
    broken.mkdir()
    (broken / "METADATA").write_text("Metadata-Version: 2.1\nName: looped\nVersion: 1.0\n")
    (broken / "entry_points.txt").symlink_to(broken / "entry_points.txt")
    result = run_brainsmith("plugins", "list", "--json", cwd=tmp_path, path=[site])
    assert "Traceback" not in result.stderr, result.stderr
    data = listing(result)
    assert plugin(data, "left")["state"] == "active"
    (problem,) = [p for p in data["problems"] if "looped" in p["subject"]]
    assert "entry_points.txt" in problem["reason"]


NOISY_HOOKS = """
import atexit
import threading
import time

from brainsmith import hookimpl


def _chatter():
    for _ in range(200):
        print("thread noise")
        time.sleep(0.001)


threading.Thread(target=_chatter, daemon=True).start()
atexit.register(lambda: print("atexit noise"))


@hookimpl
def brainsmith_transforms():
    return []
"""


@pytest.mark.parametrize(
    "command",
    [("plugins", "list", "--json", "--activate"), ("plugins", "check", "--json", "--activate")],
)
def test_plugin_output_after_its_activation_never_reaches_the_json(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    """A plugin printing from a thread it started, and from an ``atexit`` handler, after
    brainsmith's guard around its import has ended: stdout holds the document alone."""
    site = tmp_path / "site"
    write_dist(
        site,
        "brainsmith-plugin-noisy",
        "1.0",
        entry_points={"noisy": "bsp_noisy"},
        files={"bsp_noisy/__init__.py": NOISY_HOOKS},
    )
    result = run_brainsmith(*command, cwd=tmp_path, path=[site])
    document = json.loads(result.stdout)  # parses: nothing else on stdout
    assert "noisy" in {p["namespace"] for p in document["plugins"]}
    assert "atexit noise" in result.stderr
