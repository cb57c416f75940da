"""A cycle-level model of a dataflow pipeline: kernels with transfer patterns, FIFOs between them.

Each kernel is given by its :class:`~._transfers.TransferPattern` for one frame; each stream
edge is a FIFO of a given depth (or unbounded). The simulator computes, for several frames
fed back to back, the cycle of every word transfer: the least solution of the max-plus
inequalities the patterns and the FIFOs impose (every transfer as early as its kernel, its data
and the space downstream allow). That is what a cycle-accurate run of in-order AXI-Stream kernels
gives, without stepping through idle cycles: the work is proportional to the number of words,
not cycles.

FIFO semantics (an AXI-Stream FIFO with registered occupancy): a word written in cycle ``t`` can
be read from cycle ``t + 1``; a write in cycle ``t`` needs the word ``depth`` places earlier to
have been read before cycle ``t``. The partition input is a source offering one word per cycle;
the partition output a sink that is always ready.

A deadlock (a cycle of kernels each waiting on the next) is reported as
:class:`PipelineDeadlock`, naming what every stuck transfer waits for.

:func:`size_fifos` searches, per FIFO, the smallest depth for which several frames complete as
early as with unbounded FIFOs (so no throughput is lost), and without deadlock.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..errors import BrainsmithError
from ._transfers import TransferPattern

_NONE = -(2**62)


class PipelineDeadlock(BrainsmithError):
    """The simulated pipeline stops with transfers left: ``waits`` says what each waits for."""

    def __init__(self, waits: Sequence[str], full_fifos: Sequence[str]) -> None:
        self.waits = tuple(waits)
        self.full_fifos = tuple(full_fifos)
        listed = "; ".join(self.waits)
        super().__init__(
            f"the pipeline deadlocks: {listed}",
            where="FIFO sizing",
            fix="deepen the full FIFO(s) "
            + (", ".join(self.full_fifos) if self.full_fifos else "on the waiting edges")
            + " (a fork whose branches have different latencies needs the short branch "
            "to buffer what the long branch holds back), or let SizeFIFOs choose depths",
        )


@dataclass(frozen=True)
class PipelineNode:
    """A kernel of the pipeline: its name and its per-frame transfer pattern."""

    name: str
    pattern: TransferPattern


@dataclass(frozen=True)
class PipelineEdge:
    """A stream: ``producer``'s output into input ``port`` of ``consumer``. ``producer=None`` is
    the partition input (a source), ``consumer=None`` the partition output (a sink). ``depth``
    in words; ``None`` means unbounded."""

    name: str
    producer: str | None
    consumer: str | None
    port: int = 0
    depth: int | None = None


@dataclass(frozen=True)
class SimulationResult:
    """What a simulation of ``frames`` frames found (cycles from 0).

    ``frame_ends[f]``: the cycle after the sink read frame ``f``'s last word; ``makespan`` the
    last of them; ``occupancy[edge]``: the smallest depth that edge's
    FIFO needs for this very schedule (its peak fill as seen by a writer)."""

    frames: int
    frame_ends: tuple[int, ...]
    occupancy: dict[str, int] = field(default_factory=dict)

    @property
    def makespan(self) -> int:
        """Cycles from the start until the last frame left the pipeline."""
        return self.frame_ends[-1]

    @property
    def steady_cycles(self) -> int:
        """Cycles from the end of the first frame to the end of the last: what throughput the
        pipeline sustains once filled (the makespan for one frame)."""
        ends = self.frame_ends
        return ends[-1] - ends[0] if len(ends) > 1 else ends[-1]

    @property
    def period(self) -> float:
        """Cycles per frame in steady state: :attr:`steady_cycles` over ``frames - 1``."""
        return self.steady_cycles / max(1, self.frames - 1)


class _Chain:
    """One in-order sequence of transfers: times as they are found, gaps, dependencies
    ``(other chain, needed count per transfer, delay, description)``."""

    __slots__ = ("deps", "gaps", "label", "n", "times")

    def __init__(self, label: str, gaps: list[int]) -> None:
        self.label = label
        self.gaps = gaps
        self.n = len(gaps)
        self.times: list[int] = []
        self.deps: list[tuple[_Chain, list[int], int, str]] = []


def simulate_pipeline(
    nodes: Sequence[PipelineNode],
    edges: Sequence[PipelineEdge],
    *,
    frames: int = 3,
    depths: Mapping[str, int | None] | None = None,
    deadline: int | None = None,
) -> SimulationResult | None:
    """Simulate ``frames`` frames through the pipeline; FIFO depths from the edges, overridden
    by ``depths`` (edge name -> words, ``None`` unbounded). Returns ``None`` early when
    ``deadline`` is given and some transfer happens after it (the run cannot finish by then).

    Raises ``ValueError`` for a malformed graph (unknown node names, a port without an edge,
    depth < 1, a pattern that fails :meth:`TransferPattern.check`) and
    :class:`PipelineDeadlock` when the pipeline stops with transfers left.
    """
    if frames < 1:
        raise ValueError(f"frames={frames}: simulate at least one frame")
    chains, outputs, fifo_chains = _build(nodes, edges, frames, dict(depths or {}))
    _run(chains, fifo_chains, deadline)
    if any(len(c.times) < c.n for c in chains):
        return None
    frame_ends = []
    for f in range(frames):
        frame_ends.append(
            max(c.times[(f + 1) * (c.n // frames) - 1] + 1 for c in outputs) if outputs else 0
        )
    occupancy = {
        name: _needed_depth(writes.times, reads.times)
        for name, (writes, reads, _) in fifo_chains.items()
    }
    return SimulationResult(frames=frames, frame_ends=tuple(frame_ends), occupancy=occupancy)


def _needed_depth(write_times: list[int], read_times: list[int]) -> int:
    """The least depth with ``read[j - depth] < write[j]`` for every word ``j``."""
    writes = np.asarray(write_times, dtype=np.int64)
    reads = np.asarray(read_times, dtype=np.int64)
    before = np.searchsorted(reads, writes, side="left")
    return int(np.max(np.arange(1, len(writes) + 1) - before)) if len(writes) else 0


def _build(
    nodes: Sequence[PipelineNode],
    edges: Sequence[PipelineEdge],
    frames: int,
    depths: dict[str, int | None],
) -> tuple[list[_Chain], list[_Chain], dict[str, tuple[_Chain, _Chain, int | None]]]:
    by_name = {n.name: n for n in nodes}
    writes: dict[str, _Chain] = {}
    reads: dict[tuple[str, int], _Chain] = {}
    chains: list[_Chain] = []
    for node in nodes:
        pattern = node.pattern
        pattern.check(f"kernel {node.name!r}")
        per_frame = pattern.write_count
        for p in range(len(pattern.read_counts)):
            gaps = np.tile(pattern.read_gaps[p], frames).tolist()
            chain = _Chain(f"{node.name} read {p}", gaps)
            reads[(node.name, p)] = chain
            chains.append(chain)
        write = _Chain(f"{node.name} write", np.tile(pattern.write_gaps, frames).tolist())
        writes[node.name] = write
        chains.append(write)
        offsets = np.arange(frames, dtype=np.int64)
        for p, count in enumerate(pattern.read_counts):
            need = (pattern.write_needs[p][None, :] + (offsets * count)[:, None]).ravel()
            need[np.tile(pattern.write_needs[p], frames) == 0] = 0
            write.deps.append(
                (reads[(node.name, p)], need.tolist(), pattern.write_latency, f"input {p}")
            )
            back = (pattern.read_needs[p][None, :] + (offsets * per_frame)[:, None]).ravel()
            reads[(node.name, p)].deps.append(
                (write, back.tolist(), pattern.read_delay, "its own output (internal buffer)")
            )
    fifo_chains: dict[str, tuple[_Chain, _Chain, int | None]] = {}
    outputs: list[_Chain] = []
    connected: set[tuple[str, int]] = set()
    for edge in edges:
        depth = depths.get(edge.name, edge.depth)
        if depth is not None and depth < 1:
            raise ValueError(f"FIFO {edge.name!r}: depth={depth} must be at least 1 word")
        for end in (edge.producer, edge.consumer):
            if end is not None and end not in by_name:
                raise ValueError(f"edge {edge.name!r} names unknown kernel {end!r}")
        if edge.consumer is not None:
            key = (edge.consumer, edge.port)
            if key not in reads or key in connected:
                raise ValueError(
                    f"edge {edge.name!r}: kernel {edge.consumer!r} has no free input {edge.port}"
                )
            connected.add(key)
            reader = reads[key]
        else:
            assert edge.producer is not None
            reader = _Chain(f"output {edge.name}", [1] * writes[edge.producer].n)
            outputs.append(reader)
            chains.append(reader)
        if edge.producer is not None:
            writer = writes[edge.producer]
        else:
            writer = _Chain(f"input {edge.name}", [1] * reader.n)
            chains.insert(0, writer)
        if writer.n != reader.n:
            raise ValueError(
                f"edge {edge.name!r}: {writer.label} moves {writer.n // frames} words per "
                f"frame but {reader.label} takes {reader.n // frames}"
            )
        reader.deps.append((writer, list(range(1, reader.n + 1)), 1, f"data on {edge.name}"))
        if depth is not None and edge.consumer is not None:
            space = list(range(1 - depth, writer.n + 1 - depth))
            writer.deps.append((reader, space, 1, f"space in FIFO {edge.name} (depth {depth})"))
        fifo_chains[edge.name] = (writer, reader, depth)
    missing = sorted(set(reads) - connected)
    if missing:
        raise ValueError(f"kernel inputs without an edge: {missing}")
    return chains, outputs, fifo_chains


def _run(
    chains: list[_Chain],
    fifo_chains: Mapping[str, tuple[_Chain, _Chain, int | None]],
    deadline: int | None,
) -> None:
    """Advance every chain as far as its dependencies allow, round after round, until all are
    done; raise :class:`PipelineDeadlock` when a round makes no progress."""
    limit = deadline if deadline is not None else _NONE
    work = [(c.times, c.gaps, c.n, [(o.times, k, d) for o, k, d, _ in c.deps]) for c in chains]
    while True:
        progress = False
        unfinished = False
        for times, gaps, n, deps in work:
            i = len(times)
            if i == n:
                continue
            start = i
            last = times[-1] if times else _NONE
            while i < n:
                t = last + gaps[i] if i else 0
                ready = True
                for other_times, need, delay in deps:
                    k = need[i]
                    if k > 0:
                        if k > len(other_times):
                            ready = False
                            break
                        v = other_times[k - 1] + delay
                        t = max(t, v)
                if not ready:
                    break
                if deadline is not None and t > limit:
                    return
                times.append(t)
                last = t
                i += 1
            if i > start:
                progress = True
            if i < n:
                unfinished = True
        if not unfinished:
            return
        if not progress:
            raise _deadlock(chains, fifo_chains)


def _deadlock(
    chains: list[_Chain], fifo_chains: Mapping[str, tuple[_Chain, _Chain, int | None]]
) -> PipelineDeadlock:
    waits = []
    for chain in chains:
        i = len(chain.times)
        if i == chain.n:
            continue
        for other, need, _, what in chain.deps:
            if need[i] > len(other.times):
                waits.append(f"{chain.label} (transfer {i}) waits for {what}")
                break
    full = [
        f"{name} (depth {depth})"
        for name, (writer, reader, depth) in fifo_chains.items()
        if depth is not None
        and len(writer.times) < writer.n
        and len(writer.times) - len(reader.times) >= depth
    ]
    return PipelineDeadlock(waits, full)


def size_fifos(
    nodes: Sequence[PipelineNode],
    edges: Sequence[PipelineEdge],
    sized: Collection[str],
    *,
    frames: int = 3,
    min_depth: int = 2,
) -> dict[str, int]:
    """The smallest depth per edge in ``sized`` (at least ``min_depth``) with no throughput
    loss: ``frames`` frames (at least 2) complete without deadlock, and the cycles from the end
    of the first frame to the end of the last (:attr:`SimulationResult.steady_cycles`) are no
    more than with every sized FIFO unbounded. Edges not in ``sized`` keep their depth. Each
    depth is minimal given the others (one word less loses throughput or deadlocks):
    coordinate descent over the FIFOs, binary search per FIFO, until no depth shrinks. A
    simulation's schedule also bounds every FIFO by its occupancy in it (that schedule stays
    valid with those depths), which gives the start and tightens depths for free.

    Raises :class:`PipelineDeadlock` if even unbounded FIFOs deadlock (the kernels' patterns
    contradict each other), ``ValueError`` for a malformed graph or ``frames < 2``.
    """
    if frames < 2:
        raise ValueError(f"size_fifos: frames={frames}; throughput needs at least 2 frames")
    names = [e.name for e in edges if e.name in set(sized)]
    unknown = set(sized) - {e.name for e in edges}
    if unknown:
        raise ValueError(f"size_fifos: no edge named {sorted(unknown)}")
    reference = simulate_pipeline(nodes, edges, frames=frames, depths=dict.fromkeys(names, None))
    assert reference is not None
    target = reference.steady_cycles
    depths: dict[str, int] = {n: max(min_depth, reference.occupancy[n]) for n in names}

    def run(name: str, depth: int) -> SimulationResult | None:
        try:
            result = simulate_pipeline(nodes, edges, frames=frames, depths={**depths, name: depth})
        except PipelineDeadlock:
            return None
        return result if result is not None and result.steady_cycles <= target else None

    changed = True
    while changed:
        changed = False
        for name in names:
            high = depths[name]
            if high <= min_depth:
                continue
            result = run(name, high - 1)
            if result is None:
                continue
            best, best_result = high - 1, result
            low = min_depth
            while low < best:
                middle = (low + best) // 2
                trial = run(name, middle)
                if trial is None:
                    low = middle + 1
                else:
                    best, best_result = middle, trial
            depths[name] = best
            for other in names:
                depths[other] = min(depths[other], max(min_depth, best_result.occupancy[other]))
            changed = True
    return depths
