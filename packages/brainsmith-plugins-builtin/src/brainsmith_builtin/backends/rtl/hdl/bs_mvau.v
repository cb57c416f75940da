// brainsmith MVAU (matrix-vector-activation unit), plain datapath without DSP packing.
//
// Computes y = W^T x for input vectors of MW = SIMD * SF elements and MH = PE * NF outputs,
// optionally followed by a multi-threshold activation. Each input vector arrives as SF words of
// SIMD elements (element i of a word at bits [i*IN_BITS, (i+1)*IN_BITS)); each output vector
// leaves as NF words of PE elements. The first neuron fold consumes the input words and keeps
// them in a buffer that the other NF-1 neuron folds reuse: NF*SF cycles per vector.
//
// Datatypes: elements are unsigned, two's complement (IN_SIGNED/W_SIGNED = 1) or bipolar
// (IN_BIPOLAR/W_BIPOLAR = 1, one bit: 1 is +1, 0 is -1). Products and sums are formed in
// ACC_BITS signed bits, wide enough for every partial sum and every threshold.
//
// Weights ROM (WEIGHTS_FILE, $readmemh): NF*SF words of PE*SIMD*W_BITS bits; word nf*SF + sf holds
// W[sf*SIMD + i, nf*PE + p] at element index p*SIMD + i.
// Thresholds ROM (THRESHOLDS_FILE, only when NO_ACTIVATION = 0): NF words of PE*STEPS*ACC_BITS
// bits; word nf holds the thresholds of output channel nf*PE + p at index p*STEPS + s.
// Output: NO_ACTIVATION = 1 gives the low OUT_BITS of each accumulator; otherwise
// ACT_VAL + count(acc >= T[c, :]) in OUT_BITS bits.
//
// Interface: AXI-Stream valid/ready, in0_V_* slave, out_V_* master, ap_rst_n active-low
// synchronous reset. Three pipeline stages (operand fetch, multiply-accumulate, activation) that
// stall together when the output is held.
`timescale 1ns / 1ps
module bs_mvau #(
    parameter integer MW = 4,
    parameter integer MH = 4,
    parameter integer SIMD = 1,
    parameter integer PE = 1,
    parameter integer IN_BITS = 4,
    parameter integer IN_SIGNED = 1,
    parameter integer IN_BIPOLAR = 0,
    parameter integer W_BITS = 4,
    parameter integer W_SIGNED = 1,
    parameter integer W_BIPOLAR = 0,
    parameter integer ACC_BITS = 16,
    parameter integer NO_ACTIVATION = 1,
    parameter integer STEPS = 1,
    parameter integer OUT_BITS = 16,
    parameter integer ACT_VAL = 0,
    parameter WEIGHTS_FILE = "weights.mem",
    parameter THRESHOLDS_FILE = "thresholds.mem"
) (
    input  wire                     ap_clk,
    input  wire                     ap_rst_n,
    input  wire [SIMD*IN_BITS-1:0]  in0_V_TDATA,
    input  wire                     in0_V_TVALID,
    output wire                     in0_V_TREADY,
    output reg  [PE*OUT_BITS-1:0]   out_V_TDATA,
    output reg                      out_V_TVALID,
    input  wire                     out_V_TREADY
);
    localparam integer SF = MW / SIMD;
    localparam integer NF = MH / PE;
    localparam integer SF_BITS = (SF > 1) ? $clog2(SF) : 1;
    localparam integer NF_BITS = (NF > 1) ? $clog2(NF) : 1;
    localparam integer WADDR_BITS = (SF * NF > 1) ? $clog2(SF * NF) : 1;
    localparam integer IN_EXT = IN_BITS + 1;
    localparam integer W_EXT = W_BITS + 1;
    localparam integer WORD_W = PE * SIMD * W_BITS;

    reg [WORD_W-1:0] weights_rom [0:SF*NF-1];
    initial $readmemh(WEIGHTS_FILE, weights_rom);

    reg [SIMD*IN_BITS-1:0] input_buffer [0:SF-1];

    // Operand fetch.
    reg [SF_BITS-1:0] sf;
    reg [NF_BITS-1:0] nf;
    reg [WADDR_BITS-1:0] waddr;

    wire advance = !out_V_TVALID || out_V_TREADY;
    wire reading_input = (nf == 0);
    assign in0_V_TREADY = advance && reading_input;
    wire issue = advance && (reading_input ? in0_V_TVALID : 1'b1);

    reg fetch_valid;
    reg fetch_first;
    reg fetch_last;
    reg [NF_BITS-1:0] fetch_nf;
    reg [SIMD*IN_BITS-1:0] fetch_x;
    reg [WORD_W-1:0] fetch_w;

    // Multiply-accumulate.
    wire [SIMD*IN_EXT-1:0] x_signed;
    wire [PE*ACC_BITS-1:0] dot;
    genvar p, i;
    generate
        for (i = 0; i < SIMD; i = i + 1) begin : g_x
            wire [IN_BITS-1:0] raw = fetch_x[i*IN_BITS +: IN_BITS];
            if (IN_BIPOLAR != 0) begin : g_bipolar
                assign x_signed[i*IN_EXT +: IN_EXT] = raw[0] ? 2'sb01 : 2'sb11;
            end else begin : g_int
                assign x_signed[i*IN_EXT +: IN_EXT] =
                    {((IN_SIGNED != 0) ? raw[IN_BITS-1] : 1'b0), raw};
            end
        end
        for (p = 0; p < PE; p = p + 1) begin : g_pe
            wire [SIMD*ACC_BITS-1:0] products;
            for (i = 0; i < SIMD; i = i + 1) begin : g_simd
                wire [W_BITS-1:0] raw = fetch_w[(p*SIMD + i)*W_BITS +: W_BITS];
                wire signed [W_EXT-1:0] w_signed;
                if (W_BIPOLAR != 0) begin : g_bipolar
                    assign w_signed = raw[0] ? 2'sb01 : 2'sb11;
                end else begin : g_int
                    assign w_signed = {((W_SIGNED != 0) ? raw[W_BITS-1] : 1'b0), raw};
                end
                wire signed [IN_EXT-1:0] x_lane = x_signed[i*IN_EXT +: IN_EXT];
                wire signed [ACC_BITS-1:0] product = x_lane * w_signed;
                assign products[i*ACC_BITS +: ACC_BITS] = product;
            end
            bs_adder_tree #(.N(SIMD), .WIDTH(ACC_BITS)) tree (
                .terms(products), .sum(dot[p*ACC_BITS +: ACC_BITS])
            );
        end
    endgenerate

    reg [PE*ACC_BITS-1:0] acc;
    reg acc_valid;
    reg [NF_BITS-1:0] acc_nf;

    // Activation.
    wire [PE*OUT_BITS-1:0] activated;
    generate
        if (NO_ACTIVATION != 0) begin : g_no_activation
            for (p = 0; p < PE; p = p + 1) begin : g_lane
                assign activated[p*OUT_BITS +: OUT_BITS] = acc[p*ACC_BITS +: OUT_BITS];
            end
        end else begin : g_activation
            reg [PE*STEPS*ACC_BITS-1:0] thresholds_rom [0:NF-1];
            initial $readmemh(THRESHOLDS_FILE, thresholds_rom);
            bs_threshold_count #(
                .PE(PE), .STEPS(STEPS), .VAL_BITS(ACC_BITS), .OUT_BITS(OUT_BITS),
                .ACT_VAL(ACT_VAL)
            ) count (
                .values(acc), .thresholds(thresholds_rom[acc_nf]), .results(activated)
            );
        end
    endgenerate

    always @(posedge ap_clk) begin
        if (reading_input && issue) input_buffer[sf] <= in0_V_TDATA;
    end

    integer lane;
    always @(posedge ap_clk) begin
        if (!ap_rst_n) begin
            sf <= 0;
            nf <= 0;
            waddr <= 0;
            fetch_valid <= 1'b0;
            acc_valid <= 1'b0;
            out_V_TVALID <= 1'b0;
        end else if (advance) begin
            fetch_valid <= issue;
            if (issue) begin
                fetch_x <= reading_input ? in0_V_TDATA : input_buffer[sf];
                fetch_w <= weights_rom[waddr];
                fetch_first <= (sf == 0);
                fetch_last <= (sf == SF - 1);
                fetch_nf <= nf;
                waddr <= (waddr == SF * NF - 1) ? 0 : waddr + 1'b1;
                if (sf == SF - 1) begin
                    sf <= 0;
                    nf <= (nf == NF - 1) ? 0 : nf + 1'b1;
                end else begin
                    sf <= sf + 1'b1;
                end
            end
            if (fetch_valid) begin
                for (lane = 0; lane < PE; lane = lane + 1) begin
                    acc[lane*ACC_BITS +: ACC_BITS] <=
                        (fetch_first ? {ACC_BITS{1'b0}} : acc[lane*ACC_BITS +: ACC_BITS])
                        + dot[lane*ACC_BITS +: ACC_BITS];
                end
                acc_nf <= fetch_nf;
            end
            acc_valid <= fetch_valid && fetch_last;
            out_V_TVALID <= acc_valid;
            if (acc_valid) out_V_TDATA <= activated;
        end
    end
endmodule
