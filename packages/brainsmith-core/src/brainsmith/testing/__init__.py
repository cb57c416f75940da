"""Test kit for plugin and kernel authors; imported only by tests.

Install ``brainsmith-core[testing]``: pytest then loads the fixtures of
:mod:`brainsmith.testing._pytest_plugin` (``brainsmith_cli``, ``fake_distributions``,
``plugin_wheel_venv``) in every test session. Importable names:

- :class:`FakeDistributions`: real ``.dist-info`` folders of fake plugins in a site folder.
- :func:`run_cli` / :func:`run_cli_subprocess` → :class:`CliResult` (``exit_code``, ``stdout``,
  ``stderr``): the ``brainsmith`` command in-process or as a process.
- :func:`make_plugin_venv` → :class:`PluginVenv`: a plugin project's wheel in a fresh venv.
- :func:`assert_preserves_outputs`: a transform keeps a model's outputs on given inputs.
- :func:`assert_lists_without_importing`: ``brainsmith plugins list`` shows a plugin without
  importing its code.
- :func:`check_kernel`, :class:`ConformanceError` (from :mod:`brainsmith.testing.conformance`):
  the kernel conformance suite, python == cppsim == rtlsim over datatypes and foldings.

Names are imported on first use, so ``import brainsmith.testing`` imports neither pytest nor
numpy nor qonnx.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_attributes

if TYPE_CHECKING:
    from ._assertions import assert_lists_without_importing, assert_preserves_outputs
    from ._cli import CliResult, run_cli, run_cli_subprocess
    from ._fake_distributions import FakeDistributions
    from ._wheel_venv import PluginVenv, make_plugin_venv
    from .conformance import ConformanceError, check_kernel

_NAMES = {
    "assert_lists_without_importing": "._assertions",
    "assert_preserves_outputs": "._assertions",
    "CliResult": "._cli",
    "run_cli": "._cli",
    "run_cli_subprocess": "._cli",
    "FakeDistributions": "._fake_distributions",
    "PluginVenv": "._wheel_venv",
    "make_plugin_venv": "._wheel_venv",
    "ConformanceError": ".conformance",
    "check_kernel": ".conformance",
}

__all__ = [
    "CliResult",
    "ConformanceError",
    "FakeDistributions",
    "PluginVenv",
    "assert_lists_without_importing",
    "assert_preserves_outputs",
    "check_kernel",
    "make_plugin_venv",
    "run_cli",
    "run_cli_subprocess",
]
__getattr__ = lazy_attributes(__name__, _NAMES)
