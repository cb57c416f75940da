"""The one loader of ``package.module:attribute`` targets (components, entry points, providers).

Callers wrap its two failures in their own errors, which name the plugin and the fix.
"""

from __future__ import annotations

import importlib
from typing import Any


class MissingAttribute(LookupError):
    """The module imported, but has no such (dotted) attribute."""

    def __init__(self, module: str, attribute: str) -> None:
        self.module = module
        self.attribute = attribute
        super().__init__(f"module {module!r} has no attribute {attribute!r}")


def load_target(target: str) -> Any:
    """The object ``target`` (``"package.module:attr.sub"``, or ``"package.module"``) names.

    :raises ModuleNotFoundError: or any exception the module raises while it is imported
        (it is plugin code: SyntaxError, ImportError, …), unchanged.
    :raises MissingAttribute: the module has no such attribute.
    """
    module_name, _, attribute = (part.strip() for part in target.partition(":"))
    value: Any = importlib.import_module(module_name)
    if attribute:
        try:
            for part in attribute.split("."):
                value = getattr(value, part)
        except AttributeError:
            raise MissingAttribute(module_name, attribute) from None
    return value
