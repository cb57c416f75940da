"""Project settings (``[tool.brainsmith]``) and the environment switches.

Settings come from the nearest ``brainsmith.toml`` (top-level keys) or ``pyproject.toml`` with a
``[tool.brainsmith]`` table, walking up from the working directory::

    [tool.brainsmith]
    plugins = ["brainsmith-plugin-x>=1.2,<2"]   # pins: PEP 508 requirement strings
    only-pinned = false                         # load nothing unpinned
    disable = ["legacy-x"]                      # namespaces not to load
    priority = ["x", "builtin", "qonnx", "finn"]   # short-name resolution order
    strict = false                              # any problem makes commands fail

Environment switches: ``BRAINSMITH_DISABLE_PLUGIN_AUTOLOAD=1`` loads no plugin unless the
allowlist ``BRAINSMITH_PLUGINS=ns1,ns2`` names it; ``BRAINSMITH_PLUGINS`` alone loads only the
namespaces it names (set but empty: none).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError

DEFAULT_PRIORITY: tuple[str, ...] = ("builtin", "qonnx", "finn")
"""Namespaces tried in order when a component is asked for by its short name."""

AUTOLOAD_ENV = "BRAINSMITH_DISABLE_PLUGIN_AUTOLOAD"
ALLOWLIST_ENV = "BRAINSMITH_PLUGINS"

_KEYS = {"plugins", "only-pinned", "disable", "priority", "strict"}
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything that decides which plugins load, from the project file and environment."""

    source: str = ""
    """The file the project settings came from ("" when none was found)."""
    pins: tuple[str, ...] = ()
    only_pinned: bool = False
    disable: tuple[str, ...] = ()
    priority: tuple[str, ...] = DEFAULT_PRIORITY
    strict: bool = False
    autoload: bool = True
    allowlist: tuple[str, ...] | None = None
    """Namespaces named by ``BRAINSMITH_PLUGINS``; ``None`` when the variable is unset."""


def load_settings(cwd: Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Read the project settings found from ``cwd`` upwards and the environment switches."""
    import os

    env = os.environ if environ is None else environ
    found = find_project_file(Path.cwd() if cwd is None else cwd)
    table: Mapping[str, Any] = {}
    source = ""
    if found is not None:
        source, table = str(found[0]), found[1]
    settings = _from_table(table, source)
    autoload_off = _env_flag(env, AUTOLOAD_ENV)
    allow_text = env.get(ALLOWLIST_ENV)
    allowlist = None
    if allow_text is not None:
        allowlist = tuple(n.strip() for n in allow_text.split(",") if n.strip())
    return Settings(
        source=settings.source,
        pins=settings.pins,
        only_pinned=settings.only_pinned,
        disable=settings.disable,
        priority=settings.priority,
        strict=settings.strict,
        autoload=not autoload_off,
        allowlist=allowlist if allowlist is not None else (() if autoload_off else None),
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
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read project settings: {exc}", where=str(path)) from None


def _from_table(table: Mapping[str, Any], source: str) -> Settings:
    section = f"{source} [tool.brainsmith]" if source.endswith("pyproject.toml") else source
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise ConfigError(
            f"unknown setting(s) {', '.join(map(repr, unknown))}",
            where=section,
            fix=f"the settings are: {', '.join(sorted(_KEYS))}",
        )
    pins = _strings(table, "plugins", section)
    for pin in pins:
        _check_requirement(pin, f"{section}: plugins")
    return Settings(
        source=source,
        pins=pins,
        only_pinned=_bool(table, "only-pinned", section),
        disable=_strings(table, "disable", section),
        priority=_strings(table, "priority", section) if "priority" in table else DEFAULT_PRIORITY,
        strict=_bool(table, "strict", section),
    )


def _strings(table: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{key} must be a list of strings", where=where)
    return tuple(value)


def _bool(table: Mapping[str, Any], key: str, where: str) -> bool:
    value = table.get(key, False)
    if not isinstance(value, bool):
        raise ConfigError(f"{key} must be true or false, not {value!r}", where=where)
    return value


def _env_flag(env: Mapping[str, str], name: str) -> bool:
    text = env.get(name, "").strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ConfigError(
        f"environment variable {name}={env[name]!r} is neither true nor false", fix=f"set {name}=1"
    )


def _check_requirement(text: str, where: str) -> None:
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        Requirement(text)
    except InvalidRequirement as exc:
        raise ConfigError(
            f"{text!r} is not a PEP 508 requirement ({exc})",
            where=where,
            fix='write e.g. "brainsmith-plugin-x>=1.2,<2"',
        ) from None
