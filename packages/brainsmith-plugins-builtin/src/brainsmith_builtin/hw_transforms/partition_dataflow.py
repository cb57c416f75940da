"""``PartitionDataflow``: find the contiguous hardware part and the software around it."""

from __future__ import annotations

from typing import Any

from brainsmith import hw_transform
from brainsmith.hardware import is_kernel_node, record_partition
from qonnx.transformation.base import Transformation


@hw_transform(kernels=[])
class PartitionDataflow(Transformation):  # type: ignore[misc]
    """Split the graph into the dataflow partition (every kernel node) and the software
    pre-processing before it (e.g. input scaling and the input quantiser) and post-processing
    after it (e.g. the final de-quantisation Mul/Add, TopK), and record it with
    :func:`brainsmith.hardware.record_partition`: the partition's input tensors (read by a
    kernel node, produced by software or the graph input), its output tensors (produced by a
    kernel node, read by software or a graph output), and any software node caught between
    kernel nodes, which breaks the partition's contiguity (it is listed under
    ``interior_software``; the summary's ``software`` list says why it was not mapped).

    Changes no node: the partition is recorded in the model's metadata.
    """

    def apply(self, model: Any) -> tuple[Any, bool]:
        nodes = list(model.graph.node)
        hardware = [is_kernel_node(n) for n in nodes]
        producer = {t: i for i, n in enumerate(nodes) for t in n.output if t}
        consumers: dict[str, list[int]] = {}
        for i, n in enumerate(nodes):
            for t in n.input:
                consumers.setdefault(t, []).append(i)

        def reach(starts: list[int], forward: bool) -> set[int]:
            seen: set[int] = set()
            stack = list(starts)
            while stack:
                i = stack.pop()
                tensors = nodes[i].output if forward else nodes[i].input
                nexts = (
                    [j for t in tensors for j in consumers.get(t, [])]
                    if forward
                    else [producer[t] for t in tensors if t in producer]
                )
                for j in nexts:
                    if j not in seen:
                        seen.add(j)
                        stack.append(j)
            return seen

        hw_indices = [i for i, is_hw in enumerate(hardware) if is_hw]
        downstream = reach(hw_indices, forward=True)
        upstream = reach(hw_indices, forward=False)
        software = [i for i, is_hw in enumerate(hardware) if not is_hw]
        initializers = {t.name for t in model.graph.initializer}
        graph_outputs = {t.name for t in model.graph.output}
        inputs: list[str] = []
        outputs: list[str] = []
        for i in hw_indices:
            for t in nodes[i].input:
                from_software = t not in producer or not hardware[producer[t]]
                if t and t not in initializers and from_software and t not in inputs:
                    inputs.append(t)
            for t in nodes[i].output:
                read_by_software = any(not hardware[j] for j in consumers.get(t, []))
                if t and (read_by_software or t in graph_outputs) and t not in outputs:
                    outputs.append(t)
        names = [n.name for n in nodes]
        record_partition(
            model,
            inputs=inputs,
            outputs=outputs,
            hardware=[names[i] for i in hw_indices],
            preprocessing=[names[i] for i in software if i not in downstream],
            postprocessing=[names[i] for i in software if i in downstream and i not in upstream],
            interior_software=[names[i] for i in software if i in downstream and i in upstream],
        )
        return model, False
