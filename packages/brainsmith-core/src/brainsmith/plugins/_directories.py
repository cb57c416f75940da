"""Directory plugins: folders of plain modules using the decorators, named by the settings.

``plugin-dirs = ["brainsmith_plugins"]`` in ``[tool.brainsmith]`` (relative to the settings
file) makes each folder one plugin: the first is namespace ``project``, a further one
``project-<folder name>``; ``user-plugins = true`` adds the user's folder
(:func:`user_plugin_folder`, found with ``platformdirs``) as namespace ``user``. Nothing is read
unless a settings file names it.

Listing reads the modules with :mod:`ast` and never runs them: a top-level class decorated with
``@transform(...)``, ``@kernel``, ``@backend(...)`` or ``@hw_transform(...)`` (imported from
``brainsmith`` or ``brainsmith.plugins``), whose arguments are literals, becomes a component
spec. A decorator argument that is not a literal leaves the components unknown until the plugin
is activated, like a pluggy plugin. Every problem names the file and line.

Activation imports the folder as a private package (``_brainsmith_<namespace>_<digest>``) that
is never put on ``sys.path``: its modules import each other relatively (``from .util import
x``), cannot shadow installed modules, and two folders never share a module. Modules whose
name starts with ``_`` are helpers: neither scanned nor imported on their own.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.machinery
import importlib.util
import inspect
import os
import sys
import traceback
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..errors import PluginError
from ._settings import Settings
from .records import (
    PROJECT_NAMESPACE,
    USER_NAMESPACE,
    AnySpec,
    BackendSpec,
    Form,
    HwTransformSpec,
    KernelSpec,
    Kind,
    PluginRecord,
    TransformSpec,
)
from .verdicts import Resolution

_DECORATOR_MODULES = frozenset(
    {"brainsmith", "brainsmith.plugins", "brainsmith.plugins.decorators"}
)
_KINDS = {
    "transform": Kind.TRANSFORM,
    "kernel": Kind.KERNEL,
    "backend": Kind.BACKEND,
    "hw_transform": Kind.HW_TRANSFORM,
}


def user_plugin_folder() -> Path:
    """The user's plugin folder: ``plugins`` in the platform's configuration folder for
    brainsmith (``$XDG_CONFIG_HOME/brainsmith/plugins`` on Linux)."""
    import platformdirs

    return platformdirs.user_config_path("brainsmith", appauthor=False) / "plugins"


def named_folders(settings: Settings) -> tuple[tuple[str, Path, str], ...]:
    """``(namespace, folder, setting)`` for every folder the settings name, in order."""
    found: list[tuple[str, Path, str]] = []
    for index, folder in enumerate(settings.plugin_folders()):
        suffix = "" if index == 0 else "-" + "".join(c if c.isalnum() else "-" for c in folder.name)
        found.append((PROJECT_NAMESPACE + suffix, folder, "plugin-dirs"))
    if settings.user_plugins:
        found.append((USER_NAMESPACE, user_plugin_folder(), "user-plugins"))
    return tuple(found)


def discover_folders(settings: Settings) -> tuple[PluginRecord, ...]:
    """One record per folder the settings name, read without running any of its code."""
    return tuple(
        read_folder(ns, folder, settings, key) for ns, folder, key in named_folders(settings)
    )


def folders_current(settings: Settings, resolution: Resolution) -> bool:
    """Whether the directory plugins of a (cached) resolution are what their folders hold."""
    cached = tuple(
        v.record for v in resolution.verdicts if v.record and v.record.form is Form.DIRECTORY
    )
    return cached == discover_folders(settings)


def folders_state(settings: Settings) -> str:
    """A digest of the named folders' module files (names, sizes, modification times): it
    changes whenever what :func:`discover_folders` reads may have changed."""
    digest = hashlib.sha256()
    for namespace, folder, _ in named_folders(settings):
        digest.update(f"\1{namespace}\0{folder}".encode())
        for path in _module_files(folder):
            try:
                stat = path.stat()
            except OSError:
                continue
            digest.update(f"\0{path.name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


def package_name(namespace: str, folder: Path) -> str:
    """The private package a folder is imported as: unique per folder and namespace."""
    digest = hashlib.sha256(str(folder).encode()).hexdigest()[:10]
    return f"_brainsmith_{namespace.replace('-', '_')}_{digest}"


def read_folder(namespace: str, folder: Path, settings: Settings, key: str) -> PluginRecord:
    """The record of one folder: its components as the decorators declare them, or the
    problems found (each with file and line)."""
    record = PluginRecord(
        namespace=namespace,
        value=str(folder),
        distribution="",
        version="",
        form=Form.DIRECTORY,
        location=str(folder),
    )
    where = settings.source or "the settings"
    if not folder.is_dir():
        return replace(
            record,
            error=f"{folder}: the plugin folder named by {key} in {where} does not exist",
            fix=f"create the folder, or remove it from {key} in {where}",
        )
    package = package_name(namespace, folder)
    specs: list[AnySpec] = []
    problems: list[str] = []
    known = True
    for path in _module_files(folder):
        if not path.stem.isidentifier():
            problems.append(f"{path}: {path.name!r} is not a module name (letters, digits, _)")
            continue
        scan = _ModuleScan(path, f"{package}.{path.stem}")
        specs.extend(scan.specs)
        problems.extend(scan.problems)
        known = known and scan.known
    problems.extend(_duplicates(specs, folder))
    if problems:
        return replace(
            record,
            error="; ".join(problems),
            fix=f"fix the module(s) in {folder}, or remove the folder from {key} in {where}",
        )
    return replace(record, components=tuple(specs) if known else None)


def _module_files(folder: Path) -> list[Path]:
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return []
    return [folder / n for n in names if n.endswith(".py") and not n.startswith("_")]


def _duplicates(specs: list[AnySpec], folder: Path) -> list[str]:
    seen: dict[tuple[Kind, str], str] = {}
    problems = []
    for spec in specs:
        target = spec.target
        other = seen.setdefault((spec.kind, spec.name), target)
        if other != target:
            problems.append(
                f"{folder}: {spec.kind} {spec.name!r} is declared twice ({other}, {target})"
            )
    return problems


class _ModuleScan:
    """The decorated classes of one module, read from its syntax tree."""

    def __init__(self, path: Path, module: str) -> None:
        self.path = path
        self.module = module
        self.specs: list[AnySpec] = []
        self.problems: list[str] = []
        self.known = True
        self._names: dict[str, str] = {}  # local name -> decorator it is bound to
        self._modules: set[str] = set()  # dotted prefixes bound to a decorator module
        self._hookimpls: set[str] = set()
        try:
            source = path.read_bytes()
            tree = ast.parse(source, filename=str(path))
        except SyntaxError as exc:
            self.problems.append(f"{path}:{exc.lineno}: SyntaxError: {exc.msg}")
            return
        except (OSError, ValueError) as exc:
            self.problems.append(f"{path}: cannot read the module ({exc})")
            return
        for node in tree.body:
            self._imports(node)
        for node in tree.body:
            if isinstance(node, ast.ClassDef):
                for decorator in node.decorator_list:
                    self._decorated(node, decorator)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                self._hook(node)

    def _imports(self, node: ast.stmt) -> None:
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module in _DECORATOR_MODULES:
                for alias in node.names:
                    if alias.name in _KINDS:
                        self._names[alias.asname or alias.name] = alias.name
                    elif alias.name == "hookimpl":
                        self._hookimpls.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in _DECORATOR_MODULES or alias.name.startswith("brainsmith."):
                    if alias.asname:
                        self._modules.add(alias.asname)
                    else:
                        self._modules.update(
                            m for m in _DECORATOR_MODULES if alias.name.startswith(m)
                        )
                        self._modules.add("brainsmith")

    def _decorator(self, expr: ast.expr) -> str | None:
        """The decorator ``expr`` names (``transform``, ...), or ``None``."""
        dotted = _dotted(expr)
        if dotted is None:
            return None
        head, _, last = dotted.rpartition(".")
        if not head:
            return self._names.get(last)
        return last if last in _KINDS and head in self._modules else None

    def _hook(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for decorator in node.decorator_list:
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            dotted = _dotted(target) or ""
            head, _, last = dotted.rpartition(".")
            if (not head and last in self._hookimpls) or (
                head in self._modules and last == "hookimpl"
            ):
                self.problems.append(
                    f"{self.path}:{node.lineno}: @hookimpl {node.name}: a directory plugin "
                    "contributes components only; lifecycle hooks need an installed plugin "
                    "(docs/plugins.md)"
                )

    def _decorated(self, node: ast.ClassDef, decorator: ast.expr) -> None:
        call = decorator if isinstance(decorator, ast.Call) else None
        name = self._decorator(call.func if call else decorator)
        if name is None:
            return
        where = f"{self.path}:{decorator.lineno}"
        keywords: dict[str, Any] = {}
        if call is not None:
            if call.args:
                self.problems.append(f"{where}: @{name} takes keyword arguments only")
                return
            for keyword in call.keywords:
                if keyword.arg is None:
                    self.known = False
                    return
                try:
                    keywords[keyword.arg] = ast.literal_eval(keyword.value)
                except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                    self.known = False  # known once the module runs
                    return
        try:
            self.specs.append(self._spec(name, node, keywords))
        except (TypeError, ValueError) as exc:
            self.problems.append(f"{where}: @{name} on {node.name}: {exc}")

    def _spec(self, decorator: str, node: ast.ClassDef, keywords: dict[str, Any]) -> AnySpec:
        from . import decorators

        inspect.signature(getattr(decorators, decorator)).bind(**keywords)
        doc = (ast.get_docstring(node) or "").strip()
        common: dict[str, Any] = {
            "name": keywords.get("name") or node.name,
            "target": f"{self.module}:{node.name}",
            "description": keywords.get("description") or (doc.splitlines()[0] if doc else ""),
        }
        kind = _KINDS[decorator]
        if kind is Kind.TRANSFORM:
            return TransformSpec(
                **common, stage=keywords["stage"], author=keywords.get("author", "")
            )
        if kind is Kind.KERNEL:
            return KernelSpec(**common, infrastructure=bool(keywords.get("infrastructure")))
        if kind is Kind.BACKEND:
            return BackendSpec(**common, kernel=keywords["kernel"], language=keywords["language"])
        kernels = keywords["kernels"]
        if isinstance(kernels, str) or not isinstance(kernels, list | tuple):
            raise ValueError("kernels must be a list of kernel names")
        return HwTransformSpec(**common, kernels=tuple(kernels))


def _dotted(expr: ast.expr) -> str | None:
    parts = []
    while isinstance(expr, ast.Attribute):
        parts.append(expr.attr)
        expr = expr.value
    if not isinstance(expr, ast.Name):
        return None
    parts.append(expr.id)
    return ".".join(reversed(parts))


# -- activation --------------------------------------------------------------------------------


def activate_folder(record: PluginRecord) -> PluginRecord:
    """Import every module of a directory plugin (as its private package) and return the
    record with the components its decorated classes declare.

    :raises PluginError: a module failed to import, or declares a component twice; the
        message names the file and line.
    """
    from ._activation import _load
    from .decorators import SPEC_ATTRIBUTE, spec_of

    folder = Path(record.location)
    package = package_name(record.namespace, folder)
    _install_package(record, package, folder)
    specs: list[AnySpec] = []
    for path in _module_files(folder):
        name = f"{package}.{path.stem}"
        try:
            module = _load(
                record,
                name,
                what=f"module {path}",
                fix=f"fix {path}, or disable the plugin "
                f'([tool.brainsmith] disable = ["{record.namespace}"])',
            )
        except PluginError as error:
            raise _with_line(error, folder) from error.__cause__
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and value.__module__ == name
                and SPEC_ATTRIBUTE in vars(value)
            ):
                specs.append(spec_of(value))
    problems = _duplicates(specs, folder)
    if problems:
        raise PluginError("; ".join(problems), where=f"plugin {record.label}")
    return replace(record, components=tuple(specs))


def _install_package(record: PluginRecord, package: str, folder: Path) -> None:
    """Put the folder's private package into ``sys.modules`` (its ``__init__.py`` run, if any)."""
    existing = sys.modules.get(package)
    if existing is not None and list(getattr(existing, "__path__", [])) == [str(folder)]:
        return
    init = folder / "__init__.py"
    if init.is_file():
        spec = importlib.util.spec_from_file_location(
            package, init, submodule_search_locations=[str(folder)]
        )
    else:
        spec = importlib.machinery.ModuleSpec(package, None, is_package=True)
        spec.submodule_search_locations = [str(folder)]
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[package] = module
    if spec.loader is None:
        return
    from .._guard import INTERRUPTS, PLUGIN_FAILURES, plugin_output

    try:
        with plugin_output():  # what it prints goes to stderr, as for any plugin code
            spec.loader.exec_module(module)
    except INTERRUPTS:
        del sys.modules[package]
        raise
    except PLUGIN_FAILURES as exc:  # exit() included: the plugin's error
        del sys.modules[package]
        error = PluginError(
            f"running {init} raised {type(exc).__name__}: {exc}",
            where=f"plugin {record.label}",
            fix=f"fix {init}",
        )
        raise _with_line(error, folder, exc) from exc


def _with_line(error: PluginError, folder: Path, cause: BaseException | None = None) -> PluginError:
    """``error`` with the file and line of the innermost frame inside ``folder``."""
    cause = cause or error.__cause__
    if cause is None:
        return error
    frames = [
        f
        for f in traceback.extract_tb(cause.__traceback__)
        if Path(f.filename).parent == folder or str(f.filename).startswith(str(folder) + os.sep)
    ]
    if not frames or f"line {frames[-1].lineno}" in error.message:
        return error
    frame = frames[-1]
    return PluginError(
        f"{error.message} ({frame.filename}, line {frame.lineno})",
        where=error.where,
        fix=error.fix,
    )
