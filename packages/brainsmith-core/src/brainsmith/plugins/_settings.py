"""Project settings (``[tool.brainsmith]``) and the environment switches.

Settings come from the nearest ``brainsmith.toml`` (top-level keys) or ``pyproject.toml`` with a
``[tool.brainsmith]`` table, walking up from the working directory::

    [tool.brainsmith]
    plugins = ["brainsmith-plugin-x>=1.2,<2"]   # pins: PEP 508 requirement strings
    only-pinned = false                         # load nothing unpinned
    disable = ["legacy-x"]                      # namespaces not to load
    priority = ["x", "builtin", "qonnx", "finn"]   # short-name resolution order
    strict = false                              # any problem makes every command fail
    plugin-dirs = ["brainsmith_plugins"]        # folders of plain modules: directory plugins
    user-plugins = false                        # true: the user's plugin folder too

Environment switches: ``BRAINSMITH_DISABLE_PLUGIN_AUTOLOAD=1`` loads no plugin unless the
allowlist ``BRAINSMITH_PLUGINS=ns1,ns2`` names it; ``BRAINSMITH_PLUGINS`` alone loads only the
namespaces it names. Set but naming nothing (empty, spaces, commas) it is treated as unset, with
a warning (:attr:`Settings.allowlist_ignored`): an allowlist selecting nothing is a mistake far
more often than a choice, and the switch for that choice is ``..._AUTOLOAD=1``.

A :class:`Settings` is a plain value: :meth:`Settings.digest` identifies everything in it that
resolution depends on (a cache keys on it), :meth:`Settings.to_json` / :meth:`Settings.from_json`
round-trip it.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError

if TYPE_CHECKING:
    from .verdicts import Problem

DEFAULT_PRIORITY: tuple[str, ...] = ("builtin", "qonnx", "finn")
"""Namespaces tried in order when a component is asked for by its short name."""

AUTOLOAD_ENV = "BRAINSMITH_DISABLE_PLUGIN_AUTOLOAD"
ALLOWLIST_ENV = "BRAINSMITH_PLUGINS"

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


def _requirements(pins: tuple[str, ...]) -> tuple[str, ...]:
    from packaging.requirements import InvalidRequirement, Requirement

    for pin in pins:
        try:
            Requirement(pin)
        except InvalidRequirement as exc:
            raise ValueError(f"{pin!r} is not a PEP 508 requirement ({exc})") from None
    return pins


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything that decides which plugins load, from the project file and environment.

    The schema of ``[tool.brainsmith]`` (:mod:`brainsmith._schema`): a field's ``key`` is its
    spelling there, ``None`` for what the file does not set; its ``example`` is a correct
    line, shown in the fix of an error about it (with the file's line number).
    """

    source: str = field(default="", metadata={"key": None})
    """The file the project settings came from ("" when none was found)."""
    pins: tuple[str, ...] = field(
        default=(),
        metadata={
            "key": "plugins",
            "doc": "pins: PEP 508 requirements on plugin distributions",
            "example": 'plugins = ["brainsmith-plugin-x>=1.2,<2"]',
            "check": _requirements,
        },
    )
    only_pinned: bool = field(
        default=False,
        metadata={
            "key": "only-pinned",
            "doc": "true loads nothing unpinned",
            "example": "only-pinned = true",
        },
    )
    disable: tuple[str, ...] = field(
        default=(), metadata={"doc": "namespaces not to load", "example": 'disable = ["legacy-x"]'}
    )
    priority: tuple[str, ...] = field(
        default=DEFAULT_PRIORITY,
        metadata={
            "doc": "namespaces tried in order for a short name",
            "example": 'priority = ["x", "builtin", "qonnx", "finn"]',
        },
    )
    strict: bool = field(
        default=False,
        metadata={"doc": "true: any problem fails commands", "example": "strict = true"},
    )
    plugin_dirs: tuple[str, ...] = field(
        default=(),
        metadata={
            "key": "plugin-dirs",
            "doc": "folders of plugin modules, relative to this file",
            "example": 'plugin-dirs = ["brainsmith_plugins"]',
        },
    )
    """Folders of directory plugins as written (relative to :attr:`source`'s folder)."""
    user_plugins: bool = field(
        default=False,
        metadata={
            "key": "user-plugins",
            "doc": "true loads the user's plugin folder too",
            "example": "user-plugins = true",
        },
    )
    autoload: bool = field(default=True, metadata={"key": None})
    allowlist: tuple[str, ...] | None = field(default=None, metadata={"key": None})
    """Namespaces named by ``BRAINSMITH_PLUGINS``; ``None`` when the variable is unset."""
    allowlist_ignored: bool = field(default=False, metadata={"key": None})
    """``BRAINSMITH_PLUGINS`` was set but named nothing, with autoloading on: it is ignored
    (:attr:`allowlist` is ``None``) and resolution warns."""

    @property
    def priority_given(self) -> bool:
        """Whether ``priority`` differs from :data:`DEFAULT_PRIORITY` (the user set it)."""
        return self.priority != DEFAULT_PRIORITY

    def plugin_folders(self) -> tuple[Path, ...]:
        """:attr:`plugin_dirs` as absolute paths, relative to the settings file's folder."""
        base = Path(self.source).parent if self.source else Path.cwd()
        return tuple((base / entry).resolve() for entry in self.plugin_dirs)

    def switch_problems(self) -> tuple[Problem, ...]:
        """Warnings about the switches themselves: an allowlist set but naming nothing."""
        from .verdicts import Problem

        if not self.allowlist_ignored:
            return ()
        reason = (
            f"{ALLOWLIST_ENV} is set but names no plugin; it is ignored, as if unset "
            "(every installed plugin loads)"
        )
        fix = (
            f"unset {ALLOWLIST_ENV} or name plugins ({ALLOWLIST_ENV}=ns1,ns2); to load no "
            f"plugin on purpose, set {AUTOLOAD_ENV}=1"
        )
        return (Problem("warning", "environment", "", "", reason, fix, "setting"),)

    def to_json(self) -> dict[str, Any]:
        """Every field, JSON-ready (tuples as lists)."""
        return {
            f.name: list(v) if isinstance(v := getattr(self, f.name), tuple) else v
            for f in fields(self)
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Settings:
        """The settings :meth:`to_json` returned; raises ``TypeError``/``KeyError`` when
        ``data`` has another shape."""
        values = {f.name: data[f.name] for f in fields(cls)}
        for name, value in values.items():
            if isinstance(value, list):
                values[name] = tuple(value)
        return cls(**values)

    def digest(self) -> str:
        """A sha256 hex digest of every field: equal digests, equal settings."""
        import hashlib  # only a digest pays for it: a cached start-up never asks

        text = json.dumps(self.to_json(), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()


def load_settings(cwd: Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Read the project settings found from ``cwd`` upwards and the environment switches."""
    import os

    env = os.environ if environ is None else environ
    found = find_project_file(Path.cwd() if cwd is None else cwd)
    settings = Settings()
    if found is not None:
        from .._schema import validate

        source = str(found[0])
        section = f"{source} [tool.brainsmith]" if source.endswith("pyproject.toml") else source
        try:
            settings = validate(
                Settings, found[1], where=section, error=ConfigError, noun="setting"
            )
        except ConfigError as error:
            raise _located(error, found[0], section, found[1]) from None
        settings = replace(settings, source=source)
    autoload_off = _env_flag(env, AUTOLOAD_ENV)
    allow_text = env.get(ALLOWLIST_ENV)
    allowlist = None
    if allow_text is not None:
        allowlist = tuple(n.strip() for n in allow_text.split(",") if n.strip())
    ignored = allowlist == () and not autoload_off  # set, but naming nothing: as if unset
    return replace(
        settings,
        autoload=not autoload_off,
        allowlist=None if ignored else allowlist or (() if autoload_off else None),
        allowlist_ignored=ignored,
    )


def find_project_file(start: Path) -> tuple[Path, Mapping[str, Any]] | None:
    """The nearest ``brainsmith.toml``, or ``pyproject.toml`` with ``[tool.brainsmith]``, at or
    above ``start``, with its brainsmith table."""
    for folder in (start.resolve(), *start.resolve().parents):
        own = folder / "brainsmith.toml"
        if own.is_file():
            return own, _read_toml(own)
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            tool = _read_toml(pyproject).get("tool", {})
            if isinstance(tool, dict) and "brainsmith" in tool:
                table = tool["brainsmith"]
                if not isinstance(table, dict):
                    raise ConfigError("[tool.brainsmith] must be a table", where=str(pyproject))
                return pyproject, table
    return None


def _read_toml(path: Path) -> dict[str, Any]:
    import tomllib

    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError) as exc:
        raise ConfigError(f"cannot read project settings: {exc}", where=str(path)) from None


def _located(error: ConfigError, file: Path, section: str, table: Mapping[str, Any]) -> ConfigError:
    """``error`` about one setting, with the line of its key in ``file`` and a fix showing the
    setting's correct form (the value given, when it converts: ``disable = "x"`` →
    ``disable = ["x"]``, ``strict = "yes"`` → ``strict = true``; else an example)."""
    path = error.where.removeprefix(f"{section}: ")
    key = re.split(r"[.\[]", path, maxsplit=1)[0]
    spec = next((f for f in fields(Settings) if f.metadata.get("key", f.name) == key), None)
    if path == error.where or spec is None or "example" not in spec.metadata:
        return error
    line = _line_of(file, key, section != str(file))
    where = f"{file}:{line}" if line else str(file)
    where += f" [tool.brainsmith]: {path}" if section != str(file) else f": {path}"
    form = _corrected(key, table.get(key), spec.default) or spec.metadata["example"]
    return ConfigError(error.message, where=where, fix=f"write {form} ({spec.metadata['doc']})")


def _corrected(key: str, value: object, default: object) -> str:
    """``key = value`` in the setting's type, when ``value`` plainly means one; else ``""``."""
    if isinstance(default, bool):
        text = str(value).strip().lower()
        if text in _TRUE | _FALSE and text:
            return f"{key} = {'true' if text in _TRUE else 'false'}"
        return ""
    listed = isinstance(default, tuple) and isinstance(value, str) and value.strip()
    if listed and (key != "plugins" or _is_requirement(str(value))):
        return f"{key} = [{json.dumps(value)}]"
    return ""


def _is_requirement(text: str) -> bool:
    try:
        _requirements((text,))
    except ValueError:
        return False
    return True


def _line_of(file: Path, key: str, in_tool_table: bool) -> int:
    """The 1-based line setting ``key`` in ``file`` (in ``[tool.brainsmith]``, or at the top
    level), or 0 if it is not written as a plain ``key = ...`` line."""
    wanted, table = ("tool.brainsmith" if in_tool_table else ""), ""
    name = re.escape(key)
    pattern = re.compile(rf"""\s*(?:{name}|"{name}"|'{name}')\s*=""")
    with contextlib.suppress(OSError, UnicodeDecodeError):
        for number, text in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
            header = re.match(r"\s*\[+([^\]]*)\]", text)
            if header:
                table = re.sub(r"[\s\"']", "", header.group(1))
            elif table == wanted and pattern.match(text):
                return number
    return 0


def _env_flag(env: Mapping[str, str], name: str) -> bool:
    text = env.get(name, "").strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ConfigError(
        f"environment variable {name}={env[name]!r} is neither true nor false", fix=f"set {name}=1"
    )
