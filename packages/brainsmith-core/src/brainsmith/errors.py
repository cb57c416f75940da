"""Errors the core raises: each says what is wrong, where, and how to fix it.

Every error class has an entry in the error catalogue (a stable code such as ``BS101``, its
cause and its fix): :attr:`BrainsmithError.code`, :func:`explain`, ``brainsmith explain CODE``
and the documentation's troubleshooting page all read that one table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._catalogue import ErrorEntry


class BrainsmithError(Exception):
    """Base of every error brainsmith reports to a user. The CLI prints it without a traceback.

    ``where`` names the place (a file and field, a plugin and its distribution, a stage and a
    transform); ``fix`` tells the user what to do about it.
    """

    exit_code = 2

    def __init__(self, message: str, *, where: str = "", fix: str = "") -> None:
        self.message = message
        self.where = where
        self.fix = fix
        super().__init__(str(self))

    def __str__(self) -> str:
        text = f"{self.where}: {self.message}" if self.where else self.message
        return f"{text}\n  fix: {self.fix}" if self.fix else text

    @property
    def code(self) -> str:
        """The catalogue code of this error's class (``"BS101"``), or of its nearest
        catalogued base class; ``brainsmith explain CODE`` prints its cause and fix."""
        from ._catalogue import entry_for

        entry = entry_for(type(self))
        return entry.code if entry is not None else "BS100"


class ToolchainError(BrainsmithError):
    """An external tool a command needs (a C++ compiler, headers, a Verilog simulator) is not
    installed; ``fix`` says exactly what to install. Exit status 1: the input was fine, the
    machine lacks something."""

    exit_code = 1


class ConfigError(BrainsmithError):
    """The project's ``[tool.brainsmith]`` settings or an environment switch are invalid."""


class ManifestError(BrainsmithError):
    """A plugin's manifest file is malformed."""


class PluginError(BrainsmithError):
    """A plugin could not be activated or does not fit this environment."""


class UnknownComponentError(BrainsmithError, LookupError):
    """A component name matched nothing, or matched several (with suggestions)."""

    missing: bool = False
    """Nothing of that kind has the name (not ambiguous, not from an unusable plugin)."""


def explain(code_or_error: str | type[BaseException]) -> ErrorEntry:
    """The catalogue entry (code, error class path, title, cause, fix, exit status) of a code
    (``"BS101"``, case-insensitive) or of an error class.

    :raises UnknownComponentError: when the code is not in the catalogue (the message lists
        the codes).
    """
    from ._catalogue import CATALOGUE, entry_by_code, entry_for

    if isinstance(code_or_error, str):
        entry = entry_by_code(code_or_error)
    else:
        entry = entry_for(code_or_error)
    if entry is None:
        codes = ", ".join(e.code for e in CATALOGUE)
        raise UnknownComponentError(
            f"no error code {code_or_error!r} in the catalogue",
            fix=f"use one of {codes} (brainsmith explain lists them)",
        )
    return entry


def catalogue() -> tuple[ErrorEntry, ...]:
    """Every catalogue entry, in code order."""
    from ._catalogue import CATALOGUE

    return CATALOGUE
