"""Corrected and faster equivalents of qonnx passes, one module per pass.

The ``qonnx`` namespace's manifest entries (``qonnx-plugin.toml``) point at them.

* ``give_readable_tensor_names``: exactly qonnx's result (byte for byte), in linear time,
  falling back to qonnx's own code outside the scope its fast path was validated for
  (``tests/test_qonnx_fast.py``).
* ``gemm_to_matmul``, ``remove_identity_ops``, ``batchnorm_to_affine``, ``convert_div_to_mul``,
  ``remove_unused_tensors``, ``fold_constants``, ``infer_datatypes``: corrected passes, each in
  one sweep. Where qonnx's pass is right they compute the same function; where it raises,
  writes an invalid model or changes the function, they handle the case or leave the node
  alone (``tests/qonnx_fast/``). Each module's docstring lists the differences.
* ``_graph``: the graph facts they share (the real ONNX opset, fresh names, constants, ...).
"""
