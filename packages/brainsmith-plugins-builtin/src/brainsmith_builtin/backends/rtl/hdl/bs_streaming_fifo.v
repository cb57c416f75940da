// brainsmith StreamingFIFO: a first-word-fall-through FIFO of DEPTH words of WIDTH bits.
//
// Interface (AXI-Stream, valid/ready): in0_V_* is the slave (input) stream, out_V_* the master
// (output) stream; ap_rst_n is an active-low synchronous reset. Storage is a register/LUTRAM array
// read asynchronously, so out_V_TDATA comes straight from the head entry. One word per cycle in and
// out when DEPTH >= 2 (a full FIFO refuses input even when it is being read; DEPTH = 1 halves the
// throughput). Latency from an accepted input to a valid output: one cycle.
`timescale 1ns / 1ps
module bs_streaming_fifo #(
    parameter integer DEPTH = 2,
    parameter integer WIDTH = 8
) (
    input  wire             ap_clk,
    input  wire             ap_rst_n,
    input  wire [WIDTH-1:0] in0_V_TDATA,
    input  wire             in0_V_TVALID,
    output wire             in0_V_TREADY,
    output wire [WIDTH-1:0] out_V_TDATA,
    output wire             out_V_TVALID,
    input  wire             out_V_TREADY
);
    localparam integer PTR_BITS = (DEPTH > 1) ? $clog2(DEPTH) : 1;
    localparam integer COUNT_BITS = $clog2(DEPTH + 1);

    reg [WIDTH-1:0] storage [0:DEPTH-1];
    reg [PTR_BITS-1:0] write_ptr;
    reg [PTR_BITS-1:0] read_ptr;
    reg [COUNT_BITS-1:0] count;

    wire push = in0_V_TVALID && in0_V_TREADY;
    wire pop = out_V_TVALID && out_V_TREADY;

    assign in0_V_TREADY = (count != DEPTH);
    assign out_V_TVALID = (count != 0);
    assign out_V_TDATA = storage[read_ptr];

    always @(posedge ap_clk) begin
        if (push) storage[write_ptr] <= in0_V_TDATA;
    end

    always @(posedge ap_clk) begin
        if (!ap_rst_n) begin
            write_ptr <= 0;
            read_ptr <= 0;
            count <= 0;
        end else begin
            if (push) write_ptr <= (write_ptr == DEPTH - 1) ? 0 : write_ptr + 1'b1;
            if (pop) read_ptr <= (read_ptr == DEPTH - 1) ? 0 : read_ptr + 1'b1;
            if (push && !pop) count <= count + 1'b1;
            else if (pop && !push) count <= count - 1'b1;
        end
    end
endmodule
