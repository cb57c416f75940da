"""The built-in brainsmith plugins. The core finds them through entry points only."""

__version__ = "0.1.0"
