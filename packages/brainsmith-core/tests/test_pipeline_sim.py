"""The cycle-level pipeline simulator and the FIFO depth search, on hand-built patterns."""

from __future__ import annotations

import time

import numpy as np
import pytest
from brainsmith.hardware import (
    PipelineDeadlock,
    PipelineEdge,
    PipelineNode,
    TransferPattern,
    make_pattern,
    simulate_pipeline,
    size_fifos,
)


def passthrough(words: int, ports: int = 1, latency: int = 1) -> TransferPattern:
    """Word in, word out; reads run at most three words ahead of the writes."""
    index = np.arange(1, words + 1)
    ahead = [index - 3] * ports
    return make_pattern(
        [words] * ports, words, [index] * ports, write_latency=latency, read_needs=ahead
    )


def burst_consumer(vectors: int, sf: int, nf: int) -> TransferPattern:
    """Reads ``sf`` words per vector, then computes ``nf * sf`` cycles (an MVAU)."""
    v = np.repeat(np.arange(vectors), nf)
    n = np.tile(np.arange(nf), vectors)
    return make_pattern(
        [vectors * sf],
        vectors * nf,
        [(v + 1) * sf],
        write_gaps=np.where(n == 0, 1, sf),
        read_needs=[np.repeat(np.arange(vectors), sf) * nf],
        read_delay=0,
    )


def chain(
    *patterns: TransferPattern, depth: int | None = 2
) -> tuple[list[PipelineNode], list[PipelineEdge]]:
    nodes = [PipelineNode(f"k{i}", p) for i, p in enumerate(patterns)]
    edges = [PipelineEdge("in", None, "k0")]
    edges += [PipelineEdge(f"f{i}", f"k{i}", f"k{i + 1}", 0, depth) for i in range(len(nodes) - 1)]
    edges.append(PipelineEdge("out", nodes[-1].name, None))
    return nodes, edges


def test_a_streaming_chain_moves_one_word_per_cycle() -> None:
    nodes, edges = chain(passthrough(100), passthrough(100), passthrough(100))
    result = simulate_pipeline(nodes, edges, frames=4)
    assert result is not None
    # frames follow each other without a gap: 100 cycles per frame
    assert np.diff(result.frame_ends).tolist() == [100, 100, 100]
    assert result.period == 100
    # latency: source write, then per node a read one cycle later and a write one later
    assert result.frame_ends[0] == 100 + 2 * 3 + 1


def test_a_depth_one_fifo_halves_the_rate_and_two_restores_it() -> None:
    nodes, edges = chain(passthrough(64), passthrough(64), depth=1)
    slow = simulate_pipeline(nodes, edges, frames=3)
    fast = simulate_pipeline(nodes, edges, frames=3, depths={"f0": 2})
    assert slow is not None and fast is not None
    assert slow.period == 2 * 64
    assert fast.period == 64


def test_the_slowest_kernel_sets_the_period() -> None:
    nodes, edges = chain(passthrough(48), burst_consumer(4, 12, 3), passthrough(12))
    result = simulate_pipeline(nodes, edges, frames=4, depths={"f0": None, "f1": None})
    assert result is not None
    assert result.period == 4 * 12 * 3


def fork_join(
    short_depth: int, long_depth: int = 2
) -> tuple[list[PipelineNode], list[PipelineEdge]]:
    """k0 forks into k1 (reads 32 words before writing) and straight into k2's port 0."""
    nodes = [
        PipelineNode("fork", passthrough(64)),
        PipelineNode("long", burst_consumer(2, 32, 32)),
        PipelineNode("join", passthrough(64, ports=2)),
    ]
    edges = [
        PipelineEdge("in", None, "fork"),
        PipelineEdge("short", "fork", "join", 0, short_depth),
        PipelineEdge("to_long", "fork", "long", 0, long_depth),
        PipelineEdge("from_long", "long", "join", 1, long_depth),
        PipelineEdge("out", "join", None),
    ]
    return nodes, edges


def test_an_unbalanced_fork_deadlocks_with_a_message_naming_the_full_fifo() -> None:
    nodes, edges = fork_join(short_depth=4)
    with pytest.raises(PipelineDeadlock) as caught:
        simulate_pipeline(nodes, edges)
    message = str(caught.value)
    assert "deadlocks" in message
    assert "short (depth 4)" in caught.value.full_fifos
    assert "space in FIFO short" in message
    assert "fix:" in message


def test_sizing_gives_the_short_branch_enough_and_the_rest_the_minimum() -> None:
    nodes, edges = fork_join(short_depth=4)
    depths = size_fifos(nodes, edges, {"short", "to_long", "from_long"})
    assert depths["to_long"] == 2
    assert depths["short"] > 4
    result = simulate_pipeline(nodes, edges, depths=depths)
    assert result is not None
    reference = simulate_pipeline(nodes, edges, depths=dict.fromkeys(depths))
    assert reference is not None and result.steady_cycles == reference.steady_cycles
    # minimal: one word less on the short branch deadlocks or slows the pipeline down
    smaller = {**depths, "short": depths["short"] - 1}
    try:
        worse = simulate_pipeline(nodes, edges, depths=smaller)
        assert worse is not None and worse.steady_cycles > reference.steady_cycles
    except PipelineDeadlock:
        pass


def test_a_deadline_stops_a_run_that_cannot_finish_in_time() -> None:
    nodes, edges = chain(passthrough(100), passthrough(100))
    assert simulate_pipeline(nodes, edges, frames=2, deadline=150) is None
    assert simulate_pipeline(nodes, edges, frames=2, deadline=10_000) is not None


@pytest.mark.parametrize(
    ("edges", "message"),
    [
        ([PipelineEdge("in", None, "nope")], "unknown kernel 'nope'"),
        ([PipelineEdge("out", "k0", None)], "kernel inputs without an edge"),
        (
            [PipelineEdge("in", None, "k0", 0, 0), PipelineEdge("out", "k0", None)],
            "depth=0 must be at least 1",
        ),
    ],
)
def test_malformed_graphs_are_refused_by_name(edges: list[PipelineEdge], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        simulate_pipeline([PipelineNode("k0", passthrough(4))], edges)


def test_an_inconsistent_pattern_is_refused() -> None:
    bad = make_pattern([4], 2, [[1, 3]])  # the last write must need every word read
    with pytest.raises(ValueError, match=r"kernel .k0.*end at 4"):
        simulate_pipeline([PipelineNode("k0", bad)], [PipelineEdge("in", None, "k0")])


def test_a_long_pipeline_simulates_fast() -> None:
    # ten kernels, 1024 words per frame on every stream, bursty MVAU-like consumers (which
    # lose throughput behind depth-2 FIFOs: their input comes one word per 16 cycles)
    patterns = [burst_consumer(64, 16, 16) if i % 2 else passthrough(1024) for i in range(10)]
    nodes, edges = chain(*patterns, depth=None)
    start = time.perf_counter()
    result = simulate_pipeline(nodes, edges, frames=3)
    elapsed = time.perf_counter() - start
    assert result is not None and result.period == 64 * 16 * 16
    assert elapsed < 1.0
