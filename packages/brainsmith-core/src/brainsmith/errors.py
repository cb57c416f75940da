"""Errors the core raises: each says what is wrong, where, and how to fix it."""

from __future__ import annotations


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
