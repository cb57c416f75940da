"""``SpecializeBackends``: turn every kernel node into its first preferred feasible backend."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

from brainsmith import hw_transform
from brainsmith.hardware import DOMAIN_PREFIX, kernel_name, record_backend
from onnx import NodeProto
from qonnx.custom_op.registry import getCustomOp, is_custom_op
from qonnx.transformation.base import Transformation

from brainsmith_builtin.kernels.registration import install_builtin_kernels

LANGUAGES = ("hls", "rtl")
"""Backend languages, as in ``<Kernel>_<language>``."""

DEFAULT_ORDER = ("hls", "rtl")
"""Preference of a kernel the ``preferences`` option does not name: HLS first (every builtin
compute kernel has one), then RTL."""

DEFAULT_PREFERENCES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "MVAU": ("hls", "rtl"),
        "Thresholding": ("hls", "rtl"),
        "ConvolutionInputGenerator": ("hls", "rtl"),
        "StreamingMaxPool": ("hls", "rtl"),
        "AddStreams": ("hls", "rtl"),
        "LayerNorm": ("hls", "rtl"),
        "StreamingFIFO": ("rtl", "hls"),
        "StreamingDataWidthConverter": ("rtl", "hls"),
    }
)
"""The default order per builtin kernel: HLS first where both exist (it covers every datatype),
RTL first for the infrastructure kernels (only RTL exists)."""


@hw_transform(kernels=[])
class SpecializeBackends(Transformation):  # type: ignore[misc]
    """Give every brainsmith kernel node (``op_type = <Kernel>``) a backend: the node's op_type
    becomes ``<Kernel>_<language>`` (same domain, every attribute kept) for the first language
    in the kernel's preference list whose backend exists for that domain and whose
    ``feasible(node, model)`` check finds no problem.

    Options: ``preferences`` maps kernel names to ordered lists of languages (``"hls"``,
    ``"rtl"``), e.g. ``{"MVAU": ["rtl", "hls"]}``; kernels it does not name keep
    :data:`DEFAULT_PREFERENCES` (or ``hls`` then ``rtl``). Only the listed languages are tried.

    For every kernel node, :func:`brainsmith.hardware.record_backend` records the choice and,
    for each preferred language not taken, why (no such backend, or the feasibility check's
    reasons); ``mapping_summary(model)["backends"]`` reports them. A node no preferred backend
    can implement keeps its kernel op_type (it runs only in Python). Already specialised nodes
    are left alone.

    Raises ``ValueError`` for malformed ``preferences``.
    """

    def __init__(self, preferences: Mapping[str, Sequence[str]] | None = None) -> None:
        super().__init__()
        self.preferences = {**DEFAULT_PREFERENCES, **_checked(preferences or {})}

    def apply(self, model: Any) -> tuple[Any, bool]:
        install_builtin_kernels()
        for node in model.graph.node:
            self.specialize(model, node)
        return model, False

    def specialize(self, model: Any, node: NodeProto) -> None:
        """Specialise one node in place (and record the choice) if it is an unspecialised
        brainsmith kernel node; leave anything else alone. Transforms that insert kernel nodes
        after this stage (``InsertDWC``, ``InsertFIFO``) call it on their new nodes."""
        if not node.domain.startswith(DOMAIN_PREFIX):
            return
        kernel = kernel_name(node.op_type)
        if kernel != node.op_type:
            return
        chosen, rejected = self._choose(model, node, kernel)
        if chosen is not None:
            node.op_type = f"{kernel}_{chosen}"
        record_backend(model, node, kernel, chosen, rejected)

    def _choose(
        self, model: Any, node: NodeProto, kernel: str
    ) -> tuple[str | None, list[tuple[str, list[str]]]]:
        rejected: list[tuple[str, list[str]]] = []
        for language in self.preferences.get(kernel, DEFAULT_ORDER):
            op_type = f"{kernel}_{language}"
            if not is_custom_op(node.domain, op_type):
                rejected.append(
                    (language, [f"no {language} backend of {kernel} exists in {node.domain}"])
                )
                continue
            candidate = NodeProto()
            candidate.CopyFrom(node)
            candidate.op_type = op_type
            backend_class = type(getCustomOp(candidate))
            feasible = getattr(backend_class, "feasible", None)
            reasons = list(feasible(candidate, model)) if feasible is not None else []
            if reasons:
                rejected.append((language, reasons))
                continue
            return language, rejected
        return None, rejected


def _checked(preferences: Mapping[str, Sequence[str]]) -> dict[str, tuple[str, ...]]:
    if not isinstance(preferences, Mapping):
        raise ValueError(
            f"SpecializeBackends: preferences must map kernel names to lists of languages, "
            f"got {preferences!r}; e.g. {{MVAU: [rtl, hls]}}"
        )
    checked = {}
    for kernel, languages in preferences.items():
        if isinstance(languages, str) or not isinstance(languages, Sequence):
            raise ValueError(
                f"SpecializeBackends: preferences[{kernel!r}] = {languages!r} must be a list of "
                f"languages from {list(LANGUAGES)}, e.g. [rtl, hls]"
            )
        unknown = [lang for lang in languages if lang not in LANGUAGES]
        if unknown:
            raise ValueError(
                f"SpecializeBackends: preferences[{kernel!r}] names unknown language(s) "
                f"{unknown}; use {list(LANGUAGES)}"
            )
        checked[str(kernel)] = tuple(languages)
    return checked
