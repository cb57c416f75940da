"""Lazy re-exports: a package's public names, imported from their private modules on first use.

Used by the facade (``brainsmith/__init__.py``) and each wing's ``__init__`` so that importing a
package costs nothing until one of its names is asked for.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_attributes(package: str, names: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package``: ``names`` maps each public name to the module
    (relative to ``package``, e.g. ``".session"``) that defines it; a name mapped to a module
    path that ends with ``:`` is that module itself (``"examples": ".examples:"``).

    :raises AttributeError: for any other name, as a module would.
    """

    def __getattr__(name: str) -> Any:
        where = names.get(name)
        if where is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        if where.endswith(":"):
            return importlib.import_module(where[:-1], package)
        return getattr(importlib.import_module(where, package), name)

    return __getattr__
