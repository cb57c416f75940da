"""Every public name and every hook has a docstring: the API and hookspec reference pages are
generated from them (mkdocstrings), so a missing one is a hole in the documentation."""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Iterator
from typing import Any

import pytest

PUBLIC_MODULES = (
    "brainsmith",
    "brainsmith.errors",
    "brainsmith.plugins",
    "brainsmith.compile",
    "brainsmith.lifecycle",
    "brainsmith.hardware",
    "brainsmith.testing",
    "brainsmith.examples",
)
HOOKSPEC_MODULES = (
    "brainsmith.plugins.hookspecs",
    "brainsmith.compile.hookspecs",
    "brainsmith.lifecycle.hookspecs",
)


def public_names(module_name: str) -> Iterator[tuple[str, Any]]:
    module = importlib.import_module(module_name)
    names = getattr(module, "__all__", None) or [
        n for n, v in vars(module).items() if not n.startswith("_") and _defined_in(v, module)
    ]
    for name in names:
        yield f"{module_name}.{name}", getattr(module, name)


def _defined_in(value: Any, module: Any) -> bool:
    return getattr(value, "__module__", None) == module.__name__ and (
        inspect.isclass(value) or inspect.isfunction(value)
    )


def members(qualified: str, value: Any) -> Iterator[tuple[str, Any]]:
    """The value, and for a class the public methods and properties it defines itself."""
    yield qualified, value
    if inspect.isclass(value) and value.__module__.startswith("brainsmith"):
        for name, member in vars(value).items():
            if name.startswith("_") or not (
                inspect.isfunction(member)
                or isinstance(member, (property, classmethod, staticmethod))
            ):
                continue
            yield f"{qualified}.{name}", member


def undocumented(value: Any) -> bool:
    if isinstance(value, (classmethod, staticmethod)):
        value = value.__func__
    documentable = (
        inspect.isclass(value)
        or inspect.isfunction(value)
        or inspect.ismodule(value)
        or isinstance(value, property)
    )
    return documentable and not (inspect.getdoc(value) or "").strip()


def all_public() -> list[tuple[str, Any]]:
    found: dict[str, Any] = {}
    for module in PUBLIC_MODULES:
        for qualified, value in public_names(module):
            for name, member in members(qualified, value):
                found.setdefault(name, member)
    return sorted(found.items(), key=lambda item: item[0])


def test_every_public_name_has_a_docstring() -> None:
    names = all_public()
    assert len(names) > 100
    missing = [name for name, value in names if undocumented(value)]
    assert missing == [], "give these a docstring (they are in the API reference)"


@pytest.mark.parametrize("module_name", HOOKSPEC_MODULES)
def test_every_hook_has_a_docstring(module_name: str) -> None:
    module = importlib.import_module(module_name)
    hooks = [
        (name, value)
        for name, value in vars(module).items()
        if inspect.isfunction(value) and hasattr(value, "brainsmith_spec")  # pluggy's marker
    ]
    assert hooks, f"no hooks found in {module_name}"
    assert [name for name, value in hooks if undocumented(value)] == []


def test_a_missing_docstring_is_found() -> None:
    class Bare:
        def method(self) -> None:
            pass

    Bare.__module__ = "brainsmith.fake"
    assert [name for name, value in members("x.Bare", Bare) if undocumented(value)] == [
        "x.Bare",
        "x.Bare.method",
    ]
