"""Deprecated alias, kept so plugins written for brainsmith-core 0.1's flat layout still load:
use :mod:`brainsmith.lifecycle.events` (or the names :mod:`brainsmith` exports)."""

import warnings

from .lifecycle.events import *  # noqa: F403

warnings.warn(
    "brainsmith.events is deprecated: use brainsmith.lifecycle.events",
    DeprecationWarning,
    stacklevel=2,
)
