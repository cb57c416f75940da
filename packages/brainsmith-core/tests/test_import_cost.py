"""``import brainsmith`` stays thin: no heavy or plugin module, and the lazy ``__init__`` leaves
discovery, resolution and packaging unimported. What is imported, not how long it takes."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

HEAVY = ("onnx", "qonnx", "numpy", "onnxruntime", "yaml", "brainsmith_builtin")
LAZY = (
    "brainsmith.plugins.session",
    "brainsmith.plugins._discovery",
    "brainsmith.plugins._resolve",
    "packaging",
)


@dataclass(frozen=True)
class Imported:
    by_importtime: frozenset[str]
    in_sys_modules: frozenset[str]


@pytest.fixture(scope="module")
def imported() -> Imported:
    code = "import brainsmith, sys; print('\\n'.join(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    names = set()
    for line in result.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            name = line.rsplit("|", 1)[1].strip()
            if name != "package":  # the header line
                names.add(name)
    assert "brainsmith" in names
    return Imported(frozenset(names), frozenset(result.stdout.split()))


def _hits(names: frozenset[str], roots: tuple[str, ...]) -> list[str]:
    return sorted(n for n in names if any(n == r or n.startswith(r + ".") for r in roots))


def test_importtime_lists_no_heavy_or_plugin_module(imported: Imported) -> None:
    assert _hits(imported.by_importtime, HEAVY) == []
    assert _hits(imported.in_sys_modules, HEAVY) == []


def test_lazy_package_init(imported: Imported) -> None:
    assert _hits(imported.in_sys_modules, LAZY) == []
    # even pluggy waits until a hook marker or the plugin manager is asked for
    assert _hits(imported.in_sys_modules, ("pluggy", "brainsmith.plugins.hookspecs")) == []


def test_public_names_resolve_lazily() -> None:
    import brainsmith

    assert brainsmith.hookimpl.project_name == "brainsmith"
    assert brainsmith.Session.__module__ == "brainsmith.plugins.session"
    assert brainsmith.State.ACTIVE == "active"


def test_a_warm_listing_reads_no_distribution_metadata(tmp_path: Path) -> None:
    """A cached `plugins list` is answered from the cache: neither importlib.metadata nor
    packaging (together most of a cold listing's cost) is imported."""
    import os

    env = {**os.environ, "BRAINSMITH_CACHE_DIR": str(tmp_path / "cache")}
    code = (
        "import sys\n"
        "from brainsmith.cli import main\n"
        "main(['plugins', 'list', '--json'])\n"
        "print('MODULES', *sorted(sys.modules), file=sys.stderr)\n"
    )
    runs = [
        subprocess.run(
            [sys.executable, "-c", code],
            check=False,
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
        )
        for _ in range(2)
    ]
    assert all(r.returncode == 0 for r in runs), runs[-1].stderr
    warm = runs[1].stderr.rpartition("MODULES ")[2].split()
    heavy = [m for m in warm if m == "importlib.metadata" or m.split(".")[0] == "packaging"]
    assert heavy == []


DEFERRED_FROM_A_WARM_LISTING = (
    # typed records, verdicts and settings: dataclasses, and with it inspect (ast, dis, tokenize)
    "dataclasses",
    "inspect",
    "brainsmith.plugins.records",
    "brainsmith.plugins.verdicts",
    "brainsmith.plugins._settings",
    "brainsmith.plugins._cache_json",
    "brainsmith.plugins.session",
    "brainsmith.plugins.registry",
    "difflib",
    # the other command groups and what they import
    "brainsmith.cli.compile",
    "brainsmith.cli.hooks",
    "brainsmith.cli.sweep",
    "brainsmith.cli.explain",
    "brainsmith.compile",
    "brainsmith.lifecycle",
    "textwrap",
    # the scaffold's templates (plugins new)
    "importlib.resources",
    "tempfile",
    "string",
    # discovery and resolution
    "importlib.metadata",
    "packaging",
    "tomllib",
    "pluggy",
)


def test_a_warm_listing_imports_only_what_it_prints_with(tmp_path: Path) -> None:
    """``python -m brainsmith plugins list --json`` answered from the cache builds the parser
    of the plugins commands only and makes no typed record: none of the modules above."""
    import os

    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("BRAINSMITH", "PYTHON"))},
        "BRAINSMITH_CACHE_DIR": str(tmp_path / "cache"),
    }
    code = (
        "import sys, runpy\n"
        "sys.argv = ['brainsmith', 'plugins', 'list', '--json']\n"
        "try:\n"
        "    runpy.run_module('brainsmith', run_name='__main__', alter_sys=True)\n"
        "finally:\n"
        "    print('MODULES', *sorted(sys.modules), file=sys.stderr)\n"
    )
    runs = [
        subprocess.run(
            [sys.executable, "-c", code],
            check=False,
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        for _ in range(2)
    ]
    assert [r.returncode for r in runs] == [0, 0], runs[-1].stderr
    assert runs[0].stdout == runs[1].stdout
    cold = frozenset(runs[0].stderr.rpartition("MODULES ")[2].split())
    warm = frozenset(runs[1].stderr.rpartition("MODULES ")[2].split())
    assert "brainsmith.plugins.session" in cold  # the first listing scanned and resolved
    assert {"brainsmith.cli.plugins", "brainsmith.plugins._listing"} <= warm
    assert _hits(warm, DEFERRED_FROM_A_WARM_LISTING) == []


KEPT_OFF_A_COLD_LISTING = (
    # importlib.metadata and what it imports: plain metadata folders are read directly
    "importlib.metadata",
    "email",
    "zipfile",
    "csv",
    # importlib.resources' readers: a package on disk is its folder
    "importlib.readers",
    "importlib.resources.readers",
    # simple requirement lines need packaging.specifiers only
    "packaging.requirements",
    "packaging.markers",
    "packaging.utils",
    "packaging.tags",
    "logging",
    "subprocess",
    "platform",
    # the cache entry is written without tempfile; no name went unmatched; no plugin folder
    "tempfile",
    "difflib",
    "brainsmith.plugins._directories",
)


def test_a_cold_listing_imports_only_what_discovery_needs(tmp_path: Path) -> None:
    """``plugins list --json`` with an empty cache, over manifest plugins whose metadata
    requires the core (with extras), other distributions (a marker on a requirement) and each
    other: the scan, the resolution and the cache entries written, none of the modules above."""
    import json
    import os

    from brainsmith.testing import FakeDistributions

    fakes = FakeDistributions(tmp_path / "site", tmp_path / "project")
    fakes.root.mkdir()
    fakes.project.mkdir()
    fakes.add_manifest_plugin(
        "alpha",
        fakes.transforms_manifest("Fold", extra='api = ">=1,<2"'),
        requires=["brainsmith-core[compile]>=0.1,<1"],
    )
    fakes.add_manifest_plugin(
        "beta",
        fakes.transforms_manifest("Tidy", extra='api = ">=1,<2"\nrequires = ["alpha>=1"]'),
        requires=["brainsmith-core>=0.1", "numpy>=1.24; extra == 'full'"],
    )
    fakes.add("other-dist", "2.0", other_groups={"console_scripts": {"o": "o:main"}})
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("BRAINSMITH", "PYTHON"))},
        "BRAINSMITH_CACHE_DIR": str(tmp_path / "cache"),
    }
    code = (
        "import sys\n"
        f"sys.path.insert(0, {str(fakes.root)!r})\n"
        "from brainsmith.cli import main\n"
        "code = main(['plugins', 'list', '--json'])\n"
        "print('MODULES', *sorted(sys.modules), file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        env=env,
        cwd=fakes.project,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    listed = {p["namespace"]: p["state"] for p in json.loads(run.stdout)["plugins"]}
    assert {listed["alpha"], listed["beta"]} == {"active"}
    cold = frozenset(run.stderr.rpartition("MODULES ")[2].split())
    assert {"brainsmith.plugins._discovery", "brainsmith.plugins._resolve"} <= cold
    assert _hits(cold, KEPT_OFF_A_COLD_LISTING) == []
    written = sorted(p.name.split("-")[0] for p in (tmp_path / "cache").rglob("*.json"))
    assert written == ["resolution", "scan"]
