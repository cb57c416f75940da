"""Deprecated alias, kept so plugins written for brainsmith-core 0.1's flat layout still load:
use :mod:`brainsmith.plugins.decorators` (or the names :mod:`brainsmith` exports)."""

import warnings

from .plugins.decorators import *  # noqa: F403

warnings.warn(
    "brainsmith.decorators is deprecated: use brainsmith.plugins.decorators",
    DeprecationWarning,
    stacklevel=2,
)
