// brainsmith adder tree, combinational: sum of N WIDTH-bit terms modulo 2**WIDTH (so it is exact
// for two's complement terms whose true sum fits WIDTH signed bits). A balanced binary tree over
// the next power of two of N leaves (missing leaves are zero), depth ceil(log2(N)).
`timescale 1ns / 1ps
module bs_adder_tree #(
    parameter integer N = 2,
    parameter integer WIDTH = 8
) (
    input  wire [N*WIDTH-1:0] terms,
    output wire [WIDTH-1:0]   sum
);
    localparam integer LEAVES = 1 << $clog2(N);

    // Heap layout: node i is the sum of nodes 2i and 2i+1; the leaves are nodes LEAVES..2*LEAVES-1.
    wire [WIDTH-1:0] node [1:2*LEAVES-1];
    genvar i;
    generate
        for (i = 0; i < LEAVES; i = i + 1) begin : g_leaf
            if (i < N) begin : g_term
                assign node[LEAVES + i] = terms[i*WIDTH +: WIDTH];
            end else begin : g_zero
                assign node[LEAVES + i] = {WIDTH{1'b0}};
            end
        end
        for (i = 1; i < LEAVES; i = i + 1) begin : g_add
            assign node[i] = node[2*i] + node[2*i + 1];
        end
    endgenerate
    assign sum = node[1];
endmodule
