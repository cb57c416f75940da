"""PEP 508 requirement lines, read without ``packaging.requirements`` when they are simple.

``packaging.requirements`` imports the marker machinery (``packaging.markers``, its tokenizer's
regular expressions, ``platform``) and ``packaging.utils`` imports ``packaging.tags`` (with
``logging``, ``subprocess`` and ``sysconfig``): together most of a cold plugin listing's
imports beyond discovery. The lines a listing parses are nearly all of the form ``name``,
``name<specifiers>`` or ``name[extras]<specifiers>`` (a plugin's ``requires``, a
``Requires-Dist`` on the core), for which ``packaging.specifiers`` alone gives the same
answer. Anything else (a URL, a marker, parentheses, a line that does not parse) goes to
``packaging.requirements``, so every line means what ``Requirement(line)`` makes of it and is
rejected with its message.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from packaging.markers import Marker
    from packaging.specifiers import SpecifierSet

# the name as packaging's tokenizer reads it (IDENTIFIER, between word boundaries), extras
# (which nothing here uses), then a specifier list made only of characters its SPECIFIER_LIST
# token allows, without those that start a URL, a marker or a parenthesized list
_IDENTIFIER = r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?"
_SIMPLE = re.compile(
    rf"[ \t]*(?P<name>{_IDENTIFIER})[ \t]*"
    rf"(?:\[[ \t]*(?:{_IDENTIFIER}(?:[ \t]*,[ \t]*{_IDENTIFIER})*)?[ \t]*\][ \t]*)?"
    r"(?P<specifier>(?:[<>=!~][\t\x20-\x27\x2a-\x3a\x3c-\x3f\x41-\x5a\x5c\x5e-\x7e]*)?)"
)


class Requirement(NamedTuple):
    """What a requirement line names: the distribution (as written), the versions it accepts
    and its environment marker (``None`` for none)."""

    name: str
    specifier: SpecifierSet
    marker: Marker | None


def parse_requirement(line: str) -> Requirement:
    """``line`` read as :class:`packaging.requirements.Requirement` reads it.

    :raises packaging.requirements.InvalidRequirement: (a ``ValueError``) the line is not a
        PEP 508 requirement; the message is packaging's.
    """
    simple = _SIMPLE.fullmatch(line)
    specifier = simple["specifier"] if simple else ""
    parts = specifier.split(",") if specifier else []
    if simple is not None and all(part.strip() for part in parts):  # no empty specifier
        from packaging.specifiers import InvalidSpecifier, SpecifierSet

        try:
            return Requirement(simple["name"], SpecifierSet(specifier), None)
        except InvalidSpecifier:
            pass  # packaging.requirements says why, in its words
    from packaging.requirements import Requirement as Full

    full = Full(line)
    return Requirement(full.name, full.specifier, full.marker)


def canonical_name(name: str) -> str:
    """A distribution name normalized as PEP 503 (and ``packaging.utils.canonicalize_name``)
    does: lower case, each run of ``-``, ``_`` and ``.`` one ``-``."""
    return re.sub(r"[-_.]+", "-", name).lower()
