"""Deprecated alias, kept so plugins written for brainsmith-core 0.1's flat layout still load:
use :mod:`brainsmith.lifecycle.conditions` (or the names :mod:`brainsmith` exports)."""

import warnings

from .lifecycle.conditions import *  # noqa: F403

warnings.warn(
    "brainsmith.conditions is deprecated: use brainsmith.lifecycle.conditions",
    DeprecationWarning,
    stacklevel=2,
)
