"""The error a hardware kernel raises for a node it cannot work with."""

from __future__ import annotations

from brainsmith.errors import BrainsmithError


class KernelNodeError(BrainsmithError, ValueError):
    """A kernel node is misconfigured: a missing or invalid attribute, an illegal folding, an
    input of the wrong shape or datatype.

    ``where`` names the node (``"MVAU node 'fc0'"``), the message names the attribute and what is
    wrong with it, and ``fix`` says what to set instead. It is a ``ValueError`` too, so callers
    that guard against bad values catch it without knowing brainsmith.
    """
