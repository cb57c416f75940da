// brainsmith StreamingDataWidthConverter: re-slices a stream of IN_WIDTH-bit words into
// OUT_WIDTH-bit words, least significant bits first (the first input word, or the low bits of an
// input word, comes out first). Integer ratios either way are a single gather or scatter stage;
// other ratios gather to the least common multiple LCM_WIDTH and scatter from it.
//
// Interface: AXI-Stream valid/ready, in0_V_* slave, out_V_* master, ap_rst_n active-low
// synchronous reset. Throughput: one input word and one output word per cycle at most, no
// bubbles in steady state.
`timescale 1ns / 1ps

// Gather RATIO input words of IN_WIDTH bits into one output word.
module bs_dwc_gather #(
    parameter integer IN_WIDTH = 8,
    parameter integer RATIO = 2
) (
    input  wire                      ap_clk,
    input  wire                      ap_rst_n,
    input  wire [IN_WIDTH-1:0]       in0_V_TDATA,
    input  wire                      in0_V_TVALID,
    output wire                      in0_V_TREADY,
    output reg  [IN_WIDTH*RATIO-1:0] out_V_TDATA,
    output reg                       out_V_TVALID,
    input  wire                      out_V_TREADY
);
    localparam integer OUT_WIDTH = IN_WIDTH * RATIO;
    localparam integer COUNT_BITS = (RATIO > 1) ? $clog2(RATIO) : 1;

    reg [OUT_WIDTH-1:0] gathered;
    reg [COUNT_BITS-1:0] count;

    wire completes = (count == RATIO - 1);
    wire [OUT_WIDTH-1:0] shifted;
    generate
        if (RATIO > 1) begin : g_shift
            assign shifted = {in0_V_TDATA, gathered[OUT_WIDTH-1:IN_WIDTH]};
        end else begin : g_pass
            assign shifted = in0_V_TDATA;
        end
    endgenerate

    // A word that does not complete an output can always be taken; a completing one needs the
    // output register to be empty or emptying.
    assign in0_V_TREADY = !completes || !out_V_TVALID || out_V_TREADY;
    wire push = in0_V_TVALID && in0_V_TREADY;

    always @(posedge ap_clk) begin
        if (!ap_rst_n) begin
            count <= 0;
            out_V_TVALID <= 1'b0;
        end else begin
            if (out_V_TVALID && out_V_TREADY) out_V_TVALID <= 1'b0;
            if (push) begin
                gathered <= shifted;
                if (completes) begin
                    count <= 0;
                    out_V_TDATA <= shifted;
                    out_V_TVALID <= 1'b1;
                end else begin
                    count <= count + 1'b1;
                end
            end
        end
    end
endmodule

// Scatter one input word of OUT_WIDTH*RATIO bits into RATIO output words of OUT_WIDTH bits.
module bs_dwc_scatter #(
    parameter integer OUT_WIDTH = 8,
    parameter integer RATIO = 2
) (
    input  wire                       ap_clk,
    input  wire                       ap_rst_n,
    input  wire [OUT_WIDTH*RATIO-1:0] in0_V_TDATA,
    input  wire                       in0_V_TVALID,
    output wire                       in0_V_TREADY,
    output wire [OUT_WIDTH-1:0]       out_V_TDATA,
    output wire                       out_V_TVALID,
    input  wire                       out_V_TREADY
);
    localparam integer IN_WIDTH = OUT_WIDTH * RATIO;
    localparam integer COUNT_BITS = $clog2(RATIO + 1);

    reg [IN_WIDTH-1:0] held;
    reg [COUNT_BITS-1:0] remaining;

    wire pop = out_V_TVALID && out_V_TREADY;
    assign out_V_TVALID = (remaining != 0);
    assign out_V_TDATA = held[OUT_WIDTH-1:0];
    assign in0_V_TREADY = (remaining == 0) || (remaining == 1 && out_V_TREADY);
    wire push = in0_V_TVALID && in0_V_TREADY;

    always @(posedge ap_clk) begin
        if (!ap_rst_n) begin
            remaining <= 0;
        end else if (push) begin
            held <= in0_V_TDATA;
            remaining <= RATIO;
        end else if (pop) begin
            held <= held >> OUT_WIDTH;
            remaining <= remaining - 1'b1;
        end
    end
endmodule

module bs_streaming_dwc #(
    parameter integer IN_WIDTH = 8,
    parameter integer OUT_WIDTH = 16
) (
    input  wire                 ap_clk,
    input  wire                 ap_rst_n,
    input  wire [IN_WIDTH-1:0]  in0_V_TDATA,
    input  wire                 in0_V_TVALID,
    output wire                 in0_V_TREADY,
    output wire [OUT_WIDTH-1:0] out_V_TDATA,
    output wire                 out_V_TVALID,
    input  wire                 out_V_TREADY
);
    function integer gcd;
        input integer a;
        input integer b;
        integer x, y, t;
        begin
            x = a;
            y = b;
            while (y != 0) begin
                t = x % y;
                x = y;
                y = t;
            end
            gcd = x;
        end
    endfunction

    localparam integer LCM_WIDTH = IN_WIDTH / gcd(IN_WIDTH, OUT_WIDTH) * OUT_WIDTH;

    generate
        if (OUT_WIDTH % IN_WIDTH == 0) begin : g_gather
            bs_dwc_gather #(.IN_WIDTH(IN_WIDTH), .RATIO(OUT_WIDTH / IN_WIDTH)) gather (
                .ap_clk(ap_clk), .ap_rst_n(ap_rst_n),
                .in0_V_TDATA(in0_V_TDATA), .in0_V_TVALID(in0_V_TVALID),
                .in0_V_TREADY(in0_V_TREADY),
                .out_V_TDATA(out_V_TDATA), .out_V_TVALID(out_V_TVALID),
                .out_V_TREADY(out_V_TREADY)
            );
        end else if (IN_WIDTH % OUT_WIDTH == 0) begin : g_scatter
            bs_dwc_scatter #(.OUT_WIDTH(OUT_WIDTH), .RATIO(IN_WIDTH / OUT_WIDTH)) scatter (
                .ap_clk(ap_clk), .ap_rst_n(ap_rst_n),
                .in0_V_TDATA(in0_V_TDATA), .in0_V_TVALID(in0_V_TVALID),
                .in0_V_TREADY(in0_V_TREADY),
                .out_V_TDATA(out_V_TDATA), .out_V_TVALID(out_V_TVALID),
                .out_V_TREADY(out_V_TREADY)
            );
        end else begin : g_lcm
            wire [LCM_WIDTH-1:0] mid_tdata;
            wire mid_tvalid;
            wire mid_tready;
            bs_dwc_gather #(.IN_WIDTH(IN_WIDTH), .RATIO(LCM_WIDTH / IN_WIDTH)) gather (
                .ap_clk(ap_clk), .ap_rst_n(ap_rst_n),
                .in0_V_TDATA(in0_V_TDATA), .in0_V_TVALID(in0_V_TVALID),
                .in0_V_TREADY(in0_V_TREADY),
                .out_V_TDATA(mid_tdata), .out_V_TVALID(mid_tvalid), .out_V_TREADY(mid_tready)
            );
            bs_dwc_scatter #(.OUT_WIDTH(OUT_WIDTH), .RATIO(LCM_WIDTH / OUT_WIDTH)) scatter (
                .ap_clk(ap_clk), .ap_rst_n(ap_rst_n),
                .in0_V_TDATA(mid_tdata), .in0_V_TVALID(mid_tvalid), .in0_V_TREADY(mid_tready),
                .out_V_TDATA(out_V_TDATA), .out_V_TVALID(out_V_TVALID),
                .out_V_TREADY(out_V_TREADY)
            );
        end
    endgenerate
endmodule
