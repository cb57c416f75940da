"""Deprecated alias, kept so plugins written for brainsmith-core 0.1's flat layout still load:
the hooks are now in :mod:`brainsmith.plugins.hookspecs`, :mod:`brainsmith.compile.hookspecs`
and :mod:`brainsmith.lifecycle.hookspecs`; import ``hookimpl`` from :mod:`brainsmith`."""

import warnings

from .compile.hookspecs import *  # noqa: F403
from .lifecycle.hookspecs import *  # noqa: F403
from .plugins.hookspecs import *  # noqa: F403

warnings.warn(
    "brainsmith.hookspecs is deprecated: import hookimpl from brainsmith; the hooks are in "
    "brainsmith.plugins.hookspecs, brainsmith.compile.hookspecs, brainsmith.lifecycle.hookspecs",
    DeprecationWarning,
    stacklevel=2,
)
