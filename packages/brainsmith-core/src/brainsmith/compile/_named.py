"""Named blueprints that plugins ship: ``-b builtin:dataflow`` is the file ``dataflow.yaml`` in
the folder the manifest of the plugin with namespace ``builtin`` declares
(``blueprints = "blueprints"``, relative to the manifest).

Found from the manifest's location, without importing the plugin.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from .._suggest import did_you_mean
from ..errors import BrainsmithError

if TYPE_CHECKING:
    from ..plugins import Session

_REFERENCE = re.compile(r"^([A-Za-z_][\w.-]*):([A-Za-z_][\w.-]*)$")


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
    shipped = plugin_blueprints(session)
    mine = {n: p for (ns, n), p in shipped.items() if ns == namespace}
    if name in mine:
        return mine[name]
    verdict = session.resolution.verdict(namespace)
    if verdict is None or not verdict.state.usable:
        state = f"is {verdict.state}" if verdict is not None else "is not installed"
        raise BrainsmithError(
            f"blueprint {str(reference)!r}: plugin {namespace!r} {state}",
            fix="give a blueprint file, or install the plugin ('brainsmith plugins list')",
        )
    known = sorted(f"{ns}:{n}" for ns, n in shipped)
    raise BrainsmithError(
        f"plugin {namespace!r} ships no blueprint named {name!r}"
        f"{did_you_mean(str(reference), known)}",
        fix=f"use one of: {', '.join(known)}" if known else "give a blueprint file with -b",
    )


def plugin_blueprints(session: Session) -> dict[tuple[str, str], Path]:
    """``{(namespace, name): file}`` for every blueprint the usable manifest plugins ship."""
    found: dict[tuple[str, str], Path] = {}
    for verdict in session.resolution.verdicts:
        record = verdict.record
        if not verdict.state.usable or record is None or not record.declaration.blueprints:
            continue
        folder = Path(record.location).parent / record.declaration.blueprints
        if folder.is_dir():
            for file in sorted(folder.glob("*.yaml")):
                found[(record.namespace, file.stem)] = file
    return found
