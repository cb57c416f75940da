"""Named blueprints that plugins ship: ``-b builtin:dataflow`` is the file ``dataflow.yaml`` in
the folder the manifest of the plugin with namespace ``builtin`` declares
(``blueprints = "blueprints"``, relative to the manifest), found without importing the plugin;
a plugin without a manifest returns its files from the ``brainsmith_blueprints`` hook (its code
imported when its own blueprints are asked for, never to list another plugin's).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._suggest import did_you_mean
from ..errors import BrainsmithError

if TYPE_CHECKING:
    from ..plugins import Session

_HOOK = "brainsmith_blueprints"

_REFERENCE = re.compile(r"^([A-Za-z_][\w.-]*):([^:/\\]+)$")
"""``namespace:name``; the name is any file name without ``.yaml`` (``2fast``, ``my flow``)."""


def blueprint_file(reference: str | os.PathLike[str], session: Session) -> Path:
    """The blueprint file ``reference`` names: a path, or ``namespace:name`` for a blueprint a
    plugin ships (a path that exists wins over the name).

    :raises BrainsmithError: the plugin is not installed or not usable, or ships no blueprint
        of that name (the message lists the ones it ships).
    """
    path = Path(reference)
    match = _REFERENCE.match(str(reference))
    if match is None or path.exists():
        return path
    namespace, name = match.groups()
    verdict = session.resolution.verdict(namespace)
    if verdict is None or not verdict.state.usable:
        state = f"is {verdict.state}" if verdict is not None else "is not installed"
        raise BrainsmithError(
            f"blueprint {str(reference)!r}: plugin {namespace!r} {state}",
            fix="give a blueprint file, or install the plugin ('brainsmith plugins list')",
        )
    mine = {n: p for (_, n), p in plugin_blueprints(session, namespace).items()}
    if name in mine:
        return mine[name]
    known = sorted(f"{namespace}:{n}" for n in mine)
    raise BrainsmithError(
        f"plugin {namespace!r} ships no blueprint named {name!r}"
        f"{did_you_mean(str(reference), known)}",
        fix=f"use one of: {', '.join(known)}" if known else "give a blueprint file with -b",
    )


def plugin_blueprints(
    session: Session, namespace: str | None = None
) -> dict[tuple[str, str], Path]:
    """``{(namespace, name): file}`` for every blueprint the usable plugins ship, or only
    ``namespace``'s. Manifest plugins are read without importing them; a plugin without a
    manifest is activated and asked (``brainsmith_blueprints``) only when ``namespace`` names it.

    :raises PluginError: the plugin's code fails to import.
    :raises HookError: its hook raises, or returns something other than blueprint files
        (naming the plugin and the hook; exit status 1).
    """
    from ..plugins.records import Form

    found: dict[tuple[str, str], Path] = {}
    for verdict in session.resolution.verdicts:
        record = verdict.record
        if not verdict.state.usable or record is None:
            continue
        if namespace is not None and record.namespace != namespace:
            continue
        if record.form is Form.MANIFEST or record.form is Form.DIRECTORY:
            if record.declaration.blueprints:
                folder = Path(record.location).parent / record.declaration.blueprints
                if folder.is_dir():
                    for file in sorted(folder.glob("*.yaml")):
                        found[(record.namespace, file.stem)] = file
        elif namespace is not None:
            for file in _hook_blueprints(session, namespace):
                found[(namespace, file.stem)] = file
    return found


def _hook_blueprints(session: Session, namespace: str) -> list[Path]:
    """The files ``namespace``'s ``brainsmith_blueprints`` hook returns."""
    from .._guard import INTERRUPTS, PLUGIN_FAILURES, describe_failure, plugin_output
    from ..lifecycle import HookError

    session.activate(namespace)
    hook = session.plugin_manager.hook.brainsmith_blueprints
    files: list[Path] = []
    label = session.describe(namespace)
    for impl in hook.get_hookimpls():
        if impl.plugin_name != namespace:
            continue
        try:
            with plugin_output():  # a generator runs its code while it is listed
                returned: Any = impl.function()
                if returned is None:  # pluggy's "no result"
                    returned = ()
                if isinstance(returned, str | os.PathLike) or not isinstance(returned, Iterable):
                    returned = [returned]
                items = list(returned)
        except INTERRUPTS:
            raise
        except PLUGIN_FAILURES as exc:
            module = getattr(impl.function, "__module__", "") or ""
            raise HookError(
                f"plugin {label}: hook brainsmith_blueprints raised "
                f"{describe_failure(exc, module)}",
                plugin=label,
                hook=_HOOK,
                fix="fix the hook, or give a blueprint file with -b",
            ) from exc
        for item in items:
            if not isinstance(item, str | os.PathLike):
                raise HookError(
                    f"plugin {label}: hook brainsmith_blueprints returned {item!r}, "
                    "not a blueprint file path",
                    plugin=label,
                    hook=_HOOK,
                    fix="return paths of .yaml files (see brainsmith.compile.hookspecs)",
                )
            path = Path(item)
            if path.suffix != ".yaml" or not path.is_file():
                raise HookError(
                    f"plugin {label}: hook brainsmith_blueprints returned {str(path)!r}, "
                    "which is not a .yaml file",
                    plugin=label,
                    hook=_HOOK,
                    fix="return paths of existing .yaml files",
                )
            files.append(path)
    return files
