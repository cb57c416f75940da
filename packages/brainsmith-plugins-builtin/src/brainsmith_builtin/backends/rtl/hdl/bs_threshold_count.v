// brainsmith multi-threshold activation, combinational: for each of PE lanes,
// result = ACT_VAL + (number of the lane's STEPS thresholds that the value is >= to).
//
// values:     PE signed VAL_BITS-bit numbers, lane p at bits [p*VAL_BITS, (p+1)*VAL_BITS).
// thresholds: PE*STEPS signed VAL_BITS-bit numbers, lane p step s at index p*STEPS + s.
// results:    PE OUT_BITS-bit numbers, two's complement modulo 2**OUT_BITS.
// A BIPOLAR output (2*count - 1, one bit: +1 -> 1, -1 -> 0) is STEPS = 1, ACT_VAL = 0,
// OUT_BITS = 1: its code is the count itself.
`timescale 1ns / 1ps
module bs_threshold_count #(
    parameter integer PE = 1,
    parameter integer STEPS = 1,
    parameter integer VAL_BITS = 8,
    parameter integer OUT_BITS = 4,
    parameter integer ACT_VAL = 0
) (
    input  wire [PE*VAL_BITS-1:0]       values,
    input  wire [PE*STEPS*VAL_BITS-1:0] thresholds,
    output reg  [PE*OUT_BITS-1:0]       results
);
    integer lane;
    integer step;
    reg [OUT_BITS-1:0] count;

    always @(*) begin
        results = {PE*OUT_BITS{1'b0}};
        for (lane = 0; lane < PE; lane = lane + 1) begin
            count = ACT_VAL;
            for (step = 0; step < STEPS; step = step + 1) begin
                if ($signed(values[lane*VAL_BITS +: VAL_BITS])
                        >= $signed(thresholds[(lane*STEPS + step)*VAL_BITS +: VAL_BITS])) begin
                    count = count + 1'b1;
                end
            end
            results[lane*OUT_BITS +: OUT_BITS] = count;
        end
    end
endmodule
