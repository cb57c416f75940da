"""What a plugin namespace, a component name and a ``package.module:attribute`` target may look
like: checked the same way for plugin components and lifecycle providers."""

from __future__ import annotations

import re

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")
_TARGET = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$")
_NAMESPACE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9_-]*[A-Za-z0-9])?$")

NAMESPACE_RULE = (
    "a namespace is letters, digits, '-' and '_', starting and ending with a letter or digit "
    "(it is written before ':' in component names and as a name in requirements)"
)
RESERVED_NAMESPACES = ("project", "user")
"""The directory plugins' namespaces (``project``, ``project-<folder>``, ``user``): no installed
plugin may claim one."""


def namespace_problem(name: str) -> str:
    """Why ``name`` cannot be a plugin's namespace (the rule it breaks), or ``""`` if it can."""
    if not _NAMESPACE.match(name):
        return f"namespace {name!r} is not a valid namespace: {NAMESPACE_RULE}"
    if name in RESERVED_NAMESPACES or name.startswith("project-"):
        return (
            f"namespace {name!r} is reserved for directory plugins "
            "('project', 'project-<folder>', 'user')"
        )
    return ""


def namespace_error(name: str, what: str, distribution: str) -> tuple[str, str] | None:
    """``(reason, fix)`` when the plugin ``what`` (``"entry point a:b = 'pkg:hooks'"``) of
    ``distribution`` may not have the namespace ``name``; ``None`` when it may."""
    problem = namespace_problem(name)
    if not problem:
        return None
    like = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-_") or "my-plugin"
    like = f"{like}-plugin" if namespace_problem(like) else like
    return (
        f"{what}: {problem}",
        f"report it to the maintainers of {distribution}: rename the entry point in "
        f'[project.entry-points."brainsmith.plugins"] (e.g. {like!r}); meanwhile '
        f"pip uninstall {distribution}",
    )


def check_name(name: object, what: str = "name") -> str:
    """Return ``name`` if it is a valid component name, else raise ``ValueError``."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(
            f"{what} {name!r} is not a valid name: use letters, digits, '_', '.', '-' "
            "and start with a letter or '_'"
        )
    return name


def check_target(target: object) -> str:
    """Return ``target`` if it has the ``module:attr`` form, else raise ``ValueError``."""
    if not isinstance(target, str) or not _TARGET.match(target):
        raise ValueError(
            f"target {target!r} must have the form 'package.module:attribute', "
            "e.g. 'brainsmith_plugin_x.transforms:FuseScales'"
        )
    return target
