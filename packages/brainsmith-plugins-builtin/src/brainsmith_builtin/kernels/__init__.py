"""brainsmith's builtin hardware kernels, one module each (class named as its op_type).

This package's ``__init__`` imports nothing: kernels are loaded one by one when qonnx first
meets a node of their type (see :mod:`brainsmith_builtin.kernels.registration`).
"""
