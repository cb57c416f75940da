"""The RTL backend engine: our Verilog modules, rtlsim in Icarus Verilog or Verilator, and yosys
resource counts, keyed by plain kernel parameters (the kernels' ``_rtl`` backend classes call it).

Modules (import them directly; this package imports nothing so that listing plugins stays cheap):

- ``thresholding.ThresholdingRtl``, ``mvau.MvauRtl``, ``fifo.StreamingFifoRtl``,
  ``dwc.StreamingDataWidthConverterRtl``: one engine per kernel, built from its attributes;
- ``kernel.rtlsim(engine, x, stimulus=...)`` -> ``RtlsimResult(output, cycles)``;
- ``rtlsim.Stimulus`` (seed, input gaps, output back-pressure), ``rtlsim.simulate_stream`` for raw
  words; ``encoding.pack_words``/``unpack_words``; ``design.RtlDesign``;
- ``simulator.find_simulator`` (``BRAINSMITH_SIMULATOR``); ``synthesis.synthesize`` (yosys).
"""
