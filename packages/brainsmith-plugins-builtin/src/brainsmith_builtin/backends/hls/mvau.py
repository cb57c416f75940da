"""HLS generator for ``MVAU``: y = thresholds(x @ W), folded by PE (rows) and SIMD (columns).

Contract (``MVAU`` in the kernel contract): ``x`` is ``numInputVectors + [MW]``, ``W`` is
``[MW, MH]``, ``y`` is ``numInputVectors + [MH]``. With ``noActivation=1`` y is the accumulator
``x @ W``; otherwise ``y[c] = ActVal + count(acc[c] >= T[c, k])``, or ``2 * count - 1`` (+-1,
one threshold per channel, ``ActVal`` ignored) when ``outputDataType`` is ``BIPOLAR``. The input
stream carries SIMD elements per word, the output PE elements per word (a bipolar element is one
bit: +1 -> 1, -1 -> 0).

Folding (the matrix-vector unit idea of FINN's MVAU, written anew): the weight matrix is cut into
``MH/PE * MW/SIMD`` tiles of PE rows by SIMD columns. Each cycle the unit reads one SIMD-wide input
word (or replays it from a buffer for the 2nd and later row folds) and PE lanes each multiply it
with their SIMD weights; after ``MW/SIMD`` cycles each lane holds one output. Weights are a
constant ``[PE][MH/PE * MW/SIMD]`` array of SIMD-element words, partitioned by PE. Cycles per
frame: ``prod(numInputVectors) * MH/PE * MW/SIMD``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from brainsmith_builtin.backends.hls import checks
from brainsmith_builtin.backends.hls.cpp import array_initializer, identifier, word_literal
from brainsmith_builtin.backends.hls.elements import Element, Encoding
from brainsmith_builtin.backends.hls.errors import HLSParameterError
from brainsmith_builtin.backends.hls.kernel import HLSKernel, StreamPort
from brainsmith_builtin.backends.hls.packing import element_codes
from brainsmith_builtin.backends.hls.thresholds import (
    activation_value,
    check_activation_output,
    threshold_table,
)


@dataclass(frozen=True, eq=False)
class MVAUParams:
    """An MVAU node's attributes (contract names) plus its initializers.

    ``weights`` is ``[MW, MH]`` with integer values of ``weightDataType``; ``thresholds`` is
    ``[MH, steps]`` or ``[1, steps]`` and required unless ``noActivation=1``. ``name`` is the node
    name: it names the C++ function and every error.
    """

    name: str
    MW: int
    MH: int
    SIMD: int
    PE: int
    inputDataType: str
    weightDataType: str
    outputDataType: str
    accDataType: str
    weights: NDArray[np.generic]
    thresholds: NDArray[np.generic] | None = None
    noActivation: int = 0
    ActVal: int = 0
    numInputVectors: tuple[int, ...] = field(default=(1,))


def _accumulator_range(weights: NDArray[np.float64], x: Element) -> tuple[int, int]:
    """Smallest and largest possible ``x @ W`` over every input vector (exact, per column)."""
    low_products = np.minimum(weights * x.min, weights * x.max)
    high_products = np.maximum(weights * x.min, weights * x.max)
    return int(low_products.sum(axis=0).min()), int(high_products.sum(axis=0).max())


def _weight_words(codes: NDArray[np.uint64], p: MVAUParams, bits: int) -> list[list[int]]:
    """``[PE][MH/PE * MW/SIMD]`` words; tile ``nf*SF + sf`` of lane p holds
    ``W[sf*SIMD + s, nf*PE + p]`` at element s."""
    sf, nf = p.MW // p.SIMD, p.MH // p.PE
    tiles = codes.reshape(sf, p.SIMD, nf, p.PE).transpose(3, 2, 0, 1).reshape(p.PE, nf * sf, -1)
    return [
        [sum(int(c) << (s * bits) for s, c in enumerate(tile)) for tile in lane] for lane in tiles
    ]


def generate_mvau(params: MVAUParams) -> HLSKernel:
    """Generate the folded MVAU kernel ``void <name>(in0, out0)``.

    Raises:
        HLSParameterError: a folding factor does not divide its dimension, a datatype is not an
            integer type, weights or thresholds have the wrong shape or values, ``accDataType``
            cannot hold every possible accumulator value, or ``outputDataType`` every output.
    """
    p, node = params, params.name
    mw = checks.positive(p.MW, node=node, attribute="MW")
    mh = checks.positive(p.MH, node=node, attribute="MH")
    simd = checks.positive(p.SIMD, node=node, attribute="SIMD")
    pe = checks.positive(p.PE, node=node, attribute="PE")
    checks.divides(simd, mw, node=node, attribute="SIMD", total_attribute="MW")
    checks.divides(pe, mh, node=node, attribute="PE", total_attribute="MH")
    vecs = checks.vectors(p.numInputVectors, node=node)
    x_el = Element.of(p.inputDataType, node=node, attribute="inputDataType")
    w_el = Element.of(p.weightDataType, node=node, attribute="weightDataType")
    out_el = Element.of(p.outputDataType, node=node, attribute="outputDataType")
    acc_el = Element.of(p.accDataType, node=node, attribute="accDataType")
    if acc_el.encoding is Encoding.BIPOLAR:
        raise HLSParameterError(
            "the accumulator cannot be BIPOLAR",
            where=f"node {node!r}, attribute 'accDataType'",
            fix="use an INTn accumulator",
        )

    weights = np.asarray(p.weights, dtype=np.float64)
    if weights.shape != (mw, mh):
        raise HLSParameterError(
            f"weights have shape {list(weights.shape)}, expected [MW, MH] = [{mw}, {mh}]",
            where=f"node {node!r}, input 'W'",
            fix="give the weight initializer as [MW, MH]",
        )
    try:
        codes = element_codes(weights, w_el)
    except ValueError as error:
        raise HLSParameterError(
            f"weights: {error}",
            where=f"node {node!r}, input 'W'",
            fix="quantize the weights to weightDataType or widen weightDataType",
        ) from None
    signed_weights = (
        np.where(weights > 0, 1.0, -1.0) if w_el.encoding is Encoding.BIPOLAR else weights
    )
    acc_low, acc_high = _accumulator_range(signed_weights, x_el)
    if acc_low < acc_el.min or acc_high > acc_el.max:
        raise HLSParameterError(
            f"accumulator values span [{acc_low}, {acc_high}], which {acc_el.datatype} cannot hold",
            where=f"node {node!r}, attribute 'accDataType'",
            fix="widen accDataType (a signed type of enough bits covers that range)",
        )

    function = identifier(node)
    sf, nf = mw // simd, mh // pe
    activation = not p.noActivation
    if activation and p.thresholds is None:
        raise HLSParameterError(
            "noActivation=0 but no thresholds were given",
            where=f"node {node!r}, input 'T'",
            fix="pass the thresholds, or set noActivation=1 to output the accumulator",
        )
    if not activation and p.thresholds is not None:
        raise HLSParameterError(
            "noActivation=1 but thresholds were given",
            where=f"node {node!r}, attribute 'noActivation'",
            fix="set noActivation=0 to apply the thresholds, or drop them",
        )
    declarations = [
        f"static const ap_uint<{simd * w_el.bits}> {function}_weights[{pe}][{nf * sf}] = "
        + array_initializer(
            [
                [word_literal(v, simd * w_el.bits) for v in lane]
                for lane in _weight_words(codes, p, w_el.bits)
            ]
        )
        + ";\n"
    ]
    pragmas = [f"#pragma HLS ARRAY_PARTITION variable={function}_weights complete dim=1"]
    if activation:
        assert p.thresholds is not None
        table = threshold_table(
            p.thresholds, channels=mh, steps=None, low=acc_low, high=acc_high, node=node
        )
        check_activation_output(p.ActVal, table.steps, out_el, node=node)
        declarations.append(table.declaration(f"{function}_thresholds", pe))
        pragmas += [
            f"#pragma HLS ARRAY_PARTITION variable={function}_thresholds complete dim=1",
            f"#pragma HLS ARRAY_PARTITION variable={function}_thresholds complete dim=3",
        ]
        output_lines = f"""\
                {table.count_type} count = 0;
                for (unsigned k = 0; k < {table.steps}; k++) {{
#pragma HLS UNROLL
                    count += acc[p] >= {function}_thresholds[p][nf][k];
                }}
                {out_el.encode("y_word", "p", activation_value(p.ActVal, "count", out_el))}"""
    else:
        if out_el.encoding is Encoding.BIPOLAR or acc_low < out_el.min or acc_high > out_el.max:
            raise HLSParameterError(
                f"with noActivation=1 the outputs are accumulators in [{acc_low}, {acc_high}], "
                f"which {out_el.datatype} cannot hold",
                where=f"node {node!r}, attribute 'outputDataType'",
                fix="use an outputDataType covering the accumulator range (e.g. the accDataType)",
            )
        output_lines = f"                {out_el.encode('y_word', 'p', 'acc[p]')}"

    in_port = StreamPort("in0", x_el, simd, (*vecs, mw))
    out_port = StreamPort("out0", out_el, pe, (*vecs, mh))
    total = math.prod(vecs) * nf * sf
    product = f"{x_el.decode('x_word', 's')} * {w_el.decode('w_word', 's')}"
    source = f"""\
// MVAU '{node}': MW={mw} MH={mh} SIMD={simd} PE={pe} numInputVectors={list(vecs)}
// x {x_el.datatype}, W {w_el.datatype}, acc {acc_el.datatype}, y {out_el.datatype}, \
{"thresholds" if activation else "no activation"}
// Generated by brainsmith_builtin.backends.hls.mvau.
#include <ap_int.h>
#include <hls_stream.h>

{"".join(declarations)}
void {function}({in_port.cpp_type} &in0, {out_port.cpp_type} &out0) {{
#pragma HLS INTERFACE axis port=in0
#pragma HLS INTERFACE axis port=out0
#pragma HLS INTERFACE ap_ctrl_none port=return
{chr(10).join(pragmas)}
    ap_uint<{in_port.width}> input_buffer[{sf}];
    {acc_el.cpp_type} acc[{pe}];
#pragma HLS ARRAY_PARTITION variable=acc complete dim=1
    unsigned sf = 0;
    unsigned nf = 0;
    // one iteration per cycle: vectors x row folds (MH/PE) x column folds (MW/SIMD)
    for (unsigned i = 0; i < {total}; i++) {{
#pragma HLS PIPELINE II=1
        ap_uint<{in_port.width}> x_word;
        if (nf == 0) {{
            x_word = in0.read();
            input_buffer[sf] = x_word;
        }} else {{
            x_word = input_buffer[sf];
        }}
        const unsigned tile = nf * {sf} + sf;
        for (unsigned p = 0; p < {pe}; p++) {{
#pragma HLS UNROLL
            const ap_uint<{simd * w_el.bits}> w_word = {function}_weights[p][tile];
            {acc_el.cpp_type} sum = (sf == 0) ? {acc_el.cpp_type}(0) : acc[p];
            for (unsigned s = 0; s < {simd}; s++) {{
#pragma HLS UNROLL
                sum += {product};
            }}
            acc[p] = sum;
        }}
        if (sf == {sf - 1}) {{
            ap_uint<{out_port.width}> y_word = 0;
            for (unsigned p = 0; p < {pe}; p++) {{
#pragma HLS UNROLL
{output_lines}
            }}
            out0.write(y_word);
            sf = 0;
            nf = (nf == {nf - 1}) ? 0 : nf + 1;
        }} else {{
            sf++;
        }}
    }}
}}
"""
    return HLSKernel(function, source, (in_port,), (out_port,), total)
