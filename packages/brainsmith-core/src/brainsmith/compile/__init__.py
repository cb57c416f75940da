"""The compile pipeline: blueprint → plan → executor → verification, provenance and report.

:func:`compile_model` is the entry point; ``brainsmith compile`` wraps it. May import: the
shared helpers (``brainsmith._*``, ``brainsmith.errors``), ``brainsmith.plugins`` (the session
that resolves a blueprint's names) and ``brainsmith.lifecycle`` (the dispatcher that fires the
compile events). qonnx, onnx, numpy and yaml are imported only when a model is compiled.

For hosts and tools: :func:`compile_model`, :class:`CompileResult`, :func:`load_blueprint`,
:class:`Executor` with :class:`Plan` / :class:`Step` for custom pipelines, :func:`verify`;
for transforms that ask qonnx's lookups once per node: :class:`IndexedModel`; a
``ModelWrapper`` in linear time: :func:`wrap_model`.
For plugin authors: the compile events in :mod:`~brainsmith.compile.hookspecs`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_attributes

if TYPE_CHECKING:
    from . import hookspecs
    from ._api import CHECKPOINTS, REPORT_NAME, CompileResult, compile_model
    from ._blueprint import DEFAULT_BLUEPRINT, Blueprint, BlueprintError, Entry, load_blueprint
    from ._cleanup import cleanup, cleanup_is_noop
    from ._executor import CompileError, Events, Executor, NoEvents, Observer
    from ._indexed import IndexedModel
    from ._inputs import ModelError, OutputError
    from ._named import blueprint_file, plugin_blueprints
    from ._plan import (
        PROVENANCE_KEY,
        Applied,
        Plan,
        Result,
        Step,
        checkpoint_path,
        read_provenance,
        serialize,
        stamp,
    )
    from ._planner import check_options, validate
    from ._report import OUTPUT_NAME
    from ._resume import adopt_checkpoint
    from ._run import run_model
    from ._verify import (
        DEFAULT_TOLERANCE,
        VERIFY_MODES,
        Verification,
        VerificationError,
        random_inputs,
        verify,
    )
    from ._wrap import wrap_model

_NAMES = {
    "hookspecs": ".hookspecs:",
    "CHECKPOINTS": "._api",
    "OUTPUT_NAME": "._report",
    "REPORT_NAME": "._api",
    "CompileResult": "._api",
    "compile_model": "._api",
    "DEFAULT_BLUEPRINT": "._blueprint",
    "Blueprint": "._blueprint",
    "BlueprintError": "._blueprint",
    "Entry": "._blueprint",
    "check_options": "._planner",
    "load_blueprint": "._blueprint",
    "validate": "._planner",
    "cleanup": "._cleanup",
    "cleanup_is_noop": "._cleanup",
    "CompileError": "._executor",
    "Events": "._executor",
    "Executor": "._executor",
    "NoEvents": "._executor",
    "Observer": "._executor",
    "IndexedModel": "._indexed",
    "ModelError": "._inputs",
    "OutputError": "._inputs",
    "PROVENANCE_KEY": "._plan",
    "Applied": "._plan",
    "Plan": "._plan",
    "Result": "._plan",
    "Step": "._plan",
    "checkpoint_path": "._plan",
    "read_provenance": "._plan",
    "serialize": "._plan",
    "stamp": "._plan",
    "DEFAULT_TOLERANCE": "._verify",
    "VERIFY_MODES": "._verify",
    "Verification": "._verify",
    "VerificationError": "._verify",
    "random_inputs": "._verify",
    "run_model": "._run",
    "adopt_checkpoint": "._resume",
    "blueprint_file": "._named",
    "plugin_blueprints": "._named",
    "verify": "._verify",
    "wrap_model": "._wrap",
}
__all__ = [
    "CHECKPOINTS",
    "DEFAULT_BLUEPRINT",
    "DEFAULT_TOLERANCE",
    "OUTPUT_NAME",
    "PROVENANCE_KEY",
    "REPORT_NAME",
    "VERIFY_MODES",
    "Applied",
    "Blueprint",
    "BlueprintError",
    "CompileError",
    "CompileResult",
    "Entry",
    "Events",
    "Executor",
    "IndexedModel",
    "ModelError",
    "NoEvents",
    "Observer",
    "OutputError",
    "Plan",
    "Result",
    "Step",
    "Verification",
    "VerificationError",
    "adopt_checkpoint",
    "blueprint_file",
    "check_options",
    "checkpoint_path",
    "cleanup",
    "cleanup_is_noop",
    "compile_model",
    "hookspecs",
    "load_blueprint",
    "plugin_blueprints",
    "random_inputs",
    "read_provenance",
    "run_model",
    "serialize",
    "stamp",
    "validate",
    "verify",
    "wrap_model",
]
__getattr__ = lazy_attributes(__name__, _NAMES)
