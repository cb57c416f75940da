"""The layout holds: one concept per module, imports flow one way between the wings, no module
over 450 lines, and docs/architecture.md maps every module."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "brainsmith"
ARCHITECTURE = Path(__file__).resolve().parents[3] / "docs" / "architecture.md"
MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)

# what each wing may not import (the session registers the other wings' hookspecs with pluggy,
# through plugins/_manager.py, which is the one allowed exception)
FORBIDDEN = {
    "plugins": {"brainsmith.compile", "brainsmith.lifecycle", "brainsmith.hardware"},
    "lifecycle": {"brainsmith.compile", "brainsmith.hardware", "brainsmith.plugins"},
    "hardware": {"brainsmith.compile", "brainsmith.lifecycle"},
    "sweep": {"brainsmith.lifecycle"},
    "cli": set(),  # checked below: public names only
}


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(PACKAGE)) for p in MODULES])
def test_nothing_imports_the_sweep_wing(path: Path) -> None:
    wing = path.relative_to(PACKAGE).parts[0]
    if wing in ("sweep", "cli") or path == PACKAGE / "__init__.py":  # the command, the facade
        return
    assert not any(
        name == "brainsmith.sweep" or name.startswith("brainsmith.sweep.")
        for name in imported_modules(path)
    ), f"{path.relative_to(PACKAGE)} imports the sweep wing"


EXCEPTIONS = {PACKAGE / "plugins" / "_manager.py"}


def imported_modules(path: Path) -> set[str]:
    """Absolute names of the brainsmith modules ``path`` imports (relative imports resolved)."""
    package = ["brainsmith", *path.relative_to(PACKAGE).parent.parts]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            found.add(name)
            found.update(f"{name}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.startswith("brainsmith")}


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(PACKAGE)) for p in MODULES])
def test_imports_flow_one_way(path: Path) -> None:
    wing = path.relative_to(PACKAGE).parts[0]
    if wing not in FORBIDDEN or path in EXCEPTIONS:
        return
    bad = {
        name
        for name in imported_modules(path)
        for forbidden in FORBIDDEN[wing]
        if name == forbidden or name.startswith(forbidden + ".")
    }
    assert not bad, f"{path.relative_to(PACKAGE)} ({wing}) imports {sorted(bad)}"


def test_no_module_is_over_450_lines() -> None:
    sizes = {str(p.relative_to(PACKAGE)): len(p.read_text().splitlines()) for p in MODULES}
    assert {name: n for name, n in sizes.items() if n >= 450} == {}


def test_the_architecture_map_names_every_module() -> None:
    text = ARCHITECTURE.read_text()
    start = text.index("## The map")
    section = text[start : text.index("## ", start + 3)]
    missing = [
        str(p.relative_to(PACKAGE))
        for p in MODULES
        if p.name not in ("__init__.py", "__main__.py") and p.name not in section
    ]
    assert missing == []


CLI = sorted((PACKAGE / "cli").glob("*.py"))


@pytest.mark.parametrize("path", CLI, ids=[p.name for p in CLI])
def test_the_command_uses_only_public_names_of_the_wings(path: Path) -> None:
    private = {
        name
        for name in imported_modules(path)
        if name.split(".")[1:2] in (["plugins"], ["compile"], ["lifecycle"], ["hardware"])
        and any(part.startswith("_") for part in name.split(".")[2:3])
    }
    assert not private, f"cli/{path.name} imports private modules {sorted(private)}"


def test_no_file_holds_a_merge_conflict_marker() -> None:
    """Docs, sources and configuration are free of ``<<<<<<<`` / ``>>>>>>>`` lines (mkdocs and
    YAML would happily publish them)."""
    root = ARCHITECTURE.parents[1]
    suffixes = {".md", ".py", ".toml", ".yaml", ".yml", ".tmpl", ".cfg", ".txt"}
    skipped = {".git", ".venv", ".nox", "node_modules", ".cache"}
    marked = []
    for path in root.rglob("*"):
        if path.suffix not in suffixes or skipped & set(path.relative_to(root).parts):
            continue
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        if any(line.startswith(("<<<<<<< ", ">>>>>>> ")) for line in lines):
            marked.append(str(path.relative_to(root)))
    assert marked == []
