"""Where the C++ headers for cppsim come from: our stream shim and the ``ap_types`` folder.

``ap_int.h``/``ap_fixed.h`` are Xilinx's Apache-2.0 arbitrary-precision types. The ``hls4ml``
wheel ships them under ``hls4ml/templates/vivado/ap_types/``; this module finds that folder with
``importlib.util.find_spec`` on the top-level package, which locates it without executing
hls4ml (importing hls4ml would cost seconds). ``BRAINSMITH_AP_TYPES`` names another folder.

``hls::stream`` comes from our own shim in ``include/`` (not Xilinx's ``hls_stream.h``, which
the hls4ml folder also holds): the shim's folder is put first on the include path.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Mapping
from pathlib import Path

from brainsmith_builtin.backends.hls.errors import HeadersNotFoundError

AP_TYPES_ENV = "BRAINSMITH_AP_TYPES"
"""Environment variable naming a folder that holds ``ap_int.h`` (overrides hls4ml's copy)."""

INSTALL_HINT = (
    "install the simulation extra: pip install 'brainsmith-plugins-builtin[sim]' "
    f"(or pip install hls4ml), or set {AP_TYPES_ENV} to a folder holding ap_int.h"
)
_HLS4ML_SUBDIR = ("templates", "vivado", "ap_types")


def shim_include_dir() -> Path:
    """The folder holding brainsmith's ``hls_stream.h`` shim (shipped inside this package)."""
    return Path(__file__).resolve().parent / "include"


def ap_types_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The folder holding ``ap_int.h``: ``$BRAINSMITH_AP_TYPES``, else the hls4ml wheel's copy.

    Raises:
        HeadersNotFoundError: the variable names a folder without ``ap_int.h``, or it is unset
            and hls4ml is not installed; the message says what to install.
    """
    env = os.environ if environ is None else environ
    explicit = env.get(AP_TYPES_ENV)
    if explicit:
        folder = Path(explicit)
        if not (folder / "ap_int.h").is_file():
            raise HeadersNotFoundError(
                f"{folder} does not hold ap_int.h",
                where=f"environment variable {AP_TYPES_ENV}",
                fix=f"point {AP_TYPES_ENV} at the folder that holds ap_int.h, or unset it and "
                "pip install hls4ml",
            )
        return folder
    spec = importlib.util.find_spec("hls4ml")
    for location in (spec.submodule_search_locations or []) if spec else []:
        folder = Path(location).joinpath(*_HLS4ML_SUBDIR)
        if (folder / "ap_int.h").is_file():
            return folder
    raise HeadersNotFoundError(
        "the arbitrary-precision headers (ap_int.h) that cppsim compiles against were not found",
        where="cppsim",
        fix=INSTALL_HINT,
    )
