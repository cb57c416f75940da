"""Lowering: a Brevitas QONNX export becomes integer MatMul (and Im2Col + MatMul) between qonnx
``MultiThreshold`` nodes, ready for kernel inference.

The order that works (``Lower`` runs it):

1. ``FoldQuantWeights`` - weight quantizers become integer initializers times a float scale.
2. ``QuantActToMultiThreshold`` - activation quantizers become ``MultiThreshold`` nodes.
3. ``MoveWeightScalePastMatMul`` - weight scales move behind their MatMul/Conv.
4. ``LowerConvToMatMul`` - Conv becomes Transpose, Im2Col, MatMul, Transpose.
5. ``Streamline`` - scales and biases move forward and are absorbed into thresholds.
6. ``ConvertToChannelsLast`` - transposes move out of the body so kernels see NHWC.
7. ``RecordUnloweredNodes`` - every node left in float gets its reason in the model's metadata.
"""
