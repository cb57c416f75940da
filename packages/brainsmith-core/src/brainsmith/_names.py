"""What a component name and a ``package.module:attribute`` target may look like: checked the
same way for plugin components and lifecycle providers."""

from __future__ import annotations

import re

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")
_TARGET = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$")


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
