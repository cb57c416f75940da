"""The cppsim build: cached by digest, parallel, and clear about missing tools and g++ errors."""

from __future__ import annotations

import importlib.util
import subprocess
from pathlib import Path

import numpy as np
import pytest
from brainsmith_builtin.backends.hls import headers
from brainsmith_builtin.backends.hls.build import build_cppsim, build_cppsim_all
from brainsmith_builtin.backends.hls.cppsim import run_cppsim
from brainsmith_builtin.backends.hls.errors import (
    CppsimBuildError,
    CppsimRunError,
    HeadersNotFoundError,
)
from brainsmith_builtin.backends.hls.kernel import HLSKernel
from brainsmith_builtin.backends.hls.thresholding import ThresholdingParams, generate_thresholding


def kernel(name: str = "Thresholding_cache", steps: int = 3) -> HLSKernel:
    return generate_thresholding(
        ThresholdingParams(
            name=name,
            NumChannels=4,
            PE=2,
            numSteps=steps,
            inputDataType="INT4",
            weightDataType="INT4",
            outputDataType="UINT2",
            thresholds=np.array([[-4.0, 0.0, 4.0][:steps]], np.float32),
        )
    )


def test_second_build_is_a_cache_hit_without_running_gxx(
    hls_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = build_cppsim(kernel(), cache_dir=hls_cache)

    def no_compiler(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"g++ ran on a cache hit: {args}")

    monkeypatch.setattr(subprocess, "run", no_compiler)
    second = build_cppsim(kernel(), cache_dir=hls_cache)
    assert second.cached and second.digest == first.digest and second.executable == first.executable
    monkeypatch.undo()
    x = np.arange(-8, 8, dtype=np.float32).reshape(4, 4)
    (y,) = run_cppsim(second, [x])
    np.testing.assert_array_equal(y, (x[..., None] >= np.array([-4, 0, 4])).sum(-1))


def test_a_changed_kernel_is_rebuilt_and_parallel_builds_keep_order(tmp_path: Path) -> None:
    kernels = [kernel(f"Thresholding_{i}", steps=1 + i) for i in range(2)]
    builds = build_cppsim_all(kernels, cache_dir=tmp_path, jobs=2)
    assert [b.kernel.function for b in builds] == [k.function for k in kernels]
    assert not any(b.cached for b in builds) and len({b.digest for b in builds}) == 2
    again = build_cppsim_all(kernels, cache_dir=tmp_path, jobs=2)
    assert all(b.cached for b in again)


def test_missing_ap_types_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(headers.AP_TYPES_ENV, raising=False)
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(HeadersNotFoundError) as caught:
        build_cppsim(kernel(), cache_dir=tmp_path)
    message = str(caught.value)
    assert "ap_int.h" in message and "pip install 'brainsmith-plugins-builtin[sim]'" in message
    assert "pip install hls4ml" in message and headers.AP_TYPES_ENV in message


def test_env_var_without_headers_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(headers.AP_TYPES_ENV, str(tmp_path))
    with pytest.raises(
        HeadersNotFoundError, match=f"{headers.AP_TYPES_ENV}.*{tmp_path} does not hold ap_int.h"
    ):
        headers.ap_types_dir()


def test_headers_are_found_without_importing_hls4ml() -> None:
    import sys

    folder = headers.ap_types_dir({})
    assert (folder / "ap_int.h").is_file() and "hls4ml" not in sys.modules


def test_gxx_errors_show_the_source_path(tmp_path: Path) -> None:
    good = kernel()
    broken = HLSKernel(
        good.function,
        good.source.replace("count = 0;", "count = undeclared;"),
        good.inputs,
        good.outputs,
        good.expected_cycles,
    )
    with pytest.raises(CppsimBuildError) as caught:
        build_cppsim(broken, cache_dir=tmp_path)
    error = caught.value
    assert "undeclared" in error.message and Path(error.where).is_file()
    assert "undeclared" in Path(error.where).read_text()


def test_wrong_input_shape_is_refused(hls_cache: Path) -> None:
    build = build_cppsim(kernel(), cache_dir=hls_cache)
    with pytest.raises(CppsimRunError, match=r"shape \[2, 5\]; one frame is \[1, 4\]"):
        run_cppsim(build, [np.zeros((2, 5), np.float32)])
    with pytest.raises(CppsimRunError, match="not a INT4 value"):
        run_cppsim(build, [np.full((1, 4), 9, np.float32)])
