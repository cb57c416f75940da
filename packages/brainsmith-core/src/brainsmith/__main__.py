"""``python -m brainsmith``: the ``brainsmith`` command, without the working directory on
``sys.path`` (see :func:`brainsmith.cli.run_as_module`)."""

import sys

from .cli import run_as_module

sys.exit(run_as_module())
