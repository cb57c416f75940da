"""Deprecated alias, kept so plugins written for brainsmith-core 0.1's flat layout still load:
use :mod:`brainsmith.plugins.records` (or the names :mod:`brainsmith` exports)."""

import warnings

from .plugins.records import *  # noqa: F403

warnings.warn(
    "brainsmith.records is deprecated: use brainsmith.plugins.records",
    DeprecationWarning,
    stacklevel=2,
)
