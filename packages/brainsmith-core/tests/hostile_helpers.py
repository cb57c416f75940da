"""Hostile and faulty plugins, installed as real fake distributions, and the CLI run over them.

``plugins_cli`` runs ``brainsmith plugins ...`` in process with ``sys.path`` cut down to the fake
site, the standard library and the core (so only the fake distributions are discovered);
``compile_cli`` runs ``brainsmith compile`` with the full environment (qonnx, the builtin plugin)
plus the fake site, which the ``site`` fixture puts first on ``sys.path``.
"""

from __future__ import annotations

import json
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import brainsmith
import brainsmith.cli

# the resolver needs packaging; the cut-down sys.path of plugins_cli no longer reaches it
import packaging.requirements
import packaging.specifiers
import packaging.utils
import packaging.version  # noqa: F401
import yaml  # noqa: F401

if TYPE_CHECKING:
    import pytest
    from conftest import FakeSite

CORE_SRC = str(Path(brainsmith.__file__).parent.parent)

GOOD_TRANSFORMS = """
from qonnx.transformation.base import Transformation


class Tidy(Transformation):
    def apply(self, model):
        return model, False
"""


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> Result:
    """``brainsmith ARGV`` in process; what it printed."""
    code = brainsmith.cli.main(list(argv))
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)


def isolate(site: FakeSite, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the fake site's distributions are discovered; the CLI runs in the site's project."""
    stdlib = [p for p in sys.path if p and "site-packages" not in p and "packages/" not in p]
    monkeypatch.setattr(sys, "path", [str(site.root), *stdlib, CORE_SRC])
    monkeypatch.chdir(site.project)
    monkeypatch.delenv("BRAINSMITH_TRACEBACK", raising=False)


def install_good(site: FakeSite) -> None:
    """The plugin ``good`` (brainsmith-plugin-good 1.0): a transform ``good:Tidy``."""
    site.manifest_plugin(
        "good",
        site.transforms_manifest("Tidy"),
        files={"bsp_good/transforms.py": GOOD_TRANSFORMS},
    )


def code_plugin(site: FakeSite, namespace: str, body: str, version: str = "2.0") -> Path:
    """A code-defined plugin: entry point ``<namespace>_pkg.plugin`` holding ``body``.
    Returns the module's file."""
    pkg = f"{namespace}_pkg"
    site.fake_dist(
        f"brainsmith-plugin-{namespace}",
        version,
        entry_points={namespace: f"{pkg}.plugin"},
        files={f"{pkg}/__init__.py": "", f"{pkg}/plugin.py": textwrap.dedent(body)},
    )
    return site.root / pkg / "plugin.py"


def hooks_plugin(site: FakeSite, namespace: str, hooks: str, version: str = "3.0") -> Path:
    """A manifest-first plugin with one transform and the hooks module ``hooks``.
    Returns the hooks module's file."""
    pkg = site.manifest_plugin(
        namespace,
        site.transforms_manifest("Noop", extra='hooks = "{pkg}.hooks"'),
        version=version,
        files={
            f"bsp_{namespace}/transforms.py": GOOD_TRANSFORMS.replace("Tidy", "Noop"),
            f"bsp_{namespace}/hooks.py": textwrap.dedent(hooks),
        },
    )
    return site.root / pkg / "hooks.py"


def tidy_blueprint(folder: Path) -> Path:
    """A blueprint that runs ``good:Tidy`` (the good plugin must keep working)."""
    path = folder / "flow.yaml"
    path.write_text("stages:\n  graph_cleanup:\n    - InferShapes\n    - good:Tidy\n")
    return path


def problems_of(data: dict[str, Any], namespace: str) -> list[dict[str, Any]]:
    return [p for p in data["problems"] if p["subject"] == namespace]


def state_of(data: dict[str, Any], namespace: str) -> str:
    (state,) = [p["state"] for p in data["plugins"] if p["namespace"] == namespace]
    return str(state)
