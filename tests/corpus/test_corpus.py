"""The corpus runner (run_corpus.py): outcomes through the real CLI, the digest cache, and —
marked ``corpus`` — the whole corpus, which must have no failure."""

from __future__ import annotations

import json
import os
from pathlib import Path

import onnx
import pytest
from onnx import TensorProto, helper
from run_corpus import (
    DEFAULT_EXTRA,
    cache_key,
    code_digest,
    corpus,
    digest,
    run_corpus,
    summary,
)


def _save(path: Path, node: onnx.NodeProto, x: int, y: int) -> Path:
    graph = helper.make_graph(
        [node],
        "g",
        [helper.make_tensor_value_info("x", x, [3])],
        [helper.make_tensor_value_info("y", y, [3])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, str(path))
    return path


def test_outcomes_counts_and_cache(tmp_path: Path) -> None:
    good = _save(tmp_path / "abs.onnx", helper.make_node("Abs", ["x"], ["y"]), TensorProto.FLOAT, 1)
    refused = _save(
        tmp_path / "bf16.onnx",
        helper.make_node("Cast", ["x"], ["y"], to=TensorProto.FLOAT),
        TensorProto.BFLOAT16,
        TensorProto.FLOAT,
    )
    cache = tmp_path / "cache.json"
    first = run_corpus([(good, False), (refused, False)], jobs=2, cache_file=cache)
    outcomes = {Path(r.model).name: r.outcome for r in first}
    assert outcomes == {"abs.onnx": "passed", "bf16.onnx": "refused"}
    reason = next(r.message for r in first if r.outcome == "refused")
    assert "input 'x' is bfloat16" in reason
    assert summary(first).splitlines()[0] == (
        "corpus: 1 passed, 1 refused, 0 failed, 0 excluded (2 models)"
    )
    code = code_digest()
    keys = set(json.loads(cache.read_text()))
    assert keys == {cache_key(digest(good), code), cache_key(digest(refused), code)}
    again = run_corpus([(good, False), (refused, False)], jobs=2, cache_file=cache)
    by_model = sorted(again, key=lambda r: r.model)
    assert by_model == sorted(first, key=lambda r: r.model)  # the cached timings: not run again


def test_a_result_cached_by_other_code_is_not_reused(tmp_path: Path) -> None:
    """A pass cached before the code changed (same brainsmith version, which stays 0.1.0
    through every change) must not hide what the code does now: the model runs again."""
    from brainsmith import __version__

    refused = _save(
        tmp_path / "bf16.onnx",
        helper.make_node("Cast", ["x"], ["y"], to=TensorProto.FLOAT),
        TensorProto.BFLOAT16,
        TensorProto.FLOAT,
    )
    stale = {"model": str(refused), "digest": digest(refused), "outcome": "passed"}
    stale.update(message="", seconds=0.0)
    cache = tmp_path / "cache.json"
    cache.write_text(
        json.dumps(
            {
                f"{digest(refused)}:{__version__}": stale,  # keyed by the version only
                f"{digest(refused)}:{__version__}:0123456789abcdef": stale,  # by other code
            }
        )
    )
    (result,) = run_corpus([(refused, False)], jobs=1, cache_file=cache)
    assert result.outcome == "refused", result


def test_a_file_that_is_not_onnx_is_refused(tmp_path: Path) -> None:
    model = _save(tmp_path / "m.onnx", helper.make_node("Abs", ["x"], ["y"]), 1, 1)
    (tmp_path / "m.onnx").write_bytes(model.read_bytes()[:-7])  # truncated: exit 2, refused
    (result,) = run_corpus([(model, False)], jobs=1, cache_file=None)
    assert result.outcome == "refused"
    assert "not an ONNX model" in result.message


@pytest.mark.corpus
def test_corpus() -> None:
    """Every model of the corpus passes or is refused before compiling (``nox -s corpus``)."""
    extra = Path(os.environ.get("BRAINSMITH_CORPUS_EXTRA", DEFAULT_EXTRA))
    results = run_corpus(corpus([extra]), jobs=int(os.environ.get("CORPUS_JOBS", "2")))
    text = summary(results)
    print(text)
    assert not [r for r in results if r.outcome == "failed"], text
