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
