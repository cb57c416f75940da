"""Backend node classes of the builtin kernels: ``<Kernel>_hls`` and ``<Kernel>_rtl``.

Each class is a qonnx ``CustomOp`` combining a backend mixin with its kernel
(``class MVAU_hls(HLSNodeBackend, MVAU)``): it fills the HLS or RTL engine's parameters from the
node's attributes and parameter tensors (weights, thresholds), writes the generated sources
(``generate_hls`` / ``generate_rtl``) and simulates the node (``exec_mode`` ``cppsim`` /
``rtlsim``). Modules, one per kernel: ``mvau``, ``thresholding``,
``convolution_input_generator``, ``streaming_maxpool``, ``add_streams``, ``layernorm``,
``streaming_fifo``, ``streaming_data_width_converter``; the shared mixins are in ``hls_node``
and ``rtl_node``. Like every kernel module, none is imported until a node of its type is used.
"""
