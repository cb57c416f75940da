"""Errors of the HLS backends: each names the kernel (node), what is wrong and the fix."""

from __future__ import annotations

from brainsmith.errors import BrainsmithError, ToolchainError


class HLSParameterError(BrainsmithError, ValueError):
    """A kernel's parameters cannot be turned into HLS code.

    ``where`` names the node and the attribute (``node 'MVAU_0', attribute 'SIMD'``).
    """


class HeadersNotFoundError(ToolchainError):
    """The arbitrary-precision headers (``ap_int.h``) or the C++ compiler are missing (exit
    status 1; the fix says what to install)."""


class CppsimBuildError(BrainsmithError):
    """g++ rejected a generated kernel; ``where`` is the generated source's path."""


class CppsimRunError(BrainsmithError):
    """A compiled cppsim executable failed, or its inputs do not fit the kernel's streams."""
