"""Helpers of the discovery tests: real metadata folders on disk and the real command in a
fresh process (``python -m brainsmith``), with the folders given on ``PYTHONPATH``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

GROUP = "brainsmith.plugins"

MANIFEST = """\
schema = 1
api = ">=1,<2"
{extra}
[[transforms]]
name = "{name}"
stage = "graph_cleanup"
target = "{target}"
"""


def write_dist(
    site: Path,
    name: str,
    version: str,
    *,
    entry_points: Mapping[str, str] | None = None,
    files: Mapping[str, str] | None = None,
    requires: Sequence[str] = (),
    folder: str | None = None,
    suffix: str = ".dist-info",
) -> Path:
    """A real metadata folder (``METADATA`` or, for ``.egg-info``, ``PKG-INFO``, and
    ``entry_points.txt``) plus ``files`` beside it. Returns the metadata folder."""
    info = site / (folder or f"{name.replace('-', '_')}-{version}{suffix}")
    info.mkdir(parents=True)
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    lines += [f"Requires-Dist: {r}" for r in requires]
    metadata_name = "PKG-INFO" if info.name.endswith(".egg-info") else "METADATA"
    (info / metadata_name).write_text("\n".join(lines) + "\n")
    if entry_points:
        text = "".join(f"{k} = {v}\n" for k, v in entry_points.items())
        (info / "entry_points.txt").write_text(f"[{GROUP}]\n{text}")
    for relative, content in (files or {}).items():
        target = site / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(content))
    return info


def manifest(name: str, target: str, extra: str = "") -> str:
    """A manifest with one transform."""
    return MANIFEST.format(name=name, target=target, extra=extra)


def run_brainsmith(
    *argv: str,
    cwd: Path,
    path: Sequence[Path] = (),
    cache: Path | None = None,
    env: Mapping[str, str] | None = None,
    python: Sequence[str] = ("-m", "brainsmith.cli"),
    **kwargs: Any,
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m brainsmith.cli ARGV`` in ``cwd`` with ``path`` first on ``sys.path``
    (``PYTHONPATH``) and the cache in ``cache`` (none: switched off)."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("BRAINSMITH", "PYTHON"))}
    environ["PYTHONPATH"] = os.pathsep.join(str(p) for p in path)
    if cache is None:
        environ["BRAINSMITH_NO_CACHE"] = "1"
    else:
        environ["BRAINSMITH_CACHE_DIR"] = str(cache)
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, *python, *argv],
        cwd=cwd,
        env=environ,
        capture_output=True,
        text=True,
        check=False,
        **kwargs,
    )


def listing(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    """The JSON of ``plugins list --json``, asserting a clean run."""
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def plugin(data: Mapping[str, Any], namespace: str) -> dict[str, Any]:
    """The one listed plugin with this namespace."""
    (found,) = [p for p in data["plugins"] if p["namespace"] == namespace]
    return dict(found)
