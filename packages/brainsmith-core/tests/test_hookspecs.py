"""Every hook is documented: hookspecs.py is the page plugin authors read."""

from __future__ import annotations

import inspect

import pluggy
import pytest
from brainsmith import hookspecs


def _hookspecs() -> list[tuple[str, object]]:
    marker = f"{hookspecs.PROJECT}_spec"
    return [(n, f) for n, f in vars(hookspecs).items() if hasattr(f, marker)]


def test_there_are_component_and_lifecycle_hooks() -> None:
    names = {name for name, _ in _hookspecs()}
    assert {
        "brainsmith_transforms",
        "brainsmith_kernels",
        "brainsmith_backends",
        "brainsmith_hw_transforms",
    } <= names
    assert len([n for n in names if n.startswith("on_")]) >= 16


@pytest.mark.parametrize(("name", "function"), _hookspecs())
def test_each_hook_has_a_docstring_with_an_example(name: str, function: object) -> None:
    doc = inspect.getdoc(function) or ""
    assert len(doc.splitlines()[0]) > 20, f"{name}: the first line should say what it is for"
    assert "Example::" in doc, f"{name}: show an example implementation"
    assert "@hookimpl" in doc or "@lifecycle" in doc, f"{name}: the example should implement it"


def test_hookspecs_register_with_pluggy() -> None:
    manager = pluggy.PluginManager(hookspecs.PROJECT)
    manager.add_hookspecs(hookspecs)
    for name, _ in _hookspecs():
        assert hasattr(manager.hook, name)
