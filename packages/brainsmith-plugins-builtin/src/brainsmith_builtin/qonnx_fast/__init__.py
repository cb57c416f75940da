"""Faster drop-in equivalents of qonnx passes, one module per pass.

Each is a qonnx ``Transformation`` whose ``apply`` produces exactly the model (byte for byte)
that qonnx's own pass produces, nested ``model.transform`` cleanup included, and falls back to
qonnx's implementation whenever the model is outside the scope its fast path was validated
for. The ``qonnx`` namespace's manifest entries point at them; the equality tests live in
``tests/test_qonnx_fast.py``.
"""
