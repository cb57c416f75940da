"""The Verilog top-level of an RTL or mixed dataflow partition: a chain of AXI-Stream stages.

``module <top>`` has the ports of every brainsmith RTL design (``ap_clk``, ``ap_rst_n``
active-low, ``in0_V_TDATA/TVALID/TREADY`` slave, ``out_V_TDATA/TVALID/TREADY`` master, widths
exact) and instantiates the partition's nodes in graph order, each stream a TDATA/TVALID/TREADY
wire triple:

- an RTL node (``<Kernel>_rtl``, StreamingFIFO and StreamingDataWidthConverter included) as the
  wrapper module its backend writes (``rtl/<node>.v``, named after the node);
- an HLS node (mixed designs) as the module Vitis HLS generates from its function: module
  ``<function>`` with ports ``ap_clk``, ``ap_rst_n``, ``in0_TDATA/TVALID/TREADY``,
  ``out0_TDATA/TVALID/TREADY`` (Vitis HLS 2020.1 and later; TDATA rounded up to whole bytes,
  which the top pads and truncates). Run ``hls/run_hls.tcl`` first: it synthesises each HLS
  kernel as its own top and ``vivado/build.tcl`` reads the generated Verilog. Mixed designs are
  not simulated here;
- a ``bs_streaming_dwc`` where a producer's word width differs from its consumer's.

Only chains are stitched (one partition input and output, every node one stream in and out, no
fan-out); :class:`~.partition.StitchError` says so otherwise.
"""

from __future__ import annotations

from brainsmith_builtin.backends.hls.cpp import identifier

from .partition import DataflowPartition, PartitionNode, StitchError

DWC_MODULE = "bs_streaming_dwc"


def check_chain(partition: DataflowPartition) -> None:
    """Raise :class:`StitchError` unless the partition is a single chain of streams."""
    problems = []
    if len(partition.inputs) != 1 or len(partition.outputs) != 1:
        problems.append(
            f"{len(partition.inputs)} inputs and {len(partition.outputs)} outputs (need 1 and 1)"
        )
    for node in partition.nodes:
        if len(node.inputs) != 1 or len(node.outputs) != 1:
            problems.append(f"node {node.name!r} has {len(node.inputs)} stream inputs")
        for tensor, _ in node.outputs:
            if len(partition.consumers(tensor)) > 1:
                problems.append(f"stream {tensor!r} feeds several nodes")
    if problems:
        raise StitchError(
            "the Verilog top-level stitches chains only: " + "; ".join(problems),
            fix="use the HLS top-level (all-HLS backends) for branching partitions",
        )


def _padded(width: int) -> int:
    return (width + 7) // 8 * 8


def _instance(node: PartitionNode, index: int, src: str, dst: str) -> list[str]:
    in_width, out_width = node.inputs[0][1].width, node.outputs[0][1].width
    if node.language == "rtl":
        return [
            f"    // {node.name} ({node.op_type})",
            f"    {identifier(node.name)} u{index}_{identifier(node.name)} (",
            "        .ap_clk(ap_clk),",
            "        .ap_rst_n(ap_rst_n),",
            f"        .in0_V_TDATA({src}_TDATA),",
            f"        .in0_V_TVALID({src}_TVALID),",
            f"        .in0_V_TREADY({src}_TREADY),",
            f"        .out_V_TDATA({dst}_TDATA),",
            f"        .out_V_TVALID({dst}_TVALID),",
            f"        .out_V_TREADY({dst}_TREADY)",
            "    );",
        ]
    if node.hls is None:
        raise StitchError(
            f"node {node.name!r} ({node.op_type}) is neither an RTL node nor a builtin HLS kernel",
            fix="specialise it to a builtin backend",
        )
    fn = node.hls.function
    pin, pout = _padded(in_width), _padded(out_width)
    in_data = f"{src}_TDATA" if pin == in_width else f"{{{pin - in_width}'b0, {src}_TDATA}}"
    return [
        f"    // {node.name} ({node.op_type}): the module Vitis HLS generates from {fn}()",
        f"    wire [{pout - 1}:0] u{index}_out0_TDATA;",
        f"    assign {dst}_TDATA = u{index}_out0_TDATA[{out_width - 1}:0];",
        f"    {fn} u{index}_{fn} (",
        "        .ap_clk(ap_clk),",
        "        .ap_rst_n(ap_rst_n),",
        f"        .in0_TDATA({in_data}),",
        f"        .in0_TVALID({src}_TVALID),",
        f"        .in0_TREADY({src}_TREADY),",
        f"        .out0_TDATA(u{index}_out0_TDATA),",
        f"        .out0_TVALID({dst}_TVALID),",
        f"        .out0_TREADY({dst}_TREADY)",
        "    );",
    ]


def _dwc(index: int, src: str, dst: str, in_width: int, out_width: int) -> list[str]:
    return [
        f"    // width converter {in_width} -> {out_width} bits",
        f"    {DWC_MODULE} #(.IN_WIDTH({in_width}), .OUT_WIDTH({out_width})) u{index}_dwc (",
        "        .ap_clk(ap_clk),",
        "        .ap_rst_n(ap_rst_n),",
        f"        .in0_V_TDATA({src}_TDATA),",
        f"        .in0_V_TVALID({src}_TVALID),",
        f"        .in0_V_TREADY({src}_TREADY),",
        f"        .out_V_TDATA({dst}_TDATA),",
        f"        .out_V_TVALID({dst}_TVALID),",
        f"        .out_V_TREADY({dst}_TREADY)",
        "    );",
    ]


def verilog_top_source(partition: DataflowPartition, top: str) -> tuple[str, bool]:
    """The Verilog source of module ``top`` and whether it instantiates ``bs_streaming_dwc``.

    Raises :class:`StitchError` for a partition that is not a chain.
    """
    check_chain(partition)
    module = identifier(top)
    wires: list[str] = []
    body: list[str] = []
    in_width = partition.inputs[0][1].width
    out_width = partition.outputs[0][1].width
    current, width, count, uses_dwc = "in0", in_width, 0, False

    def stream(bits: int) -> str:
        nonlocal count
        count += 1
        name = f"s{count}"
        wires.extend(
            [
                f"    wire [{bits - 1}:0] {name}_TDATA;",
                f"    wire {name}_TVALID;",
                f"    wire {name}_TREADY;",
            ]
        )
        return name

    for index, node in enumerate(partition.nodes):
        node_in, node_out = node.inputs[0][1].width, node.outputs[0][1].width
        if node_in != width:
            converted = stream(node_in)
            body += _dwc(index, current, converted, width, node_in)
            current, uses_dwc = converted, True
        last = index == len(partition.nodes) - 1
        target = "out" if last and node_out == out_width else stream(node_out)
        body += _instance(node, index, current, target)
        current, width = target, node_out
    order = " -> ".join(n.name for n in partition.nodes)
    text = "\n".join(
        [
            "`timescale 1ns / 1ps",
            f"// Dataflow top-level '{module}': {order}",
            "// Generated by brainsmith_builtin.project.verilog_top.",
            f"module {module} (",
            "    input  wire ap_clk,",
            "    input  wire ap_rst_n,",
            f"    input  wire [{in_width - 1}:0] in0_V_TDATA,",
            "    input  wire in0_V_TVALID,",
            "    output wire in0_V_TREADY,",
            f"    output wire [{out_width - 1}:0] out_V_TDATA,",
            "    output wire out_V_TVALID,",
            "    input  wire out_V_TREADY",
            ");",
            "    wire [" + str(in_width - 1) + ":0] in0_TDATA = in0_V_TDATA;",
            "    wire in0_TVALID = in0_V_TVALID;",
            "    wire in0_TREADY;",
            "    assign in0_V_TREADY = in0_TREADY;",
            "    wire [" + str(out_width - 1) + ":0] out_TDATA;",
            "    wire out_TVALID;",
            "    wire out_TREADY = out_V_TREADY;",
            "    assign out_V_TDATA = out_TDATA;",
            "    assign out_V_TVALID = out_TVALID;",
            *wires,
            *body,
            "endmodule",
            "",
        ]
    )
    return text, uses_dwc
