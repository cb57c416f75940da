"""FINN-style build steps — functions ``step(model, cfg) -> model`` — run as transforms.

FINN's legacy payload publishes its build steps as functions, not qonnx ``Transformation``
classes (docs/plugins.md, "Form 3"). The planner wraps such a function in a ``Transformation``
subclass made by :func:`step_transformation`: its options (from the blueprint, or a hook) become
the attributes of the ``cfg`` the step receives (:class:`StepConfig`), and ``apply(model)``
calls the step once and returns its model with ``graph_modified=False`` (the executor compares
the serialized models to record whether it changed anything).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator, Mapping
from typing import Any


class StepConfig(Mapping[str, Any]):
    """The ``cfg`` a legacy step receives: its options as attributes (``cfg.target_fps``) and
    as a read-only mapping. Reading an option the blueprint did not give raises an
    ``AttributeError`` naming the step and saying where to give it."""

    def __init__(self, step: str, options: Mapping[str, Any]) -> None:
        self._step = step
        self._options = dict(options)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self._options[name]
        except KeyError:
            raise AttributeError(
                f"legacy step {self._step} reads cfg.{name}, which the blueprint does not "
                f"give: add it to the step's options ({{{self._step}: {{{name}: ...}}}})"
            ) from None

    def __getitem__(self, name: str) -> Any:
        return self._options[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._options)

    def __len__(self) -> int:
        return len(self._options)

    def __repr__(self) -> str:
        return f"StepConfig({self._step}, {self._options!r})"


def is_legacy_step(factory: Any) -> bool:
    """Whether ``factory`` is a plain function taking ``(model, cfg)``: two positional
    parameters without defaults (more parameters only with defaults)."""
    if not inspect.isfunction(factory):
        return False
    try:
        parameters = list(inspect.signature(factory).parameters.values())
    except (TypeError, ValueError):
        return False
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    required = [p for p in positional if p.default is p.empty]
    return len(positional) >= 2 and len(required) == 2


def step_transformation(step: Callable[..., Any], name: str) -> type[Any]:
    """A qonnx ``Transformation`` subclass running ``step(model, cfg)`` once, with
    ``cfg = StepConfig(name, options)``; the class takes any keyword options.

    Its ``apply`` raises ``TypeError`` when the step returns something other than a qonnx
    ``ModelWrapper`` (the executor reports it as the transform's failure)."""
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.transformation.base import Transformation

    def __init__(self: Any, **options: Any) -> None:
        Transformation.__init__(self)
        self.cfg = StepConfig(name, options)

    def apply(self: Any, model: ModelWrapper) -> tuple[ModelWrapper, bool]:
        result = step(model, self.cfg)
        if not isinstance(result, ModelWrapper):
            raise TypeError(
                f"the legacy step {step.__module__}.{step.__qualname__} returned "
                f"{type(result).__name__}; a step(model, cfg) must return the model "
                "(a qonnx ModelWrapper)"
            )
        return result, False

    return type(
        f"LegacyStep_{step.__name__}",
        (Transformation,),
        {
            "__init__": __init__,
            "apply": apply,
            "__doc__": f"The legacy step {step.__module__}.{step.__qualname__} as a transform.",
            "__module__": step.__module__,
            "legacy_step": step,
        },
    )
