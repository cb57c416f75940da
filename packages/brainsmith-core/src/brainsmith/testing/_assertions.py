"""Assertions for plugin tests: a transform keeps the model's function; a plugin lists without
running its code."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["assert_lists_without_importing", "assert_preserves_outputs"]


def assert_preserves_outputs(
    transform: Any, model: Any, inputs: Mapping[str, Any], *, atol: float = 0
) -> Any:
    """Assert that applying ``transform`` to ``model`` keeps the model's outputs on ``inputs``.

    :param transform: a qonnx ``Transformation`` instance (applied with ``model.transform``), a
        ``Transformation`` class (instantiated without arguments) or a callable
        ``ModelWrapper -> ModelWrapper`` (or ``-> None``, changing its argument in place).
    :param model: a qonnx ``ModelWrapper`` or an ``onnx.ModelProto``; never modified.
    :param inputs: graph-input name → array, one value for every graph input.
    :param atol: the largest absolute difference allowed per element (0: bit-exact).
    :returns: the transformed ``ModelWrapper``, for further assertions.
    :raises AssertionError: naming the output, its shape and the largest difference when an
        output differs, the graph inputs missing from ``inputs``, or a callable's result that is
        not a model.
    """
    __tracebackhide__ = True  # pytest shows the caller's line, not this function's
    import numpy as np
    from qonnx.core.modelwrapper import ModelWrapper

    from ..compile import run_model

    before = model if isinstance(model, ModelWrapper) else ModelWrapper(model)
    names = [i.name for i in before.graph.input if before.get_initializer(i.name) is None]
    missing = sorted(set(names) - set(inputs))
    if missing:
        raise AssertionError(f"inputs has no value for the graph inputs {missing}")
    after = _apply(transform, copy.deepcopy(before))
    outputs = [o.name for o in before.graph.output]
    expected = run_model(before, inputs)
    actual = run_model(after, inputs)
    label = getattr(transform, "__name__", type(transform).__name__)
    if len(actual) != len(expected):
        raise AssertionError(f"{label}: {len(actual)} outputs, the model had {len(expected)}")
    for name, expected_value, actual_value in zip(outputs, expected, actual, strict=True):
        want, got = np.asarray(expected_value), np.asarray(actual_value)
        if want.shape != got.shape:
            raise AssertionError(
                f"{label}: output {name!r} has shape {got.shape}, was {want.shape}"
            )
        if not np.allclose(got, want, rtol=0, atol=atol, equal_nan=True):
            worst = float(np.max(np.abs(got.astype(np.float64) - want.astype(np.float64))))
            count = int(np.sum(~np.isclose(got, want, rtol=0, atol=atol, equal_nan=True)))
            raise AssertionError(
                f"{label} changed output {name!r} (shape {want.shape}): {count} elements "
                f"differ, by up to {worst:g} (atol={atol:g})"
            )
    return after


def _apply(transform: Any, model: Any) -> Any:
    from qonnx.transformation.base import Transformation

    if isinstance(transform, type) and issubclass(transform, Transformation):
        transform = transform()
    if isinstance(transform, Transformation):
        return model.transform(transform)
    if callable(transform):
        from onnx import ModelProto
        from qonnx.core.modelwrapper import ModelWrapper

        function: Callable[[Any], Any] = transform
        result = function(model)
        if result is None:  # a function that changes the model in place
            return model
        if isinstance(result, ModelProto):
            return ModelWrapper(result)
        if not isinstance(result, ModelWrapper):
            raise AssertionError(
                f"{getattr(transform, '__name__', transform)!r} returned "
                f"{type(result).__name__}: a function transform returns the ModelWrapper (or "
                "None when it changes the model it is given in place)"
            )
        return result
    raise TypeError(f"not a transformation: {transform!r}")


_LISTING = """
import json, sys
from importlib import metadata
from brainsmith.cli import main

code = main(["plugins", "list"])
print("\\x00" + json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def assert_lists_without_importing(distribution_or_namespace: str) -> None:
    """Assert that ``brainsmith plugins list`` shows the plugin and imports none of its modules.

    Runs the listing in a fresh interpreter (this process's ``sys.path`` as ``PYTHONPATH``, no
    discovery cache) so that nothing imported by the test counts.

    :param distribution_or_namespace: the plugin's distribution (``brainsmith-plugin-demo``) or
        namespace (``demo``), as found in the ``brainsmith.plugins`` entry points.
    :raises AssertionError: when no such plugin is installed, the listing fails or omits it, or
        any module of the plugin's packages was imported (named).
    """
    __tracebackhide__ = True
    from importlib import metadata

    from ._fake_distributions import ENTRY_POINT_GROUP

    wanted = distribution_or_namespace.replace("_", "-").lower()
    found = [
        ep
        for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)
        if ep.name == distribution_or_namespace
        or (ep.dist is not None and ep.dist.name.replace("_", "-").lower() == wanted)
    ]
    if not found:
        raise AssertionError(
            f"no plugin {distribution_or_namespace!r}: no entry point of the group "
            f"{ENTRY_POINT_GROUP!r} has that name or distribution"
        )
    packages = {ep.value.split(":")[0].split(".")[0] for ep in found}
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    env["BRAINSMITH_NO_CACHE"] = "1"
    done = subprocess.run(
        [sys.executable, "-c", _LISTING], capture_output=True, text=True, env=env, check=False
    )
    head, _, tail = done.stdout.rpartition("\x00")
    if not tail:
        raise AssertionError(f"brainsmith plugins list crashed\n{done.stdout}\n{done.stderr}")
    result = json.loads(tail)
    namespaces = {ep.name for ep in found}
    if not any(namespace in head for namespace in namespaces):
        raise AssertionError(f"brainsmith plugins list does not show {sorted(namespaces)}:\n{head}")
    imported = [
        m for m in result["modules"] if any(m == p or m.startswith(p + ".") for p in packages)
    ]
    if imported:
        raise AssertionError(
            f"listing plugins imported {sorted(imported)} of {distribution_or_namespace!r}: "
            "listing must not run plugin code (use a manifest, see docs/plugins.md)"
        )
