"""Every hook is documented, and each audience has its own short page: the component hooks
(plugins/hookspecs.py, the page plugin authors read), the compile events and the lifecycle
hooks."""

from __future__ import annotations

import inspect

import pytest
from brainsmith.compile import hookspecs as compile_hooks
from brainsmith.lifecycle import hookspecs as lifecycle_hooks
from brainsmith.plugins import hookspecs as component_hooks
from brainsmith.plugins import new_plugin_manager

PAGES = (component_hooks, compile_hooks, lifecycle_hooks)


def _hookspecs(*pages: object) -> list[tuple[str, object]]:
    marker = f"{component_hooks.PROJECT}_spec"
    return [(n, f) for page in pages or PAGES for n, f in vars(page).items() if hasattr(f, marker)]


def test_the_component_page_holds_only_the_four_component_hooks() -> None:
    assert {name for name, _ in _hookspecs(component_hooks)} == {
        "brainsmith_transforms",
        "brainsmith_kernels",
        "brainsmith_backends",
        "brainsmith_hw_transforms",
    }
    assert {name for name, _ in _hookspecs(compile_hooks)} == {
        "brainsmith_blueprints",
        "brainsmith_compile_artifacts",
        "on_compile_begin",
        "on_stage_begin",
        "on_transform_before",
        "on_transform_after",
        "on_stage_end",
        "on_compile_end",
        "on_compile_error",
    }


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
    manager = new_plugin_manager()
    for name, _ in _hookspecs():
        assert hasattr(manager.hook, name)
