"""``brainsmith_builtin.backends`` is the public HLS engine API of third-party kernels: each name
is the engine's own object, imported on first use; importing the package imports nothing else."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import brainsmith_builtin.backends as engine
import pytest

DEFINED_IN = {
    "Element": "brainsmith_builtin.backends.hls.elements",
    "HLSKernel": "brainsmith_builtin.backends.hls.kernel",
    "HLSNodeBackend": "brainsmith_builtin.backends.nodes.hls_node",
    "HLSParameterError": "brainsmith_builtin.backends.hls.errors",
    "StreamPort": "brainsmith_builtin.backends.hls.kernel",
    "identifier": "brainsmith_builtin.backends.hls.cpp",
    "int_literal": "brainsmith_builtin.backends.hls.cpp",
    "word_literal": "brainsmith_builtin.backends.hls.cpp",
}


@pytest.mark.parametrize("name", sorted(DEFINED_IN))
def test_each_name_is_the_engine_object(name: str) -> None:
    assert name in engine.__all__
    assert getattr(engine, name) is getattr(importlib.import_module(DEFINED_IN[name]), name)


def test_the_api_is_exactly_the_documented_names() -> None:
    assert sorted(engine.__all__) == sorted(DEFINED_IN)
    with pytest.raises(AttributeError, match="no attribute 'build_everything'"):
        _ = engine.build_everything


LOADED = (
    "sorted(m for m in sys.modules"
    " if m.startswith('brainsmith_builtin.backends.') or m in ('numpy', 'qonnx'))"
)


def test_the_package_imports_the_engine_only_when_a_name_is_used() -> None:
    probe = (
        "import json, sys, brainsmith_builtin.backends as engine;"
        f"before = {LOADED};"
        "engine.HLSNodeBackend;"
        f"print(json.dumps([before, {LOADED}]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    before, after = json.loads(done.stdout)
    assert before == []
    assert "brainsmith_builtin.backends.nodes.hls_node" in after


def test_a_backend_built_on_the_public_names_generates_its_cpp() -> None:
    element = engine.Element.of("INT4", node="n", attribute="dataType")
    port = engine.StreamPort("in0", element, 2, (1, 4))
    assert port.width == 8 and port.words_per_frame == 2
    assert engine.identifier("0-relu") == "k_0_relu"
    with pytest.raises(engine.HLSParameterError, match="dataType"):
        engine.Element.of("FLOAT32", node="n", attribute="dataType")
