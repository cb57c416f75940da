"""Objects with ``@hookimpl`` methods that a caller of :func:`brainsmith.compile_model` adds for
one compile (``plugins=[Tracer()]``): checked, registered, and unregistered afterwards."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from .._markers import is_hookimpl
from .._suggest import did_you_mean
from ..errors import BrainsmithError

if TYPE_CHECKING:
    import pluggy


@contextmanager
def registered(manager: pluggy.PluginManager, objects: Sequence[object]) -> Iterator[None]:
    """Register ``objects`` with ``manager`` for the duration of the block.

    :raises BrainsmithError: ``objects`` is not a sequence of objects, an object implements no
        hook, names a hook that does not exist (with did-you-mean) or takes an argument its hook
        does not have; nothing stays registered then.
    """
    import pluggy

    if isinstance(objects, str | bytes) or not isinstance(objects, Sequence):
        raise BrainsmithError(
            "plugins must be a list of objects with @hookimpl methods, got "
            f"{type(objects).__name__}",
            fix="pass plugins=[MyHooks()]",
        )
    names: list[str] = []
    try:
        for index, obj in enumerate(objects):
            label = f"plugins[{index}] ({type(obj).__name__})"
            implemented = [
                n for n in dir(obj) if not n.startswith("_") and is_hookimpl(manager, obj, n)
            ]
            if not implemented:
                raise BrainsmithError(
                    f"{label} implements no hook",
                    fix="mark its methods with @brainsmith.hookimpl, named after a hook "
                    "('brainsmith hooks list')",
                )
            known = [n for n in dir(manager.hook) if not n.startswith("_")]
            for hook in implemented:
                if hook not in known:
                    raise BrainsmithError(
                        f"{label}: there is no hook named {hook!r}{did_you_mean(hook, known)}",
                        fix="rename the method after a hook ('brainsmith hooks list')",
                    )
            name = f"compile-hooks-{index}-{id(obj)}"
            try:
                manager.register(obj, name=name)
            except (pluggy.PluginValidationError, ValueError) as exc:
                raise BrainsmithError(f"{label}: {exc}", fix="match the hook's arguments") from None
            names.append(name)
        yield
    finally:
        for name in names:
            manager.unregister(name=name)
