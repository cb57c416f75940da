"""Version facts of the running core, importable at no cost."""

__version__ = "0.1.0"

PLUGIN_API = "1.0"
"""The plugin-API version. It changes only when a hook (:mod:`brainsmith.plugins.hookspecs`,
:mod:`brainsmith.compile.hookspecs`, :mod:`brainsmith.lifecycle.hookspecs`) changes
incompatibly; manifests declare the range they were written against (``api = ">=1,<2"``)."""

CORE_DISTRIBUTION = "brainsmith-core"
"""The core's distribution name, as plugins name it in Requires-Dist."""
