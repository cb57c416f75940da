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
namespaces it names (set but empty: none).

A :class:`Settings` is a plain value: :meth:`Settings.digest` identifies everything in it that
resolution depends on (a cache keys on it), :meth:`Settings.to_json` / :meth:`Settings.from_json`
round-trip it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from ..errors import ConfigError

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
    spelling there, ``None`` for what the file does not set.
    """

    source: str = field(default="", metadata={"key": None})
    """The file the project settings came from ("" when none was found)."""
    pins: tuple[str, ...] = field(
        default=(),
        metadata={
            "key": "plugins",
            "doc": 'pins, PEP 508 requirements: write e.g. "brainsmith-plugin-x>=1.2,<2"',
            "check": _requirements,
        },
    )
    only_pinned: bool = field(
        default=False, metadata={"key": "only-pinned", "doc": "true loads nothing unpinned"}
    )
    disable: tuple[str, ...] = field(default=(), metadata={"doc": "namespaces not to load"})
    priority: tuple[str, ...] = field(
        default=DEFAULT_PRIORITY, metadata={"doc": "namespaces tried in order for a short name"}
    )
    strict: bool = field(default=False, metadata={"doc": "true: any problem fails commands"})
    plugin_dirs: tuple[str, ...] = field(
        default=(),
        metadata={
            "key": "plugin-dirs",
            "doc": 'folders of plugin modules, relative to this file: e.g. ["brainsmith_plugins"]',
        },
    )
    """Folders of directory plugins as written (relative to :attr:`source`'s folder)."""
    user_plugins: bool = field(
        default=False,
        metadata={"key": "user-plugins", "doc": "true loads the user's plugin folder too"},
    )
    autoload: bool = field(default=True, metadata={"key": None})
    allowlist: tuple[str, ...] | None = field(default=None, metadata={"key": None})
    """Namespaces named by ``BRAINSMITH_PLUGINS``; ``None`` when the variable is unset."""

    @property
    def priority_given(self) -> bool:
        """Whether ``priority`` differs from :data:`DEFAULT_PRIORITY` (the user set it)."""
        return self.priority != DEFAULT_PRIORITY

    def plugin_folders(self) -> tuple[Path, ...]:
        """:attr:`plugin_dirs` as absolute paths, relative to the settings file's folder."""
        base = Path(self.source).parent if self.source else Path.cwd()
        return tuple((base / entry).resolve() for entry in self.plugin_dirs)

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
        settings = validate(Settings, found[1], where=section, error=ConfigError, noun="setting")
        settings = replace(settings, source=source)
    autoload_off = _env_flag(env, AUTOLOAD_ENV)
    allow_text = env.get(ALLOWLIST_ENV)
    allowlist = None
    if allow_text is not None:
        allowlist = tuple(n.strip() for n in allow_text.split(",") if n.strip())
    return replace(
        settings,
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


def _env_flag(env: Mapping[str, str], name: str) -> bool:
    text = env.get(name, "").strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ConfigError(
        f"environment variable {name}={env[name]!r} is neither true nor false", fix=f"set {name}=1"
    )
