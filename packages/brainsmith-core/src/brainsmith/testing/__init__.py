"""Test kit for plugin and kernel authors; imported only by tests.

- :mod:`brainsmith.testing.conformance`: the kernel conformance suite (:func:`check_kernel`):
  python == cppsim == rtlsim over datatypes and foldings, rtlsim cycles against the formula.
"""
