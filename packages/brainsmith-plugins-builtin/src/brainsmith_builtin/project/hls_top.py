"""The HLS top-level of an all-HLS dataflow partition: one C++ function over AXI-Streams.

``void <top>(in0, ..., out0, ...)`` calls every kernel function of the partition in graph
order inside ``#pragma HLS DATAFLOW``, connected by ``hls::stream`` variables; the partition's
input and output streams are its ``INTERFACE axis`` ports. Generated glue, one function per use:

- a **width converter** where a producer writes ``a`` elements per word and the consumer
  reads ``b`` (elements re-sliced least significant first, the order of the RTL
  ``bs_streaming_dwc``), and for a ``StreamingDataWidthConverter`` node;
- a **split** where one stream feeds several consumers (every word copied to each branch; the
  branches are one frame deep so that re-converging paths cannot deadlock);
- a **copy** for a ``StreamingFIFO`` node, whose ``depth`` becomes the ``STREAM`` depth of its
  output.

Each glue function and each kernel processes one frame per call, so the same source runs
sequentially in C simulation (our unbounded stream shim) and concurrently under Vitis HLS.
The top source ``#include``s the kernels' sources from ``kernels/<function>.cpp``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from brainsmith_builtin.backends.hls.cpp import identifier
from brainsmith_builtin.backends.hls.kernel import HLSKernel, StreamPort

from .partition import DataflowPartition, PartitionNode, StitchError

DEFAULT_DEPTH = 2
"""``STREAM`` depth of the streams between kernels (words)."""


@dataclass
class _Writer:
    """Collects the top's declarations, glue functions and calls."""

    top: str
    functions: list[str] = field(default_factory=list)
    declarations: list[str] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    counter: int = 0

    def stream(self, name: str, port: StreamPort, depth: int = DEFAULT_DEPTH) -> str:
        variable = identifier(f"s_{name}")
        self.declarations += [
            f'    {port.cpp_type} {variable}("{variable}");',
            f"#pragma HLS STREAM variable={variable} depth={depth}",
        ]
        return variable

    def glue_name(self, kind: str) -> str:
        self.counter += 1
        return f"{self.top}_{kind}_{self.counter}"

    def convert(self, source: str, src: StreamPort, sink: str, dst: StreamPort) -> None:
        """Re-slice ``src.elems_per_word``-element words into ``dst.elems_per_word``."""
        bits, a, b = src.element.bits, src.elems_per_word, dst.elems_per_word
        elements = src.words_per_frame * a
        name = self.glue_name("convert")
        shift_in = "element" if b == 1 else f"(out_word >> {bits}) | (element << {(b - 1) * bits})"
        self.functions.append(f"""\
// width converter: {a} -> {b} elements of {bits} bits per word, {elements} elements per frame
static void {name}({src.cpp_type} &in, {dst.cpp_type} &out) {{
    ap_uint<{src.width}> in_word = 0;
    ap_uint<{dst.width}> out_word = 0;
    for (unsigned i = 0; i < {elements}; i++) {{
#pragma HLS PIPELINE II=1
        if (i % {a} == 0) in_word = in.read();
        const ap_uint<{dst.width}> element = in_word.range({bits - 1}, 0);
        out_word = {shift_in};
        in_word = in_word >> {bits};
        if (i % {b} == {b - 1}) out.write(out_word);
    }}
}}
""")
        self.calls.append(f"    {name}({source}, {sink});")

    def split(self, source: str, port: StreamPort, branches: list[str]) -> None:
        name = self.glue_name("split")
        outs = ", ".join(f"{port.cpp_type} &out{i}" for i in range(len(branches)))
        writes = " ".join(f"out{i}.write(word);" for i in range(len(branches)))
        self.functions.append(f"""\
// split: every word of the input to {len(branches)} outputs, {port.words_per_frame} words per frame
static void {name}({port.cpp_type} &in, {outs}) {{
    for (unsigned i = 0; i < {port.words_per_frame}; i++) {{
#pragma HLS PIPELINE II=1
        const ap_uint<{port.width}> word = in.read();
        {writes}
    }}
}}
""")
        self.calls.append(f"    {name}({source}, {', '.join(branches)});")

    def copy(self, node: PartitionNode, source: str, sink: str) -> None:
        port = node.inputs[0][1]
        name = self.glue_name("fifo")
        self.functions.append(f"""\
// StreamingFIFO '{node.name}': the depth is the STREAM depth of its output
static void {name}({port.cpp_type} &in, {port.cpp_type} &out) {{
    for (unsigned i = 0; i < {port.words_per_frame}; i++) {{
#pragma HLS PIPELINE II=1
        out.write(in.read());
    }}
}}
""")
        self.calls.append(f"    {name}({source}, {sink});")


def top_kernel(partition: DataflowPartition, top: str) -> HLSKernel:
    """The top-level as an :class:`HLSKernel` (ports ``in0..``, ``out0..`` named in partition
    order, cycles the slowest node's), with :func:`hls_top_source` as its source."""
    inputs, outputs = top_kernel_ports(partition)
    return HLSKernel(
        top, hls_top_source(partition, top), inputs, outputs, partition.expected_cycles
    )


def _node_function(node: PartitionNode) -> str:
    if node.hls is None:
        raise StitchError(
            f"node {node.name!r} ({node.op_type}) is not an HLS kernel of this plugin",
            fix="the HLS top-level needs every compute node specialised to a builtin _hls "
            "backend; the Verilog top-level (rtl/) covers RTL and mixed designs",
        )
    return node.hls.function


def hls_top_source(partition: DataflowPartition, top: str) -> str:
    """The C++ source of the top-level function ``top`` (see the module docstring).

    Raises :class:`StitchError` when a compute node has no builtin HLS kernel.
    """
    writer = _Writer(identifier(top))
    args: dict[tuple[str, int], str] = {}  # (node, input port) -> stream variable
    out_args: dict[tuple[str, int], str] = {}  # (node, output port) -> stream variable
    top_inputs = {t: f"in{k}" for k, (t, _) in enumerate(partition.inputs)}
    top_outputs = {t: (f"out{k}", p) for k, (t, p) in enumerate(partition.outputs)}

    def connect(tensor: str, source: str, port: StreamPort) -> None:
        """Route ``source`` (carrying ``port``'s words) to every reader of ``tensor``."""
        sinks: list[tuple[tuple[str, int] | None, StreamPort]] = [
            ((node.name, index), node.inputs[index][1])
            for node, index in partition.consumers(tensor)
        ]
        if tensor in top_outputs and source != top_outputs[tensor][0]:
            sinks.append((None, top_outputs[tensor][1]))  # None: the top's output port
        branches = [source]
        if len(sinks) > 1:
            depth = max(DEFAULT_DEPTH, port.words_per_frame)
            branches = [writer.stream(f"{tensor}_b{j}", port, depth) for j in range(len(sinks))]
            writer.split(source, port, branches)
        for (key, sink_port), branch in zip(sinks, branches, strict=True):
            same = sink_port.elems_per_word == port.elems_per_word
            if key is None:
                target = top_outputs[tensor][0]
                if same:
                    writer.split(branch, port, [target])  # a copy into the output port
                else:
                    writer.convert(branch, port, target, sink_port)
            elif same:
                args[key] = branch
            else:
                args[key] = writer.stream(f"{tensor}_{key[0]}_{key[1]}", sink_port)
                writer.convert(branch, port, args[key], sink_port)

    for tensor, port in partition.inputs:
        connect(tensor, top_inputs[tensor], port)
    for node in partition.nodes:
        for index, (tensor, port) in enumerate(node.outputs):
            only_top = tensor in top_outputs and not partition.consumers(tensor)
            if only_top and top_outputs[tensor][1].elems_per_word == port.elems_per_word:
                out_args[(node.name, index)] = top_outputs[tensor][0]
            else:
                depth = DEFAULT_DEPTH
                if node.kernel == "StreamingFIFO":
                    depth = max(DEFAULT_DEPTH, int(node.instance.get_nodeattr("depth")))
                out_args[(node.name, index)] = writer.stream(tensor, port, depth)
        ins = [args[(node.name, i)] for i in range(len(node.inputs))]
        outs = [out_args[(node.name, i)] for i in range(len(node.outputs))]
        if node.kernel == "StreamingFIFO":
            writer.copy(node, ins[0], outs[0])
        elif node.kernel == "StreamingDataWidthConverter":
            writer.convert(ins[0], node.inputs[0][1], outs[0], node.outputs[0][1])
        else:
            writer.calls.append(f"    {_node_function(node)}({', '.join(ins + outs)});")
        for index, (tensor, port) in enumerate(node.outputs):
            if out_args[(node.name, index)] != top_outputs.get(tensor, ("",))[0]:
                connect(tensor, out_args[(node.name, index)], port)

    kernel = top_kernel_ports(partition)
    params = ", ".join(f"{p.cpp_type} &{p.name}" for p in (*kernel[0], *kernel[1]))
    interfaces = [f"#pragma HLS INTERFACE axis port={p.name}" for p in (*kernel[0], *kernel[1])]
    includes = [
        f'#include "kernels/{node.hls.function}.cpp"' for node in partition.nodes if node.hls
    ]
    order = " -> ".join(n.name for n in partition.nodes)
    return "\n".join(
        [
            f"// Dataflow top-level '{writer.top}': {order}",
            "// Generated by brainsmith_builtin.project.hls_top; the kernels' sources are",
            "// included below (add only this file to a Vitis HLS project).",
            "#include <ap_int.h>",
            "#include <hls_stream.h>",
            "",
            *includes,
            "",
            *writer.functions,
            f"void {writer.top}({params}) {{",
            *interfaces,
            "#pragma HLS INTERFACE ap_ctrl_none port=return",
            "#pragma HLS DATAFLOW",
            *writer.declarations,
            *writer.calls,
            "}",
            "",
        ]
    )


def top_kernel_ports(
    partition: DataflowPartition,
) -> tuple[tuple[StreamPort, ...], tuple[StreamPort, ...]]:
    """The top-level's input and output ports: ``in<k>``/``out<k>`` in partition order."""
    inputs = tuple(
        StreamPort(f"in{k}", p.element, p.elems_per_word, p.normal_shape)
        for k, (_, p) in enumerate(partition.inputs)
    )
    outputs = tuple(
        StreamPort(f"out{k}", p.element, p.elems_per_word, p.normal_shape)
        for k, (_, p) in enumerate(partition.outputs)
    )
    return inputs, outputs
