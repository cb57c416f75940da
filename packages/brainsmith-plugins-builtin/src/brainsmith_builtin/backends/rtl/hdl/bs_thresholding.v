// brainsmith Thresholding: a streaming multi-threshold activation over NumChannels = PE * FOLDS
// channels, PE channels per input word (channel f*PE + p in lane p of the f-th word of a vector).
// y = ACT_VAL + count(x >= T[c, :]).
//
// Inputs are IN_BITS-bit elements (two's complement when IN_SIGNED = 1); they are extended to
// CMP_BITS signed bits, the width of the thresholds. The thresholds live in a ROM of FOLDS words
// of PE*STEPS*CMP_BITS bits (lane p step s at index p*STEPS + s), loaded with $readmemh from
// THRESHOLDS_FILE.
//
// Interface: AXI-Stream valid/ready, in0_V_* slave, out_V_* master, ap_rst_n active-low
// synchronous reset. Two pipeline stages that stall together when the output is held; one word per
// cycle in steady state.
`timescale 1ns / 1ps
module bs_thresholding #(
    parameter integer PE = 1,
    parameter integer FOLDS = 1,
    parameter integer STEPS = 1,
    parameter integer IN_BITS = 8,
    parameter integer IN_SIGNED = 0,
    parameter integer CMP_BITS = 9,
    parameter integer OUT_BITS = 4,
    parameter integer ACT_VAL = 0,
    parameter THRESHOLDS_FILE = "thresholds.mem"
) (
    input  wire                   ap_clk,
    input  wire                   ap_rst_n,
    input  wire [PE*IN_BITS-1:0]  in0_V_TDATA,
    input  wire                   in0_V_TVALID,
    output wire                   in0_V_TREADY,
    output reg  [PE*OUT_BITS-1:0] out_V_TDATA,
    output reg                    out_V_TVALID,
    input  wire                   out_V_TREADY
);
    localparam integer ROM_WIDTH = PE * STEPS * CMP_BITS;
    localparam integer FOLD_BITS = (FOLDS > 1) ? $clog2(FOLDS) : 1;

    reg [ROM_WIDTH-1:0] thresholds_rom [0:FOLDS-1];
    initial $readmemh(THRESHOLDS_FILE, thresholds_rom);

    wire [PE*CMP_BITS-1:0] extended;
    genvar g;
    generate
        for (g = 0; g < PE; g = g + 1) begin : g_extend
            wire [IN_BITS-1:0] raw = in0_V_TDATA[g*IN_BITS +: IN_BITS];
            wire fill = (IN_SIGNED != 0) ? raw[IN_BITS-1] : 1'b0;
            assign extended[g*CMP_BITS +: CMP_BITS] = {{(CMP_BITS - IN_BITS){fill}}, raw};
        end
    endgenerate

    wire advance = !out_V_TVALID || out_V_TREADY;
    assign in0_V_TREADY = advance;

    reg [FOLD_BITS-1:0] fold;
    reg stage_valid;
    reg [PE*CMP_BITS-1:0] stage_values;
    reg [ROM_WIDTH-1:0] stage_thresholds;

    wire [PE*OUT_BITS-1:0] activated;
    bs_threshold_count #(
        .PE(PE), .STEPS(STEPS), .VAL_BITS(CMP_BITS), .OUT_BITS(OUT_BITS), .ACT_VAL(ACT_VAL)
    ) count (
        .values(stage_values), .thresholds(stage_thresholds), .results(activated)
    );

    always @(posedge ap_clk) begin
        if (!ap_rst_n) begin
            fold <= 0;
            stage_valid <= 1'b0;
            out_V_TVALID <= 1'b0;
        end else if (advance) begin
            stage_valid <= in0_V_TVALID;
            if (in0_V_TVALID) begin
                stage_values <= extended;
                stage_thresholds <= thresholds_rom[fold];
                fold <= (fold == FOLDS - 1) ? 0 : fold + 1'b1;
            end
            out_V_TVALID <= stage_valid;
            if (stage_valid) out_V_TDATA <= activated;
        end
    end
endmodule
