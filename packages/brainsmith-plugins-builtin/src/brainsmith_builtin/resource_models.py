"""Analytic resource models of the builtin kernels and backends (LUT, FF, BRAM_18K, URAM, DSP).

Structural counts written for our own datapaths (``backends/rtl/hdl/*.v`` and the HLS engine
in ``backends/hls``), one LUT6 and one carry bit per adder or comparator bit, a register per
pipeline bit, memories placed by :func:`brainsmith.hardware.memory_resources` (LUTs up to 64
words, RAMB18 beyond). The idea of per-layer formulas of folding and bit widths comes from
FINN-R (Blott et al., "FINN-R: An End-to-End Deep-Learning Framework for Fast Exploration of
Quantized Neural Networks", ACM TRETS 11(3), 2018, section 5) and FINN's
``lut_estimation``/``bram_estimation`` (Xilinx/finn ``src/finn/custom_op/fpgadataflow``);
the formulas here are ours and are checked against yosys ``synth_xilinx`` for every RTL backend
(``tests/hardware/test_estimates.py``; the observed ratio band is in ``docs/hardware.md``,
"Estimates"). HLS numbers add :data:`HLS_CONTROL` for the generated FSM and stream interfaces
and are not calibrated against Vitis HLS (not available here): read them as magnitudes.

Our datapaths use LUT multipliers (no DSP packing), so ``DSP`` is 0 except for the float
LayerNorm.
"""

from __future__ import annotations

import math

from brainsmith.hardware import Resources, memory_resources

__all__ = [
    "HLS_CONTROL",
    "accumulator_bits",
    "add_streams_resources",
    "dwc_resources",
    "fifo_resources",
    "layernorm_resources",
    "maxpool_resources",
    "multiplier_luts",
    "mvau_resources",
    "sliding_window_resources",
    "thresholding_resources",
]

HLS_CONTROL = Resources(LUT=120, FF=150)
"""Fixed LUT/FF cost of an HLS kernel's control (loop FSM, stream handshakes, ``ap_ctrl``);
an uncalibrated magnitude (FINN-R's MVAU formula carries a similar constant, ``c0 = 300``)."""


def _clog2(n: int) -> int:
    return max(1, math.ceil(math.log2(n))) if n > 1 else 1


def accumulator_bits(mw: int, in_range: tuple[int, int], w_range: tuple[int, int]) -> int:
    """Signed bits of an ``MW``-term dot product of inputs in ``in_range`` and weights in
    ``w_range`` (the worst case over all weights: FINN's bound of arXiv:2301.13376 in spirit;
    the RTL engine narrows it further from the actual weights)."""
    corners = [a * b for a in in_range for b in w_range]
    low, high = mw * min(corners), mw * max(corners)
    bits = 1
    while not (-(1 << (bits - 1)) <= low and high + 1 <= (1 << (bits - 1)) - 1):
        bits += 1
    return bits


def multiplier_luts(a_bits: int, w_bits: int, a_bipolar: bool, w_bipolar: bool) -> int:
    """LUT6s of one ``a_bits`` x ``w_bits`` multiplier in fabric: a bipolar x bipolar product is
    one XNOR; a bipolar operand makes the product a conditional negation (one LUT per bit of
    the other operand plus one); otherwise an array multiplier of sign-extended operands,
    ``(a+1)(w+1)`` partial-product LUTs folded two per LUT6 plus a carry-chain row of
    ``a + w + 2`` bits."""
    if a_bipolar and w_bipolar:
        return 1
    if a_bipolar or w_bipolar:
        return (w_bits if a_bipolar else a_bits) + 1
    return math.ceil((a_bits + 1) * (w_bits + 1) / 2) + a_bits + w_bits + 2


def mvau_resources(
    *,
    mw: int,
    mh: int,
    simd: int,
    pe: int,
    in_bits: int,
    w_bits: int,
    out_bits: int,
    acc_bits: int,
    steps: int,
    in_bipolar: bool = False,
    w_bipolar: bool = False,
    rtl: bool = True,
) -> Resources:
    """One MVAU at folding (PE, SIMD) (``steps = 0`` for ``noActivation=1``):

    - multipliers: ``PE * SIMD * multiplier_luts``; adder tree: ``PE * (SIMD - 1)`` adders of
      the product width plus the tree depth; accumulators: ``PE * acc_bits``;
    - activation: ``PE * steps`` comparators of ``acc_bits`` and a ``ceil(log2(steps+1))``-bit
      count adder per comparator; thresholds ROM ``MH/PE`` words of ``PE * steps * acc_bits``;
    - weights ROM ``MW*MH/(PE*SIMD)`` words of ``PE*SIMD*w_bits``; the RTL engine also keeps
      the input vector (``MW/SIMD`` words of ``SIMD*in_bits``) for the other neuron folds;
    - registers: operand fetch ``SIMD*in_bits + PE*SIMD*w_bits``, accumulators, the output word
      ``PE*out_bits``, and the fold counters; control ``20 + 2 * counter bits`` LUTs.
    """
    sf, nf = mw // simd, mh // pe
    product = in_bits + w_bits + 2 if not (in_bipolar and w_bipolar) else 2
    tree = (
        pe
        * sum(
            min(acc_bits, product + level) * (simd >> level >> 1) for level in range(_clog2(simd))
        )
        if simd > 1
        else 0
    )
    counters = _clog2(sf) + _clog2(nf) + _clog2(sf * nf)
    luts = (
        pe * simd * multiplier_luts(in_bits, w_bits, in_bipolar, w_bipolar)
        + tree
        + pe * acc_bits
        + pe * steps * (acc_bits + _clog2(steps + 1))
        + 20
        + 2 * counters
    )
    memory = memory_resources(sf * nf, pe * simd * w_bits)
    if steps:
        memory = memory + memory_resources(nf, pe * steps * acc_bits)
    if rtl and nf > 1:
        memory = memory + memory_resources(sf, simd * in_bits)
    ffs = simd * in_bits + pe * simd * w_bits + pe * acc_bits + pe * out_bits + counters + 8
    core = Resources(LUT=luts, FF=ffs) + memory
    return core if rtl else core + HLS_CONTROL


def thresholding_resources(
    *,
    channels: int,
    pe: int,
    steps: int,
    in_bits: int,
    out_bits: int,
    rtl: bool = True,
) -> Resources:
    """Thresholding at folding PE: ``PE * steps`` comparators of ``in_bits + 1`` bits (values
    sign-extended to the threshold width) with their count adders; a thresholds ROM of
    ``NumChannels/PE`` words of ``PE * steps * (in_bits + 1)`` bits; registers for the staged
    values, the thresholds word and the output word, and the fold counter.

    Constant thresholds let synthesis fold part of the ROM and its output register into the
    comparators (yosys keeps about half of both on the calibration designs), so the ROM and
    its register count half."""
    cmp_bits = in_bits + 1
    folds = channels // pe
    word = pe * steps * cmp_bits
    luts = pe * steps * (cmp_bits + _clog2(steps + 1)) // 2 + pe * out_bits + 8 + _clog2(folds)
    ffs = pe * cmp_bits + word / 2 + pe * out_bits + _clog2(folds) + 2
    rom = memory_resources(folds, word)
    core = Resources(LUT=luts + rom.LUT / 2, FF=ffs, BRAM_18K=rom.BRAM_18K)
    return core if rtl else core + HLS_CONTROL


def fifo_resources(depth: int, width: int) -> Resources:
    """StreamingFIFO of ``depth`` words of ``width`` bits: up to 4 words in registers, else a
    distributed or block memory (:func:`~brainsmith.hardware.memory_resources`); two pointers
    and a count (``3 * ceil(log2(depth + 1))`` bits) with their incrementers and full/empty
    compares (``4 * pointer bits + 4`` LUTs)."""
    pointer = _clog2(depth + 1)
    control = Resources(LUT=4 * pointer + 4, FF=3 * pointer)
    if depth <= 4:
        return control + Resources(LUT=width, FF=depth * width)
    return control + memory_resources(depth, width)


def dwc_resources(in_width: int, out_width: int) -> Resources:
    """StreamingDataWidthConverter: gathering ``r = out/in`` words keeps ``out - in`` bits of
    partial word plus the ``out``-bit output register; scattering one word into ``r = in/out``
    keeps an ``in``-bit shift register, one LUT per bit for load-or-shift; other ratios gather
    to the least common multiple, then scatter from it. Counters ``ceil(log2(r+1))`` bits."""
    if out_width % in_width == 0:
        ratio = out_width // in_width
        return Resources(LUT=_clog2(ratio) + 4, FF=2 * out_width - in_width + _clog2(ratio) + 1)
    if in_width % out_width == 0:
        ratio = in_width // out_width
        return Resources(LUT=in_width + _clog2(ratio + 1) + 2, FF=in_width + _clog2(ratio + 1))
    lcm = in_width * out_width // math.gcd(in_width, out_width)
    return dwc_resources(in_width, lcm) + dwc_resources(lcm, out_width)


def sliding_window_resources(
    *, channels: int, simd: int, in_bits: int, image_width: int, kernel_rows: int, dilation: int
) -> Resources:
    """ConvolutionInputGenerator (HLS): a circular buffer of ``((kh - 1) * dh + 1)`` image rows,
    ``image_width * channels / SIMD`` words of ``SIMD * in_bits`` each; address generation
    (about 150 LUTs of counters and compares) and a ``SIMD * in_bits`` output mux and register."""
    rows = (kernel_rows - 1) * dilation + 1
    depth = rows * image_width * (channels // simd)
    width = simd * in_bits
    return (
        Resources(LUT=150 + width, FF=100 + 2 * width)
        + memory_resources(depth, width)
        + HLS_CONTROL
    )


def maxpool_resources(
    *, channels: int, pe: int, bits: int, image_width: int, pool_width: int
) -> Resources:
    """StreamingMaxPool (HLS): ``PE`` compare-and-select lanes of ``bits`` (two LUTs per bit),
    a row of running maxima (``image_width / pool_width * channels / PE`` words of
    ``PE * bits``), the output register."""
    depth = image_width // pool_width * (channels // pe)
    return (
        Resources(LUT=2 * pe * bits + 40, FF=2 * pe * bits + 40)
        + memory_resources(depth, pe * bits)
        + HLS_CONTROL
    )


def add_streams_resources(*, pe: int, a_bits: int, b_bits: int, out_bits: int) -> Resources:
    """AddStreams (HLS): ``PE`` adders of ``out_bits`` (one LUT per bit), input and output
    registers."""
    return (
        Resources(LUT=pe * out_bits + 20, FF=pe * (a_bits + b_bits + out_bits) + 20) + HLS_CONTROL
    )


FLOAT_ADD = Resources(LUT=360, FF=520, DSP=2)
"""One single-precision adder, full-DSP pipelined implementation: the magnitude Xilinx PG060
(Floating-Point Operator, resource tables for 7-series) lists for fadd."""
FLOAT_MUL = Resources(LUT=90, FF=200, DSP=3)
"""One single-precision multiplier with DSP slices (PG060 magnitude)."""
FLOAT_DIV_SQRT = Resources(LUT=1600, FF=1400, DSP=0)
"""One single-precision divider plus square root in fabric, shared over the row (PG060
magnitude)."""


def layernorm_resources(*, channels: int, simd: int) -> Resources:
    """LayerNorm (HLS, float32): per SIMD lane one adder for the mean, one multiply-add for the
    variance and one multiply for the normalisation (2 adders, 2 multipliers), one shared
    divider/square root, and a buffer of one row (``NumChannels/SIMD`` words of ``32*SIMD``
    bits) between the statistics pass and the normalisation pass."""
    lanes = Resources()
    for _ in range(simd):
        lanes = lanes + FLOAT_ADD + FLOAT_ADD + FLOAT_MUL + FLOAT_MUL
    return lanes + FLOAT_DIV_SQRT + memory_resources(channels // simd, 32 * simd) + HLS_CONTROL
