"""rtlsim of the RTL MVAU equals a numpy reference of the contract bit-exactly over datatypes and
foldings, and takes prod(numInputVectors) * (MH/PE) * (MW/SIMD) cycles."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pytest
from brainsmith_builtin.backends.rtl.kernel import rtlsim
from brainsmith_builtin.backends.rtl.mvau import MvauRtl
from brainsmith_builtin.backends.rtl.rtlsim import Stimulus
from rtl_helpers import (
    GAP,
    STALL,
    assert_cycles_near,
    build_cache,
    random_values,
    simulator_or_skip,
)


def reference(
    x: npt.NDArray[np.float32],
    w: npt.NDArray[np.float32],
    thresholds: npt.NDArray[np.float32] | None,
    act_val: int,
) -> npt.NDArray[np.float32]:
    """acc = x @ W; y = acc, or ActVal + count(acc >= T[c, :]) per output channel."""
    acc = np.einsum("...k,kn->...n", x.astype(np.int64), w.astype(np.int64))
    if thresholds is None:
        return acc.astype(np.float32)
    full = np.broadcast_to(thresholds, (w.shape[1], thresholds.shape[1]))
    return (act_val + (acc[..., :, None] >= full).sum(axis=-1)).astype(np.float32)


@dataclass(frozen=True)
class Case:
    mw: int
    mh: int
    simd: int
    pe: int
    idt: str
    wdt: str
    odt: str
    vectors: tuple[int, ...]
    steps: int = 0  # 0: noActivation
    act_val: int = 0
    per_channel: bool = True


CASES = {
    "pe1-simd1-int4-noact": Case(8, 4, 1, 1, "INT4", "INT4", "INT32", (4,)),
    "middle-uint8-int2-thresholds": Case(16, 8, 4, 2, "UINT8", "INT2", "UINT4", (1, 2, 3), 15),
    "full-bipolar-xnor": Case(8, 6, 8, 6, "BIPOLAR", "BIPOLAR", "BINARY", (40,), 1),
    "middle-int4-bipolar-weights-signed-out": Case(
        6, 9, 2, 3, "INT4", "BIPOLAR", "INT3", (1, 6), 7, -4, False
    ),
    "middle-uint2-int3-noact": Case(12, 8, 4, 4, "UINT2", "INT3", "INT16", (1, 8)),
    "full-bipolar-inputs-int2-weights": Case(4, 4, 4, 4, "BIPOLAR", "INT2", "INT8", (48,)),
}


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
def test_mvau_rtlsim_matches_reference(request: pytest.FixtureRequest, case: Case) -> None:
    simulator = simulator_or_skip()
    rng = np.random.default_rng(case.mw * 1000 + case.mh * 10 + case.pe)
    w = random_values(rng, case.wdt, (case.mw, case.mh))
    x = random_values(rng, case.idt, (*case.vectors, case.mw))
    acc = np.einsum("...k,kn->...n", x, w)
    thresholds = None
    if case.steps:
        rows = case.mh if case.per_channel else 1
        spread = np.abs(acc).max() + 2
        thresholds = np.sort(
            np.round(rng.uniform(-spread, spread, (rows, case.steps))), axis=1
        ).astype(np.float32)
    kernel = MvauRtl(
        case.mw,
        case.mh,
        case.simd,
        case.pe,
        case.idt,
        case.wdt,
        case.odt,
        "INT32",
        w,
        thresholds,
        no_activation=not case.steps,
        act_val=case.act_val,
        num_input_vectors=case.vectors,
    )
    expected = reference(x, w, thresholds, case.act_val)
    assert len(np.unique(expected)) > 1, "a constant output would prove little"
    cache = build_cache(request.config)

    stressed = rtlsim(
        kernel, x, stimulus=Stimulus(11, GAP, STALL), simulator=simulator, cache_dir=cache
    )
    np.testing.assert_array_equal(stressed.output, expected)

    free = rtlsim(kernel, x, simulator=simulator, cache_dir=cache)
    np.testing.assert_array_equal(free.output, expected)
    assert_cycles_near(free.cycles, kernel.expected_cycles)


def test_mvau_bipolar_weights_pack_as_one_bit() -> None:
    w = np.array([[1, -1], [-1, 1]], dtype=np.float32)
    kernel = MvauRtl(2, 2, 2, 2, "INT4", "BIPOLAR", "INT8", "INT8", w)
    # one word: lane p, simd i at bit p*SIMD + i holds W[i, p]; +1 -> 1, -1 -> 0
    assert kernel.weight_words() == [0b1001]


def test_mvau_rejects_narrow_accumulator() -> None:
    w = np.full((16, 2), 7, dtype=np.float32)
    with pytest.raises(ValueError, match=r"node mv0: accDataType INT8 cannot hold .* use INT11"):
        MvauRtl(16, 2, 4, 2, "INT4", "INT4", "INT8", "INT8", w, name="mv0")


def test_mvau_rejects_simd_that_does_not_divide_mw() -> None:
    w = np.zeros((6, 2), dtype=np.float32)
    with pytest.raises(ValueError, match=r"node mv0: SIMD=4 must divide MW=6; legal values"):
        MvauRtl(6, 2, 4, 1, "INT4", "INT4", "INT16", "INT16", w, name="mv0")


def test_mvau_rejects_weights_outside_their_datatype() -> None:
    w = np.full((2, 2), 9, dtype=np.float32)
    with pytest.raises(ValueError, match=r"node mv0: weights: .* does not fit datatype INT4"):
        MvauRtl(2, 2, 1, 1, "INT4", "INT4", "INT16", "INT16", w, name="mv0")


def test_mvau_activation_needs_thresholds() -> None:
    w = np.zeros((2, 2), dtype=np.float32)
    with pytest.raises(ValueError, match="noActivation=0 needs thresholds"):
        MvauRtl(2, 2, 1, 1, "INT4", "INT4", "UINT2", "INT16", w, no_activation=False)
