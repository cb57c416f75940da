"""``python -m brainsmith.cli``: the ``brainsmith`` command, without the working directory on
``sys.path``."""

import sys

from . import run_as_module

sys.exit(run_as_module())
