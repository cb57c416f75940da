"""Shared fixtures of the HLS backend tests: one g++ build cache for the whole session."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from brainsmith_builtin.backends.hls.build import CppsimBuild, build_cppsim_all
from brainsmith_builtin.backends.hls.kernel import HLSKernel

Builder = Callable[[Sequence[HLSKernel]], list[CppsimBuild]]


@pytest.fixture(scope="session")
def hls_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cppsim build cache shared by every test of the session."""
    return tmp_path_factory.mktemp("hls-cache")


@pytest.fixture(scope="session")
def build_all(hls_cache: Path) -> Builder:
    """Build kernels in parallel (one g++ per core) into the session's cache."""

    def build(kernels: Sequence[HLSKernel]) -> list[CppsimBuild]:
        return build_cppsim_all(kernels, cache_dir=hls_cache)

    return build
