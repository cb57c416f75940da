"""The compile report (``compile_report.json``): provenance plus timings, plugins,
verification, the kernel mapping, the target and the artifacts. docs/compile.md describes it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._hardware_report import hardware_sections

if TYPE_CHECKING:
    from ..plugins import Session
    from ._blueprint import Blueprint
    from ._plan import Plan, Result
    from ._verify import Verification

OUTPUT_NAME = "model.onnx"
"""The compiled model's file name in the output directory."""


def report_document(  # noqa: PLR0917 - one private call site, every argument a distinct part
    source: str,
    outdir: Path,
    blueprint: Blueprint,
    plan: Plan,
    result: Result,
    session: Session,
    verification: Verification | None,
    warnings: list[str],
) -> dict[str, Any]:
    """The document written to compile_report.json (docs/compile.md describes it)."""
    from .._version import __version__

    return {
        "schema": 1,
        "status": "ok" if verification is None or verification.passed else "verify_failed",
        "brainsmith_core": __version__,
        "model": source,
        "output": str(outdir / OUTPUT_NAME),
        "blueprint": {
            "name": plan.name,
            "path": str(blueprint.path),
            "sources": [str(p) for p in blueprint.sources],
            "sha256": plan.blueprint_hash,
        },
        "stages": list(result.stages_run),
        "transforms": [a.report() for a in result.applied],
        "plugins": [
            {"namespace": p.namespace, "distribution": p.distribution, "version": p.version}
            for p in session.active_plugins()
        ],
        "checkpoints": [str(p) for p in result.checkpoints],
        "seconds": round(result.seconds, 6),
        "verification": verification.to_json() if verification is not None else None,
        **hardware_sections(result.model),
        "warnings": warnings,
    }
