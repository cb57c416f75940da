"""Backends: code generation and simulation of the builtin kernels."""
