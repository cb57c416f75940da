"""The RTL backend engine: our Verilog modules, rtlsim in Icarus Verilog or Verilator, and yosys
resource counts, keyed by plain kernel parameters (the ``_rtl`` backend classes call it)."""
