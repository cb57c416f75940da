from __future__ import annotations

import pytest
from brainsmith_builtin.kernels.registration import install_builtin_kernels


@pytest.fixture(autouse=True, scope="session")
def builtin_kernels_installed() -> None:
    install_builtin_kernels()
